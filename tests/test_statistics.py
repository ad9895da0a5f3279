import tracemalloc

import numpy as np
import pytest

from sktransfer._engine import SufficientStatistics

N_CLASSES = (3, 5)


def make_data(seed=0, n_samples=400, n_features=6, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) * np.logspace(0, 3, n_features)
    X += 1e4  # a large offset: raw sums of squares would cancel
    codes = np.column_stack([rng.integers(0, c, n_samples) for c in N_CLASSES]).astype(
        np.intp
    )
    return X.astype(dtype), codes


def direct_statistics(X, codes):
    """The moments straight from their definitions, for comparison."""
    X = X.astype(np.float64)
    mean = X.mean(axis=0)
    centred = X - mean
    norms = (centred**2).sum(axis=1)
    class_means = np.vstack(
        [
            X[codes[:, j] == c].mean(axis=0)
            for j, n in enumerate(N_CLASSES)
            for c in range(n)
        ]
    )
    return {
        "mean": mean,
        "scatter": centred.T @ centred,
        "class_means": class_means,
        "fourth": norms @ norms,
        "third": centred.T @ norms,
    }


def assert_statistics_equal(stats, expected, rtol=1e-12):
    scale = np.abs(expected["scatter"]).max()
    np.testing.assert_allclose(stats.mean, expected["mean"], rtol=rtol)
    np.testing.assert_allclose(
        stats.factor.T @ stats.factor, expected["scatter"], rtol=0, atol=rtol * scale
    )
    np.testing.assert_allclose(stats.class_means, expected["class_means"], rtol=rtol)
    assert stats.fourth == pytest.approx(expected["fourth"], rel=rtol)
    np.testing.assert_allclose(
        stats.third, expected["third"], atol=rtol * np.abs(expected["third"]).max()
    )


def route_tolerance(dtype, route):
    """How close a route's moments are to the exact ones of the same numbers.

    The float32 Gram route (the default for float32 input) sums products of
    at most a chunk of rows in float32: about u sqrt(b) relative to the
    largest entry; the others are float64.
    """
    if route is None and dtype == np.float32:
        # u32 sqrt(b) is 1.2e-6 for chunks of 399 rows; the third moment is
        # moved from the pilot to the mean by differences of such sums.
        return 1e-5
    return 1e-10


