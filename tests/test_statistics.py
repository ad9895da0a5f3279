import tracemalloc

import numpy as np
import pytest

from sktransfer._statistics import SufficientStatistics

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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("chunk_rows", [None, 1, 7, 100])
def test_one_pass_in_chunks_gives_the_direct_moments(dtype, chunk_rows):
    X, codes = make_data(dtype=dtype)
    stats = SufficientStatistics.from_data(X, codes, N_CLASSES, chunk_rows=chunk_rows)
    assert stats.n_samples == len(X)
    np.testing.assert_array_equal(
        stats.class_counts,
        np.concatenate(
            [np.bincount(codes[:, j], minlength=n) for j, n in enumerate(N_CLASSES)]
        ),
    )
    assert_statistics_equal(stats, direct_statistics(X, codes), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("split", [1, 150, 399])
def test_merged_halves_equal_the_whole(dtype, split):
    X, codes = make_data(1, dtype=dtype)
    left = SufficientStatistics.from_data(X[:split], codes[:split], N_CLASSES)
    right = SufficientStatistics.from_data(X[split:], codes[split:], N_CLASSES)
    merged = left.merge(right)
    assert merged.n_samples == len(X)
    assert_statistics_equal(merged, direct_statistics(X, codes), rtol=1e-10)


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
    tracemalloc.stop()
    input_bytes = n_samples * n_features * np.dtype(dtype).itemsize
    # A few float64 chunks of scratch, never a copy of the whole input.
    assert peak < 6 * chunk_rows * n_features * 8 + 1e6
    assert peak < input_bytes / 2
    expected = np.asarray(X, dtype=np.float64)
    np.testing.assert_allclose(stats.mean, expected.mean(axis=0), atol=1e-12)
