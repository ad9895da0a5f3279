import math
import time

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sktransfer.metrics import _optimal, h_score
from sktransfer.metrics._optimal import (
    ace,
    divergence_transition_matrix,
    normalized_h_score,
    optimal_h_score,
)

# Slow, obviously-correct references: Definition 1 and Eq. 3 of Bao et al. 2019,
# written with Python loops over a joint pmf.


def joint_pmf_reference(x, y):
    """Empirical joint pmf P[i, j] of the i-th sorted x value and j-th class."""
    x_values, classes = sorted(set(x)), sorted(set(y))
    pmf = np.zeros((len(x_values), len(classes)))
    for xi, yi in zip(x, y, strict=True):
        pmf[x_values.index(xi), classes.index(yi)] += 1.0 / len(x)
    return pmf, x_values, classes


def dtm_reference(pmf):
    """B~[y, x] = P(x,y) / sqrt(P(x) P(y)) - sqrt(P(x) P(y)), entry by entry."""
    n_x, n_y = pmf.shape
    p_x = [sum(pmf[i, j] for j in range(n_y)) for i in range(n_x)]
    p_y = [sum(pmf[i, j] for i in range(n_x)) for j in range(n_y)]
    dtm = np.zeros((n_y, n_x))
    for i in range(n_x):
        for j in range(n_y):
            root = math.sqrt(p_x[i] * p_y[j])
            dtm[j, i] = pmf[i, j] / root - root
    return dtm


def h_score_eq3_reference(pmf, f):
    """||B~ Phi (Phi^T Phi)^(-1/2)||_F^2 with phi(x) = sqrt(P(x)) (f(x) - E f)."""
    p_x = pmf.sum(axis=1)
    mean = sum(p_x[i] * f[i] for i in range(len(p_x)))
    phi = np.array([math.sqrt(p_x[i]) * (f[i] - mean) for i in range(len(p_x))])
    values, vectors = np.linalg.eigh(phi.T @ phi)
    inv_sqrt = vectors @ np.diag(values**-0.5) @ vectors.T
    return float(np.sum((dtm_reference(pmf) @ phi @ inv_sqrt) ** 2))


def squared_singular_values_reference(x, y):
    pmf, _, _ = joint_pmf_reference(list(x), list(y))
    return np.linalg.svd(dtm_reference(pmf), compute_uv=False) ** 2


def make_discrete_task(seed, n_x=12, n_y=4, n_samples=400, dependence=2.0):
    """Discrete inputs and labels with a random dependence and some empty cells."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, n_x, n_samples)
    logits = dependence * rng.standard_normal((n_x, n_y))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(n_y, p=probs[xi]) for xi in x])
    return x, y


def dataset_from_counts(counts):
    """Samples (x_i, y_i) with each cell (x, y) repeated counts[x, y] times."""
    cells = np.argwhere(counts > 0)
    repeats = counts[counts > 0]
    return np.repeat(cells[:, 0], repeats), np.repeat(cells[:, 1], repeats)


def random_counts(seed, n_x, n_y, n_max=6):
    """Integer joint counts with empty cells but positive margins."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, n_max, (n_x, n_y)) * (rng.random((n_x, n_y)) < 0.6)
    counts[np.arange(n_x), np.arange(n_x) % n_y] += 1
    counts[np.arange(n_y) % n_x, np.arange(n_y)] += 1
    return counts


# divergence_transition_matrix


@pytest.mark.parametrize("seed", range(3))
def test_dtm_matches_definition(seed):
    x, y = make_discrete_task(seed, n_x=7, n_y=3, n_samples=60)
    x = np.array([f"image-{v}" for v in x])
    dtm, x_values, classes = divergence_transition_matrix(x, y)
    pmf, ref_x_values, ref_classes = joint_pmf_reference(list(x), list(y))
    np.testing.assert_allclose(dtm, dtm_reference(pmf), rtol=0, atol=1e-14)
    assert list(x_values) == ref_x_values
    assert list(classes) == ref_classes


