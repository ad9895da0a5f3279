import itertools

import numpy as np
import pytest
import scipy.sparse as sp

import sktransfer.metrics._combinations as combinations_module
from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics import get_metric, h_score
from sktransfer.metrics._combinations import score_combinations
from tests.reference import h_score_reference


def make_blocks(seed=0, n_samples=500, widths=(3, 5, 4, 2, 6), n_classes=4):
    """Correlated blocks (a shared factor) on scales far apart, with class signal."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    shared = rng.standard_normal((n_samples, 2))
    blocks = []
    for k in widths:
        block = (
            rng.standard_normal((n_samples, k))
            + shared @ rng.standard_normal((2, k))
            + 0.4 * rng.standard_normal((n_classes, k))[y]
        )
        blocks.append(block * 10.0 ** rng.uniform(-3, 3, k) + 100.0)
    return blocks, y


def concatenated(blocks, combination):
    return np.hstack([blocks[g] for g in combination])


def count_paths(monkeypatch):
    """Count the combinations scored by the fast path and by the direct one."""
    counts = {"fast": 0, "direct": 0}
    fast = combinations_module._Whitened._fast_per_class

    def counting(self, combination):
        result = fast(self, combination)
        counts["fast" if result is not None else "direct"] += 1
        return result

    monkeypatch.setattr(combinations_module._Whitened, "_fast_per_class", counting)
    return counts


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(3))
def test_every_combination_equals_h_score_of_the_concatenation(
    dtype, seed, monkeypatch
):
    counts = count_paths(monkeypatch)
    blocks, y = make_blocks(seed)
    blocks = [block.astype(dtype) for block in blocks]
    scores = score_combinations(blocks, y, max_order=3)
    assert list(scores) == [
        c for m in (1, 2, 3) for c in itertools.combinations(range(5), m)
    ]
    for combination, score in scores.items():
        expected = h_score(concatenated(blocks, combination), y)
        assert score == pytest.approx(expected, rel=1e-9), combination
    assert counts == {"fast": 20, "direct": 0}  # generic data: all fast


def test_combinations_match_the_definition():
    blocks, y = make_blocks(3, widths=(2, 3, 2))
    for combination, score in score_combinations(blocks, y, max_order=3).items():
        reference = h_score_reference(concatenated(blocks, combination), y)
        assert score == pytest.approx(reference, rel=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "degenerate", ["duplicate", "inside_span", "shared_columns", "constant"]
)
def test_degenerate_combinations_equal_the_direct_computation(
    dtype, degenerate, monkeypatch
):
    counts = count_paths(monkeypatch)
    blocks, y = make_blocks(4)
    rng = np.random.default_rng(4)
    if degenerate == "duplicate":
        blocks[3] = blocks[1].copy()
    elif degenerate == "inside_span":  # in the span of blocks[1] and the constant
        blocks[3] = blocks[1] @ rng.standard_normal((5, 2))
    elif degenerate == "shared_columns":
        blocks[2] = np.hstack([blocks[0][:, :2], blocks[2][:, 2:]])
    else:
        blocks[2] = np.full((len(y), 4), 7.0)
    blocks = [block.astype(dtype) for block in blocks]
    scores = score_combinations(blocks, y, max_order=3)
    for combination, score in scores.items():
        expected = h_score(concatenated(blocks, combination), y)
        assert score == pytest.approx(expected, rel=1e-9, abs=1e-12), combination
    if degenerate != "constant":  # those need the direct computation
        assert counts["direct"] > 0
    assert counts["fast"] > 0


def test_a_duplicated_source_adds_nothing():
    blocks, y = make_blocks(5, widths=(4, 3))
    scores = score_combinations([blocks[0], blocks[1], blocks[0]], y)
    assert scores[(0, 2)] == pytest.approx(scores[(0,)], rel=1e-12)
    assert scores[(1, 2)] == pytest.approx(scores[(0, 1)], rel=1e-12)


def test_a_low_rank_float32_block_agrees_to_its_precision():
    # A wide linear layer of rank 3: its float32 rounding noise is cut, and the
    # concatenation keeps the same directions.
    blocks, y = make_blocks(6, widths=(4, 3))
    rng = np.random.default_rng(6)
    low_rank = (blocks[1] @ rng.standard_normal((3, 12))).astype(np.float32)
    blocks = [blocks[0].astype(np.float32), low_rank]
    scores = score_combinations(blocks, y)
    expected = h_score(np.hstack(blocks), y)
    assert scores[(0, 1)] == pytest.approx(expected, rel=1e-6)


def test_several_target_tasks_at_once():
    blocks, y = make_blocks(7)
    rng = np.random.default_rng(7)
    Y = np.column_stack([y, rng.integers(0, 3, len(y)), y % 2])
    scores = score_combinations(blocks, Y, max_order=2)
    for combination, score in scores.items():
        assert score.shape == (3,)
        expected = h_score(concatenated(blocks, combination), Y)
        np.testing.assert_allclose(score, expected, rtol=1e-9)


@pytest.mark.parametrize("metric", ["regularized_h_score", "logme"])
def test_metrics_of_the_statistics_equal_the_concatenation(metric):
    blocks, y = make_blocks(8, widths=(3, 4, 2))
    score = get_metric(metric).score
    for combination, value in score_combinations(
        blocks, y, metric=metric, max_order=3
    ).items():
        expected = score(concatenated(blocks, combination), y)
        assert value == pytest.approx(expected, rel=1e-8), combination


def test_metrics_without_statistics_score_the_concatenation():
    blocks, y = make_blocks(9, widths=(2, 3))

    def spread(X, labels):
        return float(np.ptp(X) + len(np.unique(labels)))

    scores = score_combinations(blocks, y, metric=spread)
    assert scores[(0, 1)] == spread(np.hstack(blocks), y)
    gbc = score_combinations(blocks, y, metric="gbc")
    assert gbc[(0, 1)] == pytest.approx(get_metric("gbc").score(np.hstack(blocks), y))


def test_sparse_and_memory_mapped_blocks(tmp_path):
    blocks, y = make_blocks(10, widths=(3, 4))
    path = tmp_path / "block.npy"
    np.save(path, blocks[1])
    mapped = np.load(path, mmap_mode="r")
    scores = score_combinations([sp.csr_matrix(blocks[0]), mapped], y)
    assert scores[(0, 1)] == pytest.approx(h_score(np.hstack(blocks), y), rel=1e-9)


def test_parallel_jobs_give_the_same_scores():
    blocks, y = make_blocks(11)
    serial = score_combinations(blocks, y, max_order=3)
    parallel = score_combinations(blocks, y, max_order=3, n_jobs=2)
    assert serial == parallel


def test_max_order_beyond_the_number_of_blocks_scores_all_of_them():
    blocks, y = make_blocks(12, widths=(2, 3))
    assert list(score_combinations(blocks, y, max_order=5)) == [(0,), (1,), (0, 1)]


def test_many_features_for_the_samples_warn():
    rng = np.random.default_rng(13)
    y = np.repeat([0, 1], 20)
    blocks = [rng.standard_normal((40, 10)) for _ in range(2)]
    with pytest.warns(FewSamplesWarning, match=r"blocks \(0, 1\) has 20 features"):
        score_combinations(blocks, y)


@pytest.mark.parametrize(
    "blocks, y, message",
    [
        ([], [0, 1], "blocks is empty"),
        ([np.ones((4, 2)), np.ones((3, 2))], [0, 1, 0, 1], r"blocks\[1\] has 3 rows"),
        ([np.ones(4)], [0, 1, 0, 1], r"blocks\[0\] must be 2-D"),
        ([np.eye(4)], [1, 1, 1, 1], "single class"),
        ([np.eye(4)], [0, 1, 0], "3 labels but the features have 4 samples"),
    ],
)
def test_bad_input_gets_a_clear_error(blocks, y, message):
    with pytest.raises(ValueError, match=message):
        score_combinations(blocks, y)


def test_unknown_and_label_metrics_are_refused():
    X, y = np.eye(4), [0, 1, 0, 1]
    with pytest.raises(ValueError, match="metric: unknown metric 'nope'"):
        score_combinations([X], y, metric="nope")
    with pytest.raises(ValueError, match="reads source labels, not features"):
        score_combinations([X], y, metric="neg_conditional_entropy")
