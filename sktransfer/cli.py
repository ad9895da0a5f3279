"""Command line over sktransfer's public functions: ``sktransfer <command>``.

Each command is a sub-parser with a ``run(args, out)`` handler that writes its
result to ``out`` as a text table, JSON or CSV; :func:`main` turns errors into
exit codes (0 success, 1 an error in the work, 2 a usage error), each reported
in one line on standard error.
"""

import argparse
import csv
import json
import math
import shlex
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

from sktransfer._io import (
    InputFileError,
    numbered_header_hint,
    read_feature_sources,
    read_label_table,
)
from sktransfer._optional import import_optional
from sktransfer._progress import progress_bars
from sktransfer.curriculum import CurriculumBuilder, transferability_matrix
from sktransfer.datasets import digits_representations, digits_tasks
from sktransfer.evaluation import rank_agreement
from sktransfer.metrics import get_metric, get_scorer_names, task_hardness
from sktransfer.selection import rank_sources

_FORMATS = ("table", "json", "csv")
# A column format for numbers: one format for the whole column (see _numbers).
_NUMBER = "number"
# The demo's curriculum leaves the digit out: it determines every other task,
# so it would be the root of a star with every edge at the best score.
_DEMO_EXCLUDED = ("digit",)


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


def _write(rows, columns, out, fmt, *, title=(), notes=(), extra=None):
    """Write rows (dicts) as an aligned table, JSON or CSV.

    ``columns`` maps each key to a table header and a number format
    (``_NUMBER``: one format chosen for the whole column); ``title`` and
    ``notes`` are lines printed above and under the table, and ``extra``
    entries join the JSON.
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
    header = [heading for heading, _ in columns.values()]
    formatted = [
        _numbers([row[key] for row in rows])
        if spec == _NUMBER
        else [format(row[key], spec) for row in rows]
        for key, (_, spec) in columns.items()
    ]
    cells = [list(line) for line in zip(*formatted, strict=True)]
    widths = [
        max(len(line[i]) for line in [header, *cells]) for i in range(len(header))
    ]
    for line in title:
        print(line, file=out)
    for line in [header, *cells]:
        first, rest = line[0].ljust(widths[0]), line[1:]
        pairs = zip(rest, widths[1:], strict=True)
        print(
            "  ".join([first, *(cell.rjust(width) for cell, width in pairs)]), file=out
        )
    for note in notes:
        print(note, file=out)


def _numbers(values):
    """Numbers written with one format, so that their digits line up.

    Four decimals while the largest magnitude lies in ``[1e-3, 1e6)``, four
    significant digits in scientific notation otherwise; a value that rounds
    to zero is written without a sign.
    """
    magnitudes = [abs(v) for v in values if math.isfinite(v) and v != 0]
    largest = max(magnitudes, default=1.0)
    spec = ".4f" if 1e-3 <= largest < 1e6 else ".4e"
    texts = [format(value, spec) for value in values]
    return [
        text[1:] if text.startswith("-") and float(text) == 0 else text
        for text in texts
    ]


def _jsonable(value):
    return value.item() if isinstance(value, np.generic) else str(value)


def _run_demo(args, out):
    """Handle ``sktransfer demo``: rank representations, build a curriculum, plot.

    Every file holds the same samples, the training half of the digits, in
    the same order, and the commands the demo suggests reproduce what it
    prints from those files.
    """
    rows, agreement, features, y_train = rank_digits_representations(args.random_state)
    tasks = digits_tasks(y_train)
    names = list(tasks)
    columns = [np.asarray(labels) for labels in tasks.values()]
    kept, kept_columns = _select_tasks(
        names, columns, None, list(_DEMO_EXCLUDED), "the digit tasks", 2
    )
    builder = _build_curriculum(
        kept,
        kept_columns,
        metric="neg_conditional_entropy",
        normalize=True,
        threshold=None,
        root=None,
        n_jobs=None,
    )

    folder = Path(args.output_dir)
    (folder / "features").mkdir(parents=True, exist_ok=True)
    for name, F in features.items():
        np.save(folder / "features" / f"{name}.npy", F)
    np.save(folder / "labels.npy", y_train)
    with open(folder / "tasks.csv", "w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(np.column_stack(columns).tolist())
    plots, skipped = _demo_plots(rows, builder, folder)

    quoted = shlex.quote(str(folder))
    commands = [
        f"sktransfer rank {quoted}/features/*.npy --labels {quoted}/labels.npy",
        f"sktransfer curriculum {quoted}/tasks.csv --normalize --exclude "
        + ",".join(_DEMO_EXCLUDED),
    ]
    notes = [
        "",
        f"Agreement of H-score with probe accuracy: Spearman "
        f"{agreement['spearman']:.3f}, weighted Kendall tau "
        f"{agreement['weighted_kendall_tau']:.3f}",
        "",
        f"Curriculum of the digit tasks, the digit left out (root {builder.root_}):",
        _scores_title("neg_conditional_entropy", normalize=True),
        *_tree_lines(builder),
        "",
        f"Files written to {folder}/, all on the same {y_train.size} samples (the "
        "training half): features/*.npy, labels.npy (the digit), tasks.csv (the "
        f"{len(names)} tasks, one per column)"
        + "".join(f", {plot.name}" for plot in plots),
        *([skipped] if skipped else []),
        "Try, to get the table and the curriculum above from those files:",
        *(f"  {command}" for command in commands),
    ]
    columns = {
        "representation": ("representation", "s"),
        "n_features": ("n_features", "d"),
        "h_score": ("H-score", _NUMBER),
        "probe_accuracy": ("probe accuracy", _NUMBER),
    }
    extra = {
        "agreement": agreement,
        "curriculum": _curriculum_json(builder),
        "output_dir": str(folder),
        "plots": [str(plot) for plot in plots],
        "commands": commands,
    }
    _write(rows, columns, out, args.format, notes=notes, extra=extra)


def _demo_plots(rows, builder, folder):
    """Save the demo's figures; their paths, and why they were skipped if so."""
    try:
        plt = _pyplot("drawing the demo's plots")
    except ImportError as exc:
        return [], f"Plots skipped: {exc}"
    from sktransfer.plotting import plot_rank_agreement

    ax = plot_rank_agreement(
        [row["h_score"] for row in rows],
        [row["probe_accuracy"] for row in rows],
        source_names=[row["representation"] for row in rows],
        score_label="H-score (training half)",
        measured_label="accuracy of a linear probe (held-out half)",
        title="Representations of the digits: H-score against measured transfer",
    )
    scatter = folder / "h_score_vs_accuracy.png"
    ax.figure.savefig(scatter, bbox_inches="tight", dpi=150)
    plt.close(ax.figure)
    tree = folder / "curriculum.png"
    title = (
        "Curriculum of the digit tasks, the digit left out\n(on each edge: the "
        "share of the child's entropy that the parent explains)"
    )
    _save_curriculum(plt, builder, tree, title)
    return [scatter, tree], ""


