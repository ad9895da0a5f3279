"""Dask arrays through the streaming accumulators: blockwise, then a tree of merges.

Each row block of the features (all columns in one block) and the matching
block of labels is summarised by a streaming accumulator in a ``dask.delayed``
task; the accumulators are merged pairwise in a tree and only the small merged
statistics come back to the client, where the in-memory formula finishes. The
data are never gathered whole. Dask is imported only when a Dask collection is
passed, so ``import sktransfer`` never imports it.
"""

import sys

import numpy as np


def is_dask_collection(*arrays):
    """Whether any argument is a Dask collection; never imports Dask itself."""
    if "dask" not in sys.modules:
        return False
    return any(type(a).__module__.partition(".")[0] == "dask" for a in arrays)


def h_score(X, y, *, shrinkage=None):
    """:func:`sktransfer.metrics.h_score` of Dask arrays."""
    from sktransfer.metrics._hscore import h_score_from_statistics

    return _certified_score(
        X, y, "the H-score", lambda s: h_score_from_statistics(s, shrinkage=shrinkage)
    )


def logme_score(X, y, *, regression=False):
    """:func:`sktransfer.metrics.logme_score` of Dask arrays."""
    from sktransfer.metrics._logme import logme_from_statistics

    if regression:
        raise ValueError(
            "logme_score with regression=True does not accept Dask arrays; "
            "only class labels are scored blockwise"
        )
    return _certified_score(X, y, "LogME", logme_from_statistics, route="gram64")


def conditional_entropy(y, z, *, base=None):
    """:func:`sktransfer.metrics.conditional_entropy` of Dask arrays."""
    from sktransfer.metrics._streaming import LabelStatistics

    y, z = _as_dask_array(y, "y"), _as_dask_array(z, "z")
    if y.shape[0] != z.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} labels but z has {z.shape[0]}; they must label "
            "the same samples, one label each"
        )
    return _reduce(LabelStatistics, y, z).conditional_entropy(base=base)


def task_hardness(y, *, base=None):
    """:func:`sktransfer.metrics.task_hardness` of a Dask array: H(Y | constant)."""
    import dask.array as da

    from sktransfer.metrics._entropy import _entropy_sum, _in_base
    from sktransfer.metrics._streaming import LabelStatistics

    y = _as_dask_array(y, "y")
    constant = da.zeros(y.shape[0], dtype=np.int8, chunks=y.chunks[0])
    stats = _reduce(LabelStatistics, y, constant)
    counts = np.asarray(stats.table_.sum(axis=0)).ravel()
    n = stats.n_samples_seen_
    return _in_base(_entropy_sum(counts, n, n), base)


def _certified_score(X, y, metric, score, route=None):
    """``score`` of the statistics of Dask features, on a route that vouches.

    Unlike a stream, a Dask array can be read again: where merged statistics
    cannot vouch for the score (``PrecisionError``), the blocks are summarised
    again on the next more exact route.
    """
    from sktransfer._statistics import ROUTES
    from sktransfer.exceptions import PrecisionError

    while True:
        stats = _feature_statistics(X, y, metric, route)
        try:
            return float(score(stats)[0])
        except PrecisionError:
            route = ROUTES[ROUTES.index(stats.route) + 1]  # QR never refuses


def _feature_statistics(X, y, metric, route=None):
    """The engine's statistics of Dask (or NumPy) features and 1-D labels."""
    from functools import partial

    from sktransfer.metrics._streaming import FeatureStatistics, _check_two_classes

    X, y = _as_dask_array(X, "X", ndim=2), _as_dask_array(y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} labels but the features have {X.shape[0]} "
            "samples; they must have one label per sample"
        )
    accumulator = _reduce(
        partial(FeatureStatistics, route=route), X.rechunk({1: -1}), y
    )
    _check_two_classes(accumulator.classes_, metric)
    return accumulator.statistics_


def _as_dask_array(a, name, ndim=1):
    """``a`` as a Dask array with known chunk sizes; labels 1-D."""
    import dask.array as da

    if is_dask_collection(a) and not isinstance(a, da.Array):
        raise TypeError(
            f"{name} is a {type(a).__name__}; pass Dask arrays, for example "
            f"{name}.to_dask_array(lengths=True)"
        )
    if not isinstance(a, da.Array):
        a = np.asarray(a)
        a = da.from_array(a, chunks=a.shape or (1,))
    if ndim == 1 and a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != ndim:
        shape = "(n_samples, n_features)" if ndim == 2 else "(n_samples,)"
        extra = (
            "; with Dask arrays, score one label column at a time"
            if ndim == 1 and a.ndim == 2
            else ""
        )
        raise ValueError(f"{name} must be {ndim}-D {shape}; got shape {a.shape}{extra}")
    if any(np.isnan(size) for size in a.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() "
            "first, so that its blocks can be aligned with the other argument's"
        )
    return a


def _reduce(accumulator, *arrays):
    """Accumulate aligned row blocks of ``arrays`` and merge them in a tree."""
    import dask

    # Rows are cut where the most finely chunked argument cuts them.
    lead = max(arrays, key=lambda a: a.numblocks[0])
    arrays = [a.rechunk({0: lead.chunks[0]}) for a in arrays]
    blocks = [a.to_delayed().ravel() for a in arrays]
    parts = [
        dask.delayed(_fit_block)(accumulator, *row) for row in zip(*blocks, strict=True)
    ]
    while len(parts) > 1:
        pairs = [
            dask.delayed(_merge)(parts[i], parts[i + 1])
            for i in range(0, len(parts) - 1, 2)
        ]
        parts = pairs + parts[len(parts) - len(parts) % 2 :]
    (merged,) = dask.compute(parts[0])
    if not merged.n_samples_seen_:
        raise ValueError("the arrays are empty; they need at least one sample")
    return merged


def _fit_block(accumulator, *blocks):
    if blocks[0].shape[0] == 0:  # Dask may hold empty blocks after a filter
        return accumulator()
    return accumulator().partial_fit(*blocks)


def _merge(a, b):
    return a.merge(b)
