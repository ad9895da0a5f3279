"""Tests of LEEP, NLEEP and the soft conditional entropy against their definitions."""

import math
import warnings
from collections import defaultdict

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, load_iris
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer._engine import _tables
from sktransfer.metrics import (
    ConditionalEntropyScorer,
    LEEPScorer,
    NLEEPScorer,
    _leep,
    conditional_entropy,
    get_metric,
    get_scorer,
    leep_score,
    nleep_score,
    soft_conditional_entropy,
    task_hardness,
)

# References: the papers' definitions, loop by loop ------------------------------


def reference_joint(y, theta):
    """P(y, z) = (1/n) sum_i 1[y_i = y] theta_iz, as a dict keyed by (y, z)."""
    theta = np.asarray(theta, dtype=np.float64)
    n, n_z = theta.shape
    joint = defaultdict(float)
    for i in range(n):
        for z in range(n_z):
            joint[(y[i], z)] += theta[i, z] / n
    return joint


def reference_leep(y, theta):
    """Nguyen et al. (2020), Eqs. (1)-(2): log of the expected empirical prediction."""
    y = list(y)
    theta = np.asarray(theta, dtype=np.float64)
    n, n_z = theta.shape
    joint = reference_joint(y, theta)
    classes = set(y)
    p_z = [sum(joint[(c, z)] for c in classes) for z in range(n_z)]
    total = 0.0
    for i in range(n):
        # A source class with P(z) = 0 has theta_iz = 0 for every i: skip it.
        eep = sum(
            joint[(y[i], z)] / p_z[z] * theta[i, z] for z in range(n_z) if p_z[z] > 0
        )
        total += math.log(eep)
    return total / n


def reference_soft_conditional_entropy(y, theta):
    """H(Y|Z) = -sum_{y,z} P(y,z) log(P(y,z) / P(z)) over the soft joint."""
    y = list(y)
    theta = np.asarray(theta, dtype=np.float64)
    n_z = theta.shape[1]
    joint = reference_joint(y, theta)
    classes = set(y)
    p_z = [sum(joint[(c, z)] for c in classes) for z in range(n_z)]
    return -sum(p * math.log(p / p_z[z]) for (_, z), p in joint.items() if p > 0)


def reference_nleep(X, y, *, variance, n_components, seed, covariance_type="diag"):
    """Li et al. (2021): PCA to the share of variance, a GMM, then LEEP.

    scikit-learn's GaussianMixture with its defaults, but for diagonal
    components a tolerance of 1e-3 per reduced feature, as nleep_score's Notes
    document.
    """
    X = np.asarray(X, dtype=np.float64)
    centred = X - X.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred / (len(X) - 1))
    eigenvalues, eigenvectors = eigenvalues[::-1], eigenvectors[:, ::-1]
    explained = np.cumsum(eigenvalues) / eigenvalues.sum()
    # The fewest components that explain more than `variance` of the variance.
    k = next(i + 1 for i, share in enumerate(explained) if share > variance)
    Z = centred @ eigenvectors[:, :k] / math.sqrt(np.mean(eigenvalues[:k]))
    tol = 1e-3 * k if covariance_type == "diag" else 1e-3
    mixture = GaussianMixture(
        n_components, covariance_type=covariance_type, tol=tol, random_state=seed
    ).fit(Z)
    return reference_leep(y, mixture.predict_proba(Z))


