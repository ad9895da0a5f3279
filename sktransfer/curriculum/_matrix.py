r"""The transferability matrix of a set of tasks labelled on the same samples.

Label-only metrics read one contingency table per unordered pair of tasks, which
gives the scores in both directions. Feature metrics read one representation per
source task and score it against every target task from one set of sufficient
statistics: one whitening per source, however many targets.
"""

import itertools
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils.parallel import delayed

from sktransfer._compat import HasMethods, validate_params
from sktransfer._engine import statistics_of
from sktransfer._parallel import run
from sktransfer._progress import tracked
from sktransfer._validation import check_features
from sktransfer.curriculum._tasks import check_task_table
from sktransfer.metrics import (
    get_metric,
    get_scorer_names,
    resolve_metric,
)


def check_metric(metric, *, X=None, encoder=None, features=None, normalize=False):
    """The registered metric of a name, checked against the inputs given for it."""
    found = resolve_metric(
        metric,
        ("labels", "features"),
        hint=(
            "tasks given by their labels have no source model; use a metric of "
            f"labels ({', '.join(get_scorer_names('labels'))}) or of features "
            f"({', '.join(get_scorer_names('features'))})"
        ),
    )
    if found.input == "labels":
        given = [
            name
            for name, value in (("X", X), ("encoder", encoder), ("features", features))
            if value is not None
        ]
        if given:
            raise ValueError(
                f"metric {metric!r} reads the task labels only, so "
                f"{' and '.join(given)} would be ignored; leave "
                f"{'it' if len(given) == 1 else 'them'} out, or choose a metric of "
                f"features ({', '.join(get_scorer_names('features'))})"
            )
    elif features is None and (X is None or encoder is None):
        raise ValueError(
            f"metric {metric!r} scores features: pass X together with an encoder "
            "(a transformer fitted on X and each source task's labels), or "
            "features (one feature matrix per source task)"
        )
    elif features is not None and (X is not None or encoder is not None):
        raise ValueError(
            "features were given together with X or encoder; pass either features "
            "(one matrix per source task) or X with an encoder, not both"
        )
    if normalize and found.normalize is None:
        known = [
            name
            for name in get_scorer_names()
            if get_metric(name).normalize is not None
        ]
        raise ValueError(
            f"normalize=True needs the optimal score of each target task, which is "
            f"known for {', '.join(known)} but not for metric {found.name!r}; pass "
            "normalize=False"
        )
    return found


