"""CurriculumBuilder: from many tasks on the same samples to a task curriculum."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from sktransfer._compat import HasMethods, Interval, StrOptions, fit_context
from sktransfer.curriculum._clustering import (
    LINKAGE_METHODS,
    flat_clusters,
    task_linkage,
)
from sktransfer.curriculum._graph import (
    choose_roots,
    orient,
    source_scores,
    spanning_forest,
    transfer_graph,
)
from sktransfer.curriculum._matrix import check_metric, score_tasks
from sktransfer.curriculum._tasks import check_task_table, task_names_of
from sktransfer.metrics import label_entropies


class CurriculumBuilder(BaseEstimator):
    """Task graph, maximum spanning tree and curriculum over many tasks.

    Given many classification tasks labelled on the same samples (one column
    of labels per task), score the transfer between every pair of tasks, join
    the tasks by the spanning tree of their strongest transfers, and direct
    the tree from a root into a curriculum: an order in which to label and
    learn the tasks, each after the task it learns best from. Also gives the
    hardness of each task and a hierarchical clustering of the tasks.

    Parameters
    ----------
    metric : str, default="neg_conditional_entropy"
        A registered metric of labels or features (see
        :func:`~sktransfer.metrics.get_scorer_names`), or ``"precomputed"`` to
        fit on a given transferability matrix.
    normalize : bool, default=False
        Normalise each score by the optimum of its target task, as in
        :func:`transferability_matrix`.
    threshold : float, default=None
        Keep only the transfers between two tasks whose better direction
        scores at least this (on the scale of ``transferability_``): the tree
        becomes a forest, with one root and one curriculum per tree.
    root : str, default=None
        Name of the task at the root of the curriculum. ``None`` chooses, in
        each tree, the task with the greatest mean score as the source for
        all the other tasks (``source_scores_``); see Notes.
    encoder : transformer, default=None
        For a feature metric: an unfitted transformer, cloned and fitted on
        the inputs ``X`` given to :meth:`fit` and each source task's labels.
    n_jobs : int, default=None
        Number of jobs over source tasks for a feature metric (joblib).
    task_names : array-like of str, default=None
        Names of the tasks (the columns of ``Y``); by default the columns of
        a DataFrame, otherwise ``"task0"``, ``"task1"``, ...
    linkage_method : {"average", "single", "complete", "weighted", "centroid", \
            "median", "ward"}, default="average"
        Linkage of the agglomerative clustering of the tasks
        (:func:`scipy.cluster.hierarchy.linkage`).

    Attributes
    ----------
    transferability_ : ndarray of shape (n_tasks, n_tasks)
        ``transferability_[i, j]`` scores task ``i`` as the source for task
        ``j``; greater is better.
    graph_ : networkx.DiGraph
        Every scored transfer: an edge ``a -> b`` for each pair of distinct
        tasks, with attribute ``weight`` its score.
    tree_ : networkx.Graph
        The maximum spanning tree (a forest with ``threshold``) of the tasks
        on the edge weight ``max(T(a, b), T(b, a))``, in attribute ``weight``.
    curriculum_ : networkx.DiGraph
        ``tree_`` directed away from the roots, a forest of arborescences;
        edge ``parent -> child`` has ``weight`` ``T(parent, child)``. Its
        nodes are in the order of ``order_``.
    order_ : ndarray of shape (n_tasks,), dtype object
        The task names in curriculum order, every parent before its children.
    root_ : str
        The root of the first tree of the curriculum.
    roots_ : ndarray of shape (n_trees,), dtype object
        The root of each tree, in curriculum order.
    source_scores_ : ndarray of shape (n_tasks,)
        Mean score of each task as the source for all the other tasks.
    hardness_ : ndarray of shape (n_tasks,) or None
        Hardness of each task, the entropy of its labels H(task) in nats
        (Tran et al. 2019, Sec. 4); ``None`` with ``metric="precomputed"``.
    linkage_ : ndarray of shape (n_tasks - 1, 4)
        Agglomerative clustering of the tasks, each represented by the scores
        all sources give it (its column of ``transferability_``), as a scipy
        linkage matrix.
    task_names_ : ndarray of shape (n_tasks,), dtype object
        The task names, which name the nodes of the graphs.
    n_tasks_ : int
        Number of tasks.
    n_features_in_ : int
        Number of columns of the ``Y`` seen in :meth:`fit` (``n_tasks_``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``Y`` when it is a DataFrame with string column names.

    See Also
    --------
    transferability_matrix : The matrix of scores alone.
    sktransfer.metrics.task_hardness : The hardness of one task.

    Notes
    -----
    The curriculum follows Bao et al. [1]_ (Sec. 4.3): the task graph has an
    edge between every two tasks, weighted by their better transfer
    ``max(T(a, b), T(b, a))``; its maximum spanning tree (the minimum
    spanning tree of weights inversely related to transferability) keeps for
    every task its strongest links, and a threshold keeps only the salient
    ones, splitting the tree into a forest.

    A curriculum gives the order in which to label and learn the tasks, each
    task helped by the representation of its parent, so the root gets no
    help and should be the task that helps the others most: the default root
    of each tree is the task with the greatest mean score as the source for
    all other tasks (ties go to the first task). The easiest task by
    hardness would be a poor root, as a task with little entropy (a rare
    attribute) carries little information for the others. The order takes
    the trees in turn, the one of ``root`` first and then by decreasing
    score of their roots; within a tree, of the tasks whose parent is
    already in the order, the one its parent transfers to best comes next.

    The hardness of a task is H(task), its conditional entropy given a
    trivial task with one label (Tran et al. [2]_, Sec. 4). For the
    clustering each task is the vector of scores of all sources for it, as
    in Bao et al. [1]_ (Sec. 4.2), compared by Euclidean distance.

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
    >>> from sktransfer import CurriculumBuilder
    >>> digit = np.arange(60) % 10
    >>> Y = np.column_stack([digit % 2, digit, digit >= 5, digit % 4 == 0])
    >>> builder = CurriculumBuilder(
    ...     task_names=["odd", "digit", "large", "multiple_of_4"]).fit(Y)
    >>> builder.root_
    'digit'
    >>> sorted(builder.curriculum_.edges)
    [('digit', 'large'), ('digit', 'multiple_of_4'), ('digit', 'odd')]
    >>> builder.order_
    array(['digit', 'odd', 'large', 'multiple_of_4'], dtype=object)
    >>> builder.hardness_.round(3)
    array([0.693, 2.303, 0.693, 0.611])
    """

    _parameter_constraints: dict = {
        "metric": [str],
        "normalize": ["boolean"],
        "threshold": [Interval(Real, None, None, closed="neither"), None],
        "root": [str, None],
        "encoder": [HasMethods(["fit", "transform"]), None],
        "n_jobs": [Integral, None],
        "task_names": ["array-like", None],
        "linkage_method": [StrOptions(LINKAGE_METHODS)],
    }

    def __init__(
        self,
        metric="neg_conditional_entropy",
        *,
        normalize=False,
        threshold=None,
        root=None,
        encoder=None,
        n_jobs=None,
        task_names=None,
        linkage_method="average",
    ):
        self.metric = metric
        self.normalize = normalize
        self.threshold = threshold
        self.root = root
        self.encoder = encoder
        self.n_jobs = n_jobs
        self.task_names = task_names
        self.linkage_method = linkage_method

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, Y, y=None, *, X=None, features=None):
        """Score every pair of tasks and build the graphs and the curriculum.

        Parameters
        ----------
        Y : array-like or DataFrame of shape (n_samples, n_tasks)
            Class labels, one column per task (integers, integral floats,
            booleans or strings); at least two tasks of at least two classes
            each. With ``metric="precomputed"``, the transferability matrix
            of shape (n_tasks, n_tasks) instead, ``Y[i, j]`` the score of
            task ``i`` as the source for task ``j``.
        y : None
            Ignored; present for API consistency.
        X : {array-like, sparse matrix} of shape (n_samples, n_input_features), \
                default=None
            The inputs, for a feature metric with ``encoder``.
        features : sequence of n_tasks array-likes of shape (n_samples, k_i), \
                default=None
            For a feature metric, instead of ``X`` and ``encoder``: the
            features of the samples in each source task's representation.

        Returns
        -------
        self : CurriculumBuilder
            The fitted builder.
        """
        if self.metric == "precomputed":
            matrix, names = self._check_precomputed(Y, X, features)
        else:
            metric = check_metric(
                self.metric,
                X=X,
                encoder=self.encoder,
                features=features,
                normalize=self.normalize,
            )
            tasks = check_task_table(Y, task_names=self.task_names, estimator=self)
            names = tasks.names
        if self.root is not None and self.root not in names:
            raise ValueError(
                f"root={self.root!r} is not one of the tasks; the task names are "
                f"{', '.join(map(repr, names))}"
            )
        validate_data(self, Y, skip_check_array=True)
        if self.metric == "precomputed":
            hardness = None
        else:
            matrix = score_tasks(
                metric,
                tasks,
                X=X,
                encoder=self.encoder,
                features=features,
                normalize=self.normalize,
                n_jobs=self.n_jobs,
            )
            hardness = label_entropies(tasks.codes, tasks.n_classes)
            if not np.isfinite(matrix).all():
                source, target = np.argwhere(~np.isfinite(matrix))[0]
                raise ValueError(
                    f"metric {self.metric!r} scored the transfer from "
                    f"{names[source]!r} to {names[target]!r} as "
                    f"{matrix[source, target]}; the task graph needs finite scores, "
                    "so choose another metric"
                )

        if hardness is None:
            node_attributes = [{} for _ in names]
        else:
            node_attributes = [{"hardness": float(h)} for h in hardness]
        self.transferability_ = matrix
        self.task_names_ = np.asarray(names, dtype=object)
        self.n_tasks_ = len(names)
        self.hardness_ = hardness
        self.source_scores_ = source_scores(matrix)
        self.graph_ = transfer_graph(matrix, names, node_attributes)
        self.tree_ = spanning_forest(matrix, names, node_attributes, self.threshold)
        roots = choose_roots(self.tree_, names, self.source_scores_, self.root)
        self.curriculum_, order = orient(self.tree_, roots, matrix, names)
        self.order_ = np.asarray(order, dtype=object)
        self.roots_ = np.asarray(roots, dtype=object)
        self.root_ = roots[0]
        self.linkage_ = task_linkage(matrix, self.linkage_method)
        return self

    def _check_precomputed(self, Y, X, features):
        given = [
            name
            for name, value in (
                ("X", X),
                ("features", features),
                ("encoder", self.encoder),
            )
            if value is not None
        ]
        if given:
            raise ValueError(
                f"metric='precomputed' uses the given matrix Y as the scores, so "
                f"{' and '.join(given)} would be ignored; leave "
                f"{'it' if len(given) == 1 else 'them'} out"
            )
        if self.normalize:
            raise ValueError(
                "normalize=True needs the task labels; with metric='precomputed' "
                "the matrix Y is used as given, so pass normalize=False"
            )
        matrix = check_array(
            Y,
            dtype=np.float64,
            ensure_min_samples=2,
            input_name="Y",
            estimator=self,
        )
        if matrix.shape[0] != matrix.shape[1]:
            raise ValueError(
                "with metric='precomputed', Y must be a square transferability "
                "matrix of shape (n_tasks, n_tasks), Y[i, j] the score of task i "
                f"as the source for task j; got shape {matrix.shape}"
            )
        columns = getattr(Y, "columns", None)
        return matrix, task_names_of(matrix.shape[0], self.task_names, columns)

    def cluster(self, n_clusters):
        """Cut the clustering of the tasks into flat clusters.

        Parameters
        ----------
        n_clusters : int
            Number of clusters wanted; at most the number of tasks is used.
            The cut undoes the last merges of :attr:`linkage_`.

        Returns
        -------
        labels : ndarray of shape (n_tasks,)
            The cluster of each task, numbered from 0.

        Examples
        --------
        >>> import numpy as np
        >>> from sktransfer import CurriculumBuilder
        >>> digit = np.arange(60) % 10
        >>> Y = np.column_stack([digit, digit % 2, digit % 4, digit >= 5])
        >>> CurriculumBuilder().fit(Y).cluster(2)  # the digit apart from the rest
        array([0, 1, 1, 1])
        """
        check_is_fitted(self)
        if not isinstance(n_clusters, Integral) or n_clusters < 1:
            raise ValueError(
                f"n_clusters must be a positive integer; got {n_clusters!r}"
            )
        return flat_clusters(self.linkage_, n_clusters)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        precomputed = self.metric == "precomputed"
        # Columns are tasks of class labels: the estimator checks then feed
        # integer-coded categories instead of continuous values.
        tags.input_tags.categorical = not precomputed
        tags.input_tags.pairwise = precomputed
        return tags