def test_dtm_is_orthogonal_to_the_trivial_singular_vectors():
    x, y = make_discrete_task(0, n_samples=200)
    dtm, _, _ = divergence_transition_matrix(x, y)
    p_x = np.bincount(x) / x.size
    p_y = np.bincount(y) / y.size
    np.testing.assert_allclose(dtm @ np.sqrt(p_x), 0, atol=1e-15)
    np.testing.assert_allclose(np.sqrt(p_y) @ dtm, 0, atol=1e-15)


# optimal_h_score


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("n_x", "n_y"), [(12, 4), (3, 6), (40, 2), (5, 5)])
def test_optimal_h_score_is_squared_frobenius_norm_of_dtm(seed, n_x, n_y):
    x, y = make_discrete_task(seed, n_x=n_x, n_y=n_y, n_samples=150)
    pmf, _, _ = joint_pmf_reference(list(x), list(y))
    reference = dtm_reference(pmf)
    score = optimal_h_score(x, y)
    assert score == pytest.approx(np.sum(reference**2), rel=1e-12, abs=1e-15)
    squared = np.linalg.svd(reference, compute_uv=False) ** 2
    assert score == pytest.approx(np.sum(squared), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("n_x", "n_y"), [(15, 6), (6, 15)])
def test_optimal_h_score_with_n_components_sums_largest_squared_singular_values(
    seed, n_x, n_y
):
    x, y = make_discrete_task(seed, n_x=n_x, n_y=n_y, n_samples=300)
    squared = squared_singular_values_reference(x, y)
    for k in range(1, 7):
        assert optimal_h_score(x, y, n_components=k) == pytest.approx(
            np.sum(squared[:k]), rel=1e-12, abs=1e-14
        )


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("n_x", "n_y"), [(30, 9), (9, 30)])
def test_optimal_h_score_by_arpack_matches_dense_svd(seed, n_x, n_y, monkeypatch):
    monkeypatch.setattr(_optimal, "_GRAM_MAX_SIDE", 0)
    x, y = make_discrete_task(seed, n_x=n_x, n_y=n_y, n_samples=500)
    squared = squared_singular_values_reference(x, y)
    for k in range(1, 8):
        assert optimal_h_score(x, y, n_components=k) == pytest.approx(
            np.sum(squared[:k]), rel=1e-10
        )


def test_optimal_h_score_with_n_components_at_least_rank_is_the_full_norm():
    x, y = make_discrete_task(0, n_x=10, n_y=4)
    full = optimal_h_score(x, y)
    for k in (3, 4, 50):
        assert optimal_h_score(x, y, n_components=k) == full


@pytest.mark.parametrize("seed", range(5))
def test_optimal_h_score_is_at_most_classes_minus_one(seed):
    x, y = make_discrete_task(seed, n_x=20, n_y=5, dependence=3.0)
    assert 0 <= optimal_h_score(x, y) <= 4


@pytest.mark.parametrize("n_y", [2, 3, 7])
def test_optimal_h_score_is_classes_minus_one_when_y_is_a_function_of_x(n_y):
    rng = np.random.default_rng(n_y)
    label_of_x = np.arange(30) % n_y
    x = rng.integers(0, 30, 500)
    assert optimal_h_score(x, label_of_x[x]) == pytest.approx(n_y - 1, rel=1e-14)


def test_optimal_h_score_is_zero_for_independent_or_constant_input():
    x = np.repeat([0, 1, 2], 4)
    y = np.tile([0, 1, 0, 1], 3)
    assert optimal_h_score(x, y) == 0.0
    assert optimal_h_score(np.zeros(12), y) == 0.0


def test_optimal_h_score_does_not_depend_on_how_values_are_named():
    x, y = make_discrete_task(1)
    renamed_x = np.array([f"id{v * 7 % 12}" for v in x])
    renamed_y = np.array(["cat", "dog", "eel", "fox"])[(y + 1) % 4]
    assert optimal_h_score(renamed_x, renamed_y) == pytest.approx(
        optimal_h_score(x, y), rel=1e-14
    )


