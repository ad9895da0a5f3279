"""The spanning tree, the threshold forest, the roots and the curriculum order."""

import itertools

import networkx as nx
import numpy as np
import pytest

from sktransfer import CurriculumBuilder


def random_matrix(seed, n_tasks):
    """A continuous asymmetric score matrix: no ties, so one maximum tree."""
    return np.random.default_rng(seed).normal(size=(n_tasks, n_tasks))


def edge_weights(matrix):
    """{frozenset({a, b}): max(T[a, b], T[b, a])} over the pairs of task indices."""
    n = matrix.shape[0]
    return {
        frozenset((a, b)): max(matrix[a, b], matrix[b, a])
        for a, b in itertools.combinations(range(n), 2)
    }


def is_spanning_tree(edges, n):
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for a, b in (tuple(edge) for edge in edges):
        root_a, root_b = find(a), find(b)
        if root_a == root_b:
            return False
        parent[root_a] = root_b
    return len(edges) == n - 1


def brute_force_maximum_tree(matrix):
    """Enumerate every set of n - 1 edges and keep the heaviest spanning tree."""
    weights = edge_weights(matrix)
    n = matrix.shape[0]
    trees = (
        edges
        for edges in itertools.combinations(weights, n - 1)
        if is_spanning_tree(edges, n)
    )
    return set(max(trees, key=lambda edges: sum(weights[e] for e in edges)))


def kruskal_forest(matrix, threshold=None):
    """Kruskal's algorithm written out: heaviest edges first, skip cycles."""
    weights = edge_weights(matrix)
    component = list(range(matrix.shape[0]))
    chosen = set()
    for edge in sorted(weights, key=weights.get, reverse=True):
        if threshold is not None and weights[edge] < threshold:
            break
        a, b = tuple(edge)
        if component[a] != component[b]:
            old, new = component[a], component[b]
            component = [new if c == old else c for c in component]
            chosen.add(edge)
    return chosen


def tree_edges(builder):
    index = {name: i for i, name in enumerate(builder.task_names_)}
    return {frozenset((index[a], index[b])) for a, b in builder.tree_.edges}


@pytest.mark.parametrize("n_tasks", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", range(4))
def test_tree_is_the_brute_force_maximum_spanning_tree(n_tasks, seed):
    matrix = random_matrix(seed, n_tasks)
    builder = CurriculumBuilder(metric="precomputed").fit(matrix)
    assert tree_edges(builder) == brute_force_maximum_tree(matrix)
    for a, b, weight in builder.tree_.edges(data="weight"):
        i, j = (int(name.removeprefix("task")) for name in (a, b))
        assert weight == max(matrix[i, j], matrix[j, i])


@pytest.mark.parametrize("seed", range(5))
def test_tree_equals_an_independent_kruskal_on_larger_graphs(seed):
    matrix = random_matrix(seed, 14)
    builder = CurriculumBuilder(metric="precomputed").fit(matrix)
    assert tree_edges(builder) == kruskal_forest(matrix)


@pytest.mark.parametrize("seed", range(5))
def test_threshold_keeps_a_forest_of_the_salient_transfers(seed):
    matrix = random_matrix(seed, 12)
    threshold = 1.5
    builder = CurriculumBuilder(metric="precomputed", threshold=threshold).fit(matrix)
    forest = builder.tree_
    assert nx.is_forest(forest)
    assert set(forest.nodes) == set(builder.task_names_)
    assert all(weight >= threshold for *_, weight in forest.edges(data="weight"))
    assert tree_edges(builder) == kruskal_forest(matrix, threshold)
    # The same as the full maximum tree with its light edges cut.
    full = CurriculumBuilder(metric="precomputed").fit(matrix)
    kept = {
        edge for edge in tree_edges(full) if edge_weights(matrix)[edge] >= threshold
    }
    assert tree_edges(builder) == kept
    n_trees = nx.number_connected_components(forest)
    assert n_trees > 1
    assert len(builder.roots_) == n_trees
    assert nx.is_branching(builder.curriculum_)


def test_a_threshold_above_every_score_leaves_lone_tasks():
    matrix = random_matrix(0, 4)
    builder = CurriculumBuilder(metric="precomputed", threshold=10.0).fit(matrix)
    assert builder.tree_.number_of_edges() == 0
    assert builder.curriculum_.number_of_edges() == 0
    # Each task is its own tree, taken in decreasing order of source score.
    expected = builder.task_names_[np.argsort(-builder.source_scores_, kind="stable")]
    np.testing.assert_array_equal(builder.roots_, expected)
    np.testing.assert_array_equal(builder.order_, expected)


@pytest.mark.parametrize("threshold", [None, 0.5])
@pytest.mark.parametrize("seed", range(4))
def test_order_puts_every_parent_before_its_children(seed, threshold):
    matrix = random_matrix(seed, 10)
    builder = CurriculumBuilder(metric="precomputed", threshold=threshold).fit(matrix)
    position = {task: k for k, task in enumerate(builder.order_)}
    assert sorted(position) == sorted(builder.task_names_)
    for parent, child in builder.curriculum_.edges:
        assert position[parent] < position[child]
    assert list(builder.curriculum_.nodes) == list(builder.order_)


@pytest.mark.parametrize("seed", range(4))
def test_curriculum_directs_the_tree_away_from_the_root(seed):
    matrix = random_matrix(seed, 8)
    builder = CurriculumBuilder(metric="precomputed").fit(matrix)
    curriculum = builder.curriculum_
    assert nx.is_arborescence(curriculum)
    assert curriculum.in_degree(builder.root_) == 0
    assert {frozenset(edge) for edge in curriculum.edges} == {
        frozenset(edge) for edge in builder.tree_.edges
    }
    index = {name: i for i, name in enumerate(builder.task_names_)}
    for parent, child, weight in curriculum.edges(data="weight"):
        assert weight == matrix[index[parent], index[child]]


def test_default_root_is_the_best_source_on_average():
    matrix = random_matrix(3, 6)
    builder = CurriculumBuilder(metric="precomputed").fit(matrix)
    means = [np.mean(np.delete(matrix[i], i)) for i in range(6)]
    np.testing.assert_allclose(builder.source_scores_, means, rtol=1e-14)
    assert builder.root_ == f"task{int(np.argmax(means))}"


def test_a_given_root_roots_the_curriculum():
    matrix = random_matrix(1, 6)
    for root in ("task0", "task3", "task5"):
        builder = CurriculumBuilder(metric="precomputed", root=root).fit(matrix)
        assert builder.root_ == root
        assert builder.order_[0] == root
        assert nx.is_arborescence(builder.curriculum_)
        assert set(nx.descendants(builder.curriculum_, root)) == set(
            builder.task_names_
        ) - {root}


def test_a_given_root_roots_its_own_tree_of_a_forest():
    matrix = random_matrix(2, 10)
    free = CurriculumBuilder(metric="precomputed", threshold=1.5).fit(matrix)
    assert len(free.roots_) > 1
    tree = max(nx.connected_components(free.tree_), key=len)
    other = sorted(tree - {free.root_})[0] if free.root_ in tree else sorted(tree)[0]
    builder = CurriculumBuilder(metric="precomputed", threshold=1.5, root=other)
    builder.fit(matrix)
    assert builder.roots_[0] == other
    assert builder.curriculum_.in_degree(other) == 0
    assert set(builder.roots_[1:]) <= set(free.roots_)