@validate_params(
    {
        "Y": ["array-like"],
        "X": ["array-like", "sparse matrix", None],
        "encoder": [HasMethods(["fit", "transform"]), None],
        "features": ["array-like", None],
        "metric": [str],
        "normalize": ["boolean"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def transferability_matrix(
    Y,
    *,
    X=None,
    encoder=None,
    features=None,
    metric="neg_conditional_entropy",
    normalize=False,
    n_jobs=None,
):
    r"""Score the transfer between every pair of tasks labelled on the same samples.

    Entry ``[i, j]`` scores task ``i`` as the source for task ``j`` as the
    target; greater is better. A label-only metric compares the two label
    sequences directly; a feature metric scores a representation of the inputs
    learned on (or supplied for) each source task against every target task.

    Parameters
    ----------
    Y : array-like or DataFrame of shape (n_samples, n_tasks)
        Class labels, one column per task (integers, integral floats,
        booleans or strings; columns may differ in kind). Every task needs at
        least two classes, and at least two tasks are needed.
    X : {array-like, sparse matrix} of shape (n_samples, n_inputs), default=None
        The inputs, for a feature metric with an ``encoder``.
    encoder : transformer, default=None
        For a feature metric: an unfitted scikit-learn transformer, cloned
        and fitted on ``X`` and the labels of each source task in turn (for
        instance :class:`~sklearn.discriminant_analysis.LinearDiscriminantAnalysis`);
        its ``transform(X)`` is the source representation.
    features : sequence of array-likes of shape (n_samples, k_i), default=None
        For a feature metric, instead of ``X`` and ``encoder``: the features
        of the samples in the representation of each source task, in the
        order of the columns of ``Y``.
    metric : str, default="neg_conditional_entropy"
        A registered metric of labels or features (see
        :func:`~sktransfer.metrics.get_scorer_names`).
    normalize : bool, default=False
        Divide each score by the optimum of its target task, so that targets
        of different difficulty compare (Bao et al. 2019, Definition 3):

        * ``"h_score"`` and ``"regularized_h_score"``: by ``n_classes_j - 1``,
          the H-score of the optimal features when the labels are a function
          of the input, and an upper bound otherwise; scores fall in
          ``[0, 1]``.
        * ``"neg_conditional_entropy"``: ``1 - H(Y_j | Y_i) / H(Y_j)``, the
          share of the target's entropy that the source label explains (the
          uncertainty coefficient), in ``[0, 1]``.
    n_jobs : int, default=None
        Number of jobs over source tasks for a feature metric, with joblib;
        ``None`` means 1 unless in a :func:`joblib.parallel_backend` context,
        ``-1`` means all processors.

    Returns
    -------
    matrix : ndarray of shape (n_tasks, n_tasks)
        ``matrix[i, j]`` is the score of source task ``i`` for target task
        ``j``. The diagonal scores each task as its own source: 0 for the
        negative conditional entropy (the best possible, 1 when normalised);
        for a feature metric, the score of the task's own representation for
        itself.

    See Also
    --------
    CurriculumBuilder : Task graph, spanning tree, curriculum and clusters
        from this matrix.
    sktransfer.metrics.conditional_entropy : The label-only score of one pair.
    sktransfer.metrics.h_score : The feature score of one pair.

    Notes
    -----
    For ``metric="neg_conditional_entropy"`` (Tran et al. [2]_) the entry is
    ``-H(Y_j | Y_i)``. For each unordered pair one sparse contingency table
    ``n_ab`` of the two tasks' classes gives both directions,

    .. math::

        H(Y_j | Y_i) = \frac{1}{n} \sum_{n_{ab} > 0} n_{ab} \log \frac{n_a}{n_{ab}},
        \qquad
        H(Y_i | Y_j) = \frac{1}{n} \sum_{n_{ab} > 0} n_{ab} \log \frac{n_b}{n_{ab}},

    with ``a`` the classes of task ``i`` and ``b`` those of task ``j``. Each
    task is encoded once.

    For a feature metric (Bao et al. [1]_), the features ``F_i`` of source
    ``i`` (``clone(encoder).fit(X, Y[:, i]).transform(X)`` or
    ``features[i]``) are summarised once together with the labels of every
    task; the metric then scores all targets from these statistics (for the
    H-score: one whitening of ``F_i`` and one product with the stacked class
    means of all targets). Sources run in parallel with ``n_jobs``.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.
    .. [2] A. T. Tran, C. V. Nguyen and T. Hassner, "Transferability and Hardness
       of Supervised Classification Tasks", ICCV 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import transferability_matrix
    >>> digit = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9] * 3)
    >>> Y = np.column_stack([digit, digit % 2, digit >= 5])
    >>> transferability_matrix(Y).round(3)  # -H(target | source)
    array([[ 0.   ,  0.   ,  0.   ],
           [-1.609,  0.   , -0.673],
           [-1.609, -0.673,  0.   ]])

    The digit determines its parity and whether it is at least 5 (a score
    of 0), but not the other way round. With a representation learned per
    source task:

    >>> from sklearn.datasets import load_digits
    >>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    >>> X, digit = load_digits(return_X_y=True)
    >>> Y = np.column_stack([digit, digit % 2])
    >>> T = transferability_matrix(
    ...     Y, X=X, encoder=LinearDiscriminantAnalysis(), metric="h_score",
    ...     normalize=True)
    >>> T.round(2)
    array([[0.66, 0.71],
           [0.08, 0.71]])
    """
    found = check_metric(
        metric, X=X, encoder=encoder, features=features, normalize=normalize
    )
    return score_tasks(
        found,
        check_task_table(Y),
        X=X,
        encoder=encoder,
        features=features,
        normalize=normalize,
        n_jobs=n_jobs,
    )


def score_tasks(metric, tasks, *, X, encoder, features, normalize, n_jobs):
    """The transferability matrix of encoded tasks for a checked metric."""
    if metric.input != "labels":
        matrix = _feature_scores(metric, tasks, X, encoder, features, n_jobs)
    elif metric.task_matrix is not None:
        matrix = metric.task_matrix(tasks.codes, tasks.n_classes)
    else:
        matrix = _pairwise_label_scores(metric, tasks.codes)
    if not normalize:
        return matrix
    return metric.normalize(matrix, tasks.codes, tasks.n_classes)


def _pairwise_label_scores(metric, codes):
    """Any label metric, one pair of tasks at a time: ``score(source, target)``."""
    n_tasks = codes.shape[1]
    matrix = np.empty((n_tasks, n_tasks))
    pairs = itertools.product(range(n_tasks), repeat=2)
    for i, j in tracked(pairs, n_tasks**2, "task pairs"):
        matrix[i, j] = metric.score(codes[:, i], codes[:, j])
    return matrix


def _feature_scores(metric, tasks, X, encoder, features, n_jobs):
    n_samples, n_tasks = tasks.n_samples, tasks.n_tasks
    if features is not None:
        sources = check_source_features(features, tasks)
    else:
        # X goes to the encoder as given: it need not be numeric (text, say).
        sources = [None] * n_tasks
        rows = X.shape[0] if hasattr(X, "shape") else len(X)
        if rows != n_samples:
            raise ValueError(
                f"X has {rows} rows but Y has {n_samples} samples; they must "
                "describe the same samples, one row each"
            )
    rows = run(
        (
            delayed(_score_source)(metric, tasks, i, F, X, encoder)
            for i, F in enumerate(sources)
        ),
        n_jobs,
        progress="source tasks",
    )
    return np.vstack(rows)


def check_source_features(features, tasks):
    """The feature matrices of the source tasks, one per column of Y, checked."""
    if len(features) != tasks.n_tasks:
        raise ValueError(
            f"features has {len(features)} feature matrices but Y has "
            f"{tasks.n_tasks} tasks; pass one per source task, in the order of the "
            "columns of Y"
        )
    checked = [check_features(F, name=f"features[{i}]") for i, F in enumerate(features)]
    for i, F in enumerate(checked):
        if F.shape[0] != tasks.n_samples:
            raise ValueError(
                f"features[{i}] has {F.shape[0]} rows but Y has {tasks.n_samples} "
                "samples; they must describe the same samples, one row each"
            )
    return checked


def encoded_features(task_name):
    """How error messages call the encoder's representation of a task."""
    return f"the encoder's features for task {task_name!r}"


def _score_source(metric, tasks, source, features, X, encoder):
    """Scores of one source task's representation for every target task."""
    if features is None:
        features = fit_representation(encoder, X, tasks.codes[:, source])
        name = encoded_features(tasks.names[source])
    else:
        name = f"features[{source}]"
    if metric.statistics is None:
        return np.array(
            [metric.score(features, tasks.codes[:, j]) for j in range(tasks.n_tasks)]
        )
    stats = statistics_of(features, tasks.codes, tasks.n_classes, name=name)
    return np.asarray(metric.statistics(stats), dtype=np.float64)


def fit_representation(encoder, X, labels):
    """The representation of ``X`` learned by a fresh clone of ``encoder``."""
    return clone(encoder).fit(X, labels).transform(X)
