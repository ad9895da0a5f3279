"""Relative error of the H-score, regularised H-score and LogME on ill-conditioned data.

Run: ``python benchmarks/robustness.py`` (about a minute single-threaded, most
of it in the 60-digit references).

Features of 330 samples and 11 columns, in 4 classes, are made with a centred
condition number of 1 to 1e14, every decade (``tests.reference.
ill_conditioned_task``), in float64 and rounded to float32. Each metric of the
package is compared with a 60-digit mpmath reference (``tests/reference.py``)
computed on the very same numbers: float32 features are converted to float64
exactly before the reference reads them, so the error measures the
computation, not the rounding of the input.

The plain H-score counts a direction of the centred features, each scaled to
unit norm, as zero when its singular value is below ``10 eps sqrt(sum_j
rho_j^2)``, with ``rho_j`` the ratio of column j's raw norm to its centred
norm and ``eps`` that of the input dtype (doc/methods.rst, numerical rank): the
bound of what rounding the input to its dtype could have done, times ten. Its
reference (``h_score_mpmath_cutoff(..., equilibrate=True)``) applies the same
rule in 60 digits. The regularised H-score (Ledoit-Wolf shrinkage) and LogME
have no cut-off in their definitions, and their references have none.

The route that served the plain H-score ("gram32", "gram64" or "qr") is read
from the engine's DEBUG log (logger ``sktransfer``): the last statistics it
built in that call. The yardstick beyond the promised range is the same
package forced onto the QR route (``SufficientStatistics.from_data(...,
route="qr")``).

Two baselines for the plain H-score, computed in float64 on the same numbers
and against the same reference: the common recipe ``pinv(np.cov(X))`` (NumPy's
default cut-off, eigenvalues below 1e-15 of the largest: no rank rule of the
input's rounding), on float64 input only, and a dense Householder QR of the
centred features, each scaled to unit norm, with the centred one-hot labels
projected on the left singular directions of R that the package's rule keeps
(with the epsilon of the input dtype).

A last table moves the features' mean from 0 to 1e4 times their spread
(``tests.reference.shifted_task``), which leaves the H-score unchanged.

The report ends with every case that breaks the engine's promise: within 1e-6
(relative) of the exact score of the input's numbers wherever the condition
number is below 1e9, no worse than the QR route beyond, and float32 input equal
to the float64 evaluation of the same numbers to 1e-6 up to a condition number
of 1e4; the regularised H-score and LogME, which cut nothing, within 1e-6
everywhere.
"""

import logging
import re
import sys
import time
from pathlib import Path

import numpy as np

# The references and the test data live with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sktransfer._engine import SufficientStatistics  # noqa: E402
from sktransfer.metrics import h_score, logme_score  # noqa: E402
from sktransfer.metrics._hscore import (  # noqa: E402
    TOLERANCE,
    h_score_from_statistics,
)
from tests.reference import (  # noqa: E402
    h_score_mpmath_cutoff,
    ill_conditioned_task,
    logme_mpmath,
    shifted_task,
    shrunk_h_score_mpmath,
)

CONDITION_NUMBERS = [10.0**e for e in range(0, 15)]
DTYPES = (np.float64, np.float32)
# Mean offsets in units of each feature's standard deviation, and the
# condition numbers they are tried at (three within the promise, one beyond).
OFFSET_RATIOS = (0.0, 1.0, 1e1, 1e2, 1e3, 1e4)
OFFSET_CONDITIONS = (1e2, 1e5, 1e8, 1e11)
# The engine's promise: TOLERANCE below this condition number, QR's beyond.
PROMISED_CONDITION = 1e9
# Float32 input equals the float64 evaluation of its numbers up to this one.
FLOAT32_AS_FLOAT64_CONDITION = 1e4
RANK_MULTIPLE = 10.0


class _RouteLog(logging.Handler):
    """The routes the engine built statistics on, from its DEBUG messages."""

    PATTERN = re.compile(r"^statistics of \d+ x \d+ features on route (\S+)$")

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.routes = []

    def emit(self, record):
        match = self.PATTERN.match(record.getMessage())
        if match:
            self.routes.append(match.group(1))


def with_route(call):
    """``call()`` and the route of the last statistics it built."""
    logger = logging.getLogger("sktransfer")
    handler, level = _RouteLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        value = call()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return value, handler.routes[-1] if handler.routes else "-"


def relative_error(value, exact):
    """``|value - exact| / |exact|``, or ``|value|`` where the exact value is 0."""
    return abs(value - exact) / abs(exact) if exact else abs(value)


def rank_cut(X):
    """The package's rule in the units of the centred, unit-norm columns.

    Returns the centred float64 features, their column norms and the cut-off
    ``10 eps sqrt(sum_j rho_j^2)``, with the epsilon of ``X``'s dtype.
    """
    X = np.asarray(X)
    eps = np.finfo(X.dtype).eps
    X = X.astype(np.float64)
    centred = X - X.mean(axis=0)
    norms = np.linalg.norm(centred, axis=0)
    rho = np.linalg.norm(X, axis=0) / norms
    return centred, norms, RANK_MULTIPLE * eps * np.sqrt(np.sum(rho**2))


