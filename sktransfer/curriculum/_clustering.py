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
    """Cut the tree into at most ``n_clusters`` clusters, labelled 0, 1, ..."""
    from scipy.cluster.hierarchy import fcluster

    labels = fcluster(linkage_matrix, n_clusters, criterion="maxclust")
    return labels.astype(np.intp) - 1
