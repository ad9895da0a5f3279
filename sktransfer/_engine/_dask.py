"""Dask arrays through any accumulator: blockwise, then a tree of merges.

Each row block of the arguments (all columns in one block) is summarised by an
accumulator of :mod:`sktransfer._engine._accumulators` in a ``dask.delayed``
task; the accumulators are merged pairwise in a tree and only the small merged
state comes back to the client, where the metric's in-memory formula finishes.
The data are never gathered whole. Dask is imported only when a Dask
collection is passed, so ``import sktransfer`` never imports it.
"""

import sys
from functools import partial

import numpy as np

from sktransfer._engine._accumulators import FeatureAccumulator, check_classes_seen
from sktransfer._engine._moments import ROUTES
from sktransfer.exceptions import PrecisionError


def is_dask_collection(*arrays):
    """Whether any argument is a Dask collection; never imports Dask itself."""
    if "dask" not in sys.modules:
        return False
    return any(type(a).__module__.partition(".")[0] == "dask" for a in arrays)


def as_dask_array(a, name, ndim=1):
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


def reduce_blocks(accumulator, *arrays):
    """Accumulate aligned row blocks of Dask ``arrays`` and merge them in a tree.

    Parameters
    ----------
    accumulator : callable
        Makes an empty accumulator, whose ``partial_fit`` takes one row block
        of each of ``arrays`` and whose ``merge`` returns a new accumulator.
    *arrays : dask.array.Array
        Arrays of the same samples, in any row chunks.

    Returns
    -------
    merged : accumulator
        The accumulator of all rows.
    """
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


def certified_feature_score(X, y, score, *, metric, route=None):
    """``score`` of the statistics of Dask features and 1-D labels.

    Unlike a stream, a Dask array can be read again: where merged statistics
    cannot vouch for the score (``PrecisionError``), the blocks are summarised
    again on the next more exact route. ``metric`` names the metric in the
    error of a single class.
    """
    X, y = as_dask_array(X, "X", ndim=2), as_dask_array(y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} labels but the features have {X.shape[0]} "
            "samples; they must have one label per sample"
        )
    while True:
        accumulator = reduce_blocks(
            partial(FeatureAccumulator, route=route), X.rechunk({1: -1}), y
        )
        check_classes_seen(accumulator, f"{metric} needs at least two classes")
        stats = accumulator.statistics_
        try:
            return float(score(stats)[0])
        except PrecisionError:
            route = ROUTES[ROUTES.index(stats.route) + 1]  # QR never refuses


def _fit_block(accumulator, *blocks):
    if blocks[0].shape[0] == 0:  # Dask may hold empty blocks after a filter
        return accumulator()
    return accumulator().partial_fit(*blocks)


def _merge(a, b):
    return a.merge(b)