def between_class_covariance(X, y):
    mean = X.mean(axis=0)
    sigma_b = np.zeros((X.shape[1], X.shape[1]))
    for c in np.unique(y):
        d = X[y == c].mean(axis=0) - mean
        sigma_b += np.mean(y == c) * np.outer(d, d)
    return sigma_b


def naive_h_score(X, y):
    """tr(pinv(np.cov(X)) Sigma_B): the common recipe, in float64."""
    X = np.asarray(X, dtype=np.float64)
    sigma = np.cov(X, rowvar=False, bias=True)
    return float(np.trace(np.linalg.pinv(sigma) @ between_class_covariance(X, y)))


def qr_h_score(X, y):
    """The H-score from a dense QR of the centred features, in float64.

    ``sum_c ||Q_r^T (1_c - n_c / m)||^2 / n_c``, with ``Q_r`` the left singular
    directions of the centred, unit-norm features that the package's rank
    rule keeps: the class indicators are projected on an orthonormal basis,
    never on the features' coordinates.
    """
    centred, norms, cut = rank_cut(X)
    q, r = np.linalg.qr(centred / norms)
    u, s, _ = np.linalg.svd(r)
    basis = q @ u[:, s > cut]
    total = 0.0
    for c in np.unique(y):
        indicator = (y == c) - np.mean(y == c)
        total += np.sum((basis.T @ indicator) ** 2) / np.sum(y == c)
    return float(total)


def qr_route_h_score(X, y):
    """The package's plain H-score with its statistics on the QR route."""
    stats = SufficientStatistics.from_data(
        X, y[:, None], [len(np.unique(y))], route="qr"
    )
    return float(h_score_from_statistics(stats)[0])


def last_bit_changed(X, seed=0):
    """X with each entry moved up, down or not, by one unit in its last place."""
    step = np.random.default_rng(seed).integers(-1, 2, X.shape)
    up, down = np.nextafter(X, X.dtype.type(np.inf)), np.nextafter(X, -np.inf)
    return np.where(step > 0, up, np.where(step < 0, down, X))


def plain_row(X, y):
    """The plain H-score of one data set: reference, package, route, QR route."""
    exact = h_score_mpmath_cutoff(X, y, equilibrate=True)
    plain, route = with_route(lambda: h_score(X, y))
    return {
        "kept": exact.kept,
        "margin": exact.margin,
        "exact": exact.score,
        "value": plain,
        "h": relative_error(plain, exact.score),
        "route": route,
        "qr_route": relative_error(qr_route_h_score(X, y), exact.score),
        "dense_qr": relative_error(qr_h_score(X, y), exact.score),
    }


def measure(cond, dtype):
    """Errors of every metric on one data set, and the reference's cut-off."""
    X, y = ill_conditioned_task(cond, dtype)
    row = plain_row(X, y)
    row["h_lw"] = relative_error(
        h_score(X, y, shrinkage="ledoit_wolf"), shrunk_h_score_mpmath(X, y)
    )
    row["logme"] = relative_error(logme_score(X, y), logme_mpmath(X, y))
    if dtype == np.float64:
        row["naive"] = relative_error(naive_h_score(X, y), row["exact"])
    else:
        as64 = h_score(X.astype(np.float64), y)
        row["as64"] = relative_error(row["value"], as64)
        row["ulp"] = relative_error(h_score(last_bit_changed(X), y), row["value"])
    return row


def broken_promises(cond, dtype, row, label=""):
    """Every way ``row`` breaks the engine's promise, as sentences.

    The plain H-score: ``TOLERANCE`` below ``PROMISED_CONDITION``, the QR
    route's own error beyond. The regularised H-score and LogME cut no
    direction and stay well-conditioned whatever the features: ``TOLERANCE``
    everywhere.
    """
    name = f"{np.dtype(dtype).name} at cond {cond:.0e}{label}"
    found = []
    bound = TOLERANCE if cond < PROMISED_CONDITION else max(TOLERANCE, row["qr_route"])
    if row["h"] > bound:
        found.append(f"{name}: H off by {row['h']:.1e} > {bound:.1e}")
    for key, metric in (("h_lw", "H-LW"), ("logme", "LogME")):
        if key in row and row[key] > TOLERANCE:
            found.append(f"{name}: {metric} off by {row[key]:.1e} > 1e-6")
    if "as64" in row and cond <= FLOAT32_AS_FLOAT64_CONDITION:
        if row["as64"] > TOLERANCE:
            found.append(
                f"{name}: {row['as64']:.1e} from the float64 evaluation > 1e-6"
            )
    return found


def print_table(header, rows, notes):
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)
    for note in notes:
        print(note)
    print()


