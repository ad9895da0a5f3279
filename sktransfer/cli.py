"""Command line over sktransfer's public functions: ``sktransfer <command>``.

Each command is a sub-parser with a ``run(args, out)`` handler that writes its
result to ``out`` as a text table, JSON or CSV; :func:`main` turns errors into
exit codes (0 success, 1 an error in the work, 2 a usage error), each reported
in one line on standard error.
"""

import argparse
import csv
import json
import sys
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tqdm import tqdm

from sktransfer._io import read_feature_sources, read_label_table
from sktransfer._progress import progress_bars
from sktransfer.curriculum import CurriculumBuilder, transferability_matrix
from sktransfer.datasets import digits_representations, digits_tasks
from sktransfer.evaluation import rank_agreement
from sktransfer.metrics import get_scorer_names, task_hardness
from sktransfer.selection import rank_sources

_FORMATS = ("table", "json", "csv")


def probe_accuracy(F_train, y_train, F_test, y_test, random_state=0):
    """Held-out accuracy of a linear probe (scaled logistic regression).

    Parameters
    ----------
    F_train, F_test : ndarray of shape (n_samples, n_features)
        Features of the training and held-out samples.
    y_train, y_test : ndarray of shape (n_samples,)
        Their class labels.
    random_state : int, default=0
        Seed of the logistic regression.

    Returns
    -------
    accuracy : float
        Share of held-out samples the probe classifies correctly.
    """
    probe = make_pipeline(
        StandardScaler(),
        LogisticRegression(max_iter=5000, random_state=random_state),
    )
    return float(probe.fit(F_train, y_train).score(F_test, y_test))


