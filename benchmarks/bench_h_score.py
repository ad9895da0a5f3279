"""Time and peak extra memory of h_score next to one ``X.T @ X`` on the same array.

Run: ``python benchmarks/bench_h_score.py [n_samples n_features n_classes]``.
Both are measured in the same run, so the ratio holds on a shared, noisy
machine where the absolute times do not. Peak memory is what numpy allocates
beyond the input (traced by tracemalloc), the best of three runs for time.
"""

import sys
import time
import tracemalloc

import numpy as np

from sktransfer.metrics import h_score


def measure(function, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak


def main(n_samples=50_000, n_features=1_024, n_classes=100):
    rng = np.random.default_rng(0)
    y = rng.integers(0, n_classes, n_samples)
    rows = []
    for dtype in (np.float32, np.float64):
        X = rng.standard_normal((n_samples, n_features), dtype=dtype)
        X += rng.standard_normal((n_classes, n_features)).astype(dtype)[y]
        for name, function in [
            ("X.T @ X", lambda X=X: X.T @ X),
            ("h_score", lambda X=X: h_score(X, y)),
            (
                "h_score (ledoit_wolf)",
                lambda X=X: h_score(X, y, shrinkage="ledoit_wolf"),
            ),
        ]:
            seconds, peak = measure(function)
            rows.append((np.dtype(dtype).name, name, seconds, peak))
    input_mib = n_samples * n_features * 4 / 2**20
    print(
        f"{n_samples} x {n_features}, {n_classes} classes; "
        f"float32 input {input_mib:.0f} MiB"
    )
    print(f"{'dtype':8} {'what':24} {'seconds':>8} {'ratio':>6} {'peak MiB':>9}")
    for dtype, name, seconds, peak in rows:
        baseline = next(s for d, n, s, _ in rows if d == dtype and n == "X.T @ X")
        print(
            f"{dtype:8} {name:24} {seconds:8.3f} {seconds / baseline:6.1f} "
            f"{peak / 2**20:9.1f}"
        )


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
