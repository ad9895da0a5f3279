"""Class moments: the counts, means and variances of each class's features.

What GBC reads, and what the engine's :class:`SufficientStatistics` does not keep
(it holds the class means, not per-class second moments). Gathered in one pass
over row chunks and merged by Chan's pairwise update, so chunks, streams and
Dask blocks reduce to the same code.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import gen_batches

from sktransfer._engine._chunks import CHUNK_BYTES


def class_moments(X, codes, n_classes, projection=None):
    """Counts, means and population variances of each class, in one pass.

    Each chunk's class moments are merged into the running ones by Chan's
    pairwise update, so no sum of squares is ever differenced. With
    ``projection = (mean, components)`` the rows are first centred and
    projected on the components. The moments are taken about each class's
    first row, so that a feature constant within a class gets exactly that
    value as its mean and a variance of exactly 0: the point mass the overlap
    formulas treat as a limit, not rounding noise around it.
    """
    n_samples = X.shape[0]
    width = X.shape[1] if projection is None else projection[1].shape[0]
    counts = np.zeros(n_classes)
    origins = np.zeros((n_classes, width))
    means = np.zeros((n_classes, width))  # about the origins
    squares = np.zeros((n_classes, width))
    chunk_rows = max(CHUNK_BYTES // (8 * max(X.shape[1], width)), 1)
    # NaN and infinity (or squares that overflow) propagate quietly to the
    # check below, which names them.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for rows in gen_batches(n_samples, chunk_rows):
            block = X[rows]
            block = block.toarray() if sp.issparse(block) else block
            if projection is None:
                block = block.astype(np.float64)
            else:
                block = np.subtract(block, projection[0], dtype=np.float64)
                block = block @ projection[1].T
            part = codes[rows]
            classes, first = np.unique(part, return_index=True)
            unseen = counts[classes] == 0
            origins[classes[unseen]] = block[first[unseen]]
            block = block - origins[part]
            indicator = sp.csr_array(
                (np.ones(part.size), (part, np.arange(part.size))),
                shape=(n_classes, part.size),
            )
            part_counts = np.bincount(part, minlength=n_classes).astype(np.float64)
            present = part_counts[:, None] > 0
            part_means = np.where(
                present, (indicator @ block) / part_counts[:, None], 0.0
            )
            part_squares = indicator @ (block - part_means[part]) ** 2

            total = counts + part_counts
            share = np.where(total > 0, part_counts / total, 0.0)[:, None]
            delta = part_means - means
            squares += part_squares + delta**2 * (counts[:, None] * share)
            means += delta * share
            counts = total
        means += origins
    if not (np.isfinite(means).all() and np.isfinite(squares).all()):
        raise ValueError(
            "X contains NaN or infinity (or values so large that their squares "
            "overflow float64); remove or impute them first"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        variances = np.where(counts[:, None] > 0, squares / counts[:, None], 0.0)
    return counts, means, variances


def merge_class_moments(a, b):
    """The class moments of two sets of samples together (Chan's update).

    A class absent from one side takes the other's moments exactly, and a
    feature constant within a class on both sides keeps a variance of 0.
    """
    counts = a[0] + b[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(counts > 0, b[0] / counts, 0.0)[:, None]
    delta = b[1] - a[1]
    means = a[1] + share * delta
    squares = a[0][:, None] * a[2] + b[0][:, None] * b[2]
    squares += delta**2 * (a[0][:, None] * share)
    with np.errstate(invalid="ignore", divide="ignore"):
        variances = np.where(counts[:, None] > 0, squares / counts[:, None], 0.0)
    return counts, means, variances
