"""Benchmark suite of sktransfer: one command, one table, every target PASS/MISS.

Run ``python benchmarks/run.py`` for the full suite (most of an hour, about
5 GiB of memory at its peak, in the large group), ``--quick`` for small shapes
(under a minute), ``--only GROUP ...`` for some groups. See
``benchmarks/README.md``.

Every case is timed next to its baselines in the same run, and most targets
are ratios of those times, so the verdicts hold on a machine where absolute
times do not travel; the wide and sparse groups have absolute limits of time
and memory instead. A case that raises or runs out of time is a MISS with its
reason; the run goes on.
"""

import argparse
import gc
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import _cases
import _scaling
from _timing import Failure, describe, machine_description
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
    "wide": _cases.wide_group,
    "sparse": _cases.sparse_group,
    "embeddings": _cases.embeddings_group,
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


def _feature_targets(group, prefix):
    """The targets of a features group (``hscore`` or ``large``)."""
    return [
        Target(
            f"{prefix}h_score / one X.T @ X"
            + (" (goal 1.1)" if group == "hscore" else ""),
            f"{group}.h_score",
            f"{group}.gram",
            1.3,
        ),
        Target(
            f"{prefix}h_score float64 / X.T @ X float64",
            f"{group}.h_score64",
            f"{group}.gram64",
            1.3,
        ),
        Target(
            f"{prefix}straightforward / h_score",
            f"{group}.reference",
            f"{group}.h_score",
            5.0,
            at_least=True,
        ),
        Target(
            f"{prefix}ledoit_wolf / plain h_score",
            f"{group}.h_score_lw",
            f"{group}.h_score",
            1.05,
        ),
        Target(
            f"{prefix}logme_score / h_score", f"{group}.logme", f"{group}.h_score", 1.3
        ),
        Target(
            f"{prefix}transrate_score / h_score",
            f"{group}.transrate",
            f"{group}.h_score",
            2.0,
        ),
        Target(f"{prefix}gbc_score / h_score", f"{group}.gbc", f"{group}.h_score", 1.5),
    ]


