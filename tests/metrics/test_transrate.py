import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sktransfer.metrics import TransRateScorer, get_metric, transrate_score
from sktransfer.metrics import _transrate as transrate_module


def coding_rate(Z, eps):
    """R(Z, eps) = 1/2 logdet(I + Z^T Z / (n eps)), by definition."""
    n, d = Z.shape
    sign, logdet = np.linalg.slogdet(np.eye(d) + Z.T @ Z / (n * eps))
    assert sign > 0
    return 0.5 * logdet


def transrate_reference(X, y, eps=1e-4):
    """Huang et al. (2022): R(Z) - sum_c n_c / n R(Z_c), Z centred once."""
    Z = np.asarray(X, dtype=np.float64)
    Z = Z - Z.mean(axis=0)
    y = np.asarray(y)
    n = len(y)
    conditional = 0.0
    for c in np.unique(y):
        members = Z[y == c]
        conditional += len(members) / n * coding_rate(members, eps)
    return coding_rate(Z, eps) - conditional


def make_task(seed, n_samples=300, n_features=6, n_classes=4, weights=None):
    rng = np.random.default_rng(seed)
    y = rng.choice(n_classes, n_samples, p=weights)
    mixing = rng.standard_normal((n_features, n_features))
    X = rng.standard_normal((n_samples, n_features)) @ mixing
    return X + rng.standard_normal((n_classes, n_features))[y] + 1.0, y


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    "shape", [(300, 6, 4), (100, 10, 2), (500, 30, 10), (40, 60, 3), (60, 25, 2)]
)
def test_transrate_matches_the_definition(seed, shape):
    X, y = make_task(seed, *shape)
    assert transrate_score(X, y) == pytest.approx(transrate_reference(X, y), rel=1e-10)


def test_classes_are_weighted_by_their_share_of_the_samples():
    X, y = make_task(3, n_samples=400, n_features=5, weights=[0.7, 0.2, 0.05, 0.05])
    assert transrate_score(X, y) == pytest.approx(transrate_reference(X, y), rel=1e-10)


@pytest.mark.parametrize("eps", [1e-6, 1e-2, 10.0])
def test_eps_is_the_squared_distortion(eps):
    X, y = make_task(4, n_samples=200, n_features=8)
    assert transrate_score(X, y, eps=eps) == pytest.approx(
        transrate_reference(X, y, eps), rel=1e-10
    )


def test_batches_and_row_segments_give_the_same_score(monkeypatch):
    # Classes larger and smaller than the feature count, in batches of one.
    X, y = make_task(5, n_samples=2600, n_features=4, n_classes=3)
    y[:30] = 3  # a small class as well
    expected = transrate_reference(X, y)
    monkeypatch.setattr(transrate_module, "_BATCH_BYTES", 1)
    assert transrate_score(X, y) == pytest.approx(expected, rel=1e-10)


def test_float32_and_float64_inputs_agree():
    X, y = make_task(6, n_samples=400, n_features=12, n_classes=5)
    X32 = X.astype(np.float32)
    assert transrate_score(X32, y) == pytest.approx(
        transrate_score(X32.astype(np.float64), y), rel=1e-9
    )
    assert transrate_score(X32, y) == pytest.approx(transrate_score(X, y), rel=1e-5)


def test_sparse_and_dense_features_agree():
    X, y = make_task(7, n_samples=150, n_features=6)
    X[np.abs(X) < 1.0] = 0.0
    assert transrate_score(sp.csr_matrix(X), y) == pytest.approx(
        transrate_score(X, y), rel=1e-10
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(4, 60),
    n_features=st.integers(1, 8),
    n_classes=st.integers(2, 5),
)
def test_transrate_lies_between_zero_and_the_coding_rate(
    seed, n_samples, n_features, n_classes
):
    # log det is concave and Z^T Z / n = sum_c (n_c / n) Z_c^T Z_c / n_c.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    score = transrate_score(X, y)
    Z = X - X.mean(axis=0)
    assert -1e-9 <= score <= coding_rate(Z, 1e-4) + 1e-9


def test_classes_with_the_same_distribution_score_zero():
    A = np.random.default_rng(8).standard_normal((50, 4))
    X = np.vstack([A, A, A])
    y = np.repeat([0, 1, 2], 50)
    assert transrate_score(X, y) == pytest.approx(0.0, abs=1e-10)


def test_better_separated_classes_score_higher():
    rng = np.random.default_rng(9)
    y = rng.integers(0, 3, 300)
    centres = rng.standard_normal((3, 5))
    noise = rng.standard_normal((300, 5))
    assert transrate_score(noise + 3 * centres[y], y) > transrate_score(
        noise + 0.3 * centres[y], y
    )


