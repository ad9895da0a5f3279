"""The benchmark groups: each times the library next to its baselines.

A group builds its inputs, times every case in the same run (so that ratios
hold where absolute times, on a shared machine, do not) and returns its rows
and the checks that the fast and the straightforward results agree. A case
that raises is a row that says why (a Failure), never the end of the run.
"""

import itertools
import logging
import re
from dataclasses import dataclass, field

import _data
import _isolated
import _reference
import numpy as np
from _timing import (
    MIB,
    Failure,
    Timing,
    available_memory,
    blas_threads,
    describe,
    measure,
)

from sktransfer import (
    FeatureStatistics,
    LabelStatistics,
    rank_sources,
    transferability_matrix,
)
from sktransfer._engine import BlockStatistics
from sktransfer.metrics import (
    conditional_entropy,
    gbc_score,
    get_metric,
    get_scorer_names,
    h_score,
    leep_score,
    logme_score,
    score_combinations,
    transrate_score,
)

GIB = 2**30


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
    wide: tuple  # (n_samples, n_features, n_classes), dense float32
    sparse: tuple  # (n_samples, n_features, n_classes, density), CSR float32
    case_timeout: float  # seconds a wide or sparse case may run before it is ended
    embedding_copies: int  # copies of one MiniLM layer stacked into the tiled case


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
    wide=(50, 20_000, 5),
    sparse=(500, 100_000, 5, 1e-3),
    case_timeout=60.0,
    embedding_copies=25,  # 49,725 rows: the feature metrics' 50,000
)
QUICK = Shapes(
    features=(3_000, 128, 20),
    large_features=(6_000, 192, 50),
    large_repeats=1,
    labels=(100_000, 1_000, 100),
    probabilities=(5_000, 100, 10),
    n_chunks=5,
    tasks=(2_000, 8, 32),
    blocks=(2_000, 8, 32, 5),
    n_naive_pairs=4,
    # Still far wider than long, but small enough that a metric taking the
    # dense route through a k x k matrix finishes in seconds.
    wide=(50, 500, 5),
    sparse=(100, 1_000, 5, 1e-2),
    case_timeout=10.0,
    embedding_copies=5,
)


@dataclass(frozen=True)
class Limit:
    """Absolute limits of every case of a group: wall seconds and peak MiB."""

    seconds: float
    mib: float


# Every feature metric on wide dense and on sparse features, each case alone.
LIMITS = {
    "wide": Limit(seconds=1.0, mib=100.0),
    "sparse": Limit(seconds=5.0, mib=500.0),
}
# Address space a wide or sparse worker may add: far beyond the limits, far
# below the machine, so that a metric asking for a Gram matrix of 100,000
# features fails at once with a MemoryError instead of swapping.
_WORKER_MEMORY = 4 * GIB


@dataclass
class Row:
    """One case; its ratio is taken against the row named ``baseline``.

    ``timing`` is a Failure when the case raised or ran out of time.
    """

    key: str
    label: str
    timing: Timing | Failure
    baseline: str | None = None
    shows_result: bool = False


@dataclass
class Group:
    """The rows of a group, its ``check:`` lines and its other remarks."""

    name: str
    title: str
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # printed as "check: ..."
    remarks: list = field(default_factory=list)  # printed as "note: ..."

    def time(self, key, label, function, repeats, *, baseline=None, **options):
        """Measure ``function``, add its row and return its result (None if it
        raised: the row then says why)."""
        try:
            timing = measure(function, repeats, **options)
        except Exception as error:  # a failing case is a result, not a crash
            timing = Failure(describe(error))
        result = getattr(timing, "result", None)
        self.add(key, label, timing, baseline=baseline)
        return result

    def add(self, key, label, timing, *, baseline=None):
        """Add a row keyed ``group.key``, its ratio taken to ``group.baseline``."""
        shows_result = isinstance(timing, Timing) and np.isscalar(timing.result)
        if isinstance(timing, Timing) and not shows_result:
            timing.result = None  # a Gram matrix is not worth keeping to the end
        self.rows.append(
            Row(
                key=f"{self.name}.{key}",
                label=label,
                timing=timing,
                baseline=baseline and f"{self.name}.{baseline}",
                shows_result=shows_result,
            )
        )

    def compare(self, what, fast, reference):
        """Note the relative difference of a result from a reference result."""
        if fast is None or reference is None:
            self.notes.append(f"{what}: not compared, a case failed")
            return
        difference = abs(fast - reference) / max(abs(reference), 1e-300)
        self.notes.append(f"{what}: relative difference {difference:.1e}")


def _size(array):
    return f"{array.nbytes / MIB:,.0f} MiB"


