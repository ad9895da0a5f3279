"""Graphs over tasks: all transfers, the maximum spanning tree and the curriculum.

networkx is imported inside the functions, so that importing sktransfer stays
quick for users who never build a curriculum.
"""

import heapq

import numpy as np

from sktransfer._validation import safe_exponent


def transfer_graph(matrix, names, node_attributes):
    """A ``DiGraph`` with an edge ``i -> j`` weighted ``matrix[i, j]``, ``i != j``."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(zip(names, node_attributes, strict=True))
    n_tasks = len(names)
    graph.add_weighted_edges_from(
        (names[i], names[j], float(matrix[i, j]))
        for i in range(n_tasks)
        for j in range(n_tasks)
        if i != j
    )
    return graph


def spanning_forest(matrix, names, node_attributes, threshold=None):
    """Maximum spanning tree (a forest with ``threshold``) on ``max(T_ab, T_ba)``.

    The edge ``{a, b}`` weighs the better of the two transfers between the tasks.
    With a threshold, edges weighing less are left out first, which leaves the
    maximum spanning forest of the salient transfers: the maximum spanning tree
    with its edges below the threshold cut.
    """
    import networkx as nx

    symmetric = np.maximum(matrix, matrix.T)
    graph = nx.Graph()
    graph.add_nodes_from(zip(names, node_attributes, strict=True))
    n_tasks = len(names)
    graph.add_weighted_edges_from(
        (names[i], names[j], float(symmetric[i, j]))
        for i in range(n_tasks)
        for j in range(i + 1, n_tasks)
        if threshold is None or symmetric[i, j] >= threshold
    )
    return nx.maximum_spanning_tree(graph, weight="weight", algorithm="kruskal")


def source_scores(matrix):
    """Mean score of each task as the source for all the other tasks.

    Rows of scores far from 1 are averaged scaled by a power of two
    (:func:`~sktransfer._validation.safe_exponent`), exactly, so that scores
    near the float maximum do not overflow their sum; a mean is never larger
    than the largest score.
    """
    n_tasks = matrix.shape[0]
    off_diagonal = ~np.eye(n_tasks, dtype=bool)
    means = np.empty(n_tasks)
    for i in range(n_tasks):
        row = matrix[i, off_diagonal[i]]
        exponent = safe_exponent(float(np.abs(row).max())) if row.size else 0
        means[i] = np.ldexp(np.ldexp(row, exponent).mean(), -exponent)
    return means


def choose_roots(forest, names, scores, root=None):
    """One root per tree of the forest: ``root`` for its tree, else the best source.

    Returns the roots with the tree of ``root`` first, then in decreasing order
    of their source score (ties by task order).
    """
    import networkx as nx

    index = {name: i for i, name in enumerate(names)}
    roots = []
    for component in nx.connected_components(forest):
        if root in component:
            roots.append(root)
        else:
            # max over (score, -index): the best source, the first on a tie.
            roots.append(max(component, key=lambda t: (scores[index[t]], -index[t])))

    def rank(t):
        return (t != root, -scores[index[t]], index[t])

    return sorted(roots, key=rank)


def orient(forest, roots, matrix, names):
    """The curriculum ``DiGraph`` directed from the roots, and its task order.

    Edge ``parent -> child`` weighs ``matrix[parent, child]``. The order visits
    the trees root by root; within a tree, of the tasks whose parent is already
    in the order, the one its parent transfers to best comes next.
    """
    import networkx as nx

    index = {name: i for i, name in enumerate(names)}
    curriculum = nx.DiGraph()
    order = []
    for root in roots:
        frontier = [(0.0, index[root], root, None)]
        while frontier:
            _, _, task, parent = heapq.heappop(frontier)
            order.append(task)
            curriculum.add_node(task, **forest.nodes[task])
            if parent is not None:
                curriculum.add_edge(
                    parent, task, weight=float(matrix[index[parent], index[task]])
                )
            for child in forest.neighbors(task):
                if child != parent:
                    score = matrix[index[task], index[child]]
                    heapq.heappush(frontier, (-score, index[child], child, task))
    return curriculum, order
