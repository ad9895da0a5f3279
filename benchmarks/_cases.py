"""The benchmark groups: each times the library next to its baselines.

A group builds its inputs, times every case in the same run (so that ratios
hold where absolute times, on a shared machine, do not) and returns its rows
and the checks that the fast and the straightforward results agree.
"""

import itertools
from dataclasses import dataclass, field

import _data
import _reference
import numpy as np
from _timing import MIB, Timing, measure

from sktransfer import (
    FeatureStatistics,
    LabelStatistics,
    rank_sources,
    transferability_matrix,
)
from sktransfer._statistics import BlockStatistics
from sktransfer.metrics import (
    conditional_entropy,
    get_metric,
    get_scorer_names,
    h_score,
    leep_score,
    logme_score,
    score_combinations,
)


@dataclass(frozen=True)
class Shapes:
    """The sizes of every group; ``FULL`` for the numbers, ``QUICK`` to try it."""

    features: tuple  # (n_samples, n_features, n_classes)
    large_features: tuple  # the same, for the large group
    large_repeats: int  # at most this many timed runs in the large group
    labels: tuple  # (n_samples, n_source_classes, n_target_classes)
    probabilities: tuple  # (n_samples, n_source_classes, n_target_classes)
    n_chunks: int  # chunks fed to the streaming accumulators
    tasks: tuple  # (n_samples, n_tasks, n_features)
    blocks: tuple  # (n_samples, n_sources, n_features, n_classes)
    n_naive_pairs: int  # pairs scored by h_score(np.hstack), scaled to all


FULL = Shapes(
    features=(50_000, 1_024, 100),
    large_features=(200_000, 2_048, 1_000),
    # One timed run after the traced one: each run of the group takes minutes.
    large_repeats=1,
    labels=(1_000_000, 10_000, 1_000),
    probabilities=(50_000, 1_000, 100),
    n_chunks=10,
    tasks=(20_000, 20, 128),
    blocks=(20_000, 20, 128, 10),
    n_naive_pairs=10,
)
QUICK = Shapes(
    features=(5_000, 256, 20),
    large_features=(10_000, 256, 50),
    large_repeats=1,
    labels=(100_000, 1_000, 100),
    probabilities=(5_000, 100, 10),
    n_chunks=5,
    tasks=(2_000, 8, 32),
    blocks=(2_000, 8, 32, 5),
    n_naive_pairs=4,
)


@dataclass
class Row:
    """One timed case; its ratio is taken against the row named ``baseline``."""

    key: str
    label: str
    timing: Timing
    baseline: str | None = None
    shows_result: bool = False


@dataclass
class Group:
    name: str
    title: str
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def time(self, key, label, function, repeats, *, baseline=None, **options):
        """Measure ``function``, add its row and return its result."""
        timing = measure(function, repeats, **options)
        self.add(key, label, timing, baseline=baseline)
        return timing.result

    def add(self, key, label, timing, *, baseline=None):
        """Add a row keyed ``group.key``, its ratio taken to ``group.baseline``."""
        self.rows.append(
            Row(
                key=f"{self.name}.{key}",
                label=label,
                timing=timing,
                baseline=baseline and f"{self.name}.{baseline}",
                shows_result=np.isscalar(timing.result),
            )
        )

    def compare(self, what, fast, reference):
        """Note the relative difference of a result from a reference result."""
        difference = abs(fast - reference) / max(abs(reference), 1e-300)
        self.notes.append(f"{what}: relative difference {difference:.1e}")


def _size(array):
    return f"{array.nbytes / MIB:,.0f} MiB"


def features_group(name, shape, repeats, *, title_prefix):
    """H-score (plain, regularised), LogME and the straightforward H-score.

    Next to the physical limits of any method that reads the features and
    forms their second moments: one read of the array and one ``X.T @ X``.
    """
    n_samples, n_features, n_classes = shape
    X, y = _data.class_features(n_samples, n_features, n_classes)
    group = Group(
        name,
        f"{title_prefix}: {n_samples:,} x {n_features:,} float32 ({_size(X)}), "
        f"{n_classes:,} classes",
    )
    group.time(
        "read",
        "one read of X: X.sum(axis=0)",
        lambda: X.sum(axis=0),
        repeats,
        baseline="gram",
    )
    group.time("gram", "one X.T @ X, float32 (baseline)", lambda: X.T @ X, repeats)
    fast = group.time(
        "h_score", "h_score", lambda: h_score(X, y), repeats, baseline="gram"
    )
    group.time(
        "h_score_lw",
        'h_score(shrinkage="ledoit_wolf")',
        lambda: h_score(X, y, shrinkage="ledoit_wolf"),
        repeats,
        baseline="gram",
    )
    group.time(
        "logme", "logme_score", lambda: logme_score(X, y), repeats, baseline="gram"
    )
    reference = group.time(
        "reference",
        "straightforward H-score: np.cov, pinv",
        lambda: _reference.h_score(X, y),
        repeats,
        baseline="gram",
    )
    group.compare("h_score vs the straightforward H-score", fast, reference)
    return group