def main():
    start = time.perf_counter()
    results = {
        (cond, dtype): measure(cond, dtype)
        for cond in CONDITION_NUMBERS
        for dtype in DTYPES
    }
    offsets = {
        (cond, ratio, dtype): plain_row(*shifted_task(cond, ratio, dtype))
        for cond in OFFSET_CONDITIONS
        for ratio in OFFSET_RATIOS
        for dtype in DTYPES
    }

    print(
        "Relative error against a 60-digit mpmath reference on the same input; "
        "330 samples x 11 features, 4 classes, means 0.2 to 100 spreads from 0."
    )
    print(
        "Rank rule (package and reference): directions of the centred features, "
        "each scaled to unit norm, below 10 eps sqrt(sum_j rho_j^2) count as zero."
    )
    print()
    print("Float64 input")
    print_table(
        f"{'cond':>6} {'kept':>4} {'margin':>6} | {'H':>8} {'route':>6} | "
        f"{'H-LW':>8} {'LogME':>8} | {'QR route':>8} {'cov+pinv':>8} "
        f"{'dense QR':>8}",
        [
            f"{cond:6.0e} {r['kept']:4d} {r['margin']:6.2f} | "
            f"{r['h']:8.1e} {r['route']:>6} | {r['h_lw']:8.1e} {r['logme']:8.1e} | "
            f"{r['qr_route']:8.1e} {r['naive']:8.1e} {r['dense_qr']:8.1e}"
            for cond in CONDITION_NUMBERS
            for r in [results[cond, np.float64]]
        ],
        [
            "kept: directions the reference keeps of 11; margin: decades between "
            "its cut-off and the nearest singular value.",
            "route: the route that served the plain H-score. QR route: the "
            "package forced onto the QR route.",
            "cov+pinv: tr(pinv(np.cov(X)) Sigma_B), NumPy's cut-off; dense QR: "
            "QR of the centred unit-norm features, the package's rule.",
        ],
    )

    print("Float32 input (the reference reads the float32 numbers exactly)")
    print_table(
        f"{'cond':>6} {'kept':>4} {'margin':>6} | {'H':>8} {'route':>6} | "
        f"{'H-LW':>8} {'LogME':>8} | {'as f64':>8} {'exact':>6} {'ulp':>8} | "
        f"{'QR route':>8} {'dense QR':>8}",
        [
            f"{cond:6.0e} {r['kept']:4d} {r['margin']:6.2f} | "
            f"{r['h']:8.1e} {r['route']:>6} | {r['h_lw']:8.1e} {r['logme']:8.1e} | "
            f"{r['as64']:8.1e} {r['exact']:6.4f} {r['ulp']:8.1e} | "
            f"{r['qr_route']:8.1e} {r['dense_qr']:8.1e}"
            for cond in CONDITION_NUMBERS
            for r in [results[cond, np.float32]]
        ],
        [
            "as f64: relative difference from h_score(X.astype(np.float64), y), "
            "the same numbers under float64's rank rule.",
            "exact: the reference's H-score (1.2901 with every direction kept). "
            "ulp: the change of the package's score",
            "when each float32 feature moves by one unit in its last place.",
        ],
    )

    print(
        "The plain H-score of centred features shifted by 'offset' times each "
        "feature's spread, which leaves the H-score unchanged"
    )
    print_table(
        f"{'cond':>6} {'offset':>6} | {'kept':>4} {'margin':>6} {'H f64':>8} "
        f"{'route':>6} {'dense QR':>8} | {'kept':>4} {'margin':>6} {'H f32':>8} "
        f"{'route':>6}",
        [
            f"{cond:6.0e} {ratio:6g} | "
            f"{r64['kept']:4d} {r64['margin']:6.2f} {r64['h']:8.1e} "
            f"{r64['route']:>6} {r64['dense_qr']:8.1e} | "
            f"{r32['kept']:4d} {r32['margin']:6.2f} {r32['h']:8.1e} {r32['route']:>6}"
            for cond in OFFSET_CONDITIONS
            for ratio in OFFSET_RATIOS
            for r64, r32 in [
                (offsets[cond, ratio, np.float64], offsets[cond, ratio, np.float32])
            ]
        ],
        [
            "Float64 on the left, float32 on the right; each reference reads its "
            "own input. dense QR as above."
        ],
    )

    broken = [
        sentence
        for (cond, dtype), row in results.items()
        for sentence in broken_promises(cond, dtype, row)
    ] + [
        sentence
        for (cond, ratio, dtype), row in offsets.items()
        for sentence in broken_promises(cond, dtype, row, f", offset {ratio:g}")
    ]
    print(
        "Promise: H within 1e-6 below cond 1e9, no worse than the QR route beyond; "
        "H-LW and LogME within 1e-6;"
    )
    print("float32 H as its float64 evaluation to 1e-6 up to cond 1e4.")
    print("Broken:" + (" none" if not broken else ""))
    for sentence in broken:
        print(f"  {sentence}")
    print()
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
