"""CurriculumBuilder: fitted attributes, names, metrics and bad input."""

import dataclasses

import networkx as nx
import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from sklearn.datasets import load_digits
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import NotFittedError

from sktransfer import CurriculumBuilder, transferability_matrix
from sktransfer.metrics import get_metric, task_hardness
from sktransfer.metrics._registry import _METRICS


def nested_tasks(seed=0, n_samples=500):
    """A fine task, coarser tasks derived from it, and a noisy copy of one."""
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 8, n_samples)
    noisy = np.where(
        rng.random(n_samples) < 0.3, rng.integers(0, 2, n_samples), fine % 2
    )
    return np.column_stack([fine % 2, fine, fine // 2, noisy, fine % 4])


NAMES = ["odd", "fine", "half", "noisy_odd", "mod4"]


def test_fitted_attributes_describe_the_tasks():
    Y = nested_tasks()
    builder = CurriculumBuilder(task_names=NAMES).fit(Y)
    n_tasks = Y.shape[1]
    np.testing.assert_array_equal(builder.transferability_, transferability_matrix(Y))
    np.testing.assert_array_equal(builder.task_names_, NAMES)
    assert builder.n_tasks_ == builder.n_features_in_ == n_tasks
    assert isinstance(builder.graph_, nx.DiGraph)
    assert builder.graph_.number_of_edges() == n_tasks * (n_tasks - 1)
    index = {name: i for i, name in enumerate(NAMES)}
    for a, b, weight in builder.graph_.edges(data="weight"):
        assert weight == builder.transferability_[index[a], index[b]]
    assert nx.is_tree(builder.tree_)
    assert nx.is_arborescence(builder.curriculum_)
    assert builder.root_ == "fine"  # it determines every other task
    assert builder.order_[0] == "fine"
    assert builder.linkage_.shape == (n_tasks - 1, 4)


def test_hardness_is_the_entropy_of_each_task():
    Y = nested_tasks(1)
    builder = CurriculumBuilder().fit(Y)
    expected = [task_hardness(Y[:, j]) for j in range(Y.shape[1])]
    np.testing.assert_allclose(builder.hardness_, expected, rtol=1e-13)
    hardness = nx.get_node_attributes(builder.graph_, "hardness")
    assert hardness == dict(zip(builder.task_names_, builder.hardness_, strict=True))


def test_linkage_clusters_the_columns_of_scores():
    Y = nested_tasks(2)
    for method in ("average", "ward", "single"):
        builder = CurriculumBuilder(linkage_method=method).fit(Y)
        expected = linkage(builder.transferability_.T, method=method)
        np.testing.assert_allclose(builder.linkage_, expected, rtol=1e-12)


def test_cluster_cuts_the_dendrogram():
    Y = nested_tasks(3)
    builder = CurriculumBuilder(task_names=NAMES).fit(Y)
    assert np.all(builder.cluster(1) == 0)
    np.testing.assert_array_equal(np.sort(builder.cluster(5)), np.arange(5))
    labels = builder.cluster(2)
    assert set(labels) == {0, 1}
    with pytest.raises(ValueError, match="n_clusters must be a positive integer"):
        builder.cluster(0)
    with pytest.raises(NotFittedError):
        CurriculumBuilder().cluster(2)


def test_names_come_from_dataframe_columns_or_task_names():
    pd = pytest.importorskip("pandas")
    Y = nested_tasks(4)
    frame = pd.DataFrame(Y, columns=NAMES)
    builder = CurriculumBuilder().fit(frame)
    np.testing.assert_array_equal(builder.task_names_, NAMES)
    np.testing.assert_array_equal(builder.feature_names_in_, NAMES)
    assert set(builder.curriculum_.nodes) == set(NAMES)
    assert set(builder.order_) == set(NAMES)
    renamed = CurriculumBuilder(task_names=list("abcde")).fit(frame)
    np.testing.assert_array_equal(renamed.task_names_, list("abcde"))
    plain = CurriculumBuilder().fit(Y)
    np.testing.assert_array_equal(plain.task_names_, [f"task{j}" for j in range(5)])


def test_a_given_root_by_name():
    builder = CurriculumBuilder(task_names=NAMES, root="noisy_odd").fit(nested_tasks())
    assert builder.root_ == "noisy_odd"
    assert builder.order_[0] == "noisy_odd"


def test_normalize_and_threshold_act_on_the_same_scale():
    Y = nested_tasks(5)
    builder = CurriculumBuilder(normalize=True, threshold=0.5).fit(Y)
    np.testing.assert_allclose(
        builder.transferability_, transferability_matrix(Y, normalize=True)
    )
    assert all(w >= 0.5 for *_, w in builder.tree_.edges(data="weight"))


def test_feature_metric_with_an_encoder_equals_the_matrix_function():
    X, digit = load_digits(return_X_y=True)
    X, digit = X[:500], digit[:500]
    Y = np.column_stack([digit, digit % 2, digit >= 5])
    encoder = LinearDiscriminantAnalysis()
    builder = CurriculumBuilder(metric="h_score", encoder=encoder, normalize=True)
    builder.fit(Y, X=X)
    expected = transferability_matrix(
        Y, X=X, encoder=encoder, metric="h_score", normalize=True
    )
    np.testing.assert_allclose(builder.transferability_, expected, rtol=1e-12)
    assert builder.root_ == "task0"  # the digit's representation serves all
    features = [encoder.fit(X, Y[:, i]).transform(X) for i in range(3)]
    given = CurriculumBuilder(metric="h_score").fit(Y, features=features)
    np.testing.assert_allclose(
        given.transferability_,
        transferability_matrix(Y, features=features, metric="h_score"),
        rtol=1e-12,
    )


def test_precomputed_matrix_is_used_as_given():
    pd = pytest.importorskip("pandas")
    matrix = np.array([[0.0, 0.9, 0.2], [0.1, 0.0, 0.3], [0.4, 0.8, 0.0]])
    frame = pd.DataFrame(matrix, columns=["a", "b", "c"], index=["a", "b", "c"])
    builder = CurriculumBuilder(metric="precomputed").fit(frame)
    np.testing.assert_array_equal(builder.transferability_, matrix)
    np.testing.assert_array_equal(builder.task_names_, ["a", "b", "c"])
    assert builder.hardness_ is None
    # Tree edges {a, b} (0.9) and {b, c} (0.8); c is the best source on average.
    assert builder.root_ == "c"
    assert sorted(builder.curriculum_.edges) == [("b", "a"), ("c", "b")]


# Bad input ---------------------------------------------------------------------


def test_one_task_only_is_refused():
    with pytest.raises(ValueError, match="Y has a single task"):
        CurriculumBuilder().fit(np.arange(10)[:, None] % 3)


def test_tasks_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="rows have different lengths"):
        CurriculumBuilder().fit([[0, 1, 2], [1, 0], [1, 1, 1]])


def test_nan_labels_are_refused():
    Y = nested_tasks().astype(float)
    Y[3, 2] = np.nan
    with pytest.raises(ValueError, match="Y column 'task2' contains NaN"):
        CurriculumBuilder().fit(Y)


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="unknown metric 'entropy'"):
        CurriculumBuilder(metric="entropy").fit(nested_tasks())


