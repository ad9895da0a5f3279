"""Identities and invariances of the metrics, by hypothesis (doc/methods.rst).

Each test states one property for every input hypothesis draws: features from
``hypothesis.extra.numpy`` with every element drawn, kept to well-conditioned
matrices by ``assume`` where the property needs it; labels and probability
matrices likewise. The properties already pinned by hypothesis elsewhere are
not repeated here: the H-score's bounds on low-rank Gaussian features and
shrinkage never raising it (test_hscore.py), the conditional entropy's bounds
(test_entropy.py), LEEP against its definition (test_leep.py), TransRate's
bounds (test_transrate.py).

With CI set, hypothesis runs a fixed, derandomised set of examples
(tests/conftest.py); the whole module takes well under a minute.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics import (
    FeatureStatistics,
    LabelStatistics,
    ProbabilityStatistics,
    conditional_entropy,
    gbc_score,
    h_score,
    leep_score,
    logme_score,
    normalized_h_score,
    optimal_h_score,
    soft_conditional_entropy,
    task_hardness,
    transrate_score,
)
from tests.reference import canonical_correlations_squared_sum

# Examples per test: cheap metrics get more. LogME iterates to convergence
# (about 20 ms a call), so its tests draw fewer.
MANY, SOME, FEW = 80, 40, 15
# Invariances of a well-conditioned problem hold to rounding, amplified by
# the conditioning the strategies allow (COND) and that of the maps applied.
COND = 1e4
RTOL = 1e-8
ATOL = 1e-10


def _no_few_samples_warning(metric):
    """The metric with FewSamplesWarning silenced: the properties hold anyway."""

    def quiet(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FewSamplesWarning)
            return metric(*args, **kwargs)

    return quiet


h = _no_few_samples_warning(h_score)
normalized = _no_few_samples_warning(normalized_h_score)


def _condition(X):
    """Size of ``X`` over its smallest centred direction (inf if rank-deficient).

    The size counts the offset too: features far from zero compared with their
    spread lose digits in any map applied to them.
    """
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    size = max(s[0], np.linalg.norm(X, 2))
    return math.inf if s[-1] == 0 else float(size / s[-1])


def _finite_floats(bound=1e3):
    return st.floats(-bound, bound, allow_nan=False, allow_subnormal=False)


@st.composite
def labels(draw, n_samples, min_classes=2, max_classes=4):
    """Class codes of ``n_samples`` samples with at least ``min_classes`` present."""
    n_classes = draw(st.integers(min_classes, max_classes))
    y = draw(arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1)))
    assume(np.unique(y).size >= min_classes)
    return y


@st.composite
def tasks(draw, max_features=5, max_samples=40, well_conditioned=True):
    """Features and labels; full column rank with condition below COND."""
    n_features = draw(st.integers(1, max_features))
    n_samples = draw(st.integers(n_features + 6, max_samples))
    X = draw(
        arrays(
            np.float64,
            (n_samples, n_features),
            elements=_finite_floats(),
            fill=st.nothing(),
        )
    )
    if well_conditioned:
        assume(_condition(X) < COND)
    return X, draw(labels(n_samples))


@st.composite
def invertible_maps(draw, n, max_condition=1e2):
    """An ``n x n`` matrix of condition below ``max_condition``, not tiny."""
    A = draw(arrays(np.float64, (n, n), elements=_finite_floats(10), fill=st.nothing()))
    singular = np.linalg.svd(A, compute_uv=False)
    assume(singular[-1] > 1e-2 and singular[0] / singular[-1] < max_condition)
    return A


@st.composite
def shifts(draw, X, largest=1e3):
    """A shift of each column of ``X`` by up to ``largest`` times its spread."""
    factors = draw(arrays(np.float64, X.shape[1], elements=_finite_floats(largest)))
    return factors * X.std(axis=0)


@st.composite
def rotations(draw, n):
    """An orthogonal ``n x n`` matrix, from the QR factor of a drawn one."""
    q, r = np.linalg.qr(draw(invertible_maps(n)))
    return q * np.sign(np.diag(r))


@st.composite
def relabellings(draw, y):
    """``y`` with its classes renamed by a drawn bijection, to ints or strings."""
    classes = np.unique(y)
    names = draw(st.permutations(range(classes.size)))
    if draw(st.booleans()):
        names = np.array([f"class {n}" for n in names])
    else:
        names = np.array(names) * 7 - 3
    return names[np.searchsorted(classes, y)]


def permutation_of(n):
    return st.permutations(range(n)).map(np.array)


@st.composite
def label_pairs(draw, max_samples=60, max_y=5, max_z=6, min_z=1):
    """Target and source labels of the same samples; y has two classes or more."""
    n = draw(st.integers(2, max_samples))
    y = draw(arrays(np.int64, n, elements=st.integers(0, max_y - 1)))
    z = draw(arrays(np.int64, n, elements=st.integers(0, max_z - 1)))
    assume(np.unique(y).size >= 2 and np.unique(z).size >= min_z)
    return y, z


@st.composite
def probability_tasks(draw, max_samples=40, max_sources=5):
    """Target labels and a matrix of source class probabilities (rows sum to 1)."""
    n = draw(st.integers(2, max_samples))
    k = draw(st.integers(1, max_sources))
    mass = draw(
        arrays(np.float64, (n, k), elements=st.floats(0, 1, allow_subnormal=False))
    )
    assume((mass.sum(axis=1) > 1e-3).all())
    y = draw(labels(n))
    return y, mass / mass.sum(axis=1, keepdims=True)


def close(a, b, rtol=RTOL, atol=ATOL):
    return a == pytest.approx(b, rel=rtol, abs=atol)


# H-score ---------------------------------------------------------------------


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), task=tasks())
def test_h_score_is_invariant_to_invertible_affine_maps(data, task):
    X, y = task
    A = data.draw(invertible_maps(X.shape[1]))
    b = data.draw(shifts(X @ A))
    assert close(h(X @ A + b, y), h(X, y), rtol=1e-6)


@settings(max_examples=MANY, deadline=None)
@given(
    task=tasks(),
    exponents=st.lists(st.integers(-8, 8), min_size=5, max_size=5),
)
def test_h_score_is_invariant_to_feature_scales_far_apart(task, exponents):
    X, y = task
    scales = 10.0 ** np.array(exponents[: X.shape[1]])
    assert close(h(X * scales, y), h(X, y), rtol=1e-6)


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), task=tasks())
def test_h_score_is_invariant_to_the_order_of_samples_and_names_of_classes(data, task):
    X, y = task
    order = data.draw(permutation_of(y.size))
    renamed = data.draw(relabellings(y))
    expected = h(X, y)
    assert close(h(X[order], y[order]), expected, rtol=1e-10)
    assert close(h(X, renamed), expected, rtol=1e-12, atol=1e-14)


@settings(max_examples=MANY, deadline=None)
@given(task=tasks(well_conditioned=False), copies=st.integers(2, 4))
def test_h_score_depends_on_the_empirical_distribution_only(task, copies):
    # Every sample repeated: same distribution, same H-score, rank
    # decisions included (the cut-off is relative to the largest direction).
    X, y = task
    assume(np.ptp(X, axis=0).max() > 0)
    expected = h(X, y)
    assert close(h(np.tile(X, (copies, 1)), np.tile(y, copies)), expected, 1e-9)


@settings(max_examples=MANY, deadline=None)
@given(task=tasks(well_conditioned=False))
def test_h_score_of_any_features_lies_between_zero_and_its_bound(task):
    # Arbitrary draws: ties, repeated columns, constant columns, rank loss.
    X, y = task
    score = h(X, y)
    rank = np.linalg.matrix_rank(X - X.mean(axis=0))
    assert -1e-12 <= score <= min(rank, np.unique(y).size - 1) * (1 + 1e-9) + 1e-12


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), task=tasks(max_features=3))
def test_adding_features_never_lowers_the_h_score(data, task):
    X, y = task
    extra = data.draw(
        arrays(
            np.float64,
            (X.shape[0], data.draw(st.integers(1, 3))),
            elements=_finite_floats(),
            fill=st.nothing(),
        )
    )
    both = np.hstack([X, extra])
    assume(_condition(both) < COND)
    assert h(both, y) >= h(X, y) * (1 - 1e-9) - 1e-12


@settings(max_examples=MANY, deadline=None)
@given(task=tasks())
def test_h_score_equals_its_whitened_class_means_and_canonical_forms(task):
    X, y = task
    m = X.shape[0]
    centred = X - X.mean(axis=0)
    # Sigma = L L^T; H = (1/m) sum_c n_c ||L^-1 (mu_c - mu)||^2
    # (doc/methods.rst, H-score)
    cholesky = np.linalg.cholesky(centred.T @ centred / m)
    whitened = 0.0
    for c in np.unique(y):
        members = centred[y == c]
        d = np.linalg.solve(cholesky, members.mean(axis=0))
        whitened += members.shape[0] / m * (d @ d)
    score = h(X, y)
    assert close(score, whitened, rtol=1e-7)
    assert close(score, canonical_correlations_squared_sum(X, y), rtol=1e-7)


@settings(max_examples=MANY, deadline=None)
@given(task=tasks(), alphas=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_shrinkage_lowers_the_h_score_monotonically(task, alphas):
    # Each direction's weight 1 / (lambda + a nu / (1 - a)) falls as a grows.
    X, y = task
    low, high = sorted(alphas)
    assert h(X, y, shrinkage=high) <= h(X, y, shrinkage=low) * (1 + 1e-9) + 1e-14


@settings(max_examples=MANY, deadline=None)
@given(
    data=st.data(),
    n_samples=st.integers(10, 40),
    n_features=st.integers(1, 4),
)
def test_integer_features_score_as_the_same_values_in_float64(
    data, n_samples, n_features
):
    X = data.draw(
        arrays(
            np.int32,
            (n_samples, n_features),
            elements=st.integers(-1000, 1000),
            fill=st.nothing(),
        )
    )
    assume(_condition(X.astype(np.float64)) < COND)
    y = data.draw(labels(n_samples))
    assert close(h(X, y), h(X.astype(np.float64), y), rtol=1e-12, atol=1e-14)
    assert close(logme_score(X, y), logme_score(X.astype(np.float64), y), 1e-12, 1e-14)


@st.composite
def discrete_tasks(draw, max_samples=60, max_x=8, max_y=4):
    """Discrete inputs x and labels y, and features that are a function of x."""
    n = draw(st.integers(4, max_samples))
    x = draw(arrays(np.int64, n, elements=st.integers(0, max_x - 1)))
    y = draw(arrays(np.int64, n, elements=st.integers(0, max_y - 1)))
    assume(np.unique(y).size >= 2)
    k = draw(st.integers(1, 3))
    table = draw(
        arrays(np.float64, (max_x, k), elements=_finite_floats(), fill=st.nothing())
    )
    return x, y, table[x]


@settings(max_examples=MANY, deadline=None)
@given(task=discrete_tasks())
def test_normalized_h_score_lies_in_the_unit_interval(task):
    x, y, X = task
    assume(np.ptp(X, axis=0).max() > 0)
    assume(optimal_h_score(x, y) > 1e-9)
    assert 0.0 <= normalized(X, y) <= 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # above 1 would warn
        assert 0.0 <= normalized(X, y, x=x) <= 1.0


@settings(max_examples=MANY, deadline=None)
@given(task=discrete_tasks())
def test_optimal_h_score_bounds_and_the_deterministic_case(task):
    x, y, _ = task
    best = optimal_h_score(x, y)
    n_x, n_y = np.unique(x).size, np.unique(y).size
    assert -1e-12 <= best <= min(n_x - 1, n_y - 1) * (1 + 1e-12) + 1e-12
    # y a function of x: every input value has one label.
    f = y[np.unique(x, return_index=True)[1]][np.unique(x, return_inverse=True)[1]]
    assume(np.unique(f).size >= 2)
    assert close(optimal_h_score(x, f), np.unique(f).size - 1, 1e-12, 1e-12)


@pytest.mark.parametrize("scale", [2.0**-700, 2.0**700])
def test_h_score_is_scale_free_where_squares_underflow_or_overflow(scale):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 60)
    X = rng.standard_normal((60, 4)) + y[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pinned in test_fuzz.py
        scaled = h_score(X * scale, y)
    assert scaled == pytest.approx(h_score(X, y), rel=1e-10)


# Conditional entropy and task hardness ------------------------------------------


@settings(max_examples=MANY, deadline=None)
@given(
    data=st.data(), z=arrays(np.int64, st.integers(2, 60), elements=st.integers(0, 7))
)
def test_conditional_entropy_is_zero_when_y_is_a_function_of_z(data, z):
    mapping = data.draw(
        st.lists(st.sampled_from(["a", "b", "c"]), min_size=8, max_size=8)
    )
    y = np.array(mapping)[z]
    assume(np.unique(y).size >= 2)
    assert conditional_entropy(y, z) == 0.0


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), pair=label_pairs())
def test_conditional_entropy_is_invariant_to_renaming_and_reordering(data, pair):
    y, z = pair
    expected = conditional_entropy(y, z)
    y2, z2 = data.draw(relabellings(y)), data.draw(relabellings(z))
    assert close(conditional_entropy(y2, z2), expected, 1e-12, 1e-15)
    order = data.draw(permutation_of(y.size))
    assert close(conditional_entropy(y[order], z[order]), expected, 1e-12, 1e-15)


@settings(max_examples=MANY, deadline=None)
@given(pair=label_pairs())
def test_chain_rule_of_entropy(pair):
    # H(Y, Z) = H(Z) + H(Y | Z), the joint labelled by its pairs.
    y, z = pair
    joint = y * 1000 + z
    assert close(
        task_hardness(joint), task_hardness(z) + conditional_entropy(y, z), 1e-12
    )


@settings(max_examples=MANY, deadline=None)
@given(pair=label_pairs(min_z=2))
def test_mutual_information_is_symmetric(pair):
    # H(Y) - H(Y|Z) = I(Y; Z) = H(Z) - H(Z|Y)
    y, z = pair
    left = task_hardness(y) - conditional_entropy(y, z)
    right = task_hardness(z) - conditional_entropy(z, y)
    assert close(left, right, 1e-10, 1e-12)
    assert left >= -1e-12


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), pair=label_pairs())
def test_more_source_information_never_raises_the_conditional_entropy(data, pair):
    y, z = pair
    w = data.draw(arrays(np.int64, y.size, elements=st.integers(0, 2)))
    merge = data.draw(arrays(np.int64, 6, elements=st.integers(0, 2)))
    h_z = conditional_entropy(y, z)
    # conditioning on more: H(Y | Z, W) <= H(Y | Z)
    assert conditional_entropy(y, z * 10 + w) <= h_z * (1 + 1e-12) + 1e-15
    # data processing: H(Y | g(Z)) >= H(Y | Z)
    assert conditional_entropy(y, merge[z]) >= h_z * (1 - 1e-12) - 1e-15
    # a constant source leaves all of H(Y)
    assert close(conditional_entropy(y, np.zeros_like(y)), task_hardness(y), 1e-12)


@settings(max_examples=MANY, deadline=None)
@given(pair=label_pairs(), base=st.floats(1.01, 100))
def test_entropies_change_base_by_a_constant(pair, base):
    y, z = pair
    assert close(
        conditional_entropy(y, z, base=base),
        conditional_entropy(y, z) / math.log(base),
        1e-12,
        1e-15,
    )
    hardness = task_hardness(y)
    assert close(task_hardness(y, base=base), hardness / math.log(base), 1e-12)
    assert 0.0 <= hardness <= math.log(np.unique(y).size) * (1 + 1e-12)


# Soft conditional entropy and LEEP -----------------------------------------------


@settings(max_examples=MANY, deadline=None)
@given(pair=label_pairs())
def test_soft_and_hard_measures_agree_on_one_hot_probabilities(pair):
    y, z = pair
    onehot = np.eye(z.max() + 1)[z]  # unused source classes give empty columns
    hard = conditional_entropy(y, z)
    assert close(soft_conditional_entropy(y, onehot), hard, 1e-12, 1e-14)
    assert close(leep_score(y, onehot), -hard, 1e-12, 1e-14)


@settings(max_examples=MANY, deadline=None)
@given(task=probability_tasks())
def test_leep_lies_between_the_negative_soft_entropy_and_zero(task):
    y, proba = task
    soft = soft_conditional_entropy(y, proba)
    leep = leep_score(y, proba)
    assert leep <= 0.0
    assert -soft <= leep + 1e-12
    assert -1e-15 <= soft <= task_hardness(y) * (1 + 1e-12) + 1e-15


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), task=probability_tasks())
def test_leep_and_soft_entropy_are_invariant_to_orders_and_names(data, task):
    y, proba = task
    leep, soft = leep_score(y, proba), soft_conditional_entropy(y, proba)
    rows = data.draw(permutation_of(y.size))
    columns = data.draw(permutation_of(proba.shape[1]))
    renamed = data.draw(relabellings(y))
    for y2, p2 in [(y[rows], proba[rows]), (y, proba[:, columns]), (renamed, proba)]:
        assert close(leep_score(y2, p2), leep, 1e-12, 1e-14)
        assert close(soft_conditional_entropy(y2, p2), soft, 1e-12, 1e-14)


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), task=probability_tasks())
def test_a_probability_of_the_smallest_float_counts_as_the_zero_it_nearly_is(
    data, task
):
    # 5e-324 where a probability was 0 (a float64 softmax gives it for
    # logits 745 apart): no sum of rows changes, and no score may move.
    y, proba = task
    row = data.draw(st.integers(0, y.size - 1))
    column = data.draw(st.integers(0, proba.shape[1] - 1))
    proba = proba.copy()
    proba[row, column] = 0.0
    assume(proba[row].sum() > 0.5)
    proba[row] /= proba[row].sum()
    tiny = proba.copy()
    tiny[row, column] = 5e-324
    soft = soft_conditional_entropy(y, tiny)
    assert close(soft, soft_conditional_entropy(y, proba), 1e-12, 1e-300)
    assert close(leep_score(y, tiny), leep_score(y, proba), 1e-12, 1e-300)


@settings(max_examples=MANY, deadline=None)
@given(y=st.integers(2, 60).flatmap(labels))
def test_leep_of_a_source_that_knows_nothing_is_minus_the_target_entropy(y):
    # Every sample gives all its probability to one source class, or spreads
    # it the same way: P(y|z) is the prior, LEEP is -H(Y).
    for proba in (np.ones((y.size, 1)), np.full((y.size, 4), 0.25)):
        assert close(leep_score(y, proba), -task_hardness(y), 1e-12, 1e-15)


# LogME, TransRate, GBC -------------------------------------------------------------


@settings(max_examples=FEW, deadline=None)
@given(data=st.data(), task=tasks(max_features=4, max_samples=30))
def test_logme_is_invariant_to_orders_names_rotations_finite_at_any_scale(data, task):
    X, y = task
    expected = logme_score(X, y)
    order = data.draw(permutation_of(y.size))
    assert close(logme_score(X[order], y[order]), expected, 1e-8, 1e-10)
    assert close(logme_score(X, data.draw(relabellings(y))), expected, 1e-8, 1e-10)
    Q = data.draw(rotations(X.shape[1]))
    assert close(logme_score(X @ Q, y), expected, 1e-6, 1e-8)
    # The whole range of float64: sigma = s^2 neither under- nor overflows.
    # Equality holds only where the evidence has one maximum: the published
    # fixed point starts at alpha = beta = 1 in the units of X, and where it
    # does not converge, which local maximum it reaches depends on them (seen:
    # 0.7033 against 0.6934); test_logme.py pins invariance where it holds.
    scale = 2.0 ** data.draw(st.integers(-950, 950))
    assert np.isfinite(logme_score(scale * X, y))


@settings(max_examples=SOME, deadline=None)
@given(data=st.data(), task=tasks())
def test_transrate_is_invariant_to_orders_names_rotations_and_shifts(data, task):
    # On features of moderate size: with eps = 1e-4, features in the hundreds
    # make I + Z^T Z / (n eps) so ill-conditioned (1e8) that its rounding alone
    # moves the score in the ninth digit.
    X, y = task
    X = X / np.abs(X).max()
    expected = transrate_score(X, y)
    order = data.draw(permutation_of(y.size))
    assert close(transrate_score(X[order], y[order]), expected, 1e-9, 1e-10)
    assert close(transrate_score(X, data.draw(relabellings(y))), expected, 1e-9, 1e-10)
    Q = data.draw(rotations(X.shape[1]))
    b = data.draw(shifts(X))
    assert close(transrate_score(X @ Q + b, y), expected, 1e-7, 1e-8)


def _smallest_class_spread(X, y):
    """The smallest positive standard deviation of a feature within a class,
    relative to the largest magnitude of that feature."""
    ratios = [1.0]
    size = np.abs(X).max(axis=0)
    for c in np.unique(y):
        spread = X[y == c].std(axis=0)
        positive = spread > 0
        ratios.extend(spread[positive] / size[positive])
    return min(ratios)


def transrate_reference(X, y, eps=1e-4):
    """R(Z) - sum_c n_c / n R(Z_c) from the singular values of the rows
    themselves, those at rounding level (numpy's matrix_rank cut) left out."""
    Z = X - X.mean(axis=0)

    def rate(rows):
        s = np.linalg.svd(rows, compute_uv=False)
        s = s[s > s[0] * max(rows.shape) * np.finfo(np.float64).eps]
        return 0.5 * np.log1p(s**2 / (rows.shape[0] * eps)).sum()

    return rate(Z) - sum(np.mean(y == c) * rate(Z[y == c]) for c in np.unique(y))


@settings(max_examples=SOME, deadline=None)
@given(
    data=st.data(),
    n_samples=st.integers(12, 40),
    rank=st.integers(1, 3),
    extra=st.integers(1, 4),
    exponent=st.integers(0, 9),
)
def test_transrate_of_rank_deficient_features_at_any_scale(
    data, n_samples, rank, extra, exponent
):
    # A layer of rank r < d: the rounding of its class Gram matrices must not
    # count as coding rate, however large the features are against eps.
    n_features = rank + extra
    W, M = (
        data.draw(
            arrays(np.float64, shape, elements=_finite_floats(10), fill=st.nothing())
        )
        for shape in [(n_samples, rank), (rank, n_features)]
    )
    assume(_condition(W) < COND)
    assume(np.linalg.svd(M, compute_uv=False)[-1] > 1e-2)
    y = data.draw(labels(n_samples))
    X = W @ M * 10.0**exponent
    score = transrate_score(X, y)
    assert score >= -1e-9
    assert close(score, transrate_reference(X, y), 1e-8, 1e-9)


@settings(max_examples=SOME, deadline=None)
@given(data=st.data(), task=tasks())
def test_gbc_bounds_and_invariances(data, task):
    X, y = task
    # GBC reads each class's own spread: a shift or scaling of a feature must
    # not round away a class spread far below the feature's size.
    assume(_smallest_class_spread(X, y) > 1e-3)
    n_classes = np.unique(y).size
    order = data.draw(permutation_of(y.size))
    columns = data.draw(permutation_of(X.shape[1]))
    renamed = data.draw(relabellings(y))
    scales = 10.0 ** np.array(
        data.draw(
            st.lists(st.integers(-3, 3), min_size=X.shape[1], max_size=X.shape[1])
        )
    )
    shift = data.draw(shifts(X))
    Q = data.draw(rotations(X.shape[1]))
    for gaussian in ("diagonal", "spherical"):
        score = gbc_score(X, y, gaussian=gaussian)
        assert -n_classes * (n_classes - 1) * (1 + 1e-12) <= score <= 0.0
        for X2, y2 in [(X[order], y[order]), (X, renamed), (X[:, columns], y)]:
            assert close(gbc_score(X2, y2, gaussian=gaussian), score, 1e-9, 1e-12)
    diagonal = gbc_score(X, y)
    assert close(gbc_score(X * scales + shift, y), diagonal, 1e-7, 1e-10)
    # spherical: the mean variance is a trace, unchanged by a rotation
    spherical = gbc_score(X, y, gaussian="spherical")
    assert close(
        gbc_score(3.0 * X @ Q + shift, y, gaussian="spherical"), spherical, 1e-7, 1e-10
    )


@settings(max_examples=SOME, deadline=None)
@given(
    task=tasks(),
    # tenths: their class means round (0.1 * 3 / 3 != 0.1), unlike 0.0 or 1.0
    value=st.integers(-(10**6), 10**6).map(lambda k: k / 10),
)
def test_a_feature_constant_over_all_samples_leaves_the_diagonal_gbc(task, value):
    # Every class is a point mass at the same value along it: overlap 1 there,
    # exactly, however the class means of that value round.
    X, y = task
    with_constant = np.column_stack([X, np.full(y.size, value)])
    assert gbc_score(with_constant, y) == gbc_score(X, y)


# Streaming accumulators --------------------------------------------------------------


@st.composite
def cuts(draw, n):
    """Sorted cut points splitting ``range(n)`` into chunks (some may be empty)."""
    points = draw(st.lists(st.integers(0, n), max_size=6))
    return [0, *sorted(points), n]


def _chunked(cut_points, *arrays_):
    for start, stop in zip(cut_points[:-1], cut_points[1:], strict=True):
        if stop > start:
            yield tuple(a[start:stop] for a in arrays_)


STREAMED = {
    "h_score": lambda X, y: h(X, y),
    "regularized_h_score": lambda X, y: h(X, y, shrinkage="ledoit_wolf"),
    "logme": logme_score,
}


@settings(max_examples=SOME, deadline=None)
@given(
    data=st.data(),
    task=tasks(max_features=4, max_samples=30),
    metric=st.sampled_from(sorted(STREAMED)),
)
def test_feature_statistics_of_any_chunking_equal_the_in_memory_metric(
    data, task, metric
):
    X, y = task
    stats = FeatureStatistics(metric=metric)
    for X_chunk, y_chunk in _chunked(data.draw(cuts(y.size)), X, y):
        stats.partial_fit(X_chunk, y_chunk)
    assert close(stats.score(), STREAMED[metric](X, y), 1e-10, 1e-12)


@settings(max_examples=SOME, deadline=None)
@given(data=st.data(), task=tasks(max_features=4, max_samples=30))
def test_merging_feature_statistics_is_associative_and_commutative(data, task):
    X, y = task
    a, b, c = (
        FeatureStatistics().partial_fit(X_part, y_part)
        for X_part, y_part in _chunked(_three_parts(data, y.size), X, y)
    )
    expected = h(X, y)
    for merged in (a.merge(b).merge(c), a.merge(b.merge(c)), c.merge(a).merge(b)):
        assert merged.n_samples_seen_ == y.size
        np.testing.assert_array_equal(merged.classes_, np.unique(y))
        assert close(merged.score(), expected, 1e-10, 1e-12)
        assert close(merged.score("logme"), logme_score(X, y), 1e-10, 1e-12)


def _three_parts(data, n):
    first = data.draw(st.integers(1, n - 2))
    second = data.draw(st.integers(first + 1, n - 1))
    return [0, first, second, n]


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), pair=label_pairs())
def test_label_statistics_of_any_chunking_and_merge_order_agree(data, pair):
    y, z = pair
    expected = conditional_entropy(y, z)
    stats = LabelStatistics()
    for y_chunk, z_chunk in _chunked(data.draw(cuts(y.size)), y, z):
        stats.partial_fit(y_chunk, z_chunk)
    assert close(stats.conditional_entropy(), expected, 1e-10, 1e-15)
    assume(y.size >= 3)
    a, b, c = (
        LabelStatistics().partial_fit(y_part, z_part)
        for y_part, z_part in _chunked(_three_parts(data, y.size), y, z)
    )
    for merged in (a.merge(b).merge(c), a.merge(b.merge(c)), b.merge(c).merge(a)):
        assert close(merged.conditional_entropy(), expected, 1e-10, 1e-15)


@settings(max_examples=MANY, deadline=None)
@given(data=st.data(), task=probability_tasks())
def test_probability_statistics_of_any_chunking_and_merge_order_agree(data, task):
    y, proba = task
    expected = soft_conditional_entropy(y, proba)
    stats = ProbabilityStatistics()
    for y_chunk, p_chunk in _chunked(data.draw(cuts(y.size)), y, proba):
        stats.partial_fit(y_chunk, p_chunk)
    assert close(stats.soft_conditional_entropy(), expected, 1e-10, 1e-15)
    assume(y.size >= 3)
    a, b, c = (
        ProbabilityStatistics().partial_fit(y_part, p_part)
        for y_part, p_part in _chunked(_three_parts(data, y.size), y, proba)
    )
    for merged in (a.merge(b).merge(c), a.merge(b.merge(c)), c.merge(b).merge(a)):
        assert close(merged.soft_conditional_entropy(), expected, 1e-10, 1e-15)
