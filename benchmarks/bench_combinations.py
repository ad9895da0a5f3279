"""Time of scoring all pairs of sources next to scoring each source alone.

Run: ``python benchmarks/bench_combinations.py [n_samples n_sources n_features
n_naive threads]``. Three ways to score ``n_sources`` blocks of float32
features for one target task, measured in the same run so that the ratios
hold where absolute times do not:

* the single sources: ``h_score`` of each block (the baseline);
* every single source and every pair through ``score_combinations``: one pass
  over the data for all of them;
* of which the one pass over the data (``BlockStatistics.from_blocks``), whose
  float64 Gram matrix of all blocks side by side, ``n_samples * (n_sources *
  n_features)^2 / 2`` multiply-adds, is the floor of any exact method;
* the naive way: ``h_score`` of ``np.hstack`` of each pair, timed on
  ``n_naive`` pairs and scaled to all of them (all 190 take minutes).

BLAS runs on ``threads`` threads (threadpoolctl; default 1). Both the wall
time and the CPU time of the process are reported, the best of three
alternating runs: on a machine shared with other processes the wall time
varies twofold from run to run, while the CPU time of one thread measures the
work done.
"""

import itertools
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from sktransfer._statistics import BlockStatistics
from sktransfer.metrics import h_score
from sktransfer.metrics._combinations import score_combinations


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main(n_samples=20_000, n_sources=20, n_features=128, n_naive=10, threads=1):
    rng = np.random.default_rng(0)
    n_classes = 10
    y = rng.integers(0, n_classes, n_samples)
    # Sources share a common part, so that pairs are correlated as layers are.
    common = rng.standard_normal((n_samples, 32))
    blocks = [
        (
            rng.standard_normal((n_samples, n_features))
            + common @ rng.standard_normal((32, n_features))
            + rng.standard_normal((n_classes, n_features))[y] * 0.2
        ).astype(np.float32)
        for _ in range(n_sources)
    ]
    pairs = list(itertools.combinations(range(n_sources), 2))
    sample = pairs[:: max(len(pairs) // n_naive, 1)][:n_naive]

    with threadpool_limits(limits=threads, user_api="blas"):
        singles, combined, one_pass = [], [], []
        codes = y[:, None]
        for _ in range(3):  # alternate, so that all see the same load
            singles.append(timed(lambda: [h_score(block, y) for block in blocks]))
            combined.append(timed(lambda: score_combinations(blocks, y, max_order=2)))
            one_pass.append(
                timed(
                    lambda: BlockStatistics.from_blocks(
                        blocks, codes, [n_classes], norm_moments=False
                    )
                )
            )
        scores = combined[-1][2]
        wall, cpu, naive = timed(
            lambda: [h_score(np.hstack([blocks[a], blocks[b]]), y) for a, b in sample]
        )
    scale = len(pairs) / len(sample)
    rows = [
        (f"{n_sources} singles, h_score each (baseline)", singles),
        (f"{n_sources} singles + {len(pairs)} pairs, score_combinations", combined),
        ("  of which the pass over the data (the Gram matrix)", one_pass),
        (
            f"{len(pairs)} pairs, h_score(np.hstack) (x{scale:.0f} of {len(sample)})",
            [(wall * scale, cpu * scale, None)],
        ),
    ]
    base_wall = min(t[0] for t in singles)
    base_cpu = min(t[1] for t in singles)
    error = max(
        abs(scores[pair] - value) / value
        for pair, value in zip(sample, naive, strict=True)
    )
    print(
        f"{n_sources} sources x {n_features} float32 features, {n_samples} samples, "
        f"{n_classes} classes, {len(pairs)} pairs; BLAS threads: {threads}"
    )
    print(f"{'what':54} {'wall s':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6}")
    for name, runs in rows:
        wall = min(t[0] for t in runs)
        cpu = min(t[1] for t in runs)
        print(
            f"{name:54} {wall:7.2f} {wall / base_wall:6.2f} "
            f"{cpu:7.2f} {cpu / base_cpu:6.2f}"
        )
    print(f"largest relative difference from h_score(np.hstack): {error:.1e}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