TARGETS = [
    *_feature_targets("hscore", ""),
    *_feature_targets("large", "large: "),
    Target("nleep_score / one X.T @ X", "suite.nleep", "suite.gram", 100.0),
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
    timings = {row.key: row.timing for row in group.rows}
    baselines = {row.baseline for row in group.rows}
    print(f"\n== {group.title} [{group.name}: took {elapsed:.0f} s]")
    if group.rows:
        print(
            f"  {'what':46} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'ratio':>6}"
            f"  {'result'}"
        )
    for row in group.rows:
        timing = row.timing
        if isinstance(timing, Failure):
            print(f"  {row.label:46} failed: {timing.reason}")
            continue
        base = timings.get(row.baseline)
        if row.baseline is None:
            ratio = "1.00" if row.key in baselines else "-"
        elif isinstance(base, Failure):
            ratio = "-"
        else:
            ratio = f"{timing.wall / base.wall:.2f}"
        cpu = "-" if timing.cpu is None else f"{timing.cpu:8.3f}"
        result = f"{timing.result:.6g}" if row.shows_result else ""
        print(
            f"  {row.label:46} {timing.wall:8.3f} {cpu:>8} {timing.peak_mib:9.1f} "
            f"{ratio:>6}  {result}"
        )
    for note in group.notes:
        print(f"  check: {note}")
    for remark in group.remarks:
        print(f"  note: {remark}")
    sys.stdout.flush()


def _failed(*named):
    """``MISS (why)`` for the first of ``(name, timing)`` that failed, else None."""
    for name, timing in named:
        if isinstance(timing, Failure):
            return f"MISS ({name}: {timing.reason})"
    return None


def print_targets(rows, quick):
    """Each target whose rows ran, with its verdict: ratios, then absolute limits."""
    measured = [t for t in TARGETS if t.numerator in rows and t.denominator in rows]
    limited = [
        (key, _cases.LIMITS[key.split(".")[0]])
        for key in rows
        if key.split(".")[0] in _cases.LIMITS
    ]
    if not measured and not limited:
        return
    print(
        "\n== Targets: ratios of wall times in this run (CPU ratio for reference), "
        "then absolute limits"
    )
    if measured:
        print(f"  {'target':44} {'ratio':>7} {'limit':>8} {'CPU ratio':>10}  verdict")
    for target in measured:
        numerator, denominator = rows[target.numerator], rows[target.denominator]
        limit = f"{'>=' if target.at_least else '<='} {target.limit:g}"
        failed = _failed(
            (target.numerator, numerator), (target.denominator, denominator)
        )
        if failed:
            print(f"  {target.text:44} {'-':>7} {limit:>8} {'-':>10}  {failed}")
            continue
        ratio = numerator.wall / denominator.wall
        if numerator.cpu is None or denominator.cpu is None:
            cpu = "-"
        else:
            cpu = f"{numerator.cpu / denominator.cpu:.2f}"
        verdict = "PASS" if target.holds(ratio) else "MISS"
        print(f"  {target.text:44} {ratio:7.2f} {limit:>8} {cpu:>10}  {verdict}")
    if limited:
        print(
            "\n  absolute limits: wall s (best run) and peak MiB (tracemalloc), each "
            "below its limit"
        )
        print(
            f"  {'case':44} {'wall s':>7} {'limit':>6} {'peak MiB':>9} {'limit':>6}"
            "  verdict"
        )
    for key, limit in limited:
        timing = rows[key]
        seconds, mib = f"< {limit.seconds:g}", f"< {limit.mib:g}"
        if isinstance(timing, Failure):
            verdict = f"MISS ({timing.reason})"
            print(f"  {key:44} {'-':>7} {seconds:>6} {'-':>9} {mib:>6}  {verdict}")
            continue
        holds = timing.wall < limit.seconds and timing.peak_mib < limit.mib
        print(
            f"  {key:44} {timing.wall:7.3f} {seconds:>6} {timing.peak_mib:9.1f} "
            f"{mib:>6}  {'PASS' if holds else 'MISS'}"
        )
    if quick:
        print("  (--quick shapes: verdicts are not meaningful at these sizes)")


def run_groups(arguments, selected):
    """Print each selected group's table as it finishes; return all rows by key,
    and the names of the groups that crashed (outside the cases they time)."""
    shapes = _cases.QUICK if arguments.quick else _cases.FULL
    rows, crashed = {}, []
    for name, run_group in GROUPS.items():
        if name in selected:
            started = time.perf_counter()
            try:
                group = run_group(shapes, arguments.repeats)
            except Exception as error:  # the other groups still run
                traceback.print_exc()
                print(f"\n== {name}: the group crashed: {describe(error)}")
                crashed.append(name)
                continue
            print_group(group, time.perf_counter() - started)
            rows.update((row.key, row.timing) for row in group.rows)
    return rows, crashed


def main(argv=None):
    arguments = parse_arguments(argv)
    # The imported modules' objects live to the end of the run: frozen, they are
    # not walked by the gc.collect() before every timed run (with scikit-learn
    # loaded, a tenth of a second each, a third of a --quick run).
    gc.collect()
    gc.freeze()
    selected = arguments.only or [*GROUPS, SCALING]
    started = time.perf_counter()
    with threadpool_limits(limits=arguments.blas_threads, user_api="blas"):
        # Inside the limits, so that the BLAS thread count printed is the one used.
        print("sktransfer benchmarks" + (" (--quick)" if arguments.quick else ""))
        for line in machine_description():
            print(f"  {line}")
        rows, crashed = run_groups(arguments, selected)
        if SCALING in selected:
            sweep = _scaling.QUICK if arguments.quick else _scaling.FULL
            print()
            try:
                lines = _scaling.run(sweep, arguments.repeats, arguments.figure)
            except Exception as error:  # h_score raised: the targets still print
                traceback.print_exc()
                lines = [f"== scaling: not measured, {describe(error)}"]
            print("\n".join(lines))
    print_targets(rows, arguments.quick)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; {machine_description()[0]}")
    if crashed:
        print(f"Groups that crashed (a bug of the benchmarks): {', '.join(crashed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
