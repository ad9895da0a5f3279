"""Agglomerative clustering of tasks by the scores every source gives them."""

import numpy as np
from scipy.spatial.distance import pdist

LINKAGE_METHODS = {
    "single",
    "complete",
    "average",
    "weighted",
    "centroid",
    "median",
    "ward",
}


def task_linkage(matrix, method="average"):
    """Linkage of the target tasks, each the column of its scores from all sources.

    Returns the scipy linkage matrix of shape (n_tasks - 1, 4) of the Euclidean
    distances between the columns of ``matrix``.
    """
    from scipy.cluster.hierarchy import linkage  # 50 ms at import: only when used

    # Condensed distances, not the observations: a square matrix of scores can
    # look like a distance matrix to scipy, which would then warn.
    return linkage(pdist(matrix.T, metric="euclidean"), method=method)


def flat_clusters(linkage_matrix, n_clusters):
    """Cut the tree into ``min(n_clusters, n_tasks)`` clusters, labelled 0, 1, ...

    The cut undoes the last merges; scipy's ``fcluster(criterion="maxclust")``
    returns too few clusters in scipy 1.11 and 1.12, ``cut_tree`` does not.
    """
    from scipy.cluster.hierarchy import cut_tree

    n_tasks = linkage_matrix.shape[0] + 1
    labels = cut_tree(linkage_matrix, n_clusters=min(n_clusters, n_tasks))
    return labels.ravel().astype(np.intp)
