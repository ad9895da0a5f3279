import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sktransfer._engine import _class_moments as class_moments_module
from sktransfer.metrics import GBCScorer, gbc_score, get_metric
from sktransfer.metrics import _gbc as gbc_module


def bhattacharyya_coefficient(mu_i, cov_i, mu_j, cov_j):
    """exp(-D_B) of two Gaussians, with full covariance matrices."""
    cov = (cov_i + cov_j) / 2
    diff = mu_i - mu_j
    distance = diff @ np.linalg.solve(cov, diff) / 8 + 0.5 * (
        np.linalg.slogdet(cov)[1]
        - 0.5 * (np.linalg.slogdet(cov_i)[1] + np.linalg.slogdet(cov_j)[1])
    )
    return np.exp(-distance)


def gbc_reference(X, y, gaussian="diagonal"):
    """Pandy et al. (2022): -sum over ordered pairs i != j of BC(i, j).

    Class variances are floored at 1e-4 of each feature's total variance
    (spherical: the mean class variance at 1e-4 of the mean total variance).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    d = X.shape[1]
    floor = 1e-4 * X.var(axis=0)
    gaussians = []
    for c in np.unique(y):
        members = X[y == c]
        variances = np.maximum(members.var(axis=0), floor)
        if gaussian == "spherical":
            spherical = max(members.var(axis=0).mean(), floor.mean())
            variances = np.full(d, spherical)
        gaussians.append((members.mean(axis=0), np.diag(variances)))
    total = 0.0
    for i, (mu_i, cov_i) in enumerate(gaussians):
        for j, (mu_j, cov_j) in enumerate(gaussians):
            if i != j:
                total += bhattacharyya_coefficient(mu_i, cov_i, mu_j, cov_j)
    return -total


def make_task(seed, n_samples=300, n_features=6, n_classes=4, separation=0.5):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    mixing = rng.standard_normal((n_features, n_features))
    X = rng.standard_normal((n_samples, n_features)) @ mixing
    centres = separation * rng.standard_normal((n_classes, n_features))
    return X + centres[y] + 2.0, y


@pytest.mark.parametrize("gaussian", ["diagonal", "spherical"])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", [(300, 6, 4), (100, 10, 2), (500, 30, 10)])
def test_gbc_matches_the_definition(gaussian, seed, shape):
    X, y = make_task(seed, *shape)
    assert gbc_score(X, y, gaussian=gaussian) == pytest.approx(
        gbc_reference(X, y, gaussian), rel=1e-10
    )


@pytest.mark.parametrize("gaussian", ["diagonal", "spherical"])
def test_n_components_scores_the_principal_components(gaussian):
    X, y = make_task(3, n_samples=400, n_features=12, n_classes=5)
    projected = PCA(4, svd_solver="full").fit_transform(X)
    assert gbc_score(X, y, gaussian=gaussian, n_components=4) == pytest.approx(
        gbc_reference(projected, y, gaussian), rel=1e-8
    )


@pytest.mark.parametrize("gaussian", ["diagonal", "spherical"])
def test_chunks_merged_give_the_whole(monkeypatch, gaussian):
    # Also one class a block of the matrix of pairs: it is never held whole.
    X, y = make_task(4, n_samples=500, n_features=5, n_classes=6)
    expected = gbc_reference(X, y, gaussian)
    monkeypatch.setattr(class_moments_module, "CHUNK_BYTES", 8 * 5 * 7)  # 7 rows
    monkeypatch.setattr(gbc_module, "CHUNK_BYTES", 8 * 5 * 7)
    assert gbc_score(X, y, gaussian=gaussian) == pytest.approx(expected, rel=1e-10)


def test_diagonal_gbc_is_invariant_to_per_feature_affine_maps():
    X, y = make_task(5, n_samples=200, n_features=4)
    scales = np.array([1e-6, 1.0, 1e3, 1e6])
    shifts = scales * np.array([100.0, -5.0, 0.0, 30.0])  # exact in float64
    assert gbc_score(X * scales + shifts, y) == pytest.approx(gbc_score(X, y), rel=1e-9)
    spherical = gbc_score(X, y, gaussian="spherical")
    assert gbc_score(3.0 * X + shifts, y, gaussian="spherical") == pytest.approx(
        spherical, rel=1e-9
    )
    assert gbc_score(X * scales, y, gaussian="spherical") != pytest.approx(
        spherical, rel=1e-3
    )


def test_gbc_lies_between_its_bounds():
    n_classes = 4
    A = np.random.default_rng(6).standard_normal((40, 3))
    same = np.vstack([A] * n_classes)
    y = np.repeat(np.arange(n_classes), 40)
    assert gbc_score(same, y) == pytest.approx(-n_classes * (n_classes - 1))
    far = same + 1e3 * np.arange(n_classes).repeat(40)[:, None]
    assert gbc_score(far, y) == 0.0
    X, y = make_task(7)
    assert -12.0 < gbc_score(X, y) < 0.0


def test_constant_features_and_single_samples_follow_the_limits():
    X, y = make_task(8, n_samples=120, n_features=3, n_classes=3)
    constant = np.hstack([X, np.full((120, 1), 7.0)])
    assert gbc_score(constant, y) == pytest.approx(gbc_score(X, y), rel=1e-12)
    # A feature constant within each class, at different values: no overlap.
    separating = np.hstack([X, y[:, None].astype(float)])
    assert gbc_score(separating, y) == 0.0
    # A class of one sample has the floor's variance: a narrow Gaussian.
    single = np.vstack([X, X[:1]])
    labels = np.append(y, 3)
    expected = gbc_reference(single, labels)
    assert gbc_score(single, labels) == pytest.approx(expected, rel=1e-10)
    assert expected < gbc_score(X, y)


def gbc_authors(X, y, gaussian):
    """The authors' published code (google-research stable_transfer gbc.py),
    written anew: variances floored at 1e-4 in feature units, and for
    spherical Gaussians the log-determinant term counted once, not per feature.
    """
    classes = np.unique(y)
    stats = []
    for c in classes:
        members = X[y == c]
        variance = np.maximum(members.var(axis=0), 1e-4)
        stats.append((members.mean(axis=0), variance))
    total = 0.0
    for i, (mu_i, var_i) in enumerate(stats):
        for j, (mu_j, var_j) in enumerate(stats):
            if i == j:
                continue
            if gaussian == "spherical":
                var_i, var_j = np.mean(var_i), np.mean(var_j)
            average = (var_i + var_j) / 2
            first = np.sum((mu_i - mu_j) ** 2 / average) / 8
            second = np.sum(np.log(average)) - 0.5 * (
                np.sum(np.log(var_i)) + np.sum(np.log(var_j))
            )
            total += np.exp(-(first + 0.5 * second))
    return -total


def test_relu_units_dead_on_one_class_are_not_perfect_separation():
    rng = np.random.default_rng(11)
    y = np.repeat([0, 1], 200)
    shared = rng.standard_normal((400, 4))
    # Unit 0 is 0 on every sample of class 0 and on half of class 1: the
    # classes coincide on most of its mass.
    relu = np.where(y == 1, np.maximum(rng.standard_normal(400), 0.0), 0.0)
    X = np.column_stack([relu, shared])
    score = gbc_score(X, y)
    assert -2.0 < score < -0.01
    assert score == pytest.approx(gbc_reference(X, y), rel=1e-10)


@pytest.mark.parametrize("gaussian", ["diagonal", "spherical"])
def test_the_authors_code_on_standardised_features(gaussian):
    # On standardised features the floors agree: the diagonal GBC is the
    # authors' value. Their spherical form counts the log-determinant once
    # rather than once per feature, which the Bhattacharyya distance of two
    # spherical Gaussians does not: there the values differ, both pinned.
    X, y = make_task(12, n_samples=90, n_features=4, n_classes=3)
    X = np.column_stack([X, np.where(y == 0, 0.0, X[:, 0])])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    ours, theirs = gbc_score(X, y, gaussian=gaussian), gbc_authors(X, y, gaussian)
    assert ours == pytest.approx(gbc_reference(X, y, gaussian), rel=1e-10)
    if gaussian == "diagonal":
        assert ours == pytest.approx(theirs, rel=1e-10)
    else:
        assert ours != pytest.approx(theirs, rel=1e-3)


def test_float32_and_float64_inputs_agree():
    X, y = make_task(9, n_samples=400, n_features=12, n_classes=5)
    X32 = X.astype(np.float32)
    for gaussian in ("diagonal", "spherical"):
        assert gbc_score(X32, y, gaussian=gaussian) == pytest.approx(
            gbc_score(X32.astype(np.float64), y, gaussian=gaussian), rel=1e-9
        )
        assert gbc_score(X32, y, gaussian=gaussian) == pytest.approx(
            gbc_score(X, y, gaussian=gaussian), rel=1e-4
        )
    assert gbc_score(X32, y, n_components=3) == pytest.approx(
        gbc_score(X, y, n_components=3), rel=1e-4
    )


def test_sparse_and_dense_features_agree():
    X, y = make_task(10, n_samples=150, n_features=6)
    X[np.abs(X) < 1.0] = 0.0
    assert gbc_score(sp.csr_matrix(X), y) == pytest.approx(gbc_score(X, y), rel=1e-12)
    assert gbc_score(sp.csr_matrix(X), y, n_components=2) == pytest.approx(
        gbc_score(X, y, n_components=2), rel=1e-10
    )


@pytest.mark.parametrize(
    "X, y, kwargs, error, match",
    [
        ([[0.0, np.nan], [1.0, 2.0]], [0, 1], {}, ValueError, "NaN or infinity"),
        ([[0.0], [1.0], [2.0]], [1, 1, 1], {}, ValueError, "single class.*GBC"),
        ([[0.0], [1.0], [2.0]], [0, 1], {}, ValueError, "2 labels but .* 3"),
        (np.empty((0, 2)), [], {}, ValueError, "X is empty"),
        ([0.0, 1.0, 2.0], [0, 1, 0], {}, ValueError, "X must be 2-D"),
        ([[0.0], [1.0]], [0, 1], {"gaussian": "full"}, ValueError, "gaussian"),
        ([[0.0], [1.0]], [0, 1], {"n_components": 0}, ValueError, "n_components"),
        ([[0.0], [1.0]], [0, 1], {"n_components": 2}, ValueError, "n_components=2"),
        ([[0.0], [1.0]], [0, 1], {"n_components": 1.5}, ValueError, "n_components"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(X, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        gbc_score(X, y, **kwargs)


def test_scorer_scores_the_representation():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    pca = PCA(8, random_state=0).fit(X)
    features = pca.transform(X)
    assert GBCScorer()(pca, X, y) == gbc_score(features, y)
    scorer = GBCScorer(gaussian="spherical", n_components=4)
    assert scorer(pca, X, y) == gbc_score(
        features, y, gaussian="spherical", n_components=4
    )
    assert repr(GBCScorer()) == "GBCScorer()"
    assert repr(scorer) == "GBCScorer(gaussian='spherical', n_components=4)"
    with pytest.raises(ValueError, match="gaussian"):
        GBCScorer(gaussian="full")


def test_registry_names_give_the_two_forms():
    X, y = make_task(11, n_samples=100, n_features=3, n_classes=2)
    assert get_metric("gbc").score(X, y) == gbc_score(X, y)
    assert get_metric("gbc_spherical").score(X, y) == gbc_score(
        X, y, gaussian="spherical"
    )
    assert repr(get_metric("gbc_spherical").scorer()) == (
        "GBCScorer(gaussian='spherical')"
    )
