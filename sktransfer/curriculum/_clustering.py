"""Agglomerative clustering of tasks by the scores every source gives them."""

import numpy as np
from scipy.spatial.distance import pdist

from sktransfer._validation import safe_exponent

LINKAGE_METHODS = {
    "single",
    "complete",
    "average",
    "weighted",
    "centroid",
    "median",
    "ward",
}


def task_linkage(matrix, method="average", *, name="Y"):
    """Linkage of the target tasks, each the column of its scores from all sources.

    Returns the scipy linkage matrix of shape (n_tasks - 1, 4) of the Euclidean
    distances between the columns of ``matrix``. Scores far from 1 (near 1e154
    and beyond, whose squares overflow, or near 1e-154) are first scaled by a
    power of two (:func:`~sktransfer._validation.safe_exponent`); every linkage
    method merges scaled distances in the same order, so only the heights are
    scaled back. ``name`` is the argument that holds the scores, named when
    the heights exceed the float maximum.
    """
    from scipy.cluster.hierarchy import linkage  # 50 ms at import: only when used

    largest = float(np.abs(matrix).max())
    exponent = safe_exponent(largest)
    # Condensed distances, not the observations: a square matrix of scores can
    # look like a distance matrix to scipy, which would then warn.
    tree = linkage(
        pdist(np.ldexp(matrix.T, exponent), metric="euclidean"), method=method
    )
    with np.errstate(over="ignore"):
        tree[:, 2] = np.ldexp(tree[:, 2], -exponent)
    if not np.isfinite(tree[:, 2]).all():
        raise ValueError(
            f"{name} holds scores so far apart (up to {largest:.3g} in magnitude) "
            "that the distances between tasks in the clustering exceed the float "
            f"maximum; scale {name} down first"
        )
    return tree


def flat_clusters(linkage_matrix, n_clusters):
    """Cut the tree into ``min(n_clusters, n_tasks)`` clusters, labelled 0, 1, ...

    The cut undoes the last merges; scipy's ``fcluster(criterion="maxclust")``
    returns too few clusters in scipy 1.11 and 1.12, ``cut_tree`` does not.
    """
    from scipy.cluster.hierarchy import cut_tree

    n_tasks = linkage_matrix.shape[0] + 1
    labels = cut_tree(linkage_matrix, n_clusters=min(n_clusters, n_tasks))
    return labels.ravel().astype(np.intp)
