"""How the H-score's time grows with samples m and features k, with a figure.

The float32 path reads the rows (m k), forms a k x k Gram matrix (m k^2
multiply-adds) and decomposes it once (about k^3): linear in m at fixed k; in
k at fixed m, the slope climbs from 1 (small k, where reading the rows and the
per-row work dominate) through 2 towards 3 as the eigendecomposition takes over.
``X.T @ X`` is timed at every point as the reference of the Gram part.
"""

from dataclasses import dataclass
from pathlib import Path

import _data
import numpy as np
from _timing import measure

from sktransfer.metrics import h_score


@dataclass(frozen=True)
class Sweep:
    n_samples: tuple  # m values, at n_features_fixed
    n_features_fixed: int
    n_features: tuple  # k values, at n_samples_fixed
    n_samples_fixed: int
    n_classes: int


FULL = Sweep(
    n_samples=(12_500, 25_000, 50_000, 100_000, 200_000),
    n_features_fixed=512,
    n_features=(128, 256, 512, 1_024, 2_048),
    n_samples_fixed=50_000,
    n_classes=100,
)
QUICK = Sweep(
    n_samples=(2_000, 4_000, 8_000, 16_000),
    n_features_fixed=64,
    n_features=(32, 64, 128, 256),
    n_samples_fixed=4_000,
    n_classes=10,
)


@dataclass
class Curve:
    """Best wall times of h_score and of X.T @ X along one axis."""

    axis: str  # "m" or "k"
    fixed: str  # the other dimension, for labels: "k=512"
    sizes: tuple
    h_score: list
    gram: list

    def slope(self, times, *, last=None):
        """Log-log slope by least squares, over the ``last`` points if given."""
        sizes, times = np.log(self.sizes), np.log(times)
        if last:
            sizes, times = sizes[-last:], times[-last:]
        return float(np.polyfit(sizes, times, 1)[0])


def _time_point(n_samples, n_features, n_classes, repeats):
    X, y = _data.class_features(n_samples, n_features, n_classes)
    fast = measure(lambda: h_score(X, y), repeats, trace_memory=False)
    gram = measure(lambda: X.T @ X, repeats, trace_memory=False)
    return fast.wall, gram.wall


def _sweep(axis, sizes, fixed, repeats, shape_of, n_classes):
    times = [_time_point(*shape_of(size), n_classes, repeats) for size in sizes]
    return Curve(axis, fixed, sizes, [t[0] for t in times], [t[1] for t in times])


def run(sweep, repeats, figure_path):
    """Time both sweeps, print their tables and slopes, and save the figure."""
    k_fixed, m_fixed = sweep.n_features_fixed, sweep.n_samples_fixed
    in_m = _sweep(
        "m",
        sweep.n_samples,
        f"k={k_fixed:,}",
        repeats,
        lambda m: (m, k_fixed),
        sweep.n_classes,
    )
    in_k = _sweep(
        "k",
        sweep.n_features,
        f"m={m_fixed:,}",
        repeats,
        lambda k: (m_fixed, k),
        sweep.n_classes,
    )
    lines = [
        f"H-score scaling: float32, {sweep.n_classes} classes, best of {repeats}",
        *_table(in_m),
        f"  log-log slope in m: h_score {in_m.slope(in_m.h_score):.2f}, "
        f"X.T @ X {in_m.slope(in_m.gram):.2f} (expected 1: linear)",
        *_table(in_k),
        f"  log-log slope in k: h_score {in_k.slope(in_k.h_score):.2f} "
        f"(last two points {in_k.slope(in_k.h_score, last=2):.2f}), "
        f"X.T @ X {in_k.slope(in_k.gram):.2f} "
        "(expected: 1 where reading the rows dominates, 2 for the Gram matrix, "
        "3 for the eigendecomposition)",
    ]
    lines.append(f"  figure: {_save_figure(figure_path, in_m, in_k)}")
    return lines


def _table(curve):
    lines = [
        f"  {curve.axis + ' (' + curve.fixed + ')':>14} {'h_score s':>10} "
        f"{'X.T @ X s':>10} {'ratio':>6}"
    ]
    for size, fast, gram in zip(curve.sizes, curve.h_score, curve.gram, strict=True):
        lines.append(f"  {size:>14,} {fast:10.3f} {gram:10.3f} {fast / gram:6.2f}")
    return lines


def _save_figure(path, in_m, in_k):
    """Draw both curves on log-log axes with reference slopes; the path or why not."""
    try:
        import matplotlib
    except ImportError:
        return "not drawn: matplotlib is not installed (pip install matplotlib)"
    matplotlib.use("Agg")  # no display needed; must precede pyplot's import
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    _draw(axes[0], in_m, references=[(1, "--", "∝ m")])
    _draw(axes[1], in_k, references=[(2, "--", "∝ k²"), (3, ":", "∝ k³")])
    fig.suptitle("h_score time, float32 features (log-log)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return str(path)


def _draw(ax, curve, references):
    sizes = np.asarray(curve.sizes, dtype=float)
    ax.loglog(
        sizes,
        curve.h_score,
        "o-",
        label=f"h_score (slope {curve.slope(curve.h_score):.2f})",
    )
    ax.loglog(
        sizes,
        curve.gram,
        "s-",
        label=f"one X.T @ X (slope {curve.slope(curve.gram):.2f})",
    )
    # Through the largest size, where fixed costs matter least.
    for power, style, label in references:
        line = curve.h_score[-1] * (sizes / sizes[-1]) ** power
        ax.loglog(sizes, line, style, color="grey", linewidth=1, label=label)
    # Tick at the measured sizes, written out: 12,500 reads better than 1.25e4.
    ax.set_xticks(sizes, [f"{size:,.0f}" for size in sizes])
    ax.minorticks_off()
    ax.set_xlabel(f"{curve.axis} ({curve.fixed})")
    ax.set_ylabel("seconds, best of runs")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