def rank_digits_representations(random_state=0):
    """Score the digits representations by H-score and by linear-probe accuracy.

    The digits are split in half, stratified by class. Each representation is
    fitted on the training half and scored there by H-score
    (:func:`~sktransfer.rank_sources`); the probe is trained on the training
    half and its accuracy measured on the other.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the split, of the representations and of the probe.

    Returns
    -------
    rows : list of dict
        One dict per representation with keys ``representation``,
        ``n_features``, ``h_score`` and ``probe_accuracy``, by decreasing
        H-score.
    agreement : dict of str to float
        Agreement of the H-score with the probe accuracy, as
        :func:`~sktransfer.evaluation.rank_agreement` gives it.
    features : dict of str to ndarray
        The training-half features of each representation.
    y_train : ndarray
        The digits of the training half.
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=random_state
    )
    features, accuracy = {}, {}
    for name, transformer in digits_representations(random_state).items():
        features[name] = transformer.fit_transform(X_train)
        accuracy[name] = probe_accuracy(
            features[name], y_train, transformer.transform(X_test), y_test, random_state
        )
    table = rank_sources(features, y_train)
    rows = [
        {
            "representation": str(name),
            "n_features": int(features[name].shape[1]),
            "h_score": float(score),
            "probe_accuracy": accuracy[name],
        }
        for name, score in zip(table["source"], table["score"], strict=True)
    ]
    agreement = rank_agreement(
        [row["h_score"] for row in rows], [row["probe_accuracy"] for row in rows]
    )
    return rows, agreement, features, y_train


def _write(rows, columns, out, fmt, *, notes=(), extra=None):
    """Write rows (dicts) as an aligned table, JSON or CSV.

    ``columns`` maps each key to a table header and a number format; ``notes``
    are lines printed under the table, and ``extra`` entries join the JSON.
    """
    if fmt == "json":
        json.dump({"rows": rows, **(extra or {})}, out, indent=2, default=_jsonable)
        print(file=out)
        return
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: row[key] for key in columns} for row in rows)
        return
    header = [title for title, _ in columns.values()]
    cells = [
        [format(row[key], spec) for key, (_, spec) in columns.items()] for row in rows
    ]
    widths = [
        max(len(line[i]) for line in [header, *cells]) for i in range(len(header))
    ]
    for line in [header, *cells]:
        first, rest = line[0].ljust(widths[0]), line[1:]
        pairs = zip(rest, widths[1:], strict=True)
        print(
            "  ".join([first, *(cell.rjust(width) for cell, width in pairs)]), file=out
        )
    for note in notes:
        print(note, file=out)


def _jsonable(value):
    return value.item() if isinstance(value, np.generic) else str(value)


def _run_demo(args, out):
    """Handle ``sktransfer demo``: rank representations, build a curriculum, plot."""
    rows, agreement, features, y_train = rank_digits_representations(args.random_state)
    _, y = load_digits(return_X_y=True)
    tasks = digits_tasks(y)
    # The digit determines every other task, so it would be the root of a star:
    # the curriculum over the other tasks is the informative one.
    related = {name: labels for name, labels in tasks.items() if name != "digit"}
    builder = CurriculumBuilder(normalize=True, task_names=list(related))
    builder.fit(np.column_stack(list(related.values())))

    folder = Path(args.output_dir)
    (folder / "features").mkdir(parents=True, exist_ok=True)
    for name, F in features.items():
        np.save(folder / "features" / f"{name}.npy", F)
    np.save(folder / "labels.npy", y_train)
    with open(folder / "tasks.csv", "w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(list(tasks))
        writer.writerows(np.column_stack(list(tasks.values())).tolist())
    plots = _demo_plots(rows, builder, folder)

    notes = [
        "",
        f"Agreement of H-score with probe accuracy: Spearman "
        f"{agreement['spearman']:.3f}, weighted Kendall tau "
        f"{agreement['weighted_kendall_tau']:.3f}",
        "",
        f"Curriculum of the digit tasks (root {builder.root_}):",
        *_tree_lines(builder),
        "",
        f"Files written to {folder}/: features/*.npy, labels.npy, tasks.csv"
        + "".join(f", {plot.name}" for plot in plots),
        f"Try: sktransfer rank {folder}/features/*.npy --labels {folder}/labels.npy",
        f"     sktransfer curriculum {folder}/tasks.csv --normalize",
    ]
    columns = {
        "representation": ("representation", "s"),
        "n_features": ("n_features", "d"),
        "h_score": ("H-score", ".4f"),
        "probe_accuracy": ("probe accuracy", ".4f"),
    }
    extra = {
        "agreement": agreement,
        "curriculum": _curriculum_json(builder),
        "output_dir": str(folder),
    }
    _write(rows, columns, out, args.format, notes=notes, extra=extra)


def _demo_plots(rows, builder, folder):
    """Save the demo's figures if matplotlib is installed; their paths."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    from sktransfer.plotting import plot_curriculum

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter([r["h_score"] for r in rows], [r["probe_accuracy"] for r in rows])
    for row in rows:
        ax.annotate(row["representation"], (row["h_score"], row["probe_accuracy"]))
    ax.set(xlabel="H-score (training half)", ylabel="probe accuracy (held out)")
    scatter = folder / "h_score_vs_accuracy.png"
    fig.savefig(scatter, bbox_inches="tight")
    plt.close(fig)
    ax = plot_curriculum(builder.curriculum_)
    tree = folder / "curriculum.png"
    ax.figure.savefig(tree, bbox_inches="tight")
    plt.close(ax.figure)
    return [scatter, tree]


def _run_rank(args, out):
    """Handle ``sktransfer rank``: rank feature files as sources for the labels."""
    sources = read_feature_sources(args.features)
    y = _one_task(args.labels, args.task)
    table = rank_sources(
        sources, y, scoring=args.metric, max_order=args.max_order, n_jobs=args.n_jobs
    )
    rows = [
        {"source": str(s), "score": float(v), "rank": int(r), "order": int(o)}
        for s, v, r, o in zip(
            *(table[k] for k in ("source", "score", "rank", "order")), strict=True
        )
    ]
    columns = {
        "rank": ("rank", "d"),
        "source": ("source", "s"),
        "score": (args.metric, ".6g"),
    }
    _write(rows, columns, out, args.format, extra={"metric": args.metric})