def test_optimal_h_score_scales_to_large_input_alphabets():
    rng = np.random.default_rng(0)
    n_x, n_samples = 100_000, 300_000
    x = rng.integers(0, n_x, n_samples)
    y = (x % 10 + (rng.random(n_samples) < 0.3) * rng.integers(0, 10, n_samples)) % 10
    start = time.perf_counter()
    full = optimal_h_score(x, y)
    top = optimal_h_score(x, y, n_components=3)
    assert time.perf_counter() - start < 10
    # Vectorised dense reference (the loop one is too slow at this size).
    joint = np.zeros((10, x.max() + 1))
    np.add.at(joint, (y, x), 1.0 / n_samples)
    joint = joint[:, joint.sum(axis=0) > 0]
    outer = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    dtm = (joint - outer) / np.sqrt(outer)
    squared = np.linalg.svd(dtm, compute_uv=False) ** 2
    assert full == pytest.approx(np.sum(dtm**2), rel=1e-12)
    assert top == pytest.approx(np.sum(squared[:3]), rel=1e-12)


# The identity of doc/methods.rst (normalised H-score): the sample H-score of
# f(x) on a dataset whose multiplicities are proportional to P(x, y) equals
# Eq. 3 for that pmf.


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("n_x", "n_y", "k"), [(8, 3, 1), (8, 3, 4), (6, 5, 2)])
def test_sample_h_score_equals_eq3_on_the_dtm(seed, n_x, n_y, k):
    counts = random_counts(seed, n_x, n_y)
    x, y = dataset_from_counts(counts)
    pmf = counts / counts.sum()
    f = np.random.default_rng(seed + 100).standard_normal((n_x, k)) * [
        10.0**p for p in range(k)
    ]
    assert h_score(f[x], y) == pytest.approx(
        h_score_eq3_reference(pmf, f), rel=1e-10, abs=1e-12
    )


# ace


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("n_x", "n_y", "k"),
    [(12, 4, 1), (12, 4, 3), (5, 9, 2), (40, 25, 1), (60, 30, 4), (25, 60, 2)],
)
def test_ace_finds_the_largest_singular_values_of_the_dtm(seed, n_x, n_y, k):
    x, y = make_discrete_task(seed, n_x=n_x, n_y=n_y, n_samples=1000)
    squared = squared_singular_values_reference(x, y)
    result = ace(x, y, n_components=k, random_state=seed, tol=1e-13)
    np.testing.assert_allclose(
        result.squared_correlations, squared[:k], rtol=0, atol=1e-8
    )
    assert h_score(result.features, y) == pytest.approx(np.sum(squared[:k]), abs=1e-8)
    assert h_score(result.features, y) == pytest.approx(
        np.sum(result.squared_correlations), rel=1e-10
    )


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("n_y", "k"), [(5, 3), (30, 2)])
def test_ace_features_are_maximal_correlation_functions(seed, n_y, k):
    x, y = make_discrete_task(seed, n_x=40, n_y=n_y, n_samples=1000)
    result = ace(x, y, n_components=k, random_state=seed, tol=1e-14)
    pmf, _, _ = joint_pmf_reference(list(x), list(y))
    p_x, p_y = pmf.sum(axis=1), pmf.sum(axis=0)
    f, g = result.x_features, result.y_features
    np.testing.assert_allclose(p_x @ f, 0, atol=1e-12)
    np.testing.assert_allclose(p_y @ g, 0, atol=1e-12)
    np.testing.assert_allclose(f.T @ (p_x[:, None] * f), np.eye(k), atol=1e-12)
    np.testing.assert_allclose(g.T @ (p_y[:, None] * g), np.eye(k), atol=1e-12)
    sigma = np.sqrt(result.squared_correlations)
    np.testing.assert_allclose(f.T @ pmf @ g, np.diag(sigma), atol=1e-7)
    # E[f(X) | Y] = sigma g(Y): the fixed point of the alternation.
    np.testing.assert_allclose((pmf.T @ f) / p_y[:, None], sigma * g, atol=1e-6)
    np.testing.assert_array_equal(result.features, f[result.x_values.searchsorted(x)])


def test_ace_with_full_dimension_reaches_the_optimal_h_score():
    x, y = make_discrete_task(2, n_x=10, n_y=4)
    result = ace(x, y, n_components=3, random_state=0)
    assert h_score(result.features, y) == pytest.approx(
        optimal_h_score(x, y), rel=1e-12
    )