def _pyplot(purpose):
    """``matplotlib.pyplot`` to draw into files, or an ImportError naming the extra.

    A process that has not drawn yet draws with Agg, which needs no display.
    """
    matplotlib = import_optional("matplotlib", extra="plot", purpose=purpose)
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    return import_optional("matplotlib.pyplot", extra="plot", purpose=purpose)


def _save_curriculum(plt, builder, path, title):
    """Draw the curriculum with its edge scores and save it to ``path``."""
    from sktransfer.plotting import plot_curriculum

    ax = plot_curriculum(builder.curriculum_, edge_labels=True, font_size=10)
    ax.set_title(title, fontsize=10)
    ax.figure.savefig(path, bbox_inches="tight", dpi=150)
    plt.close(ax.figure)


def _run_rank(args, out):
    """Handle ``sktransfer rank``: rank feature files as sources for the labels."""
    sources = read_feature_sources(args.features)
    y = _one_task(args.labels, args.task)
    _check_rows(sources, args.features, y.shape[0], args.labels)
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
        "score": (args.metric, _NUMBER),
        "order": ("order", "d"),
    }
    if args.format == "table" and args.max_order == 1:
        del columns["order"]  # every candidate is a single source
    _write(rows, columns, out, args.format, extra={"metric": args.metric})


def _check_rows(sources, paths, n_samples, labels):
    """Every source holds one row per label, or an error naming its file."""
    files = {}
    for path in map(Path, paths):
        if path.suffix.lower() in (".npy", ".csv"):
            files[path.stem] = path
    for name, array in sources.items():
        if array.shape[0] != n_samples:
            path = files.get(name)
            where = f"{path}" if path is not None else f"source {name!r}"
            hint = ""
            if path is not None and array.shape[0] == n_samples + 1:
                hint = numbered_header_hint(path)
            raise InputFileError(
                f"{where} has {array.shape[0]} rows but {labels} labels "
                f"{n_samples} samples; every file needs one row per sample{hint}"
            )


def _run_hardness(args, out):
    """Handle ``sktransfer hardness``: H(task) of every task of a label table."""
    names, columns = _read_tasks(args, minimum=1)
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
        "hardness": (f"hardness ({unit})", _NUMBER),
    }
    _write(rows, table, out, args.format)


