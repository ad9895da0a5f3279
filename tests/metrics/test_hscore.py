import logging
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.covariance import OAS, LedoitWolf

from sktransfer._engine import SufficientStatistics
from sktransfer.exceptions import FewSamplesWarning, PrecisionError
from sktransfer.metrics import h_score
from sktransfer.metrics._hscore import h_score_from_statistics, shrinkage_coefficient
from tests.reference import (
    canonical_correlations_squared_sum,
    h_score_mpmath,
    h_score_reference,
    shrunk_h_score_reference,
)


def make_task(seed, n_samples=300, n_features=6, n_classes=4, separation=0.7):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    centres = rng.standard_normal((n_classes, n_features)) * separation
    X = rng.standard_normal((n_samples, n_features)) @ rng.standard_normal(
        (n_features, n_features)
    )
    return X + centres[y], y


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_h_score_matches_definition(seed, n_classes):
    X, y = make_task(seed, n_classes=n_classes)
    assert h_score(X, y) == pytest.approx(h_score_reference(X, y), rel=1e-11)


@pytest.mark.parametrize("seed", range(3))
def test_h_score_is_sum_of_squared_canonical_correlations(seed):
    X, y = make_task(seed, n_features=8, n_classes=5)
    assert h_score(X, y) == pytest.approx(
        canonical_correlations_squared_sum(X, y), rel=1e-10
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(3, 60),
    n_features=st.integers(1, 8),
    n_classes=st.integers(2, 6),
    rank=st.integers(1, 8),
)
def test_h_score_lies_between_zero_and_min_of_rank_and_classes_minus_one(
    seed, n_samples, n_features, n_classes, rank
):
    rng = np.random.default_rng(seed)
    rank = min(rank, n_features)
    X = rng.standard_normal((n_samples, rank)) @ rng.standard_normal((rank, n_features))
    y = np.arange(n_samples) % n_classes  # every class present
    rng.shuffle(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewSamplesWarning)
        score = h_score(X, y)
    bound = min(np.linalg.matrix_rank(X - X.mean(axis=0)), n_classes - 1)
    assert -1e-12 <= score <= bound * (1 + 1e-9)


def test_h_score_is_invariant_to_invertible_affine_maps():
    X, y = make_task(7, n_features=5)
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 5))
    b = rng.standard_normal(5) * 1e3
    assert h_score(X @ A + b, y) == pytest.approx(h_score(X, y), rel=1e-10)


def test_h_score_is_invariant_to_feature_scales_1e8_apart():
    X, y = make_task(8, n_features=4)
    scales = np.array([1e-8, 1.0, 1e4, 1e8])
    assert h_score(X * scales, y) == pytest.approx(h_score(X, y), rel=1e-10)
    assert h_score((X + 1e3) * scales, y) == pytest.approx(h_score(X, y), rel=1e-9)


def test_float32_features_agree_with_float64():
    X, y = make_task(9, n_samples=2000, n_features=16, n_classes=7)
    assert h_score(X.astype(np.float32), y) == pytest.approx(
        h_score(X.astype(np.float32).astype(np.float64), y), rel=1e-5
    )


def test_near_collinear_features_give_the_exact_value():
    # Last 8 of 40 columns are a linear mix of 8 others plus 1e-6 noise: the
    # covariance's condition number is ~1e12 and pinv(np.cov(X)) is ~0.5% off.
    rng = np.random.default_rng(0)
    m, k, n_classes = 500, 40, 5
    y = rng.integers(0, n_classes, m)
    X = rng.standard_normal((m, k)) + 0.3 * y[:, None]
    X[:, 32:] = X[:, :8] @ rng.standard_normal((8, 8)) + 1e-6 * rng.standard_normal(
        (m, 8)
    )
    exact = h_score_mpmath(X, y)
    assert h_score(X, y) == pytest.approx(exact, rel=1e-8)

    # The common recipe is far off here, so this case does test something.
    sigma_b = sum(
        np.mean(y == c)
        * np.outer(X[y == c].mean(0) - X.mean(0), X[y == c].mean(0) - X.mean(0))
        for c in range(n_classes)
    )
    naive = np.trace(np.linalg.pinv(np.cov(X.T, bias=True), rcond=1e-15) @ sigma_b)
    assert abs(naive - exact) / exact > 1e-4


def test_duplicated_and_constant_columns_change_nothing():
    X, y = make_task(3, n_features=5)
    padded = np.column_stack([X, X[:, :2], np.full(len(X), 3.0), 2 * X[:, 4]])
    assert h_score(padded, y) == pytest.approx(h_score(X, y), rel=1e-10)


