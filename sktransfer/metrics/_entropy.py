"""Label-only transferability: conditional entropy of label sequences, task hardness.

Both are functions of a contingency table of two label vectors on the same samples,
kept sparse because the source task may have many classes (thousands of identities).
The soft conditional entropy reads a source's class probabilities instead of its
labels, through a soft contingency table (sums of probabilities, not counts).
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval, validate_params

from sktransfer import _dask
from sktransfer._limits import check_allocation
from sktransfer._validation import check_features, encode_labels, label_value

_BASE_CONSTRAINT = [
    None,
    Interval(Real, 0, 1, closed="neither"),
    Interval(Real, 1, None, closed="neither"),
]

# Bytes of float64 scratch per chunk of a probability matrix.
_CHUNK_BYTES = 32 * 2**20
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
    step = max(1, _CHUNK_BYTES // (8 * n_classes))
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


def _entropy_sum(counts, totals, n_samples):
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


def _in_base(nats, base):
    if base is None:
        return nats
    # Adding 0.0 turns the -0.0 of a base below 1 into 0.0.
    return nats / float(np.log(base)) + 0.0


@validate_params(
    {"y": ["array-like"], "z": ["array-like"], "base": _BASE_CONSTRAINT},
    prefer_skip_nested_validation=True,
)
def conditional_entropy(y, z, *, base=None):
    r"""Conditional entropy H(Y|Z) of target labels given source labels.

    A label-only estimate of how well a source task transfers to a target task:
    the less uncertainty about the target label remains once the source label of
    the same sample is known, the better the transfer. No features or models are
    involved.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Target task labels (integers, integral floats, booleans or strings).
        Needs at least two classes.
    z : array-like of shape (n_samples,)
        Source task labels of the same samples, in the same order. Any number of
        classes, including one.
    base : float, default=None
        Base of the logarithm, e.g. ``2`` for bits; positive and not 1. ``None``
        gives nats.

    Returns
    -------
    entropy : float
        H(Y|Z), between 0 and H(Y). Lower means a more transferable source; the
        negative conditional entropy (NCE) is the matching greater-is-better score.

    See Also
    --------
    task_hardness : H(Y), the conditional entropy given a constant source task.

    Notes
    -----
    With ``n_yz`` the number of samples labelled ``y`` by the target task and
    ``z`` by the source task, and ``n_z = sum_y n_yz``, the empirical joint
    distribution is ``P(y, z) = n_yz / n`` and

    .. math::

        H(Y|Z) = -\sum_{y,z} P(y,z) \log \frac{P(y,z)}{P(z)}
               = \frac{1}{n} \sum_{n_{yz} > 0} n_{yz} \log \frac{n_z}{n_{yz}}.

    The second form is the one computed: each term is non-negative, so the result
    is exactly 0 when ``y`` is a function of ``z``. It satisfies
    ``0 <= H(Y|Z) <= H(Y)`` (the upper bound is reached when the two labelings
    are independent, in particular when ``z`` is constant) and does not change
    when the classes of either task are renamed.

    Tran, Nguyen and Hassner [1]_ show that a target classifier built on a
    representation trained for the source task reaches a log-likelihood of at
    least the source log-likelihood minus H(Y|Z); they rank source tasks by the
    negative conditional entropy, NCE ``= -H(Y|Z)``.
    The contingency table is kept sparse, so a source task with many classes
    costs memory only for its non-empty cells.

    References
    ----------
    .. [1] A. T. Tran, C. V. Nguyen and T. Hassner, "Transferability and Hardness
       of Supervised Classification Tasks", ICCV 2019.

    Examples
    --------
    >>> from sktransfer.metrics import conditional_entropy
    >>> conditional_entropy([0, 0, 1, 1], ["a", "b", "a", "b"])  # independent
    0.693...
    >>> conditional_entropy([0, 0, 1, 1], ["a", "b", "a", "b"], base=2)
    1.0
    >>> conditional_entropy(["cat", "cat", "dog"], [3, 3, 7])  # y is a function of z
    0.0
    """
    if _dask.is_dask_collection(y, z):
        return _dask.conditional_entropy(y, z, base=base)
    (y_classes,), y_codes = encode_labels(y, name="y")
    (z_classes,), z_codes = encode_labels(z, name="z")
    if y_codes.shape[0] != z_codes.shape[0]:
        raise ValueError(
            f"y has {y_codes.shape[0]} labels but z has {z_codes.shape[0]}; they "
            "must label the same samples, one label each"
        )
    n_y, n_z = len(y_classes), len(z_classes)
    if n_y < 2:
        raise ValueError(
            f"y has a single class ({label_value(y_classes[0])!r}); the conditional "
            "entropy needs a target with at least two classes"
        )
    y_codes, z_codes = y_codes[:, 0], z_codes[:, 0]
    n_samples = y_codes.shape[0]
    table = contingency_table(y_codes, z_codes, n_y, n_z)
    z_counts = np.bincount(z_codes, minlength=n_z)
    cell_rows = np.repeat(np.arange(n_z), np.diff(table.indptr))
    nats = _entropy_sum(table.data, z_counts[cell_rows], n_samples)
    # H(Y|Z) <= H(Y) holds exactly for empirical distributions; the min only
    # removes rounding that could put an independent z an ulp above H(Y).
    y_counts = np.bincount(y_codes, minlength=n_y)
    nats = min(nats, _entropy_sum(y_counts, n_samples, n_samples))
    return _in_base(nats, base)


@validate_params(
    {
        "y": ["array-like"],
        "source_proba": ["array-like", "sparse matrix"],
        "base": _BASE_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def soft_conditional_entropy(y, source_proba, *, base=None):
    r"""Conditional entropy of target labels given a source's class probabilities.

    The soft variant of :func:`conditional_entropy`: the source task is known
    through the class probabilities a source model assigns to each target
    sample (its ``predict_proba``), not through hard labels, so a sample the
    source is unsure about counts towards several source classes.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Target task labels (integers, integral floats, booleans or strings).
        Needs at least two classes.
    source_proba : {array-like, sparse matrix} of shape (n_samples, n_source_classes)
        Probability of each source class for each target sample, e.g.
        ``source.predict_proba(X)``: finite, non-negative, rows summing to 1.
    base : float, default=None
        Base of the logarithm, e.g. ``2`` for bits; positive and not 1. ``None``
        gives nats.

    Returns
    -------
    entropy : float
        The soft H(Y|Z), non-negative. Lower means a more transferable source;
        its negative is the greater-is-better score.

    See Also
    --------
    conditional_entropy : The same with hard source labels.
    leep_score : The log-likelihood of the classifier built from the same joint.

    Notes
    -----
    With ``theta_i`` the source probabilities of sample ``i``, the soft joint
    distribution of target and source classes is

    .. math::

        P(y, z) = \frac{1}{n} \sum_{i : y_i = y} \theta_{i z},
        \qquad P(z) = \sum_y P(y, z),

    and, as for hard labels,

    .. math::

        H(Y|Z) = -\sum_{y,z} P(y,z) \log \frac{P(y,z)}{P(z)}.

    One-hot probabilities (hard predictions) give :func:`conditional_entropy`
    of the predicted labels. By Jensen's inequality ``-H(Y|Z)`` never exceeds
    the LEEP score [2]_ of the same probabilities, which uses the same
    ``P(y|z)`` inside the logarithm. The negative conditional entropy is the
    NCE of Tran, Nguyen and Hassner [1]_; this soft form is the one LEEP is
    compared with in [2]_.

    References
    ----------
    .. [1] A. T. Tran, C. V. Nguyen and T. Hassner, "Transferability and Hardness
       of Supervised Classification Tasks", ICCV 2019.
    .. [2] C. V. Nguyen, T. Hassner, M. Seeger and C. Archambeau, "LEEP: A New
       Measure to Evaluate Transferability of Learned Representations", ICML
       2020.

    Examples
    --------
    >>> from sktransfer.metrics import soft_conditional_entropy
    >>> proba = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]]
    >>> round(soft_conditional_entropy([0, 0, 1, 1], proba), 4)
    0.4628
    >>> soft_conditional_entropy(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    0.0
    """
    proba = check_probabilities(source_proba)
    n_y, y_codes = _target_codes(y, proba.shape[0], "the conditional entropy")
    n_samples = y_codes.shape[0]
    table = soft_contingency_table(y_codes, n_y, proba)
    z_mass = table.sum(axis=1)
    cells = np.nonzero(table)
    nats = _entropy_sum(table[cells], z_mass[cells[0]], n_samples)
    return _in_base(nats, base)


def _target_codes(y, n_rows, metric, rows="source_proba"):
    """Codes of target labels for the ``n_rows`` rows of the argument ``rows``."""
    (classes,), codes = encode_labels(y, name="y")
    if codes.shape[0] != n_rows:
        raise ValueError(
            f"y has {codes.shape[0]} labels but {rows} has {n_rows} rows; they must "
            "describe the same samples, one row per label"
        )
    if classes.size < 2:
        raise ValueError(
            f"y has a single class ({label_value(classes[0])!r}); {metric} needs a "
            "target with at least two classes"
        )
    return classes.size, codes[:, 0]


@validate_params(
    {"y": ["array-like"], "base": _BASE_CONSTRAINT},
    prefer_skip_nested_validation=True,
)
def task_hardness(y, *, base=None):
    r"""Hardness of a classification task from its labels alone: the entropy H(Y).

    The uncertainty about a sample's label when nothing is known about the sample:
    the conditional entropy of the task given a trivial source task. It needs no
    features or models.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels of the task (integers, integral floats, booleans or strings).
    base : float, default=None
        Base of the logarithm, e.g. ``2`` for bits; positive and not 1. ``None``
        gives nats.

    Returns
    -------
    hardness : float
        H(Y), between 0 (a single class) and ``log C`` for ``C`` equally frequent
        classes. Greater means harder.

    See Also
    --------
    conditional_entropy : H(Y|Z) for a source task Z; equals the hardness when Z is
        constant.

    Notes
    -----
    With ``n_c`` the number of samples of class ``c``,

    .. math::

        H(Y) = \frac{1}{n} \sum_c n_c \log \frac{n}{n_c}.

    Tran, Nguyen and Hassner [1]_ estimate the hardness of a task as the
    conditional entropy of its labels given a trivial task that gives every sample
    the same label, H(Y | constant), which is H(Y). A task with a single class is
    trivial and has hardness 0.0.

    References
    ----------
    .. [1] A. T. Tran, C. V. Nguyen and T. Hassner, "Transferability and Hardness
       of Supervised Classification Tasks", ICCV 2019.

    Examples
    --------
    >>> from sktransfer.metrics import task_hardness
    >>> task_hardness(["a", "b", "c", "d"], base=2)
    2.0
    >>> task_hardness([1, 1, 1, 2])
    0.562...
    """
    if _dask.is_dask_collection(y):
        return _dask.task_hardness(y, base=base)
    (classes,), codes = encode_labels(y, name="y")
    n_samples = codes.shape[0]
    counts = np.bincount(codes[:, 0], minlength=len(classes))
    return _in_base(_entropy_sum(counts, n_samples, n_samples), base)