def test_ace_is_reproducible_with_a_fixed_random_state():
    x, y = make_discrete_task(0)
    first = ace(x, y, n_components=2, random_state=7)
    second = ace(x, y, n_components=2, random_state=np.random.RandomState(7))
    np.testing.assert_array_equal(first.features, second.features)
    np.testing.assert_array_equal(first.y_features, second.y_features)
    assert first.n_iter == second.n_iter


def test_ace_handles_correlations_of_zero():
    # x has 4 values but only two label distributions: B~ has rank 1.
    x = np.repeat([0, 1, 2, 3], 6)
    y = np.tile([0, 1, 2, 0, 1, 2], 4)
    y[x == 0] = 0
    result = ace(x, y, n_components=2, random_state=0)
    squared = squared_singular_values_reference(x, y)
    np.testing.assert_allclose(result.squared_correlations, squared[:2], atol=1e-10)
    assert result.squared_correlations[1] == pytest.approx(0, abs=1e-12)
    assert np.all(np.isfinite(result.features))


def test_ace_rejects_more_components_than_functions():
    x, y = make_discrete_task(0, n_x=12, n_y=4)
    with pytest.raises(ValueError, match=r"n_components=4 is too large.*= 3"):
        ace(x, y, n_components=4)


def test_ace_warns_when_not_converged():
    x, y = make_discrete_task(0, n_x=40, n_y=30, n_samples=1000)
    with pytest.warns(ConvergenceWarning, match="max_iter=2") as record:
        result = ace(x, y, n_components=2, max_iter=2, random_state=0)
    assert record[0].filename == __file__
    assert result.n_iter == 2


def test_ace_converges_at_once_when_it_carries_every_function():
    # Nine nearly equal correlations: slow for a block of one function, but
    # the block holds all nine.
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2000, 20_000)
    y = (x % 10 + (rng.random(x.size) < 0.3) * rng.integers(0, 10, x.size)) % 10
    result = ace(x, y, n_components=1, random_state=0)
    assert result.n_iter <= 3
    assert result.squared_correlations[0] == pytest.approx(
        optimal_h_score(x, y, n_components=1), abs=1e-12
    )


# normalized_h_score


def make_features(seed, x, n_features=3, noise=0.0):
    """Features that are a function of x (plus optional per-sample noise)."""
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((x.max() + 1, n_features))
    return table[x] + noise * rng.standard_normal((x.size, n_features))


@pytest.mark.parametrize("seed", range(5))
def test_normalized_h_score_lies_in_unit_interval(seed):
    x, y = make_discrete_task(seed, n_x=20, n_y=4)
    X = make_features(seed, x)
    for kwargs in ({}, {"x": x}, {"optimal": ace(x, y, n_components=3).features}):
        assert 0 <= normalized_h_score(X, y, **kwargs) <= 1


def test_normalized_h_score_is_one_for_the_optimal_features():
    x, y = make_discrete_task(3, n_x=20, n_y=5)
    optimal = ace(x, y, n_components=4, random_state=0).features
    assert normalized_h_score(optimal, y, x=x) == pytest.approx(1, abs=1e-9)
    assert normalized_h_score(optimal, y, optimal=optimal) == 1.0


def test_normalized_h_score_denominators_agree_when_given_the_same_value():
    x, y = make_discrete_task(4, n_x=20, n_y=5)
    X = make_features(4, x)
    numerator = h_score(X, y)
    best = optimal_h_score(x, y)
    optimal = ace(x, y, n_components=4, random_state=0).features
    assert normalized_h_score(X, y, x=x) == pytest.approx(numerator / best, rel=1e-14)
    assert normalized_h_score(X, y, optimal=best) == pytest.approx(
        numerator / best, rel=1e-14
    )
    assert normalized_h_score(X, y, optimal=optimal) == pytest.approx(
        numerator / best, rel=1e-9
    )


