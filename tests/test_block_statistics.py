"""The engine's statistics of feature blocks side by side (BlockStatistics)."""

import numpy as np
import pytest

from sktransfer._engine import BlockStatistics, SufficientStatistics

WIDTHS = (3, 1, 4, 2)


def make_blocks(seed=0, n_samples=300, dtype=np.float64):
    rng = np.random.default_rng(seed)
    blocks = [
        (rng.standard_normal((n_samples, k)) * np.logspace(0, 2, k) + 1e3).astype(dtype)
        for k in WIDTHS
    ]
    codes = np.column_stack(
        [rng.integers(0, 3, n_samples), rng.integers(0, 5, n_samples)]
    )
    return blocks, codes


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("chunk_rows", [None, 1, 7, 100])
def test_selected_blocks_equal_statistics_of_their_concatenation(dtype, chunk_rows):
    blocks, codes = make_blocks(dtype=dtype)
    stats = BlockStatistics.from_blocks(blocks, codes, (3, 5), chunk_rows=chunk_rows)
    for indices in ([0], [2, 1], [0, 1, 2, 3], [3, 0]):
        X = np.hstack([blocks[g] for g in indices])
        selected = stats.select(indices)
        # Blocks keep a float64 Gram matrix (or QR): compare on that route.
        direct = SufficientStatistics.from_data(X, codes, (3, 5), route="gram64")
        X = X.astype(np.float64)
        centred = X - X.mean(axis=0)
        norms = np.einsum("ij,ij->i", centred, centred)
        scatter = centred.T @ centred
        np.testing.assert_allclose(selected.mean, direct.mean, rtol=1e-13)
        np.testing.assert_allclose(
            selected.factor.T @ selected.factor,
            scatter,
            atol=1e-11 * np.abs(scatter).max(),
        )
        np.testing.assert_allclose(selected.class_means, direct.class_means, rtol=1e-12)
        assert selected.fourth == pytest.approx(norms @ norms, rel=1e-11)
        np.testing.assert_allclose(
            selected.third,
            centred.T @ norms,
            atol=1e-10 * np.abs(centred.T @ norms).max(),
        )
        assert selected.eps == direct.eps


def test_without_norm_moments_there_is_no_fourth_moment():
    blocks, codes = make_blocks(1)
    stats = BlockStatistics.from_blocks(blocks, codes, (3, 5), norm_moments=False)
    assert stats.select([0, 1]).fourth is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mapped_gram_is_the_gram_of_the_mapped_blocks(dtype):
    blocks, codes = make_blocks(2, dtype=dtype)
    stats = BlockStatistics.from_blocks(blocks, codes, (3, 5))
    rng = np.random.default_rng(2)
    maps = [rng.standard_normal((k, 2)) for k in WIDTHS]
    mapped = np.hstack(
        [
            (b.astype(float) - b.astype(float).mean(0)) @ m
            for b, m in zip(blocks, maps, strict=True)
        ]
    )
    expected = mapped.T @ mapped
    np.testing.assert_allclose(
        stats.mapped_gram(maps), expected, atol=1e-10 * np.abs(expected).max()
    )


def test_the_precision_of_the_least_precise_block_decides():
    blocks, codes = make_blocks(3)
    blocks[1] = blocks[1].astype(np.float32)
    stats = BlockStatistics.from_blocks(blocks, codes, (3, 5))
    assert stats.is_factor  # a float64 block: the QR route
    assert stats.select([1]).eps == np.finfo(np.float32).eps
    assert stats.select([0, 1]).eps == np.finfo(np.float64).eps  # as np.hstack


def test_blocks_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match=r"blocks\[1\] has 3 rows but blocks\[0\]"):
        BlockStatistics.from_blocks([np.ones((4, 2)), np.ones((3, 2))])
