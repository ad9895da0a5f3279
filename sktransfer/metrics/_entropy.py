"""Label-only transferability: conditional entropy of label sequences, task hardness.

Both are functions of a contingency table of two label vectors on the same samples,
kept sparse because the source task may have many classes (thousands of identities).
The soft conditional entropy reads a source's class probabilities instead of its
labels, through a soft contingency table (sums of probabilities, not counts).
"""

import itertools
from numbers import Real

import numpy as np

from sktransfer._compat import Interval, validate_params
from sktransfer._engine import (
    LabelAccumulator,
    as_dask_array,
    check_classes_seen,
    check_fitted,
    check_probabilities,
    conditional_entropy_of_table,
    contingency_table,
    entropy,
    in_base,
    is_dask_collection,
    reduce_blocks,
    soft_contingency_table,
)
from sktransfer._progress import tracked
from sktransfer._validation import (
    check_paired_labels,
    check_two_classes,
    encode_labels,
)

_BASE_CONSTRAINT = [
    None,
    Interval(Real, 0, 1, closed="neither"),
    Interval(Real, 1, None, closed="neither"),
]


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
    if is_dask_collection(y, z):
        y, z = as_dask_array(y, "y"), as_dask_array(z, "z")
        check_paired_labels(y.shape[0], z.shape[0])
        return in_base(
            conditional_entropy_seen(reduce_blocks(LabelAccumulator, y, z)), base
        )
    (y_classes,), y_codes = encode_labels(y, name="y")
    (z_classes,), z_codes = encode_labels(z, name="z")
    check_paired_labels(y_codes.shape[0], z_codes.shape[0])
    n_y, n_z = len(y_classes), len(z_classes)
    check_two_classes(
        y_classes, "the conditional entropy needs a target with at least two classes"
    )
    table = contingency_table(y_codes[:, 0], z_codes[:, 0], n_y, n_z)
    return in_base(conditional_entropy_of_table(table, y_codes.shape[0]), base)


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
    table = soft_contingency_table(y_codes, n_y, proba)
    return in_base(conditional_entropy_of_table(table, y_codes.shape[0]), base)


def conditional_entropy_seen(accumulator):
    """H(Y|Z) in nats of the table of a label or probability accumulator."""
    check_fitted(accumulator)
    check_classes_seen(
        accumulator, "the conditional entropy needs at least two classes"
    )
    return conditional_entropy_of_table(accumulator.table_, accumulator.n_samples_seen_)


def conditional_entropy_matrix(codes, n_classes):
    """``H[i, j] = H(task j | task i)`` in nats, from encoded tasks.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_tasks), dtype intp
        Class codes, column ``j`` in ``range(n_classes[j])``.
    n_classes : sequence of int
        Number of classes of each task.

    Returns
    -------
    entropies : ndarray of shape (n_tasks, n_tasks)
    """
    n_samples, n_tasks = codes.shape
    entropies = np.zeros((n_tasks, n_tasks))
    pairs = itertools.combinations(range(n_tasks), 2)
    n_pairs = n_tasks * (n_tasks - 1) // 2
    for i, j in tracked(pairs, n_pairs, "task pairs"):
        # table[a, b]: samples of class a of task i and class b of task j.
        table = contingency_table(codes[:, j], codes[:, i], n_classes[j], n_classes[i])
        entropies[i, j] = conditional_entropy_of_table(table, n_samples)
        entropies[j, i] = conditional_entropy_of_table(
            table, n_samples, given="columns"
        )
    return entropies


def label_entropies(codes, n_classes):
    """The entropy H(Y_j) of each task in nats: its hardness (Tran et al. 2019)."""
    n_samples = codes.shape[0]
    return np.array(
        [
            entropy(np.bincount(codes[:, j], minlength=c), n_samples)
            for j, c in enumerate(n_classes)
        ]
    )


def _target_codes(y, n_rows, metric, rows="source_proba"):
    """Codes of target labels for the ``n_rows`` rows of the argument ``rows``."""
    (classes,), codes = encode_labels(y, name="y")
    if codes.shape[0] != n_rows:
        raise ValueError(
            f"y has {codes.shape[0]} labels but {rows} has {n_rows} rows; they must "
            "describe the same samples, one row per label"
        )
    check_two_classes(classes, f"{metric} needs a target with at least two classes")
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
    if is_dask_collection(y):
        import dask.array as da

        y = as_dask_array(y, "y")
        constant = da.zeros(y.shape[0], dtype=np.int8, chunks=y.chunks[0])
        seen = reduce_blocks(LabelAccumulator, y, constant)
        return in_base(entropy(seen.table_.sum(axis=0), seen.n_samples_seen_), base)
    (classes,), codes = encode_labels(y, name="y")
    counts = np.bincount(codes[:, 0], minlength=len(classes))
    return in_base(entropy(counts, codes.shape[0]), base)
