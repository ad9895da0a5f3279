"""Label tables: hard and soft contingency tables, and the entropies of a table.

A contingency table counts the samples of each (source label, target label)
pair; a soft one sums a source's class probabilities over the samples of each
target class. Both are mergeable (tables of two sets of samples add), and every
label metric, stream, curriculum and Dask reduction reads its entropies through
:func:`conditional_entropy_of_table` and :func:`entropy` here.
"""

import numpy as np
import scipy.sparse as sp

from sktransfer._engine._chunks import CHUNK_BYTES
from sktransfer._limits import check_allocation
from sktransfer._validation import check_features

# How far from 1 a row of probabilities may sum: the square root of float32's
# epsilon, so that a float32 softmax passes even once converted to float64;
# for a coarser dtype, the square root of its own (see _row_sum_tolerance).
_ROW_SUM_TOLERANCE = float(np.sqrt(np.finfo(np.float32).eps))


def contingency_table(y_codes, z_codes, n_y, n_z):
    """Count the samples in each (source label, target label) cell.

    Parameters
    ----------
    y_codes : ndarray of shape (n_samples,), dtype int
        Target label codes in ``[0, n_y)``.
    z_codes : ndarray of shape (n_samples,), dtype int
        Source label codes in ``[0, n_z)``.
    n_y, n_z : int
        Number of target and source classes.

    Returns
    -------
    table : scipy.sparse.csr_array of shape (n_z, n_y), dtype int64
        ``table[z, y]`` is the number of samples labelled ``z`` by the source task
        and ``y`` by the target task. Only non-empty cells are stored, in canonical
        order (sorted column indices, no duplicates).
    """
    y_codes = np.asarray(y_codes, dtype=np.int64)
    z_codes = np.asarray(z_codes, dtype=np.int64)
    n_samples = y_codes.shape[0]
    # One integer per cell, in row-major (z, y) order, so sorted cells are CSR order.
    cell_codes = z_codes * n_y + y_codes
    # Measured: bincount over every cell beats sorting the cell codes up to about
    # two cells per sample, for 1e4 to 1e7 samples; it also bounds the dense array.
    if n_y * n_z <= 2 * n_samples:
        dense = np.bincount(cell_codes, minlength=n_y * n_z)
        cells = np.flatnonzero(dense)
        counts = dense[cells]
    else:
        cells, counts = np.unique(cell_codes, return_counts=True)
    rows, cols = np.divmod(cells, n_y)
    indptr = np.zeros(n_z + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_z), out=indptr[1:])
    return sp.csr_array(
        (counts.astype(np.int64, copy=False), cols, indptr), shape=(n_z, n_y)
    )


def check_probabilities(proba, *, name="source_proba"):
    """Return ``proba`` as a 2-D numeric array (or CSR matrix) without copying it.

    Only the shape and dtype are checked here; the values (finite, non-negative,
    rows summing to 1) are checked chunk by chunk by :func:`probability_chunks`,
    so that a large matrix is never copied whole.

    Parameters
    ----------
    proba : {array-like, sparse matrix} of shape (n_samples, n_source_classes)
        Class probabilities of a source model, one row per sample.
    name : str
        Argument name used in error messages.

    Returns
    -------
    proba : ndarray or scipy.sparse.csr_array
    """
    if not sp.issparse(proba) and _ndim(proba) == 1:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_source_classes), one probability per "
            f"source class; got shape {np.shape(proba)}. For a binary source, pass "
            "both columns, e.g. np.column_stack([1 - p, p])."
        )
    return check_features(proba, name=name)


def _ndim(values):
    """Dimensions of an array-like; None for ragged rows, which
    :func:`check_features` reports."""
    try:
        return np.ndim(values)
    except ValueError:
        return None


