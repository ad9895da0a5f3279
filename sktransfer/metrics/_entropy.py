"""Label-only transferability: conditional entropy of label sequences, task hardness.

Both are functions of a contingency table of two label vectors on the same samples,
kept sparse because the source task may have many classes (thousands of identities).
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval, validate_params

from sktransfer._validation import encode_labels

_BASE_CONSTRAINT = [
    None,
    Interval(Real, 0, 1, closed="neither"),
    Interval(Real, 1, None, closed="neither"),
]


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


def _entropy_sum(counts, totals, n_samples):
    """``(1/n) sum counts * log(totals / counts)``, for positive ``counts``.

    Each term is >= 0 (``totals >= counts``), so the sum cannot go negative by
    cancellation and is exactly 0 when every ratio is 1.
    """
    counts = np.asarray(counts, dtype=np.float64)
    return float(np.sum(counts * np.log(totals / counts)) / n_samples)


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
            f"y has a single class ({y_classes[0].item()!r}); the conditional entropy "
            "needs a target with at least two classes"
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
    (classes,), codes = encode_labels(y, name="y")
    n_samples = codes.shape[0]
    counts = np.bincount(codes[:, 0], minlength=len(classes))
    return _in_base(_entropy_sum(counts, n_samples, n_samples), base)