def _run_relate(args, out):
    """Handle ``sktransfer relate``: the transferability matrix of a label table."""
    names, columns = _read_tasks(args, minimum=2)
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
    # One format for the whole matrix, so that its digits line up.
    texts = iter(_numbers([value for row in matrix for value in map(float, row)]))
    cells = [
        {"source": row["source"]} | {n: next(texts) for n in names} for row in rows
    ]
    table = {"source": ("source \\ target", "s")} | {n: (n, "s") for n in names}
    title = [
        f"{_scores_title(args.metric, args.normalize)}; rows are sources, columns "
        "targets"
    ]
    if args.format == "table":
        _write(cells, table, out, args.format, title=title)
        return
    extra = {"metric": args.metric, "normalize": args.normalize}
    _write(rows, table, out, args.format, extra=extra)


def _run_curriculum(args, out):
    """Handle ``sktransfer curriculum``: the curriculum tree of a label table."""
    # Before the work, so that a missing matplotlib is reported at once.
    plt = None if args.plot is None else _pyplot("curriculum --plot")
    names, columns = _read_tasks(args, minimum=2)
    builder = _build_curriculum(
        names,
        columns,
        metric=args.metric,
        normalize=args.normalize,
        threshold=args.threshold,
        root=args.root,
        n_jobs=args.n_jobs,
    )
    if plt is not None:
        normalised = ", normalised" if args.normalize else ""
        title = (
            f"Curriculum of {Path(args.labels).name} by {args.metric}{normalised}\n"
            "(on each edge: the parent's score as the source for the child)"
        )
        _save_curriculum(plt, builder, args.plot, title)
    if args.format == "table":
        print(_scores_title(args.metric, args.normalize), file=out)
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
    extra = {
        "metric": args.metric,
        "normalize": args.normalize,
        **_curriculum_json(builder),
    }
    _write(rows, columns, out, args.format, extra=extra)


def _build_curriculum(names, columns, *, metric, normalize, threshold, root, n_jobs):
    """The fitted CurriculumBuilder of label columns, as the command builds it."""
    return CurriculumBuilder(
        metric=metric,
        normalize=normalize,
        threshold=threshold,
        root=root,
        n_jobs=n_jobs,
        task_names=names,
    ).fit(_label_table(columns))


def _scores_title(metric, normalize):
    """One line that names the metric of a matrix or a tree, and its scale."""
    normalised = " (normalised)" if normalize else ""
    found = get_metric(metric)
    meaning = found.normalized_meaning if normalize else found.meaning
    meaning = meaning or found.description
    return f"Scores by {metric}{normalised}: {meaning}"


def _tree_lines(builder):
    """The curriculum as indented text, one task per line, parents first.

    Each task but a root is followed by its edge's score, the parent's score as
    the source for it, all written with one format.
    """
    graph = builder.curriculum_
    weights = dict(
        zip(
            graph.edges,
            _numbers([float(w) for _, _, w in graph.edges(data="weight")]),
            strict=True,
        )
    )
    lines = []

    def visit(task, depth):
        parent = next(iter(graph.predecessors(task)), None)
        weight = "" if parent is None else f"  ({weights[parent, task]})"
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


def _read_tasks(args, *, minimum):
    """The tasks of the label table of a command, chosen by --tasks or --exclude."""
    names, columns = read_label_table(args.labels)
    return _select_tasks(
        names, columns, args.tasks, args.exclude, str(args.labels), minimum
    )


def _select_tasks(names, columns, tasks, exclude, where, minimum):
    """The tasks named by ``tasks`` (in that order), or all but ``exclude``.

    ``where`` names the table in messages; at least ``minimum`` tasks must be
    left.
    """
    option, chosen = ("--tasks", tasks) if tasks is not None else ("--exclude", exclude)
    if chosen is not None:
        unknown = [name for name in chosen if name not in names]
        if unknown:
            raise ValueError(
                f"{option} names {', '.join(map(repr, unknown))}, which {where} "
                f"does not have; its tasks: {', '.join(names)}"
            )
    if tasks is not None:
        kept = list(tasks)
    elif exclude is not None:
        kept = [name for name in names if name not in exclude]
    else:
        kept = list(names)
    if len(kept) < minimum:
        left = f"{len(kept)} task" + ("s" if len(kept) != 1 else "")
        why = f" after {option}" if chosen is not None else ""
        raise ValueError(
            f"{where} has {left}{why}{': ' if kept else ''}{', '.join(kept)}; "
            + (
                f"relations between tasks need at least {minimum}"
                if minimum > 1
                else "keep at least one"
            )
        )
    return kept, [columns[names.index(name)] for name in kept]


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