def probability_chunks(proba, *, name="source_proba", check=True):
    """Yield the rows of a probability matrix block by block, in float64.

    Parameters
    ----------
    proba : ndarray or scipy.sparse.csr_array of shape (n_samples, n_source_classes)
        As returned by :func:`check_probabilities`.
    name : str
        Argument name used in error messages.
    check : bool, default=True
        Check that each block is finite, non-negative and has rows summing to
        1 within the tolerance of ``proba``'s dtype (:func:`_row_sum_tolerance`);
        a second pass over a matrix already checked can skip it.

    Yields
    ------
    rows : slice
        The rows of the block.
    block : ndarray of shape (n_rows, n_source_classes), dtype float64
    """
    n_samples, n_classes = proba.shape
    step = max(1, CHUNK_BYTES // (8 * n_classes))
    tolerance = _row_sum_tolerance(proba.dtype)
    for start in range(0, n_samples, step):
        rows = slice(start, min(start + step, n_samples))
        block = proba[rows]
        block = block.toarray() if sp.issparse(block) else block
        block = np.asarray(block, dtype=np.float64)
        if check:
            _check_probability_block(block, start, name, tolerance)
        yield rows, block


def _row_sum_tolerance(dtype):
    """How far from 1 a row of probabilities of ``dtype`` may sum.

    The square root of the dtype's epsilon, and never less than float32's
    (``_ROW_SUM_TOLERANCE``), the same rule for every dtype: a softmax
    computed in float16 has rows that miss 1 by up to 7e-4 (measured over 2 to
    10,000 classes), twice float32's tolerance, and is allowed 3.1e-2; float32
    and float64 ones are allowed 3.5e-4.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f" or np.finfo(dtype).eps <= np.finfo(np.float32).eps:
        return _ROW_SUM_TOLERANCE
    return float(np.sqrt(np.finfo(dtype).eps))


def _check_probability_block(block, start, name, tolerance=_ROW_SUM_TOLERANCE):
    # A row sum is NaN or infinite exactly when the row holds NaN or infinity
    # (probabilities are too small to overflow), which saves a pass; the
    # message below names it, so numpy need not warn.
    with np.errstate(invalid="ignore", over="ignore"):
        sums = block.sum(axis=1)
    finite = np.isfinite(sums)
    if not finite.all():
        raise ValueError(
            f"{name} contains NaN or infinity (row {start + int(np.argmin(finite))}); "
            "class probabilities must be finite"
        )
    if block.size and block.min() < 0:
        row = int(np.argmax((block < 0).any(axis=1)))
        raise ValueError(
            f"{name} has a negative value in row {start + row} "
            f"({float(block[row].min())!r}); class probabilities must be >= 0"
        )
    off = np.abs(sums - 1.0) > tolerance
    if off.any():
        row = int(np.argmax(off))
        raise ValueError(
            f"{name} row {start + row} sums to {float(sums[row])!r}, not 1; "
            "each row must be a probability distribution over the source "
            "classes, such as the output of predict_proba"
        )


def soft_contingency_table(y_codes, n_y, proba, *, name="source_proba"):
    """Sum a source's class probabilities over the samples of each target class.

    The soft counterpart of :func:`contingency_table`: a sample labelled ``y``
    adds its probability of each source class ``z`` to cell ``(z, y)``, where a
    hard label would add 1 to one cell. One-hot probabilities give the counts.

    Parameters
    ----------
    y_codes : ndarray of shape (n_samples,), dtype int
        Target label codes in ``[0, n_y)``.
    n_y : int
        Number of target classes.
    proba : ndarray or scipy.sparse.csr_array of shape (n_samples, n_z)
        Source class probabilities, as returned by :func:`check_probabilities`;
        checked block by block.
    name : str
        Argument name used in error messages.

    Returns
    -------
    table : ndarray of shape (n_z, n_y), dtype float64
        ``table[z, y] = sum_{i : y_i = y} proba[i, z]``.
    """
    y_codes = np.asarray(y_codes, dtype=np.intp)
    n_samples = y_codes.shape[0]
    # The transposed one-hot matrix of the target labels: one sparse GEMM per
    # block of rows sums the probabilities class by class.
    onehot_t = sp.csc_array(
        (np.ones(n_samples), (y_codes, np.arange(n_samples))), shape=(n_y, n_samples)
    )
    check_allocation(
        8 * n_y * proba.shape[1],
        what=(
            f"the table of {n_y} target classes x {proba.shape[1]} source "
            f"classes (the columns of {name})"
        ),
        remedy="group the target classes, or the source's, into fewer",
    )
    table = np.zeros((n_y, proba.shape[1]))
    for rows, block in probability_chunks(proba, name=name):
        table += onehot_t[:, rows] @ block
    return table.T


def entropy_sum(counts, totals, n_samples):
    """``(1/n) sum counts * log(totals / counts)``, for positive ``counts``.

    Each term is >= 0 (``totals >= counts``), so the sum cannot go negative by
    cancellation and is exactly 0 when every ratio is 1.
    """
    counts = np.asarray(counts, dtype=np.float64)
    with np.errstate(over="ignore"):
        ratios = totals / counts
    # A subnormal count (a soft table's probability of 5e-324, say) overflows
    # the ratio; its logarithm is still the difference of the logarithms.
    logs = np.where(
        np.isfinite(ratios), np.log(ratios), np.log(totals) - np.log(counts)
    )
    return float(np.sum(counts * logs) / n_samples)


def in_base(nats, base):
    if base is None:
        return nats
    # Adding 0.0 turns the -0.0 of a base below 1 into 0.0.
    return nats / float(np.log(base)) + 0.0


def entropy(counts, n_samples):
    """H in nats of the labels of ``n_samples`` samples with class ``counts``.

    Empty classes are left out (their term is 0).
    """
    counts = np.asarray(counts).ravel()
    return entropy_sum(counts[counts > 0], n_samples, n_samples)


def conditional_entropy_of_table(table, n_samples, *, given="rows"):
    """H(columns | rows), or H(rows | columns), of a table, in nats.

    Parameters
    ----------
    table : scipy.sparse.csr_array or ndarray
        A contingency table of counts (sparse, as :func:`contingency_table`
        gives) or a soft one of probability sums (dense, as
        :func:`soft_contingency_table` gives).
    n_samples : int
        The number of samples the table counts.
    given : {"rows", "columns"}, default="rows"
        The labels conditioned on: the source's (rows) for H(Y|Z).

    Returns
    -------
    nats : float
        For counts, never above the entropy of the other labels: H(Y|Z) <= H(Y)
        holds exactly for empirical distributions, and the cap only removes
        rounding that could put independent labels an ulp above it.
    """
    axis = 1 if given == "rows" else 0
    if not sp.issparse(table):
        totals = table.sum(axis=axis)
        cells = np.nonzero(table)
        return entropy_sum(table[cells], totals[cells[1 - axis]], n_samples)
    totals = np.asarray(table.sum(axis=axis)).ravel()
    if given == "rows":
        totals = totals[np.repeat(np.arange(table.shape[0]), np.diff(table.indptr))]
    else:
        totals = totals[table.indices]
    nats = entropy_sum(table.data, totals, n_samples)
    return min(nats, entropy(table.sum(axis=1 - axis), n_samples))