def hscore_group(shapes, repeats):
    return features_group(
        "hscore", shapes.features, repeats, title_prefix="Feature metrics"
    )


def large_group(shapes, repeats):
    return features_group(
        "large",
        shapes.large_features,
        min(repeats, shapes.large_repeats),
        title_prefix="Large feature metrics",
    )


def entropy_group(shapes, repeats):
    """Conditional entropy next to one ``np.unique`` and a dense joint table."""
    n_samples, n_source, n_target = shapes.labels
    y, z = _data.related_labels(n_samples, n_source, n_target)
    group = Group(
        "entropy",
        f"Conditional entropy: {n_samples:,} samples, source labels z with "
        f"{n_source:,} values, target labels y with {n_target:,}",
    )
    group.time(
        "unique",
        "np.unique(z, return_inverse=True) (baseline)",
        lambda: np.unique(z, return_inverse=True),
        repeats,
    )
    fast = group.time(
        "conditional_entropy",
        "conditional_entropy(y, z)",
        lambda: conditional_entropy(y, z),
        repeats,
        baseline="unique",
    )
    reference = group.time(
        "reference",
        "straightforward: dense table, np.add.at",
        lambda: _reference.conditional_entropy(y, z),
        repeats,
        baseline="unique",
    )
    group.compare("conditional_entropy vs the dense table", fast, reference)
    return group


def leep_group(shapes, repeats):
    """LEEP next to one read and one Gram matrix of the probabilities."""
    n_samples, n_source, n_target = shapes.probabilities
    y, proba = _data.source_probabilities(n_samples, n_source, n_target)
    group = Group(
        "leep",
        f"LEEP: {n_samples:,} x {n_source:,} float64 source probabilities "
        f"({_size(proba)}), {n_target:,} target classes",
    )
    # LEEP needs one read of the probabilities for the joint table and a product
    # far smaller than their Gram matrix, so the read is its limit.
    group.time(
        "read",
        "one read: proba.sum(axis=0) (baseline)",
        lambda: proba.sum(axis=0),
        repeats,
    )
    group.time(
        "gram",
        "one proba.T @ proba",
        lambda: proba.T @ proba,
        repeats,
        baseline="read",
    )
    fast = group.time(
        "leep",
        "leep_score(y, proba)",
        lambda: leep_score(y, proba),
        repeats,
        baseline="read",
    )
    reference = group.time(
        "reference",
        "straightforward: class sums, proba @ P(y|z)",
        lambda: _reference.leep_score(y, proba),
        repeats,
        baseline="read",
    )
    group.compare("leep_score vs the straightforward LEEP", fast, reference)
    return group


