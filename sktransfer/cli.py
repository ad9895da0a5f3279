"""Command line over sktransfer's public functions: ``sktransfer <command>``.

Each command is a sub-parser with a ``run(args, out)`` handler that writes its
result to ``out``; :func:`main` turns errors into exit codes.
"""

import argparse
import csv
import json
import sys

import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.kernel_approximation import RBFSampler
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.random_projection import GaussianRandomProjection

from sktransfer.metrics import h_score

_FORMATS = ("table", "json", "csv")


def _pool_digits(X):
    """Average-pool 8x8 digit images over 2x2 blocks into 4x4 images."""
    blocks = np.asarray(X, dtype=float).reshape(-1, 4, 2, 4, 2)
    return blocks.mean(axis=(2, 4)).reshape(-1, 16)


def _noise(X, random_state=0, n_features=8):
    """Gaussian noise unrelated to ``X``, one row per sample: a useless feature."""
    rng = np.random.default_rng(random_state)
    return rng.standard_normal((len(X), n_features))


def digits_representations(random_state=0):
    """Candidate representations of the 8x8 digit images, as unfitted transformers.

    They range from informative (the raw pixels, PCA with 32 components, random
    RBF features) to useless (Gaussian noise), so that a transferability score
    can be checked against the accuracy a linear probe reaches on each.

    Parameters
    ----------
    random_state : int, default=0
        Seed of every randomised representation.

    Returns
    -------
    representations : dict of str to transformer
        Name of each representation and the transformer that computes it from
        the 64 pixel values of a digit image.
    """
    return {
        "raw pixels": FunctionTransformer(),
        "PCA 2": PCA(n_components=2, random_state=random_state),
        "PCA 8": PCA(n_components=8, random_state=random_state),
        "PCA 32": PCA(n_components=32, random_state=random_state),
        "4x4 average pool": FunctionTransformer(_pool_digits),
        "random projection 8": GaussianRandomProjection(
            n_components=8, random_state=random_state
        ),
        "RBF random features 128": RBFSampler(
            gamma=1e-3, n_components=128, random_state=random_state
        ),
        "Gaussian noise 8": FunctionTransformer(
            _noise, kw_args={"random_state": random_state}
        ),
    }


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
    fitted on the training half and scored there by :func:`h_score`; the probe
    is trained on the training half and its accuracy measured on the other.

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
    spearman : float
        Spearman rank correlation between H-score and probe accuracy.
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=random_state
    )
    rows = []
    for name, transformer in digits_representations(random_state).items():
        F_train = transformer.fit_transform(X_train)
        F_test = transformer.transform(X_test)
        rows.append(
            {
                "representation": name,
                "n_features": int(F_train.shape[1]),
                "h_score": float(h_score(F_train, y_train)),
                "probe_accuracy": probe_accuracy(
                    F_train, y_train, F_test, y_test, random_state
                ),
            }
        )
    rows.sort(key=lambda row: row["h_score"], reverse=True)
    scores = [row["h_score"] for row in rows]
    accuracies = [row["probe_accuracy"] for row in rows]
    return rows, float(spearmanr(scores, accuracies).statistic)


def _write_table(rows, spearman, out):
    """Write the rows as an aligned text table followed by the rank correlation."""
    header = ("representation", "n_features", "H-score", "probe accuracy")
    cells = [
        (
            row["representation"],
            str(row["n_features"]),
            f"{row['h_score']:.4f}",
            f"{row['probe_accuracy']:.4f}",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(4)]
    for line in [header, *cells]:
        first = line[0].ljust(widths[0])
        pairs = zip(line[1:], widths[1:], strict=True)
        rest = (cell.rjust(width) for cell, width in pairs)
        print("  ".join([first, *rest]), file=out)
    print(f"\nSpearman rank correlation (H-score, accuracy): {spearman:.4f}", file=out)


def _run_demo(args, out):
    """Handle ``sktransfer demo``."""
    rows, spearman = rank_digits_representations(args.random_state)
    if args.format == "json":
        result = {
            "dataset": "digits",
            "random_state": args.random_state,
            "representations": rows,
            "spearman": spearman,
        }
        json.dump(result, out, indent=2)
        print(file=out)
    elif args.format == "csv":
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        _write_table(rows, spearman, out)


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


def build_parser():
    """The argument parser of the ``sktransfer`` command and its sub-commands.

    Returns
    -------
    parser : argparse.ArgumentParser
        Parses ``sktransfer <command> [options]``; the handler of the chosen
        command is in the ``run`` attribute of the parsed arguments.
    """
    parser = argparse.ArgumentParser(
        prog="sktransfer",
        description=(
            "Estimate, from data alone, how well a representation or a source "
            "task transfers to a classification task."
        ),
    )
    commands = parser.add_subparsers(title="commands", dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="rank representations of the digits data by H-score",
        description=(
            "Build several representations of scikit-learn's digits data, rank "
            "them by H-score and compare with the held-out accuracy of a linear "
            "probe trained on each."
        ),
    )
    demo.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        help=(
            "seed of the split, the representations and the probe, an integer "
            "in [0, 2**32) (default: 0)"
        ),
    )
    demo.add_argument(
        "--format",
        choices=_FORMATS,
        default="table",
        help="output format (default: table; csv omits the rank correlation)",
    )
    demo.set_defaults(run=_run_demo)
    return parser


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
        args.run(args, sys.stdout)
    except BrokenPipeError:  # the reader closed the pipe early, as `| head` does
        return 1
    except Exception as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"sktransfer: error: {message}", file=sys.stderr)
        return 1
    return 0