def test_constant_features_score_zero():
    y = np.arange(100) % 3
    assert h_score(np.ones((100, 4)), y) == 0.0


def test_float32_rounding_noise_of_a_low_rank_layer_adds_nothing():
    # A wide float32 layer of rank 8: its rounding noise spans the other 56
    # directions, which the plain pinv of np.cov would invert.
    rng = np.random.default_rng(4)
    m, n_classes = 3000, 4
    y = rng.integers(0, n_classes, m)
    Z = rng.standard_normal((m, 8)) + 0.5 * y[:, None]
    wide = (Z @ rng.standard_normal((8, 64))).astype(np.float32)
    assert h_score(wide, y) == pytest.approx(h_score(Z, y), rel=1e-4)
    assert h_score(wide, y) <= n_classes - 1


def test_one_sample_per_class_gives_the_class_means_rank():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((6, 2))
    y = np.arange(6)
    with pytest.warns(FewSamplesWarning):
        score = h_score(X, y)
    assert score == pytest.approx(h_score_reference(X, y), rel=1e-12)
    assert score == pytest.approx(2.0)


def test_many_features_warn_and_suggest_shrinkage():
    X, y = make_task(6, n_samples=40, n_features=30)
    with pytest.warns(FewSamplesWarning, match="shrinkage='ledoit_wolf'"):
        h_score(X, y)
    assert np.isfinite(h_score(X, y, shrinkage="ledoit_wolf"))


@pytest.mark.parametrize("seed", range(4))
def test_shrinkage_coefficients_match_scikit_learn(seed):
    X, _ = make_task(seed, n_samples=60, n_features=12)
    X[:, 0] *= 30  # anisotropic, so the coefficients are not trivial
    stats = SufficientStatistics.from_data(X, chunk_rows=17)
    assert shrinkage_coefficient(stats, "ledoit_wolf") == pytest.approx(
        LedoitWolf().fit(X).shrinkage_, rel=1e-10
    )
    assert shrinkage_coefficient(stats, "oas") == pytest.approx(
        OAS().fit(X).shrinkage_, rel=1e-10
    )


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.3, 0.99])
def test_shrunk_h_score_matches_definition(alpha):
    X, y = make_task(11, n_samples=80, n_features=10, n_classes=3)
    assert h_score(X, y, shrinkage=alpha) == pytest.approx(
        shrunk_h_score_reference(X, y, alpha), rel=1e-10
    )


@pytest.mark.parametrize("shrinkage", ["ledoit_wolf", "oas"])
def test_named_shrinkage_uses_the_estimated_coefficient(shrinkage):
    X, y = make_task(12, n_samples=50, n_features=20, n_classes=3)
    estimator = LedoitWolf() if shrinkage == "ledoit_wolf" else OAS()
    alpha = estimator.fit(X).shrinkage_
    assert h_score(X, y, shrinkage=shrinkage) == pytest.approx(
        shrunk_h_score_reference(X, y, alpha), rel=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), alpha=st.floats(0.0, 1.0))
def test_shrinkage_never_raises_the_score(seed, alpha):
    X, y = make_task(seed, n_samples=40, n_features=6, n_classes=3)
    assert h_score(X, y, shrinkage=alpha) <= h_score(X, y) * (1 + 1e-12) + 1e-14


def test_full_shrinkage_scores_zero():
    X, y = make_task(13)
    assert h_score(X, y, shrinkage=1.0) == 0.0


def test_shrinkage_handles_more_features_than_samples():
    X, y = make_task(14, n_samples=20, n_features=50)
    score = h_score(X, y, shrinkage="ledoit_wolf")
    assert 0 < score < 3
    assert score == pytest.approx(
        shrunk_h_score_reference(X, y, LedoitWolf().fit(X).shrinkage_), rel=1e-9
    )


def test_label_columns_are_scored_as_separate_tasks():
    X, y = make_task(15, n_classes=3)
    rng = np.random.default_rng(0)
    Y = np.column_stack([y, rng.integers(0, 5, len(y)), y % 2])
    scores = h_score(X, Y)
    assert scores.shape == (3,)
    for j in range(3):
        assert scores[j] == pytest.approx(h_score(X, Y[:, j]), rel=1e-12)


def test_labels_of_any_hashable_kind_give_the_same_score():
    X, y = make_task(16, n_classes=3)
    names = np.array(["cat", "dog", "emu"])[y]
    assert h_score(X, names) == pytest.approx(h_score(X, y), rel=1e-14)
    assert h_score(X, list(names)) == pytest.approx(h_score(X, y), rel=1e-14)
    assert h_score(X, y.astype(float)) == pytest.approx(h_score(X, y), rel=1e-14)
    assert h_score(X, y + 10**12) == pytest.approx(h_score(X, y), rel=1e-14)