def class_features(n, n_features, n_classes, seed):
    """Gaussian features around a random centre per class, and the labels."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % n_classes)
    centres = rng.standard_normal((n_classes, n_features))
    return centres[y] + rng.standard_normal((n, n_features)), y


def random_proba(rng, n, n_z, concentration=0.3):
    return rng.dirichlet(np.full(n_z, concentration), size=n)


def related_labels(rng, theta, n_y):
    """Target labels that depend on the most probable source class, with noise."""
    z = theta.argmax(axis=1)
    noise = rng.integers(0, n_y, len(z)) * (rng.random(len(z)) < 0.3)
    return (z + noise) % n_y


# LEEP ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("n_y", "n_z"), [(2, 2), (3, 7), (10, 4), (5, 1)])
def test_leep_matches_definition(seed, n_y, n_z):
    rng = np.random.default_rng(seed)
    theta = random_proba(rng, 120, n_z)
    y = related_labels(rng, theta, n_y)
    assert leep_score(y, theta) == pytest.approx(
        reference_leep(y, theta), rel=1e-12, abs=1e-15
    )


def test_leep_matches_definition_with_string_labels():
    rng = np.random.default_rng(1)
    theta = random_proba(rng, 90, 6)
    y = np.array(["ant", "bee", "cat"])[related_labels(rng, theta, 3)]
    expected = reference_leep(y.tolist(), theta)
    assert leep_score(y, theta) == pytest.approx(expected, rel=1e-12)
    assert leep_score(y.tolist(), theta.tolist()) == pytest.approx(expected, rel=1e-12)


@given(
    n=st.integers(2, 40),
    n_z=st.integers(1, 6),
    n_y=st.integers(2, 4),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_leep_matches_definition_on_random_problems(n, n_z, n_y, seed):
    rng = np.random.default_rng(seed)
    theta = random_proba(rng, n, n_z, concentration=0.2)
    y = rng.integers(0, n_y, n)
    y[:2] = [0, 1]  # at least two classes
    assert leep_score(y, theta) == pytest.approx(
        reference_leep(y, theta), rel=1e-11, abs=1e-14
    )


def test_source_class_without_probability_mass_gives_no_nan():
    rng = np.random.default_rng(0)
    theta = random_proba(rng, 50, 3)
    y = related_labels(rng, theta, 2)
    padded = np.insert(theta, [0, 2, 3], 0.0, axis=1)  # three empty source classes
    score = leep_score(y, padded)
    assert np.isfinite(score)
    assert score == pytest.approx(leep_score(y, theta), rel=1e-13)


def test_leep_of_one_hot_predictions_is_the_negative_conditional_entropy():
    rng = np.random.default_rng(3)
    z = rng.integers(0, 8, 400)
    y = (z // 2 + rng.integers(0, 2, 400) * (rng.random(400) < 0.2)) % 4
    onehot = np.eye(8)[z]
    assert leep_score(y, onehot) == pytest.approx(-conditional_entropy(y, z), rel=1e-12)


def test_leep_of_a_constant_source_is_the_negative_target_entropy():
    y = np.array([0, 0, 0, 1, 2, 2])
    assert leep_score(y, np.ones((6, 1))) == pytest.approx(-task_hardness(y), rel=1e-13)


def test_leep_is_zero_when_the_source_determines_the_target():
    theta = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]] * 3)
    score = leep_score(["a", "b", "b"] * 3, theta)
    assert score == 0.0 and math.copysign(1.0, score) == 1.0


@pytest.mark.parametrize("seed", range(3))
def test_leep_lies_between_the_soft_nce_and_zero(seed):
    rng = np.random.default_rng(seed)
    theta = random_proba(rng, 200, 5, concentration=1.0)
    y = related_labels(rng, theta, 3)
    score = leep_score(y, theta)
    assert -soft_conditional_entropy(y, theta) <= score + 1e-15
    assert score <= 0.0


def test_leep_is_invariant_to_the_order_of_source_classes_and_target_names():
    rng = np.random.default_rng(4)
    theta = random_proba(rng, 100, 6)
    y = related_labels(rng, theta, 3)
    expected = leep_score(y, theta)
    permuted = theta[:, rng.permutation(6)]
    renamed = np.array([7, -1, 30])[y]
    assert leep_score(renamed, permuted) == pytest.approx(expected, rel=1e-13)


def test_float32_probabilities_are_accumulated_in_float64():
    rng = np.random.default_rng(5)
    theta32 = random_proba(rng, 3000, 20, concentration=0.5).astype(np.float32)
    y = related_labels(rng, theta32, 4)
    expected = reference_leep(y, theta32.astype(np.float64))
    assert leep_score(y, theta32) == pytest.approx(expected, rel=1e-12)
    # The same values as float64 give the same score.
    assert leep_score(y, theta32.astype(np.float64)) == pytest.approx(
        expected, rel=1e-12
    )


def test_sparse_probabilities_equal_dense_ones():
    rng = np.random.default_rng(6)
    z = rng.integers(0, 30, 300)
    y = (z % 4 + (rng.random(300) < 0.2)) % 4
    dense = np.eye(30)[z]
    expected = leep_score(y, dense)
    for sparse in (sp.csr_matrix(dense), sp.csc_array(dense), sp.coo_array(dense)):
        assert leep_score(y, sparse) == pytest.approx(expected, rel=1e-13)


def test_blocks_give_the_same_score_as_one_pass(monkeypatch):
    rng = np.random.default_rng(7)
    theta = random_proba(rng, 500, 12)
    y = related_labels(rng, theta, 5)
    expected = leep_score(y, theta)
    monkeypatch.setattr(_tables, "CHUNK_BYTES", 8 * 12 * 7)  # 7 rows per block
    assert leep_score(y, theta) == pytest.approx(expected, rel=1e-13)
    assert soft_conditional_entropy(y, theta) == pytest.approx(
        reference_soft_conditional_entropy(y, theta), rel=1e-12
    )


def test_leep_of_many_samples_and_classes_is_computed_without_loops():
    rng = np.random.default_rng(8)
    n, n_z, n_y = 50_000, 200, 50
    logits = rng.standard_normal((n, n_z)).astype(np.float32)
    theta = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, n_y, n)
    score = leep_score(y, theta)
    # Independent source and target: LEEP is close to -H(Y) from below.
    assert -task_hardness(y) - 0.02 < score <= -task_hardness(y) + 0.005


@pytest.mark.parametrize(
    ("y", "proba", "error", "message"),
    [
        ([0, 1], [0.5, 0.5], ValueError, "source_proba must be 2-D .*column_stack"),
        ([0, 1], [[0.5, np.nan], [0.5, 0.5]], ValueError, "NaN or infinity .row 0"),
        ([0, 1], [[0.5, 0.5], [np.inf, 0]], ValueError, "NaN or infinity .row 1"),
        ([0, 1], [[1.2, -0.2], [0.5, 0.5]], ValueError, "negative value in row 0"),
        ([0, 1], [[0.5, 0.5], [0.5, 0.6]], ValueError, "row 1 sums to 1.1, not 1"),
        ([0, 1, 1], [[0.5, 0.5]] * 2, ValueError, "3 labels but source_proba has 2"),
        ([1, 1], [[0.5, 0.5], [0.5, 0.5]], ValueError, "single class .*LEEP"),
        ([0, 1], [["a", "b"], ["c", "d"]], TypeError, "source_proba must hold real"),
        ([0, 1], np.zeros((2, 0)), ValueError, "source_proba is empty"),
        ([0, 0.5], [[0.5, 0.5], [0.5, 0.5]], ValueError, "non-integer float"),
    ],
)
def test_leep_rejects_bad_input_naming_the_argument(y, proba, error, message):
    with pytest.raises(error, match=message):
        leep_score(y, proba)


def test_rows_may_sum_to_one_within_float32_precision_whatever_the_dtype():
    theta = np.full((4, 3), np.float32(1 / 3), dtype=np.float32)
    theta[0] += np.float32(1e-5)  # 3e-5 off: float32 noise of a wide softmax
    assert np.isfinite(leep_score([0, 1, 0, 1], theta))
    assert np.isfinite(leep_score([0, 1, 0, 1], theta.astype(np.float64)))
    theta[0] += np.float32(2e-4)  # 6e-4 off: not rounding any more
    with pytest.raises(ValueError, match="row 0 sums to 1.0006"):
        leep_score([0, 1, 0, 1], theta.astype(np.float64))


# Soft conditional entropy ---------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("n_y", "n_z"), [(2, 3), (4, 9), (6, 1)])
def test_soft_conditional_entropy_matches_definition(seed, n_y, n_z):
    rng = np.random.default_rng(seed)
    theta = random_proba(rng, 150, n_z)
    y = related_labels(rng, theta, n_y)
    expected = reference_soft_conditional_entropy(y, theta)
    assert soft_conditional_entropy(y, theta) == pytest.approx(
        expected, rel=1e-12, abs=1e-15
    )
    assert soft_conditional_entropy(y, theta, base=2) == pytest.approx(
        expected / math.log(2), rel=1e-12, abs=1e-15
    )


def test_soft_conditional_entropy_of_one_hot_rows_is_the_hard_one():
    rng = np.random.default_rng(2)
    z = rng.integers(0, 5, 300)
    y = (z + (rng.random(300) < 0.3)) % 3
    assert soft_conditional_entropy(y, np.eye(5)[z]) == pytest.approx(
        conditional_entropy(y, z), rel=1e-13
    )


@pytest.mark.parametrize("seed", range(3))
def test_soft_conditional_entropy_lies_between_zero_and_target_entropy(seed):
    rng = np.random.default_rng(seed)
    theta = random_proba(rng, 100, 4, concentration=2.0)
    y = related_labels(rng, theta, 3)
    assert 0.0 <= soft_conditional_entropy(y, theta) <= task_hardness(y) + 1e-12


def test_soft_conditional_entropy_float32_and_errors():
    rng = np.random.default_rng(9)
    theta32 = random_proba(rng, 200, 5).astype(np.float32)
    y = related_labels(rng, theta32, 3)
    assert soft_conditional_entropy(y, theta32) == pytest.approx(
        reference_soft_conditional_entropy(y, theta32), rel=1e-12
    )
    with pytest.raises(ValueError, match="single class .*conditional entropy"):
        soft_conditional_entropy(np.zeros(200), theta32)
    with pytest.raises(ValueError, match="negative value"):
        soft_conditional_entropy(y, theta32 - 0.1)
    with pytest.raises(InvalidParameterError, match="'base' parameter"):
        soft_conditional_entropy(y, theta32, base=1)


def test_soft_conditional_entropy_scorer_reads_predict_proba():
    X, y = load_iris(return_X_y=True)
    source = LogisticRegression(max_iter=1000).fit(X[:, :2], y)
    proba = source.predict_proba(X[:, :2])
    scorer = ConditionalEntropyScorer(soft=True)
    assert scorer(source, X[:, :2], y) == -soft_conditional_entropy(y, proba)
    assert ConditionalEntropyScorer(soft=True, base=2)(
        source, X[:, :2], y
    ) == pytest.approx(-soft_conditional_entropy(y, proba, base=2))
    assert repr(scorer) == "ConditionalEntropyScorer(soft=True)"
    assert repr(ConditionalEntropyScorer(base=2, soft=True)) == (
        "ConditionalEntropyScorer(base=2, soft=True)"
    )
    with pytest.raises(ValueError, match="'soft' parameter"):
        ConditionalEntropyScorer(soft="yes")


# Scorers and registry ---------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:800], y[:800]


def test_leep_scorer_reads_predict_proba(digits):
    X, y = digits
    source = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    source.fit(X[:400], y[:400] % 5)
    expected = leep_score(y[400:], source.predict_proba(X[400:]))
    assert LEEPScorer()(source, X[400:], y[400:]) == expected
    assert repr(LEEPScorer()) == "LEEPScorer()"


def test_registry_names_give_the_metrics(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    theta = random_proba(rng, len(y), 7)
    assert get_metric("leep").input == "probabilities"
    assert get_metric("leep").score(theta, y) == leep_score(y, theta)
    assert get_metric("soft_neg_conditional_entropy").score(
        theta, y
    ) == -soft_conditional_entropy(y, theta)
    assert get_metric("nleep").input == "features"
    assert get_metric("nleep").score(X[:300], y[:300]) == nleep_score(
        X[:300], y[:300], random_state=0
    )
    assert repr(get_scorer("nleep")) == "NLEEPScorer(random_state=0)"
    assert repr(get_scorer("soft_neg_conditional_entropy")) == (
        "ConditionalEntropyScorer(soft=True)"
    )


# NLEEP ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_nleep_matches_pca_then_mixture_then_leep(seed):
    X, y = load_iris(return_X_y=True)
    X = X + np.random.default_rng(seed).normal(scale=0.3, size=X.shape)
    expected = reference_nleep(X, y, variance=0.8, n_components=15, seed=seed)
    assert nleep_score(X, y, random_state=seed) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "spherical"])
def test_nleep_with_other_covariances_matches_reference(covariance_type):
    X, y = load_iris(return_X_y=True)
    X = X + np.random.default_rng(0).normal(scale=0.3, size=X.shape)
    expected = reference_nleep(
        X, y, variance=0.8, n_components=15, seed=0, covariance_type=covariance_type
    )
    score = nleep_score(X, y, covariance_type=covariance_type, random_state=0)
    assert score == pytest.approx(expected, rel=1e-6)


def test_nleep_on_digits_matches_reference(digits):
    X, y = digits
    X, y = X[:300], y[:300] % 3
    expected = reference_nleep(X, y, variance=0.6, n_components=6, seed=0)
    score = nleep_score(X, y, n_components=6, pca_variance=0.6, random_state=0)
    assert score == pytest.approx(expected, rel=1e-6)


def test_nleep_is_reproducible_with_a_seed(digits):
    X, y = digits
    first = nleep_score(X, y, random_state=3)
    assert nleep_score(X, y, random_state=3) == first
    assert nleep_score(X, y, random_state=np.random.RandomState(3)) == first


def test_nleep_does_not_depend_on_the_units_of_the_features():
    X, y = load_iris(return_X_y=True)
    expected = nleep_score(X, y, random_state=0)
    for scale in (1e-6, 1e6):
        assert nleep_score(X * scale, y, random_state=0) == pytest.approx(
            expected, rel=1e-6
        )


def test_nleep_prefers_informative_features_to_noise(digits):
    X, y = digits
    noise = np.random.default_rng(0).standard_normal((len(y), 8))
    pca = PCA(16, random_state=0).fit_transform(X)
    assert nleep_score(pca, y, random_state=0) > nleep_score(noise, y, random_state=0)


def test_nleep_of_float32_features_is_close_to_float64(digits):
    X, y = digits
    X = PCA(10, random_state=0).fit_transform(X)
    score64 = nleep_score(X, y, random_state=0)
    score32 = nleep_score(X.astype(np.float32), y, random_state=0)
    assert score32 == pytest.approx(score64, rel=1e-3)


def test_nleep_options():
    X, y = load_iris(return_X_y=True)
    without_pca = nleep_score(X, y, pca_variance=None, random_state=0)
    assert -np.log(3) < without_pca <= 0
    diag = nleep_score(X, y, covariance_type="diag", n_components=3, random_state=0)
    assert -np.log(3) < diag <= 0
    sparse = nleep_score(sp.csr_array(X), y, random_state=0)
    assert sparse == pytest.approx(nleep_score(X, y, random_state=0), rel=1e-9)
    # Five components per class, but never more than the samples.
    assert np.isfinite(nleep_score(X[::15], y[::15], random_state=0))


@pytest.mark.parametrize(("tol", "max_iter"), [(0.0, 6), (1e-3, 100)])
def test_diagonal_em_matches_scikit_learn_from_the_same_start(
    tol, max_iter, monkeypatch
):
    X, _ = class_features(240, 4, 3, seed=0)
    Z = X * [1.0, 3.0, 0.5, 1e-3]  # unequal spreads: the variances matter
    labels = KMeans(8, n_init=1, random_state=0).fit(Z).labels_
    counts = np.bincount(labels, minlength=8)
    members = [Z[labels == k] for k in range(8)]
    reference = GaussianMixture(
        8,
        covariance_type="diag",
        tol=tol,
        max_iter=max_iter,
        weights_init=counts / len(Z),
        means_init=[m.mean(axis=0) for m in members],
        precisions_init=[1 / (m.var(axis=0) + 1e-6) for m in members],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = reference.fit(Z).predict_proba(Z)
    for chunk_bytes in (_leep.CHUNK_BYTES, 8 * (8 + 2 * 4) * 13):  # 13 rows
        monkeypatch.setattr(_leep, "CHUNK_BYTES", chunk_bytes)
        posteriors, converged = _leep._diagonal_mixture_posteriors(
            Z, labels, 8, tol=tol, max_iter=max_iter
        )
        assert converged == reference.converged_
        np.testing.assert_allclose(posteriors, expected, rtol=1e-9, atol=1e-12)


def test_nleep_is_invariant_to_an_offset_of_the_features():
    X, y = class_features(300, 6, 3, seed=1)
    for pca_variance in (0.8, None):
        expected = nleep_score(X, y, pca_variance=pca_variance, random_state=0)
        # 1e10 + x keeps x to about 1e-6: the score, to about as much.
        shifted = nleep_score(X + 1e10, y, pca_variance=pca_variance, random_state=0)
        assert shifted == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("factor", [2.0**-600, 1e-300, 1e300, 2.0**900])
def test_nleep_of_features_near_the_ends_of_float64_is_their_score(factor):
    X, y = class_features(120, 3, 3, seed=5)
    expected = nleep_score(X, y, random_state=0)
    assert nleep_score(X * factor, y, random_state=0) == pytest.approx(
        expected, rel=1e-9
    )


@pytest.mark.parametrize("shape", [(200, 12), (40, 300)], ids=["tall", "wide"])
def test_sparse_features_give_the_dense_score(shape):
    rng = np.random.default_rng(2)
    n_samples, n_features = shape
    y = rng.permutation(np.arange(n_samples) % 4)
    dense = rng.standard_normal(shape) * (rng.random(shape) < 0.1)
    dense[np.arange(n_samples), y] = 3.0  # a sparse column per class
    expected = nleep_score(dense, y, random_state=0)
    assert nleep_score(sp.csr_array(dense), y, random_state=0) == pytest.approx(
        expected, rel=1e-9
    )


def test_wide_features_match_the_reference():
    X, y = class_features(40, 90, 3, seed=6)  # PCA from the 40 x 40 kernel
    expected = reference_nleep(X, y, variance=0.8, n_components=15, seed=0)
    assert nleep_score(X, y, random_state=0) == pytest.approx(expected, rel=1e-6)


def test_nleep_of_very_wide_features_is_finite():
    X, y = class_features(50, 20_000, 2, seed=7)
    score = nleep_score(X, y, random_state=0)
    assert np.isfinite(score) and score <= 0


def test_kmeans_of_many_rows_is_seeded_from_a_sample_of_them(monkeypatch):
    X, y = class_features(600, 5, 3, seed=4)
    everywhere = nleep_score(X, y, random_state=0)
    seeded_from, original = [], _leep.kmeans_plusplus

    def kmeans_plusplus(Z, *args, **kwargs):
        seeded_from.append(len(Z))
        return original(Z, *args, **kwargs)

    monkeypatch.setattr(_leep, "_SEEDING_ROWS", 50)
    monkeypatch.setattr(_leep, "_SEEDING_ROWS_PER_COMPONENT", 2)
    sampled = nleep_score(X, y, random_state=0)
    monkeypatch.setattr(_leep, "kmeans_plusplus", kmeans_plusplus)
    assert nleep_score(X, y, random_state=np.random.RandomState(0)) == sampled
    assert seeded_from == [50]  # 15 components: max(50, 2 * 15) rows
    assert sampled == pytest.approx(everywhere, abs=0.05)


def test_nleep_warns_when_em_stops_before_converging(monkeypatch):
    X, y = class_features(200, 4, 3, seed=8)
    monkeypatch.setattr(_leep, "_MAX_ITER", 1)
    with pytest.warns(ConvergenceWarning, match="did not converge in 1 EM"):
        score = nleep_score(X, y, random_state=0)
    assert np.isfinite(score)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_components": 500}, ValueError, "n_components=500 is more than the 150"),
        ({"n_components": 0}, InvalidParameterError, "'n_components' parameter"),
        ({"pca_variance": 1.0}, InvalidParameterError, "'pca_variance' parameter"),
        ({"covariance_type": "x"}, InvalidParameterError, "'covariance_type'"),
    ],
)
def test_nleep_rejects_bad_parameters(kwargs, error, message):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(error, match=message):
        nleep_score(X, y, **kwargs)


def test_nleep_rejects_bad_labels():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="single class .*NLEEP"):
        nleep_score(X, np.zeros(150))
    with pytest.raises(ValueError, match="y has 149 labels but X has 150 rows"):
        nleep_score(X, y[1:])


def test_nleep_scorer_scores_the_representation(digits):
    X, y = digits
    pca = PCA(12, random_state=0).fit(X)
    scorer = NLEEPScorer(n_components=20, random_state=0)
    assert scorer(pca, X, y) == nleep_score(
        pca.transform(X), y, n_components=20, random_state=0
    )
    assert repr(scorer) == "NLEEPScorer(n_components=20, random_state=0)"
    assert repr(NLEEPScorer()) == "NLEEPScorer()"
    with pytest.raises(TypeError, match="NLEEPScorer scores a representation"):
        scorer(KNeighborsClassifier().fit(X[:, :3], y), X[:, :3], y)
    with pytest.raises(ValueError, match="'pca_variance' parameter of NLEEPScorer"):
        NLEEPScorer(pca_variance=2)