def _task_list(text):
    """Parse ``a,b,c``: task names separated by commas, each named once."""
    names = [name.strip() for name in text.split(",")]
    if any(not name for name in names):
        raise argparse.ArgumentTypeError(
            f"expected task names separated by commas, got {text!r}"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(
            f"names task {', '.join(map(repr, repeated))} more than once"
        )
    return names


def _image_path(text):
    """Parse the path of an image to write: not empty, not a directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "expected the path of an image file to write, such as tree.png; got "
            "an empty path"
        )
    if Path(text).is_dir():
        raise argparse.ArgumentTypeError(
            f"{text} is a directory; give the path of an image file, such as "
            f"{Path(text) / 'curriculum.png'}"
        )
    return text


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
            "source per file; .npz: one source per array) for target labels, "
            "best first."
        ),
    )
    rank.add_argument("features", nargs="+", help="feature files, one row per sample")
    rank.add_argument(
        "--labels", required=True, help="target labels (.npy, .csv, .npz)"
    )
    rank.add_argument("--task", help="the column of a multi-task label file to use")
    feature_metrics = get_scorer_names(input="features")
    rank.add_argument(
        "--metric",
        type=_metric(["features"]),
        default="h_score",
        metavar="NAME",
        help=f"metric of features, one of {', '.join(feature_metrics)} "
        "(default: h_score)",
    )
    rank.add_argument(
        "--max-order",
        type=int,
        default=1,
        help="also rank combinations of up to this many sources (default: 1)",
    )
    rank.set_defaults(run=_run_rank)

    table = _Parser(add_help=False)
    table.add_argument(
        "labels",
        help="label table, one column per task on the same samples: a CSV with a "
        "header row of task names, .npz or .npy",
    )
    choose = table.add_mutually_exclusive_group()
    choose.add_argument(
        "--tasks",
        type=_task_list,
        metavar="A,B,...",
        help="only these tasks, in this order",
    )
    choose.add_argument(
        "--exclude", type=_task_list, metavar="A,B,...", help="all tasks but these"
    )

    hardness = commands.add_parser(
        "hardness",
        parents=[table, common],
        help="hardness H(task) of every task of a label table",
        description=(
            "The hardness of each task of a label table: the entropy H(task) of "
            "its labels (Tran et al. 2019), the hardest task first."
        ),
    )
    hardness.add_argument(
        "--base", type=float, default=None, help="log base (default: e, in nats)"
    )
    hardness.set_defaults(run=_run_hardness)

    label_metrics = get_scorer_names(input="labels")
    descriptions = {
        "relate": (
            "transferability matrix of a label table",
            "The transferability matrix of the tasks of a label table: the score "
            "of each task (row) as the source for each task (column), by "
            "--metric.",
        ),
        "curriculum": (
            "curriculum tree of a label table",
            "The curriculum of the tasks of a label table (Bao et al. 2019): the "
            "maximum spanning tree of their transfer scores, directed from a "
            "root; each task is under the task it learns best from, with that "
            "score, in the order to label and learn them.",
        ),
    }
    for name, handler in [("relate", _run_relate), ("curriculum", _run_curriculum)]:
        text, description = descriptions[name]
        command = commands.add_parser(
            name, parents=[table, common, jobs], help=text, description=description
        )
        command.add_argument(
            "--metric",
            type=_metric(["labels"]),
            default="neg_conditional_entropy",
            metavar="NAME",
            help=f"metric of labels, one of {', '.join(label_metrics)} (default: "
            "neg_conditional_entropy, -H(target | source) in nats)",
        )
        command.add_argument(
            "--normalize",
            action="store_true",
            help="divide by each target's optimum: for the default metric, the "
            "share of the target's entropy the source explains, in [0, 1]",
        )
        command.set_defaults(run=handler)
        if name == "curriculum":
            command.add_argument(
                "--threshold",
                type=float,
                help="keep only the transfers whose better direction scores at "
                "least this, on the scale of the scores (default metric: "
                "-H(target | source) in nats, at most 0; with --normalize, a "
                "share in [0, 1]); the tree then becomes a forest",
            )
            command.add_argument(
                "--root", help="the root task (default: the best source on average)"
            )
            command.add_argument(
                "--plot",
                type=_image_path,
                metavar="IMAGE",
                help="also draw the tree, with its edge scores, into this image "
                "file, in the format of its extension (needs matplotlib: pip "
                'install "sktransfer[plot]")',
            )
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