def test_pandas_sparse_read_only_and_strided_inputs():
    pd = pytest.importorskip("pandas")
    X, y = make_task(17)
    expected = h_score(X, y)
    frame = pd.DataFrame(X, index=np.arange(len(X))[::-1] * 7)
    assert h_score(frame, pd.Series(y, index=frame.index)) == pytest.approx(expected)
    assert h_score(sp.csr_matrix(X), y) == pytest.approx(expected, rel=1e-12)
    frozen = X.copy()
    frozen.flags.writeable = False
    assert h_score(frozen, y) == pytest.approx(expected, rel=1e-14)
    wide = np.zeros((len(X), 2 * X.shape[1]))
    wide[:, ::2] = X
    assert h_score(wide[:, ::2], y) == pytest.approx(expected, rel=1e-14)
    assert h_score(np.asfortranarray(X), y) == pytest.approx(expected, rel=1e-12)


def test_inputs_are_not_modified():
    X, y = make_task(18)
    X_copy, y_copy = X.copy(), y.copy()
    h_score(X, y, shrinkage="ledoit_wolf")
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_memory_mapped_features(tmp_path):
    X, y = make_task(19, n_samples=1000)
    path = tmp_path / "features.npy"
    np.save(path, X.astype(np.float32))
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    assert h_score(mapped, y) == pytest.approx(h_score(X.astype(np.float32), y))


def test_two_gib_memory_mapped_file_is_scored_in_under_300_mib(tmp_path):
    # 2**21 rows of 256 float32 features: 2 GiB on disk, never read whole.
    n_samples, n_features, block = 2**21, 256, 2**17
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, n_samples)
    path = tmp_path / "features.npy"
    mapped = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(n_samples, n_features)
    )
    means = rng.standard_normal((10, n_features), dtype=np.float32)
    for start in range(0, n_samples, block):
        rows = slice(start, start + block)
        mapped[rows] = rng.standard_normal((block, n_features), dtype=np.float32)
        mapped[rows] += means[y[rows]]
    mapped.flush()
    del mapped
    X = np.load(path, mmap_mode="r", allow_pickle=False)
    assert X.nbytes == 2 * 2**30
    tracemalloc.start()
    score = h_score(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 300 * 2**20
    # Class means of squared norm ~256 against unit noise: nearly separable.
    assert 8.5 < score <= 9.0


def test_integer_and_boolean_features():
    X, y = make_task(20)
    ints = np.round(X * 10).astype(np.int8)
    assert h_score(ints, y) == pytest.approx(h_score(ints.astype(float), y), rel=1e-12)
    assert np.isfinite(h_score(X > 0, y))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_features_are_refused(bad):
    X, y = make_task(21)
    X[5, 2] = bad
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        h_score(X, y)


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (np.ones((4, 2)), [0, 0, 0, 0], ValueError, "y has a single class"),
        (np.ones((4, 2)), [0, 1, 0], ValueError, "y has 3 labels but the features"),
        (np.ones((0, 2)), [], ValueError, "X is empty"),
        (np.ones((4, 0)), [0, 1, 0, 1], ValueError, "X is empty"),
        (np.ones(4), [0, 1, 0, 1], ValueError, r"X must be 2-D .*reshape"),
        (np.ones((4, 2, 2)), [0, 1, 0, 1], ValueError, "X must be 2-D"),
        ([[1, 2], [3]], [0, 1], ValueError, "X must be a rectangular"),
        (np.array([["a", "b"]] * 4), [0, 1, 0, 1], TypeError, "X must hold real"),
        (np.ones((4, 2), dtype=complex), [0, 1, 0, 1], TypeError, "X must hold real"),
        (np.ones((4, 2)), [0, 1, None, 1], ValueError, "y contains None or NaN"),
        (np.ones((4, 2)), [0, 1, np.nan, 1], ValueError, "y contains NaN"),
        (np.ones((4, 2)), [0.5, 1, 0, 1], ValueError, "y has non-integer float"),
        (np.ones((4, 2)), [0, "a", 0, 1], TypeError, "y mixes label types"),
    ],
)
def test_bad_input_gets_a_clear_error(X, y, error, message):
    with pytest.raises(error, match=message):
        h_score(X, y)


@pytest.mark.parametrize("shrinkage", ["ledoitwolf", -0.1, 1.5, "LW"])
def test_unknown_shrinkage_is_refused(shrinkage):
    X, y = make_task(22)
    with pytest.raises(ValueError, match="'shrinkage' parameter of h_score"):
        h_score(X, y, shrinkage=shrinkage)