def _chunks(n_samples, n_chunks):
    size = -(-n_samples // n_chunks)
    return [slice(start, start + size) for start in range(0, n_samples, size)]


def _stream_features(X, y, chunks):
    statistics = FeatureStatistics()
    for rows in chunks:
        statistics.partial_fit(X[rows], y[rows])
    return statistics.score("h_score")


def _stream_labels(y, z, chunks):
    statistics = LabelStatistics()
    for rows in chunks:
        statistics.partial_fit(y[rows], z[rows])
    return statistics.conditional_entropy()


def streaming_group(shapes, repeats):
    """The accumulators fed chunk by chunk against the in-memory functions."""
    n_samples, n_features, n_classes = shapes.features
    X, y = _data.class_features(n_samples, n_features, n_classes)
    n_labels, n_source, n_target = shapes.labels
    y_labels, z_labels = _data.related_labels(n_labels, n_source, n_target)
    n_chunks = shapes.n_chunks
    group = Group(
        "streaming",
        f"Streaming in {n_chunks} chunks: features as in the feature metrics, "
        "labels as in the conditional entropy",
    )
    in_memory = group.time(
        "h_score", "h_score in memory (baseline)", lambda: h_score(X, y), repeats
    )
    chunks = _chunks(n_samples, n_chunks)
    streamed = group.time(
        "features",
        f"FeatureStatistics: {n_chunks} partial_fit, score",
        lambda: _stream_features(X, y, chunks),
        repeats,
        baseline="h_score",
    )
    group.compare("FeatureStatistics vs h_score", streamed, in_memory)
    in_memory = group.time(
        "conditional_entropy",
        "conditional_entropy in memory (baseline)",
        lambda: conditional_entropy(y_labels, z_labels),
        repeats,
    )
    chunks = _chunks(n_labels, n_chunks)
    streamed = group.time(
        "labels",
        f"LabelStatistics: {n_chunks} partial_fit, entropy",
        lambda: _stream_labels(y_labels, z_labels, chunks),
        repeats,
        baseline="conditional_entropy",
    )
    group.compare("LabelStatistics vs conditional_entropy", streamed, in_memory)
    return group


def parallel_group(shapes, repeats):
    """n_jobs=-1 against n_jobs=1 for a joblib-parallel function of each kind.

    ``transferability_matrix`` runs sources in joblib's default process
    backend, ``rank_sources`` in threads; the CPU time and memory of worker
    processes are invisible to this process, so they are not reported.
    """
    n_samples, n_tasks, n_features = shapes.tasks
    Y, features = _data.related_tasks(n_samples, n_tasks, n_features)
    sources = {f"task{t}": F for t, F in enumerate(features)}
    group = Group(
        "parallel",
        f"Parallelism: {n_tasks} sources of {n_samples:,} x {n_features} float32, "
        f"{n_tasks} target tasks",
    )
    results = {}
    for n_jobs in (1, -1):
        results[n_jobs] = group.time(
            f"matrix_{n_jobs}",
            f"transferability_matrix, n_jobs={n_jobs}"
            + (" (baseline)" if n_jobs == 1 else ""),
            lambda n_jobs=n_jobs: transferability_matrix(
                Y, features=features, metric="h_score", n_jobs=n_jobs
            ),
            repeats,
            baseline=None if n_jobs == 1 else "matrix_1",
            in_children=n_jobs != 1,
        )
    group.compare(
        "largest score, n_jobs=-1 vs n_jobs=1",
        float(np.max(results[-1])),
        float(np.max(results[1])),
    )
    for n_jobs in (1, -1):
        group.time(
            f"rank_{n_jobs}",
            f"rank_sources, n_jobs={n_jobs}" + (" (baseline)" if n_jobs == 1 else ""),
            lambda n_jobs=n_jobs: rank_sources(sources, Y[:, 0], n_jobs=n_jobs),
            repeats,
            baseline=None if n_jobs == 1 else "rank_1",
        )
    return group


def combinations_group(shapes, repeats):
    """Scoring every pair of sources next to scoring each source alone.

    The floor of any exact method is the one pass that forms the float64 Gram
    matrix of all blocks side by side; the naive way concatenates each pair,
    timed on a sample of pairs and scaled to all of them.
    """
    n_samples, n_sources, n_features, n_classes = shapes.blocks
    blocks, y = _data.correlated_blocks(n_samples, n_sources, n_features, n_classes)
    pairs = list(itertools.combinations(range(n_sources), 2))
    n_naive = shapes.n_naive_pairs
    sample = pairs[:: max(len(pairs) // n_naive, 1)][:n_naive]
    group = Group(
        "combinations",
        f"Combinations: {n_sources} sources of {n_samples:,} x {n_features} float32, "
        f"{n_classes} classes, {len(pairs)} pairs",
    )
    group.time(
        "singles",
        f"{n_sources} singles, h_score each (baseline)",
        lambda: [h_score(block, y) for block in blocks],
        repeats,
    )
    scores = group.time(
        "pairs",
        f"{n_sources} singles + {len(pairs)} pairs, score_combinations",
        lambda: score_combinations(blocks, y, max_order=2),
        repeats,
        baseline="singles",
    )
    codes = y[:, None]
    group.time(
        "one_pass",
        "  of which the pass over the data",
        lambda: BlockStatistics.from_blocks(
            blocks, codes, [n_classes], norm_moments=False
        ),
        repeats,
        baseline="singles",
    )
    naive = measure(
        lambda: [h_score(np.hstack([blocks[a], blocks[b]]), y) for a, b in sample], 1
    )
    scale = len(pairs) / len(sample)
    group.add(
        "naive",
        f"{len(pairs)} pairs, h_score(np.hstack), x{scale:.0f} of {len(sample)}",
        Timing(
            wall=naive.wall * scale,
            cpu=naive.cpu * scale,
            peak_mib=naive.peak_mib,
        ),
        baseline="singles",
    )
    error = max(
        abs(scores[pair] - value) / value
        for pair, value in zip(sample, naive.result, strict=True)
    )
    group.notes.append(
        f"score_combinations vs h_score(np.hstack): largest relative difference "
        f"{error:.1e}"
    )
    return group


def suite_group(shapes, repeats):
    """Every registered metric on the features group's shape, by its name.

    Feature metrics read ``X``; probability metrics a source's softmax over as
    many columns as there are classes; label metrics its most probable class.
    NLEEP fits a mixture for minutes, so it runs once, untraced.
    """
    n_samples, n_features, n_classes = shapes.features
    X, y = _data.class_features(n_samples, n_features, n_classes)
    _, proba = _data.source_probabilities(n_samples, n_classes, n_classes)
    inputs = {"features": X, "probabilities": proba, "labels": proba.argmax(axis=1)}
    group = Group(
        "suite",
        f"Every metric: {n_samples:,} x {n_features:,} float32, {n_classes:,} "
        f"classes; source probabilities {n_samples:,} x {n_classes:,}",
    )
    group.time("gram", "one X.T @ X, float32 (baseline)", lambda: X.T @ X, repeats)
    for name in get_scorer_names():
        metric = get_metric(name)
        source = inputs[metric.input]
        once = name == "nleep"
        group.time(
            name,
            f"{name} ({metric.input})",
            lambda metric=metric, source=source: metric.score(source, y),
            1 if once else repeats,
            baseline="gram",
            trace_memory=not once,
        )
    return group