def test_normalized_h_score_defaults_to_classes_minus_one():
    x, y = make_discrete_task(5, n_x=20, n_y=5)
    X = make_features(5, x)
    assert normalized_h_score(X, y) == pytest.approx(h_score(X, y) / 4, rel=1e-14)
    # An upper bound on ||B~||^2, so the default is a lower bound on the ratio.
    assert normalized_h_score(X, y) <= normalized_h_score(X, y, x=x)


def test_normalized_h_score_default_is_exact_when_y_is_a_function_of_x():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 30, 400)
    y = (np.arange(30) % 3)[x]
    X = make_features(0, x)
    assert normalized_h_score(X, y) == pytest.approx(
        normalized_h_score(X, y, x=x), rel=1e-13
    )


def test_normalized_h_score_applies_shrinkage_to_the_numerator_only():
    x, y = make_discrete_task(6, n_x=20, n_y=4)
    X = make_features(6, x, n_features=5)
    shrunk = normalized_h_score(X, y, x=x, shrinkage=0.3)
    assert shrunk == pytest.approx(
        h_score(X, y, shrinkage=0.3) / optimal_h_score(x, y), rel=1e-14
    )
    assert shrunk < normalized_h_score(X, y, x=x)


def test_normalized_h_score_warns_above_one_without_clipping():
    x, y = make_discrete_task(7, n_x=4, n_y=3, n_samples=60)
    X = make_features(7, x, n_features=6, noise=1.0)  # not a function of x
    expected = h_score(X, y) / optimal_h_score(x, y)
    assert expected > 1
    with pytest.warns(UserWarning, match="exceeds the optimal H-score") as record:
        assert normalized_h_score(X, y, x=x) == pytest.approx(expected, rel=1e-14)
    assert record[0].filename == __file__


def test_normalized_h_score_rejects_both_x_and_optimal():
    x, y = make_discrete_task(0)
    X = make_features(0, x)
    with pytest.raises(ValueError, match="x and optimal were both given"):
        normalized_h_score(X, y, x=x, optimal=1.0)


@pytest.mark.parametrize("optimal", [0, 0.0, -1.5])
def test_normalized_h_score_rejects_non_positive_optimal(optimal):
    x, y = make_discrete_task(0)
    with pytest.raises(ValueError, match="'optimal' parameter"):
        normalized_h_score(make_features(0, x), y, optimal=optimal)


def test_normalized_h_score_rejects_an_uninformative_denominator():
    x = np.repeat([0, 1, 2], 20)
    y = np.tile([0, 1], 30)
    X = make_features(0, x)
    with pytest.raises(ValueError, match="x carries no information about y"):
        normalized_h_score(X, y, x=x)
    with pytest.raises(ValueError, match="H-score of 0"):
        normalized_h_score(X, y, optimal=x[:, None].astype(float))


def test_normalized_h_score_rejects_mismatched_lengths():
    x, y = make_discrete_task(0)
    X = make_features(0, x)
    with pytest.raises(ValueError, match="x has 399 values but y has 400 labels"):
        normalized_h_score(X, y, x=x[:-1])
    with pytest.raises(ValueError, match="optimal has 399 rows but y has 400"):
        normalized_h_score(X, y, optimal=X[:-1])
    with pytest.raises(ValueError, match="y has 399 labels"):
        normalized_h_score(X, y[:-1])


def test_normalized_h_score_rejects_multi_task_labels():
    x, y = make_discrete_task(0)
    with pytest.raises(ValueError, match="y must be 1-D"):
        normalized_h_score(make_features(0, x), np.column_stack([y, y]))


# input checks shared by the discrete functions


@pytest.mark.parametrize(
    "function", [divergence_transition_matrix, optimal_h_score, ace]
)
def test_discrete_functions_check_their_inputs(function):
    with pytest.raises(ValueError, match="x has 3 values but y has 4 labels"):
        function([0, 1, 2], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y has a single class"):
        function([0, 1, 2], [5, 5, 5])
    with pytest.raises(ValueError, match="x contains NaN"):
        function([0.0, np.nan, 1.0], [0, 1, 0])


def test_normalized_h_score_names_the_single_class_of_y():
    with pytest.raises(ValueError, match="y has a single class \\('cat'\\)"):
        normalized_h_score(np.eye(4), ["cat"] * 4)