def routes_taken(caplog, call):
    """The engine routes that ``call`` built statistics on, in order."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="sktransfer"):
        result = call()
    routes = [
        r.getMessage().rsplit(" ", 1)[-1]
        for r in caplog.records
        if r.getMessage().startswith("statistics of")
    ]
    return result, routes


def spectrum_task(spread, n_samples=20_000, n_features=256, n_classes=20, seed=0):
    """Float32 features whose centred singular values span ``spread``, 3 sigma off."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    basis, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    scales = np.logspace(0, -np.log10(spread), n_features)
    X = (rng.standard_normal((n_samples, n_features)) * scales) @ basis.T
    X += 0.3 * rng.standard_normal((n_classes, n_features))[y] * scales @ basis.T
    X += 3.0 * X.std()  # a mean offset of 3 sigma
    return X.astype(np.float32), y


def test_well_conditioned_float32_features_take_the_float32_gram_route(caplog):
    # Nearly uncorrelated features far from the origin: the float32 Gram
    # matrix's rounding is certified to move the score by less than 1e-6.
    rng = np.random.default_rng(4)
    y = rng.integers(0, 10, 5_000)
    X = rng.standard_normal((5_000, 64)) + rng.standard_normal((10, 64))[y] + 100.0
    X = X.astype(np.float32)
    score, routes = routes_taken(caplog, lambda: h_score(X, y))
    assert routes == ["gram32"]
    exact = h_score_reference(X.astype(np.float64), y)
    assert score == pytest.approx(exact, rel=1e-6)


@pytest.mark.parametrize("spread", [1e3, 1e4])
def test_float32_features_of_a_wide_spectrum_equal_their_float64_evaluation(
    spread, caplog
):
    # The matrix_rank cut-off (3e-3 of s_max at 20,000 float32 rows) dropped
    # genuine directions here: 6% low at a spread of 1e3 and 19% at 1e4.
    X, y = spectrum_task(spread)
    score, routes = routes_taken(caplog, lambda: h_score(X, y))
    exact = h_score_reference(X.astype(np.float64), y)
    assert score == pytest.approx(exact, rel=1e-6)
    assert routes[0] == "gram32"


def test_a_route_whose_certificate_fails_is_refused_and_the_next_one_serves(caplog):
    # Singular values down to 1e-6 of the largest: a float32 Gram matrix
    # cannot resolve them (its rounding is ~1e-6 of lambda_max).
    X, y = spectrum_task(1e6, n_samples=4_000, n_features=32)
    score, routes = routes_taken(caplog, lambda: h_score(X, y))
    assert routes[0] == "gram32" and len(routes) >= 2
    stats = SufficientStatistics.from_data(X, y[:, None], [20], route="qr")
    assert score == pytest.approx(h_score_from_statistics(stats)[0], rel=1e-6)


def test_genuine_small_directions_of_float32_features_are_kept():
    X, y = spectrum_task(1e4, n_samples=4_000, n_features=32)
    stats = SufficientStatistics.from_data(X, y[:, None], [20], route="qr")
    singular, _ = stats.spectrum(scaled=True)
    assert np.all(singular > stats.rank_tolerance(scaled=True))


def test_exactly_rank_deficient_float32_features_stay_rank_deficient():
    # A rank-k/2 linear layer computed in float32: its rounding noise sits
    # near 1e-7 of s_max and is cut; the score is that of the layer's input.
    rng = np.random.default_rng(3)
    y = rng.integers(0, 5, 3_000)
    Z = rng.standard_normal((3_000, 16)) + rng.standard_normal((5, 16))[y]
    W = rng.standard_normal((16, 32))
    X = Z.astype(np.float32) @ W.astype(np.float32)
    stats = SufficientStatistics.from_data(X, y[:, None], [5], route="qr")
    singular, _ = stats.spectrum(scaled=True)
    assert np.sum(singular > stats.rank_tolerance(scaled=True)) == 16
    assert h_score(X, y) == pytest.approx(h_score_reference(Z, y), rel=1e-5)


def test_merged_statistics_that_cannot_vouch_for_a_score_say_so():
    X, y = spectrum_task(1e6, n_samples=4_000, n_features=32)
    halves = [
        SufficientStatistics.from_data(X[rows], y[rows, None], [20])
        for rows in (slice(0, 2_000), slice(2_000, None))
    ]
    with pytest.raises(PrecisionError, match="route='qr'"):
        h_score_from_statistics(halves[0].merge(halves[1]))