def _run_hardness(args, out):
    """Handle ``sktransfer hardness``: H(task) of every task of a label table."""
    names, columns = read_label_table(args.labels)
    rows = [
        {
            "task": name,
            "n_classes": int(np.unique(labels).size),
            "hardness": task_hardness(labels, base=args.base),
        }
        for name, labels in zip(names, columns, strict=True)
    ]
    rows.sort(key=lambda row: row["hardness"], reverse=True)
    unit = (
        "bits"
        if args.base == 2
        else "nats"
        if args.base is None
        else f"base {args.base}"
    )
    table = {
        "task": ("task", "s"),
        "n_classes": ("n_classes", "d"),
        "hardness": (f"hardness ({unit})", ".4f"),
    }
    _write(rows, table, out, args.format)


def _run_relate(args, out):
    """Handle ``sktransfer relate``: the transferability matrix of a label table."""
    names, columns = read_label_table(args.labels)
    matrix = transferability_matrix(
        _label_table(columns),
        metric=args.metric,
        normalize=args.normalize,
        n_jobs=args.n_jobs,
    )
    rows = [
        {"source": name, **dict(zip(names, map(float, row), strict=True))}
        for name, row in zip(names, matrix, strict=True)
    ]
    table = {"source": ("source \\ target", "s")} | {n: (n, ".4f") for n in names}
    _write(rows, table, out, args.format, extra={"metric": args.metric})


def _run_curriculum(args, out):
    """Handle ``sktransfer curriculum``: the curriculum tree of a label table."""
    names, columns = read_label_table(args.labels)
    builder = CurriculumBuilder(
        metric=args.metric,
        normalize=args.normalize,
        threshold=args.threshold,
        root=args.root,
        n_jobs=args.n_jobs,
        task_names=names,
    ).fit(_label_table(columns))
    if args.plot is not None:
        from sktransfer.plotting import plot_curriculum

        ax = plot_curriculum(builder.curriculum_)
        ax.figure.savefig(args.plot, bbox_inches="tight")
    if args.format == "table":
        for line in _tree_lines(builder):
            print(line, file=out)
        return
    rows = [
        {
            "position": position,
            "task": task,
            "parent": next(iter(builder.curriculum_.predecessors(task)), ""),
            "hardness": float(builder.hardness_[names.index(task)]),
        }
        for position, task in enumerate(map(str, builder.order_), start=1)
    ]
    columns = {key: (key, "") for key in rows[0]}
    _write(rows, columns, out, args.format, extra=_curriculum_json(builder))


def _tree_lines(builder):
    """The curriculum as indented text, one task per line, parents first."""
    graph = builder.curriculum_
    lines = []

    def visit(task, depth):
        weight = ""
        parent = next(iter(graph.predecessors(task)), None)
        if parent is not None:
            weight = f"  ({graph.edges[parent, task]['weight']:.3f})"
        lines.append(f"{'  ' * depth}{task}{weight}")
        for child in graph.successors(task):
            visit(child, depth + 1)

    for root in builder.roots_:
        visit(root, 0)
    return lines


def _curriculum_json(builder):
    graph = builder.curriculum_
    return {
        "roots": [str(root) for root in builder.roots_],
        "order": [str(task) for task in builder.order_],
        "edges": [
            [str(a), str(b), float(weight)]
            for a, b, weight in graph.edges(data="weight")
        ],
    }


def _one_task(path, task):
    """The labels of one task from a label file."""
    names, columns = read_label_table(path)
    if task is not None:
        if task not in names:
            raise ValueError(
                f"{path} has no task {task!r}; its tasks: {', '.join(names)}"
            )
        return columns[names.index(task)]
    if len(names) > 1:
        raise ValueError(
            f"{path} holds {len(names)} tasks ({', '.join(names)}); pick one with "
            "--task"
        )
    return columns[0]


def _label_table(columns):
    """Label columns side by side, as an object array when their kinds differ."""
    kinds = {column.dtype.kind for column in columns}
    dtype = None if len(kinds) == 1 else object
    return np.column_stack([np.asarray(column, dtype=dtype) for column in columns])


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on standard error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _seed(text):
    """Parse a random seed: an integer in ``[0, 2**32)``."""
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if not 0 <= seed < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected an integer in [0, 2**32), got {text!r}"
        )
    return seed


def _metric(input_kinds):
    """Parse a registered metric name of the given input kinds."""
    names = [n for kind in input_kinds for n in get_scorer_names(input=kind)]

    def parse(text):
        if text not in names:
            raise argparse.ArgumentTypeError(
                f"unknown metric {text!r}; choose from {', '.join(sorted(names))}"
            )
        return text

    return parse