def features_group(name, shape, repeats, *, title_prefix):
    """H-score (plain, regularised), LogME, TransRate, GBC, the straightforward
    H-score, and the H-score of a float64 copy of the features.

    Next to the physical limits of any method that reads the features and
    forms their second moments: one read of the array and one ``X.T @ X``, in
    float32 for the float32 features, in float64 for their float64 copy.
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
    group.time(
        "transrate",
        "transrate_score",
        lambda: transrate_score(X, y),
        repeats,
        baseline="gram",
    )
    group.time("gbc", "gbc_score", lambda: gbc_score(X, y), repeats, baseline="gram")
    reference = group.time(
        "reference",
        "straightforward H-score: np.cov, pinv",
        lambda: _reference.h_score(X, y),
        repeats,
        baseline="gram",
    )
    group.compare("h_score vs the straightforward H-score", fast, reference)
    # Last, after the straightforward H-score's own float64 copy is gone: at
    # the large shape each copy is 3.1 GiB.
    _float64_cases(group, X, y, repeats, fast)
    return group


def _float64_cases(group, X, y, repeats, fast):
    """The H-score of a float64 copy of ``X`` next to one float64 ``X.T @ X``.

    The copy exists only while these two rows run.
    """
    size = X.size * np.dtype(np.float64).itemsize
    available = available_memory()
    # The copy, and half as much again for the rest of the process.
    if available is not None and available < 1.5 * size:
        group.remarks.append(
            f"float64 rows skipped: the copy needs {size / GIB:.1f} GiB, "
            f"{available / GIB:.1f} GiB available"
        )
        return
    X64 = X.astype(np.float64)
    group.time(
        "gram64", "one X.T @ X, float64 copy (baseline)", lambda: X64.T @ X64, repeats
    )
    fast64 = group.time(
        "h_score64",
        "h_score, float64 copy",
        lambda: h_score(X64, y),
        repeats,
        baseline="gram64",
    )
    group.compare("h_score of the float64 copy vs of float32", fast64, fast)


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
        *(None if results[n] is None else float(np.max(results[n])) for n in (-1, 1)),
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
    scale = len(pairs) / len(sample)
    label = f"{len(pairs)} pairs, h_score(np.hstack), x{scale:.0f} of {len(sample)}"
    try:
        naive = measure(
            lambda: [h_score(np.hstack([blocks[a], blocks[b]]), y) for a, b in sample],
            1,
        )
    except Exception as error:  # a failing case is a result, not a crash
        group.add("naive", label, Failure(describe(error)), baseline="singles")
        group.notes.append(
            "score_combinations vs h_score(np.hstack): not compared, a case failed"
        )
        return group
    group.add(
        "naive",
        label,
        Timing(
            wall=naive.wall * scale,
            cpu=naive.cpu * scale,
            peak_mib=naive.peak_mib,
        ),
        baseline="singles",
    )
    if scores is None:
        group.notes.append(
            "score_combinations vs h_score(np.hstack): not compared, a case failed"
        )
        return group
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


def feature_metric_names():
    """The registered metrics that read features, in the registry's order."""
    return [name for name in get_scorer_names() if get_metric(name).input == "features"]


def _limits_group(name, title, make_inputs, arguments, shapes, repeats):
    """Every feature metric on one input, each in a worker under a time limit."""
    limit = LIMITS[name]
    group = Group(
        name,
        f"{title}; every feature metric, each under {limit.seconds:g} s and "
        f"{limit.mib:g} MiB",
    )
    names = feature_metric_names()
    task = _isolated.Task(
        make_inputs=make_inputs,
        arguments=arguments,
        names=tuple(names),
        repeats=repeats,
        stop_after=limit.seconds,
        memory_cap=_WORKER_MEMORY,
        blas_threads=blas_threads(),
    )
    results = _isolated.run(task, shapes.case_timeout)
    for metric in names:
        group.add(metric, metric, results[metric])
    group.remarks.append(
        f"each case in a worker process, ended after {shapes.case_timeout:g} s; a "
        f"first run over {limit.seconds:g} s is not repeated"
    )
    return group


def wide_group(shapes, repeats):
    n_samples, n_features, n_classes = shapes.wide
    return _limits_group(
        "wide",
        f"Wide features: {n_samples:,} x {n_features:,} dense float32, "
        f"{n_classes} classes",
        _data.class_features,
        shapes.wide,
        shapes,
        repeats,
    )


def sparse_group(shapes, repeats):
    n_samples, n_features, n_classes, density = shapes.sparse
    return _limits_group(
        "sparse",
        f"Sparse features: {n_samples:,} x {n_features:,} CSR float32, density "
        f"{density:g}, {n_classes} classes",
        _data.sparse_class_features,
        shapes.sparse,
        shapes,
        repeats,
    )