@pytest.mark.parametrize(
    "X, y, kwargs, error, match",
    [
        ([[0.0, np.nan], [1.0, 2.0]], [0, 1], {}, ValueError, "NaN or infinity"),
        ([[0.0], [1.0], [2.0]], [1, 1, 1], {}, ValueError, "single class.*TransRate"),
        ([[0.0], [1.0], [2.0]], [0, 1], {}, ValueError, "2 labels but .* 3"),
        (np.empty((0, 2)), [], {}, ValueError, "X is empty"),
        ([0.0, 1.0, 2.0], [0, 1, 0], {}, ValueError, "X must be 2-D"),
        ([[0.0], [1.0]], [[0, 1], [1, 0]], {}, ValueError, "y must be 1-D"),
        ([[0.0], [1.0]], [0, 1], {"eps": 0.0}, ValueError, "eps"),
        ([[0.0], [1.0]], [0, 1], {"eps": "1e-4"}, ValueError, "eps"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(X, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        transrate_score(X, y, **kwargs)


def test_scorer_scores_the_representation():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    pca = PCA(8, random_state=0).fit(X)
    assert TransRateScorer()(pca, X, y) == transrate_score(pca.transform(X), y)
    assert TransRateScorer(eps=0.1)(pca, X, y) == transrate_score(
        pca.transform(X), y, eps=0.1
    )
    assert repr(TransRateScorer()) == "TransRateScorer()"
    assert repr(TransRateScorer(eps=0.1)) == "TransRateScorer(eps=0.1)"
    with pytest.raises(ValueError, match="eps"):
        TransRateScorer(eps=-1.0)


def test_registry_name_gives_the_function_and_the_scorer():
    metric = get_metric("transrate")
    assert metric.input == "features"
    assert isinstance(metric.scorer(), TransRateScorer)
    X, y = make_task(10, n_samples=100, n_features=3, n_classes=2)
    assert metric.score(X, y) == transrate_score(X, y)


# The class terms -------------------------------------------------------------

FLOAT64_EPS = np.finfo(np.float64).eps


def class_log_determinants_reference(X, y, mean, eps):
    """log det(I + Z_c^T Z_c / (n_c eps)) of each class, Z_c = X_c - mean, from
    the singular values of Z_c: an eigenvalue at or below lambda_max times
    max(dims * eps64, (dims * eps_X)^2), dims = max(n_c, d), counts as zero."""
    dense = X.toarray() if sp.issparse(X) else np.asarray(X)
    eps_x = np.finfo(dense.dtype).eps if dense.dtype.kind == "f" else FLOAT64_EPS
    Z = dense.astype(np.float64) - mean
    logdets = []
    for c in range(y.max() + 1):
        rows = Z[y == c]
        eigenvalues = np.linalg.svd(rows, compute_uv=False) ** 2 / (len(rows) * eps)
        dims = max(rows.shape)
        cut = eigenvalues[0] * max(dims * FLOAT64_EPS, (dims * eps_x) ** 2)
        logdets.append(np.log1p(eigenvalues[eigenvalues > cut]).sum())
    return np.array(logdets)


def class_terms(X, y, eps=1e-4):
    """The module's class terms, centred at the exact mean, and the reference's."""
    mean = np.asarray(X.astype(np.float64).mean(axis=0)).ravel()
    counts = np.bincount(y)
    return (
        transrate_module._class_log_determinants(X, y, counts, mean, eps),
        class_log_determinants_reference(X, y, mean, eps),
    )


def balanced_labels(rng, n_samples, n_classes):
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    return y


def low_rank_features(rng, n_samples, n_features, rank, scale):
    return rng.standard_normal((n_samples, rank)) @ rng.standard_normal(
        (rank, n_features)
    ) * scale + rng.standard_normal(n_features)


def duplicated_features(rng, n_samples, n_features, scale):
    # Whole copies of a few columns: rank-deficient in any precision.
    A = rng.integers(-50, 50, (n_samples, max(1, n_features // 3))) * scale
    return np.hstack([A] * 3 + [A[:, :1]] * n_features)[:, :n_features]


# Each case: (X, y, eps); classes larger and smaller than the feature count.
CLASS_CASES = {
    "more_samples_than_features": lambda rng: (
        rng.standard_normal((900, 12)) @ rng.standard_normal((12, 12)),
        balanced_labels(rng, 900, 4),
        1e-4,
    ),
    "fewer_samples_than_features": lambda rng: (
        rng.standard_normal((240, 150)) + 3.0,
        balanced_labels(rng, 240, 3),
        1e-4,
    ),
    "low_rank_at_scale_1e5": lambda rng: (
        low_rank_features(rng, 600, 90, 7, 1e5),
        balanced_labels(rng, 600, 3),
        1e-4,
    ),
    "low_rank_wide_at_scale_1e5": lambda rng: (
        low_rank_features(rng, 160, 300, 20, 1e5),
        balanced_labels(rng, 160, 2),
        1e-4,
    ),
    "duplicated_features_at_scale_1e5": lambda rng: (
        duplicated_features(rng, 500, 120, 1e5),
        balanced_labels(rng, 500, 3),
        1e-4,
    ),
    "duplicated_features_float32": lambda rng: (
        duplicated_features(rng, 400, 90, 2.0**10).astype(np.float32),
        balanced_labels(rng, 400, 2),
        1e-4,
    ),
    "float32": lambda rng: (
        rng.standard_normal((500, 80)).astype(np.float32),
        balanced_labels(rng, 500, 3),
        1e-2,
    ),
    "one_sample_classes": lambda rng: (
        rng.standard_normal((30, 5)),
        np.concatenate([np.arange(10), np.full(20, 10)]),
        1e-4,
    ),
    "wide": lambda rng: (
        rng.standard_normal((50, 20_000)),
        balanced_labels(rng, 50, 3),
        1e-4,
    ),
    "sparse_wide": lambda rng: (
        sp.random(160, 8_000, density=3e-3, format="csr", random_state=1),
        balanced_labels(rng, 160, 2),
        1e-4,
    ),
    "sparse_tall": lambda rng: (
        sp.random(900, 40, density=0.2, format="csr", random_state=2),
        balanced_labels(rng, 900, 5),
        1e-4,
    ),
}


@pytest.mark.parametrize("case", CLASS_CASES)
@pytest.mark.parametrize(
    "stack_side, batch_bytes",
    [(None, None), (0, None), (10**9, None), (0, 4096)],
    ids=["default", "one_by_one", "stacked", "one_by_one_in_pieces"],
)
def test_class_terms_follow_the_rank_rule_on_singular_values(
    monkeypatch, case, stack_side, batch_bytes
):
    # Whether a class is computed alone or in a stack, whole or in pieces, its
    # log-determinant is that of its own singular values: the rounding of a
    # rank-deficient class's Gram matrix counts for nothing, at any scale.
    if stack_side is not None:
        monkeypatch.setattr(transrate_module, "_STACK_SIDE", stack_side)
    if batch_bytes is not None:
        monkeypatch.setattr(transrate_module, "_BATCH_BYTES", batch_bytes)
    X, y, eps = CLASS_CASES[case](np.random.default_rng(11))
    logdets, expected = class_terms(X, y, eps)
    np.testing.assert_allclose(logdets, expected, rtol=1e-9, atol=1e-12)


def rank_cut_transrate_reference(X, y, eps=1e-4):
    """R(Z) - sum_c n_c / n R(Z_c) from the singular values of the rows
    themselves, those at rounding level (numpy's matrix_rank cut) left out."""
    Z = X - X.mean(axis=0)

    def rate(rows):
        s = np.linalg.svd(rows, compute_uv=False)
        s = s[s > s[0] * max(rows.shape) * FLOAT64_EPS]
        return 0.5 * np.log1p(s**2 / (rows.shape[0] * eps)).sum()

    return rate(Z) - sum(np.mean(y == c) * rate(Z[y == c]) for c in np.unique(y))


@pytest.mark.parametrize("n_samples", [400, 60])
def test_duplicated_features_at_scale_1e5_score_as_the_definition(n_samples):
    # Counted as coding rate, the rounding of rank-deficient classes' Gram
    # matrices moves the score by far more than this tolerance, which leaves
    # room for the engine's routes. Classes of 20 samples have rank 15 in both
    # Gram matrices.
    rng = np.random.default_rng(12)
    A = rng.standard_normal((n_samples, 15)) * 1e5
    X = np.hstack([A, A, A[:, :5]])
    y = balanced_labels(rng, n_samples, 3)
    assert transrate_score(X, y) == pytest.approx(
        rank_cut_transrate_reference(X, y), rel=1e-6
    )


@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_the_rank_cut_is_on_eigenvalues_not_pivots(factor):
    # A direction spread over many rows has pivots below its eigenvalue: the
    # pivoted Cholesky factorisation alone would leave out an eigenvalue of
    # 2 tau; the rule keeps it, and cuts one of tau / 2. (The epsilon of
    # float32 input puts tau far above the rounding of G, 1e14 * eps64.)
    rng = np.random.default_rng(13)
    side = 40
    eps32 = float(np.finfo(np.float32).eps)
    tau = 1e14 * (side * eps32) ** 2
    Q, _ = np.linalg.qr(rng.standard_normal((side, side)))
    kept = [1e14, 1e13, 1e12, factor * tau]
    gram = (Q[:, :4] * kept) @ Q[:, :4].T
    if factor > 1:
        assert scipy.linalg.lapack.dpstrf(gram, tol=tau, lower=1)[2] == 3
    else:
        kept = kept[:3]
    logdet = transrate_module._log_det_identity_plus(
        gram[None].copy(), np.array([side]), eps32
    )
    # Up to the rounding of forming G, 1e14 * eps64 against 2 tau = 4540.
    assert logdet[0] == pytest.approx(np.log1p(kept).sum(), rel=1e-7)


def test_rank_deficient_classes_need_no_eigenvalues(monkeypatch):
    # Genuinely rank-deficient classes, their rounding far below the cut and
    # their signal far above: pivoted Cholesky finds the rank on its own.
    def refuse(*args):
        raise AssertionError("an eigendecomposition was used")

    monkeypatch.setattr(transrate_module, "_eigen_log_dets", refuse)
    rng = np.random.default_rng(14)
    for X, y in [
        (
            low_rank_features(rng, 900, 150, 12, 1e5),
            balanced_labels(rng, 900, 3),
        ),  # Z^T Z
        (
            low_rank_features(rng, 200, 400, 30, 1e5),
            balanced_labels(rng, 200, 2),
        ),  # Z Z^T
        (duplicated_features(rng, 600, 120, 1e5), balanced_labels(rng, 600, 3)),
    ]:
        logdets, expected = class_terms(X, y)
        np.testing.assert_allclose(logdets, expected, rtol=1e-9)


def test_wide_sparse_classes_are_densified_in_bounded_pieces(monkeypatch):
    # Of sparse rows, a class densifies only the columns it stores entries
    # in, in pieces of at most _BATCH_BYTES; the others add mean_j^2 each.
    X = sp.random(160, 12_000, density=2e-3, format="csr", random_state=3)
    X = X + sp.csr_matrix(
        (np.full(160, 7.0), (np.arange(160), np.full(160, 17))), shape=X.shape
    )  # one column far from zero throughout
    y = balanced_labels(np.random.default_rng(15), 160, 2)
    batch_bytes = 8 * 80 * 400
    monkeypatch.setattr(transrate_module, "_BATCH_BYTES", batch_bytes)
    pieces = []
    centred = transrate_module._centred

    def spy(values, mean):
        block = centred(values, mean)
        pieces.append(block.shape)
        return block

    monkeypatch.setattr(transrate_module, "_centred", spy)
    logdets, expected = class_terms(X, y)
    np.testing.assert_allclose(logdets, expected, rtol=1e-10)
    assert max(rows * columns for rows, columns in pieces) * 8 <= batch_bytes
    assert sum(columns for _, columns in pieces) < 0.5 * X.shape[1]
    dense, _ = class_terms(X.toarray(), y)
    np.testing.assert_allclose(logdets, dense, rtol=1e-12)


def test_float32_classes_score_as_their_float64_copies():
    # Same values, same log-determinants: nothing is near either rank cut.
    X, y = make_task(16, n_samples=3000, n_features=100, n_classes=30)
    X32 = X.astype(np.float32)
    logdets, _ = class_terms(X32, y)
    copies, _ = class_terms(X32.astype(np.float64), y)
    np.testing.assert_allclose(logdets, copies, rtol=1e-13)


@pytest.mark.parametrize("scale", [1e-100, 1e-3])
@pytest.mark.parametrize("n_features", [6, 200])
def test_features_far_below_the_distortion_keep_their_relative_precision(
    scale, n_features
):
    # log det(I + G) ~ trace(G) for a small G: a Cholesky factor of I + G
    # would round it away; the eigenvalues keep every digit.
    rng = np.random.default_rng(17)
    X = rng.standard_normal((150, n_features)) * scale
    logdets, expected = class_terms(X, balanced_labels(rng, 150, 3))
    np.testing.assert_allclose(logdets, expected, rtol=1e-10)


@pytest.mark.parametrize("n_features", [4, 150])
def test_class_terms_near_the_top_of_float64_are_exact_or_refused(n_features):
    rng = np.random.default_rng(18)
    X = rng.standard_normal((100, n_features))
    y = balanced_labels(rng, 100, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logdets, expected = class_terms(X * 1e140, y)
        np.testing.assert_allclose(logdets, expected, rtol=1e-10)
        with pytest.raises(ValueError, match="too large for TransRate"):
            class_terms(X * 1e155, y)