ROUTES = [None, "gram64", "qr"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("chunk_rows", [None, 1, 7, 100])
def test_one_pass_in_chunks_gives_the_direct_moments(dtype, chunk_rows, route):
    X, codes = make_data(dtype=dtype)
    stats = SufficientStatistics.from_data(
        X, codes, N_CLASSES, chunk_rows=chunk_rows, route=route
    )
    assert stats.n_samples == len(X)
    np.testing.assert_array_equal(
        stats.class_counts,
        np.concatenate(
            [np.bincount(codes[:, j], minlength=n) for j, n in enumerate(N_CLASSES)]
        ),
    )
    default = "gram32" if dtype == np.float32 else "gram64"
    assert stats.route == (route or default)
    rtol = route_tolerance(dtype, route)
    assert_statistics_equal(stats, direct_statistics(X, codes), rtol=rtol)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("split", [1, 150, 399])
def test_merged_halves_equal_the_whole(dtype, split, route):
    X, codes = make_data(1, dtype=dtype)
    left = SufficientStatistics.from_data(
        X[:split], codes[:split], N_CLASSES, route=route
    )
    right = SufficientStatistics.from_data(
        X[split:], codes[split:], N_CLASSES, route=route
    )
    merged = left.merge(right)
    assert merged.n_samples == len(X)
    rtol = route_tolerance(dtype, route)
    assert_statistics_equal(merged, direct_statistics(X, codes), rtol=rtol)


def test_default_routes_follow_the_dtype():
    X, codes = make_data(8)
    assert SufficientStatistics.from_data(X, codes, N_CLASSES).route == "gram64"
    float32 = SufficientStatistics.from_data(X.astype(np.float32), codes, N_CLASSES)
    assert float32.route == "gram32"
    assert SufficientStatistics.from_data(X.astype(int), codes, N_CLASSES).route == (
        "gram64"
    )


@pytest.mark.parametrize("scale", [1e-30, 1e30])
def test_squares_out_of_the_float32_range_take_qr(scale):
    # Float32 squares of 1e-30 underflow and of 1e30 overflow: QR never squares.
    X, codes = make_data(9)
    X = ((X - X.mean(0)) * scale).astype(np.float32)
    stats = SufficientStatistics.from_data(X, codes, N_CLASSES)
    assert stats.route == "qr"
    expected = direct_statistics(X, codes)
    np.testing.assert_allclose(
        stats.factor.T @ stats.factor,
        expected["scatter"],
        rtol=1e-9,
        atol=1e-9 * np.abs(expected["scatter"]).max(),
    )


def test_refining_statistics_reads_the_data_on_the_next_route():
    X, codes = make_data(10, dtype=np.float32)
    stats = SufficientStatistics.from_data(X, codes, N_CLASSES)
    assert [stats.route, stats.refined().route, stats.refined().refined().route] == [
        "gram32",
        "gram64",
        "qr",
    ]
    assert stats.refined() is stats.refined()  # read once


def test_merged_statistics_cannot_be_refined_and_say_why():
    from sktransfer import PrecisionError

    X, codes = make_data(11, dtype=np.float32)
    merged = SufficientStatistics.from_data(X[:200], codes[:200], N_CLASSES).merge(
        SufficientStatistics.from_data(X[200:], codes[200:], N_CLASSES)
    )
    with pytest.raises(PrecisionError, match="route='qr'"):
        merged.refined()


def test_rank_tolerance_is_the_rounding_bound_of_the_input():
    # doc/methods.rst, numerical rank: 10 eps sqrt(sum_j rho_j^2) in units of
    # unit centred columns, rho_j the ratio of column j's raw norm to its
    # centred norm.
    X, codes = make_data(12, dtype=np.float32)
    stats = SufficientStatistics.from_data(X, codes, N_CLASSES)
    X64 = X.astype(np.float64)
    rho = np.linalg.norm(X64, axis=0) / np.linalg.norm(X64 - X64.mean(0), axis=0)
    expected = 10 * np.finfo(np.float32).eps * np.sqrt(np.sum(rho**2))
    assert stats.rank_tolerance(scaled=True) == pytest.approx(expected, rel=1e-5)
    raw = 10 * np.finfo(np.float32).eps * np.linalg.norm(X64)
    assert stats.rank_tolerance() == pytest.approx(raw, rel=1e-5)


def test_merging_is_associative_over_many_parts():
    X, codes = make_data(2)
    parts = [
        SufficientStatistics.from_data(X[i : i + 50], codes[i : i + 50], N_CLASSES)
        for i in range(0, len(X), 50)
    ]
    total = parts[0]
    for part in parts[1:]:
        total = total.merge(part)
    assert_statistics_equal(total, direct_statistics(X, codes), rtol=1e-10)


def test_a_class_absent_from_one_part_merges_correctly():
    X, codes = make_data(3)
    order = np.argsort(codes[:, 0], kind="stable")
    X, codes = X[order], codes[order]
    split = np.searchsorted(codes[:, 0], 2)  # class 2 only in the second part
    merged = SufficientStatistics.from_data(X[:split], codes[:split], N_CLASSES).merge(
        SufficientStatistics.from_data(X[split:], codes[split:], N_CLASSES)
    )
    assert_statistics_equal(merged, direct_statistics(X, codes), rtol=1e-10)


def test_selected_columns_equal_statistics_of_those_columns():
    X, codes = make_data(4)
    columns = [4, 0, 2]
    sliced = SufficientStatistics.from_data(X, codes, N_CLASSES).select_features(
        columns
    )
    direct = SufficientStatistics.from_data(X[:, columns], codes, N_CLASSES)
    np.testing.assert_allclose(sliced.mean, direct.mean, rtol=1e-14)
    np.testing.assert_allclose(
        sliced.factor.T @ sliced.factor, direct.factor.T @ direct.factor, rtol=1e-11
    )
    np.testing.assert_allclose(sliced.class_means, direct.class_means, rtol=1e-14)
    np.testing.assert_allclose(sliced.spectrum()[0], direct.spectrum()[0], rtol=1e-10)
    assert sliced.fourth is None


def test_spectrum_is_that_of_the_centred_data():
    X, codes = make_data(5)
    stats = SufficientStatistics.from_data(X, codes, N_CLASSES)
    singular, components = stats.spectrum()
    np.testing.assert_allclose(
        singular, np.linalg.svd(X - X.mean(0), compute_uv=False), rtol=1e-11
    )
    np.testing.assert_allclose(components @ components.T, np.eye(6), atol=1e-12)


def test_merging_statistics_of_different_shapes_is_refused():
    X, codes = make_data(6)
    a = SufficientStatistics.from_data(X, codes, N_CLASSES)
    b = SufficientStatistics.from_data(X[:, :3], codes, N_CLASSES)
    with pytest.raises(ValueError, match="cannot merge statistics"):
        a.merge(b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_memory_mapped_input_is_read_in_chunks_not_copied(tmp_path, dtype):
    rng = np.random.default_rng(7)
    n_samples, n_features = 40_000, 64
    path = tmp_path / "features.npy"
    mapped = np.lib.format.open_memmap(
        path, mode="w+", dtype=dtype, shape=(n_samples, n_features)
    )
    for start in range(0, n_samples, 10_000):
        mapped[start : start + 10_000] = rng.standard_normal((10_000, n_features))
    mapped.flush()
    del mapped
    X = np.load(path, mmap_mode="r", allow_pickle=False)
    codes = rng.integers(0, 3, (n_samples, 1))
    chunk_rows = 2_000
    tracemalloc.start()
    stats = SufficientStatistics.from_data(X, codes, (3,), chunk_rows=chunk_rows)
    _, peak = tracemalloc.get_traced_memory()
    # The float32 route's mean is the pilot plus the float64 mean of the
    # float32-rounded deviations from it: within u32 of the spread.
    atol = 1e-12 if dtype == np.float64 else 1e-8
    tracemalloc.stop()
    input_bytes = n_samples * n_features * np.dtype(dtype).itemsize
    # A few float64 chunks of scratch, never a copy of the whole input.
    assert peak < 6 * chunk_rows * n_features * 8 + 1e6
    assert peak < input_bytes / 2
    expected = np.asarray(X, dtype=np.float64)
    np.testing.assert_allclose(stats.mean, expected.mean(axis=0), atol=atol)