ROUTES = ("gram32", "gram64", "qr", "dual")


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def engine_route(X, y):
    """Which route of the engine served ``h_score(X, y)``, and how that is known.

    Read from the debug records of the logger "sktransfer" during one call:
    the routes named by records that speak of a route (or carry a ``route``
    attribute), in order, the last one the route that served; a route the
    engine tried and left shows as ``gram32 -> gram64``. Else from the
    ``route`` attribute of the statistics the engine builds; "?" if it
    reports neither.
    """
    logger = logging.getLogger("sktransfer")
    handler, level = _Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        h_score(X, y)
    except Exception as error:  # reported, not raised
        return f"? (h_score raised {describe(error)})"
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    trail = []
    for record in handler.records:
        message = record.getMessage().lower()
        named = [getattr(record, "route", None)]
        if "route" in message:
            named += re.findall(r"[a-z0-9]+", message)
        for route in named:
            if route in ROUTES and (not trail or trail[-1] != route):
                trail.append(route)
    if trail:
        return f"{trail[-1]} (log{': ' + ' -> '.join(trail) if len(trail) > 1 else ''})"
    try:  # private names of an engine being rewritten: imported here, if at all
        from sktransfer._engine import SufficientStatistics
        from sktransfer.metrics._hscore import h_score_from_statistics

        classes, codes = np.unique(y, return_inverse=True)
        stats = SufficientStatistics.from_data(X, codes.reshape(-1, 1), [classes.size])
        h_score_from_statistics(stats)
    except Exception as error:  # reported, not raised
        return f"? (the statistics raised {describe(error)})"
    route = getattr(stats, "route", None)
    return f"{route} (statistics)" if route else "? (the engine reports none)"


def embeddings_group(shapes, repeats):
    """The H-score of real embeddings: each MiniLM layer, and one layer tiled.

    Each next to one float32 ``X.T @ X`` of the same array, with the engine's
    route. The embeddings have one exact linear constraint (a direction at
    float32 rounding level), which a correct H-score counts as zero; stacking
    copies of the rows keeps it exact and leaves the H-score unchanged.
    """
    loaded = _data.minilm_layers()
    if loaded is None:
        group = Group("embeddings", "Real embeddings: MiniLM layers on docstrings")
        group.remarks.append(
            f"skipped: {_data.EMBEDDINGS_NAME} (the project's shared data, beside "
            "the repository) is not there"
        )
        return group
    layers, labels = loaded
    n_layers, n_samples, n_features = layers.shape
    copies = shapes.embedding_copies
    group = Group(
        "embeddings",
        f"Real embeddings: {n_layers} MiniLM layers of {n_samples:,} x {n_features} "
        f"float32, {np.unique(labels).size} classes; the last layer x{copies} "
        f"({copies * n_samples:,} rows)",
    )
    scores, differences, routes = [], [], []
    for index in range(n_layers):
        X = np.ascontiguousarray(layers[index])
        group.time(
            f"gram{index}",
            f"layer {index}: one X.T @ X (baseline)",
            lambda X=X: X.T @ X,
            repeats,
        )
        score = group.time(
            f"h_score{index}",
            f"layer {index}: h_score",
            lambda X=X: h_score(X, labels),
            repeats,
            baseline=f"gram{index}",
        )
        scores.append(score)
        if score is not None:
            reference = _reference.h_score(X, labels)
            differences.append(f"{index} {abs(score - reference) / abs(reference):.0e}")
        routes.append(f"layer {index} {engine_route(X, labels)}")
    # Not a check: pinv's default cut-off (1e-15 of the largest eigenvalue)
    # keeps directions at float32 rounding level that the H-score drops.
    group.remarks.append(
        "straightforward H-score (np.cov, pinv) vs h_score, relative difference "
        "by layer: " + ", ".join(differences)
    )
    last = n_layers - 1
    tiled = np.tile(layers[last], (copies, 1))
    tiled_labels = np.tile(labels, copies)
    group.time(
        "gram_tiled",
        f"layer {last} x{copies}: one X.T @ X (baseline)",
        lambda: tiled.T @ tiled,
        repeats,
    )
    score = group.time(
        "h_score_tiled",
        f"layer {last} x{copies}: h_score",
        lambda: h_score(tiled, tiled_labels),
        repeats,
        baseline="gram_tiled",
    )
    group.compare(
        f"h_score of layer {last} x{copies} vs of layer {last}", score, scores[last]
    )
    routes.append(f"layer {last} x{copies} {engine_route(tiled, tiled_labels)}")
    group.remarks.append("route of h_score: " + "; ".join(routes))
    return group
