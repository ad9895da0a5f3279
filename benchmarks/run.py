"""Benchmark suite of sktransfer: one command, one table, targets as ratios.

Run ``python benchmarks/run.py`` for the full suite (tens of minutes, about
5 GiB of memory at its peak, in the large group's straightforward H-score),
``--quick`` for small shapes (under a minute), ``--only GROUP ...`` for some
groups. See ``benchmarks/README.md``.

Every case is timed next to its baselines in the same run, and the targets are
ratios of those times, so the verdicts hold on a machine where absolute times
do not travel.
"""

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import _cases
import _scaling
from _timing import machine_description
from threadpoolctl import threadpool_limits

GROUPS = {
    "hscore": _cases.hscore_group,
    "entropy": _cases.entropy_group,
    "leep": _cases.leep_group,
    "streaming": _cases.streaming_group,
    "parallel": _cases.parallel_group,
    "combinations": _cases.combinations_group,
    "large": _cases.large_group,
    "suite": _cases.suite_group,
}
SCALING = "scaling"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Target:
    """``wall(numerator) / wall(denominator)`` at most (or at least) ``limit``."""

    text: str
    numerator: str
    denominator: str
    limit: float
    at_least: bool = False

    def holds(self, ratio):
        return ratio >= self.limit if self.at_least else ratio <= self.limit


TARGETS = [
    Target("h_score / one X.T @ X", "hscore.h_score", "hscore.gram", 1.3),
    Target(
        "straightforward / h_score",
        "hscore.reference",
        "hscore.h_score",
        5.0,
        at_least=True,
    ),
    Target("ledoit_wolf / plain h_score", "hscore.h_score_lw", "hscore.h_score", 1.2),
    Target("logme_score / h_score", "hscore.logme", "hscore.h_score", 2.0),
    Target("large: h_score / one X.T @ X", "large.h_score", "large.gram", 1.3),
    Target("large: ledoit_wolf / plain", "large.h_score_lw", "large.h_score", 1.2),
    Target("large: logme_score / h_score", "large.logme", "large.h_score", 2.0),
    Target(
        "conditional_entropy / np.unique",
        "entropy.conditional_entropy",
        "entropy.unique",
        3.0,
    ),
    Target(
        "FeatureStatistics / h_score", "streaming.features", "streaming.h_score", 1.2
    ),
    Target(
        "LabelStatistics / conditional_entropy",
        "streaming.labels",
        "streaming.conditional_entropy",
        1.2,
    ),
    Target(
        "transferability_matrix: n_jobs=-1 / 1",
        "parallel.matrix_-1",
        "parallel.matrix_1",
        1.0,
    ),
    Target("rank_sources: n_jobs=-1 / 1", "parallel.rank_-1", "parallel.rank_1", 1.0),
]


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Time sktransfer's metrics against baselines measured in the "
        "same run; print a table and the targets as PASS/MISS."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small shapes and single-threaded BLAS: a smoke test in under a "
        "minute; verdicts mean nothing",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        action="extend",
        choices=[*GROUPS, SCALING],
        metavar="GROUP",
        help=f"run only these groups, of: {', '.join([*GROUPS, SCALING])}",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="timed runs per case, after one traced warm-up run; the best counts "
        "(default: 3, or 1 with --quick; the large group does 1 at most)",
    )
    parser.add_argument(
        "--figure",
        type=Path,
        help="where to save the scaling figure (default: benchmarks/results/"
        "h_score_scaling.png, or h_score_scaling_quick.png with --quick)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        help="limit BLAS to this many threads (default: the library's own, or 1 "
        "with --quick)",
    )
    arguments = parser.parse_args(argv)
    if arguments.repeats is None:
        arguments.repeats = 1 if arguments.quick else 3
    elif arguments.repeats < 1:
        parser.error("--repeats must be at least 1")
    if arguments.quick and arguments.blas_threads is None:
        # At these sizes BLAS threads cost more in hand-offs than they save, and
        # on a loaded machine their spinning makes the smoke test crawl.
        arguments.blas_threads = 1
    if arguments.figure is None:
        name = "h_score_scaling_quick.png" if arguments.quick else "h_score_scaling.png"
        arguments.figure = RESULTS / name
    return arguments


def print_group(group, elapsed):
    """The group's rows: times, peak memory beyond the inputs, ratio, result."""
    times = {row.key: row.timing.wall for row in group.rows}
    print(f"\n== {group.title} [group took {elapsed:.0f} s]")
    print(
        f"  {'what':46} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'ratio':>6}"
        f"  {'result'}"
    )
    for row in group.rows:
        timing = row.timing
        ratio = timing.wall / times[row.baseline] if row.baseline else 1.0
        cpu = "-" if timing.cpu is None else f"{timing.cpu:8.3f}"
        result = f"{timing.result:.6g}" if row.shows_result else ""
        print(
            f"  {row.label:46} {timing.wall:8.3f} {cpu:>8} {timing.peak_mib:9.1f} "
            f"{ratio:6.2f}  {result}"
        )
    for note in group.notes:
        print(f"  check: {note}")
    sys.stdout.flush()


def print_targets(rows, quick):
    """Each target whose rows ran: the wall-time ratio, the limit, the verdict."""
    measured = [t for t in TARGETS if t.numerator in rows and t.denominator in rows]
    if not measured:
        return
    print("\n== Targets (ratios of wall times in this run; CPU ratio for reference)")
    print(f"  {'target':40} {'ratio':>7} {'limit':>8} {'CPU ratio':>10}  verdict")
    for target in measured:
        numerator, denominator = rows[target.numerator], rows[target.denominator]
        ratio = numerator.wall / denominator.wall
        limit = f"{'>=' if target.at_least else '<='} {target.limit:g}"
        if numerator.cpu is None or denominator.cpu is None:
            cpu = "-"
        else:
            cpu = f"{numerator.cpu / denominator.cpu:.2f}"
        verdict = "PASS" if target.holds(ratio) else "MISS"
        print(f"  {target.text:40} {ratio:7.2f} {limit:>8} {cpu:>10}  {verdict}")
    if quick:
        print("  (--quick shapes: verdicts are not meaningful at these sizes)")


def run_groups(arguments, selected):
    """Print each selected group's table as it finishes; return all rows by key."""
    shapes = _cases.QUICK if arguments.quick else _cases.FULL
    rows = {}
    for name, run_group in GROUPS.items():
        if name in selected:
            started = time.perf_counter()
            group = run_group(shapes, arguments.repeats)
            print_group(group, time.perf_counter() - started)
            rows.update((row.key, row.timing) for row in group.rows)
    return rows


def main(argv=None):
    arguments = parse_arguments(argv)
    selected = arguments.only or [*GROUPS, SCALING]
    started = time.perf_counter()
    with threadpool_limits(limits=arguments.blas_threads, user_api="blas"):
        # Inside the limits, so that the BLAS thread count printed is the one used.
        print("sktransfer benchmarks" + (" (--quick)" if arguments.quick else ""))
        for line in machine_description():
            print(f"  {line}")
        rows = run_groups(arguments, selected)
        if SCALING in selected:
            sweep = _scaling.QUICK if arguments.quick else _scaling.FULL
            print()
            print("\n".join(_scaling.run(sweep, arguments.repeats, arguments.figure)))
    print_targets(rows, arguments.quick)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; {machine_description()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