def test_unknown_root_is_refused_listing_the_tasks():
    with pytest.raises(
        ValueError, match="root='coarse' is not one of the tasks.*'odd'"
    ):
        CurriculumBuilder(task_names=NAMES, root="coarse").fit(nested_tasks())


def test_wrong_number_or_repeated_task_names_are_refused():
    with pytest.raises(ValueError, match="task_names has 2 names but there are 5"):
        CurriculumBuilder(task_names=["a", "b"]).fit(nested_tasks())
    with pytest.raises(ValueError, match="task names must be unique; 'a'"):
        CurriculumBuilder(task_names=["a", "b", "a", "c", "d"]).fit(nested_tasks())


def test_a_feature_metric_without_inputs_is_refused():
    with pytest.raises(ValueError, match="pass X together with an encoder"):
        CurriculumBuilder(metric="h_score").fit(nested_tasks())


def test_an_encoder_with_a_label_metric_is_refused():
    with pytest.raises(ValueError, match="reads the task labels only, so encoder"):
        CurriculumBuilder(encoder=LinearDiscriminantAnalysis()).fit(nested_tasks())


def test_precomputed_matrix_must_be_square_and_finite():
    with pytest.raises(ValueError, match="square transferability matrix.*\\(3, 4\\)"):
        CurriculumBuilder(metric="precomputed").fit(np.zeros((3, 4)))
    matrix = np.zeros((3, 3))
    matrix[0, 1] = np.nan
    with pytest.raises(ValueError, match="Input Y contains NaN"):
        CurriculumBuilder(metric="precomputed").fit(matrix)
    with pytest.raises(ValueError, match="1 sample"):
        CurriculumBuilder(metric="precomputed").fit([[0.0]])


def test_precomputed_refuses_what_it_would_ignore():
    matrix = np.zeros((3, 3))
    with pytest.raises(ValueError, match="so X would be ignored"):
        CurriculumBuilder(metric="precomputed").fit(matrix, X=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="normalize=True needs the task labels"):
        CurriculumBuilder(metric="precomputed", normalize=True).fit(matrix)


def test_a_metric_giving_non_finite_scores_is_reported(monkeypatch):
    nce = get_metric("neg_conditional_entropy")
    broken = dataclasses.replace(
        nce, name="broken", score=lambda z, y: -np.inf, task_matrix=None
    )
    monkeypatch.setitem(_METRICS, "broken", broken)
    with pytest.raises(ValueError, match="from 'odd' to 'odd' as -inf"):
        CurriculumBuilder(metric="broken", task_names=NAMES).fit(nested_tasks())
