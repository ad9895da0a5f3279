"""Second-order transfer: pairs of source tasks, their features side by side."""

import math
from numbers import Integral

import numpy as np
from sklearn.utils.parallel import Parallel, delayed

from sktransfer._compat import HasMethods, validate_params
from sktransfer._limits import MAX_CANDIDATES
from sktransfer.curriculum._matrix import (
    check_metric,
    check_source_features,
    encoded_features,
    fit_representation,
)
from sktransfer.curriculum._tasks import check_task_table
from sktransfer.metrics import combination_scores, get_scorer_names


@validate_params(
    {
        "Y": ["array-like"],
        "X": ["array-like", "sparse matrix", None],
        "encoder": [HasMethods(["fit", "transform"]), None],
        "features": ["array-like", None],
        "metric": [str],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def second_order_transferability(
    Y, *, X=None, encoder=None, features=None, metric="h_score", n_jobs=None
):
    """Rank every pair of source tasks for every target task.

    The higher-order transfer of Bao et al. (2019, Sec. 4.2): the
    representations of two source tasks are concatenated and scored against a
    target. Every pair of the other tasks is scored for every target, from one
    pass over all representations side by side (see
    :func:`~sktransfer.metrics.score_combinations`).

    Parameters
    ----------
    Y : array-like or DataFrame of shape (n_samples, n_tasks)
        Class labels, one column per task; at least three tasks.
    X : {array-like, sparse matrix} of shape (n_samples, n_input_features), \
            default=None
        The inputs, from which ``encoder`` learns each source representation.
    encoder : transformer, default=None
        An unfitted transformer, cloned and fitted on ``X`` and the labels of
        each source task in turn.
    features : sequence of n_tasks array-likes of shape (n_samples, k_i), \
            default=None
        Instead of ``X`` and ``encoder``: the features of each source task's
        representation, in the order of the columns of ``Y``.
    metric : str, default="h_score"
        A registered metric of features (see
        :func:`~sktransfer.metrics.get_scorer_names` with
        ``input="features"``).
    n_jobs : int, default=None
        Number of jobs for learning the representations and scoring the
        pairs, with joblib; ``-1`` means all processors.

    Returns
    -------
    table : dict of ndarray
        Equal-length arrays, one row per (target, pair of sources), sorted by
        target and then by rank: ``target`` (task name), ``sources`` (the two
        source names joined by ``+``), ``score`` and ``rank`` (1 for the best
        pair of that target). Pairs that contain the target itself are left
        out.

    See Also
    --------
    transferability_matrix : First-order scores of every pair of tasks.
    sktransfer.metrics.score_combinations : Scores of combinations of blocks.

    Notes
    -----
    The best pair is often, but not always, the two best single sources: two
    sources that are good at predicting different parts of the target combine
    better than two that carry the same information (the paper's Fig. 5).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sktransfer.curriculum import second_order_transferability
    >>> rng = np.random.default_rng(0)
    >>> Y = rng.integers(0, 2, (300, 4))
    >>> X = Y @ rng.standard_normal((4, 6)) + rng.standard_normal((300, 6))
    >>> features = [X[:, [2 * i, 2 * i + 1]] for i in range(3)] + [X[:, :1]]
    >>> table = second_order_transferability(Y, features=features)
    >>> [str(s) for s in table["sources"][table["target"] == "task0"]]
    ['task1+task2', 'task2+task3', 'task1+task3']
    """
    found = check_metric(metric, X=X, encoder=encoder, features=features)
    if found.input != "features":
        raise ValueError(
            f"second-order transfer concatenates the sources' features, so metric "
            f"must read features ({', '.join(get_scorer_names('features'))}); got "
            f"{metric!r}"
        )
    tasks = check_task_table(Y)
    if tasks.n_tasks < 3:
        raise ValueError(
            f"Y has {tasks.n_tasks} tasks; second-order transfer needs at least "
            "three (a target and two sources)"
        )
    # One row per target and pair of the other tasks as sources.
    n_rows = tasks.n_tasks * math.comb(tasks.n_tasks - 1, 2)
    if n_rows > MAX_CANDIDATES:
        raise ValueError(
            f"Y has {tasks.n_tasks} tasks, so second-order transfer would rank "
            f"{n_rows:,} (target, pair of sources) candidates, more than the "
            f"{MAX_CANDIDATES:,} one call scores; pass fewer tasks (columns of Y)"
        )
    if features is None:
        features = Parallel(n_jobs=n_jobs)(
            delayed(fit_representation)(encoder, X, tasks.codes[:, i])
            for i in range(tasks.n_tasks)
        )
        names = [encoded_features(name) for name in tasks.names]
    else:
        features = check_source_features(features, tasks)
        names = [f"features[{i}]" for i in range(tasks.n_tasks)]
    scores = combination_scores(
        list(features),
        tasks.codes,
        metric=found,
        max_order=2,
        n_jobs=n_jobs,
        names=names,
    )
    pairs = [pair for pair in scores if len(pair) == 2]
    pair_scores = np.array([scores[pair] for pair in pairs])  # (n_pairs, n_tasks)
    names = np.asarray(tasks.names, dtype=object)
    rows = {"target": [], "sources": [], "score": [], "rank": []}
    for target in range(tasks.n_tasks):
        usable = [k for k, pair in enumerate(pairs) if target not in pair]
        order = sorted(usable, key=lambda k: -pair_scores[k, target])
        for rank, k in enumerate(order, start=1):
            rows["target"].append(names[target])
            rows["sources"].append("+".join(names[list(pairs[k])]))
            rows["score"].append(pair_scores[k, target])
            rows["rank"].append(rank)
    return {
        "target": np.array(rows["target"], dtype=object),
        "sources": np.array(rows["sources"], dtype=object),
        "score": np.array(rows["score"], dtype=np.float64),
        "rank": np.array(rows["rank"], dtype=np.intp),
    }