def build_parser():
    """The argument parser of the ``sktransfer`` command and its sub-commands.

    Returns
    -------
    parser : argparse.ArgumentParser
        Parses ``sktransfer <command> [options]``; the handler of the chosen
        command is in the ``run`` attribute of the parsed arguments.
    """
    parser = _Parser(
        prog="sktransfer",
        description=(
            "Estimate, from data alone, how well a representation or a source "
            "task transfers to a classification task."
        ),
    )
    commands = parser.add_subparsers(
        title="commands", dest="command", required=True, parser_class=_Parser
    )
    common = _Parser(add_help=False)
    common.add_argument(
        "--format", choices=_FORMATS, default="table", help="output format"
    )
    jobs = _Parser(add_help=False)
    jobs.add_argument(
        "--n-jobs", type=int, default=None, help="parallel jobs (-1: all cores)"
    )

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="rank representations of the digits data and build a curriculum",
        description=(
            "Rank representations of scikit-learn's digits data by H-score next "
            "to the held-out accuracy of a linear probe, build a curriculum over "
            "digit tasks, and write the features, labels and plots to a folder."
        ),
    )
    demo.add_argument("--random-state", type=_seed, default=0, help="seed (0)")
    demo.add_argument(
        "--output-dir", default="sktransfer-demo", help="folder for the files written"
    )
    demo.set_defaults(run=_run_demo)

    rank = commands.add_parser(
        "rank",
        parents=[common, jobs],
        help="rank feature files as sources for a target task",
        description=(
            "Score and rank sources given as feature files (.npy, .csv: one "
            "source per file; .npz: one source per array) for target labels."
        ),
    )
    rank.add_argument("features", nargs="+", help="feature files, one row per sample")
    rank.add_argument(
        "--labels", required=True, help="target labels (.npy, .csv, .npz)"
    )
    rank.add_argument("--task", help="the column of a multi-task label file to use")
    rank.add_argument(
        "--metric", type=_metric(["features"]), default="h_score", help="(h_score)"
    )
    rank.add_argument(
        "--max-order", type=int, default=1, help="also rank combinations of sources"
    )
    rank.set_defaults(run=_run_rank)

    hardness = commands.add_parser(
        "hardness",
        parents=[common],
        help="hardness H(task) of every task of a label table",
    )
    hardness.add_argument("labels", help="label table: CSV with a header, or .npz")
    hardness.add_argument("--base", type=float, default=None, help="log base (e)")
    hardness.set_defaults(run=_run_hardness)

    label_metric = _metric(["labels"])
    for name, handler, text in [
        ("relate", _run_relate, "transferability matrix of a label table"),
        ("curriculum", _run_curriculum, "curriculum tree of a label table"),
    ]:
        command = commands.add_parser(name, parents=[common, jobs], help=text)
        command.add_argument("labels", help="label table: CSV with a header, or .npz")
        command.add_argument(
            "--metric", type=label_metric, default="neg_conditional_entropy"
        )
        command.add_argument(
            "--normalize",
            action="store_true",
            help="share of each target's entropy the source explains",
        )
        command.set_defaults(run=handler)
        if name == "curriculum":
            command.add_argument("--threshold", type=float, help="keep salient edges")
            command.add_argument("--root", help="the root task (default: best source)")
            command.add_argument("--plot", help="also draw the tree into this image")
    return parser


def terminal_bars(stream):
    """Progress bars on ``stream`` if it is a terminal; none otherwise.

    A bar appears only once the work has taken half a second, and is erased
    when it ends, so quick commands and redirected output stay clean.
    """
    return partial(tqdm, file=stream, disable=None, leave=False, delay=0.5)


def main(argv=None):
    """Run the ``sktransfer`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments after the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 for a usage error, 1 for any other error (reported
        in one line on standard error).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        with progress_bars(terminal_bars(sys.stderr)):
            args.run(args, sys.stdout)
    except BrokenPipeError:  # the reader closed the pipe early, as `| head` does
        return 1
    except Exception as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"sktransfer: error: {message}", file=sys.stderr)
        return 1
    return 0
