"""Tests of transferability_matrix against pairwise scores computed one by one."""

import dataclasses
import math
from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sktransfer import transferability_matrix
from sktransfer.metrics import conditional_entropy, get_metric, h_score, task_hardness
from sktransfer.metrics._registry import _METRICS
from tests.reference import h_score_reference


def counter_conditional_entropy(target, source):
    """H(target | source) from Counter tallies, straight from the definition."""
    pairs = Counter(zip(source, target, strict=True))
    sources = Counter(source)
    n = len(target)
    return sum(
        count / n * math.log(sources[s] / count) for (s, _), count in pairs.items()
    )


def related_tasks(seed, n_samples=400):
    """Tasks with some dependence between them, of 2 to 12 classes."""
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 12, n_samples)
    noisy = np.where(
        rng.random(n_samples) < 0.2, rng.integers(0, 3, n_samples), fine % 3
    )
    return np.column_stack(
        [fine, fine % 2, fine // 4, noisy, rng.integers(0, 5, n_samples)]
    )


def digits_tasks():
    X, digit = load_digits(return_X_y=True)
    X, digit = X[:600], digit[:600]
    return X, np.column_stack([digit, digit % 2, digit >= 5, digit % 3])


# Label-only metric ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_conditional_entropy_matrix_equals_pairwise_conditional_entropy(seed):
    Y = related_tasks(seed)
    matrix = transferability_matrix(Y)
    n_tasks = Y.shape[1]
    for i in range(n_tasks):
        for j in range(n_tasks):
            expected = -conditional_entropy(Y[:, j], Y[:, i])
            assert matrix[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_conditional_entropy_matrix_equals_counter_reference_on_strings():
    rng = np.random.default_rng(7)
    animal = np.array(["ant", "bee", "cat", "dog", "eel"])[rng.integers(0, 5, 60)]
    legs = np.where(np.isin(animal, ["ant", "bee"]), "six", "other")
    legs[animal == "eel"] = "none"
    coin = rng.integers(0, 2, 60)
    columns = [animal.tolist(), legs.tolist(), coin.tolist()]
    Y = np.array(list(zip(*columns, strict=True)), dtype=object)
    matrix = transferability_matrix(Y)
    for i in range(3):
        for j in range(3):
            expected = -counter_conditional_entropy(columns[j], columns[i])
            assert matrix[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_a_source_that_determines_the_target_scores_exactly_zero():
    fine = np.random.default_rng(0).integers(0, 9, 300)
    matrix = transferability_matrix(np.column_stack([fine, fine % 3, fine // 3]))
    assert np.all(matrix[0] == 0.0)
    assert not np.signbit(matrix[0]).any()  # 0.0, not -0.0
    assert np.all(np.diag(matrix) == 0.0)
    assert np.all(matrix[1:, 0] < 0)


def test_independent_tasks_score_minus_the_target_entropy():
    a = np.repeat([0, 1], 48)
    b = np.tile([0, 1, 2, 3], 24)  # each half holds every class 12 times
    matrix = transferability_matrix(np.column_stack([a, b]))
    assert matrix[0, 1] == pytest.approx(-task_hardness(b), rel=1e-14)
    assert matrix[1, 0] == pytest.approx(-task_hardness(a), rel=1e-14)


def test_normalized_conditional_entropy_is_the_explained_share_of_entropy():
    Y = related_tasks(1)
    matrix = transferability_matrix(Y, normalize=True)
    for i in range(Y.shape[1]):
        for j in range(Y.shape[1]):
            expected = 1 - conditional_entropy(Y[:, j], Y[:, i]) / task_hardness(
                Y[:, j]
            )
            assert matrix[i, j] == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert np.all((matrix >= 0) & (matrix <= 1))
    assert np.all(np.diag(matrix) == 1.0)


def test_columns_of_different_label_kinds_and_a_dataframe():
    pd = pytest.importorskip("pandas")
    Y = related_tasks(2)
    frame = pd.DataFrame(
        {
            "fine": pd.Series(np.array([f"class-{k}" for k in range(12)])[Y[:, 0]]),
            "odd": Y[:, 1].astype(bool),
            "coarse": Y[:, 2].astype(float),
            "noisy": Y[:, 3],
        }
    )
    # Object strings: scikit-learn 1.6 cannot convert pandas 3's str dtype.
    frame = frame.astype({"fine": object})
    expected = transferability_matrix(Y[:, :4])
    np.testing.assert_allclose(transferability_matrix(frame), expected, rtol=1e-13)


def test_any_registered_label_metric_is_scored_pair_by_pair(monkeypatch):
    nce = get_metric("neg_conditional_entropy")
    copy = dataclasses.replace(nce, name="nce_copy", normalize=None)
    monkeypatch.setitem(_METRICS, "nce_copy", copy)
    Y = related_tasks(3)
    np.testing.assert_allclose(
        transferability_matrix(Y, metric="nce_copy"),
        transferability_matrix(Y),
        rtol=1e-12,
        atol=1e-15,
    )


# Feature metrics -------------------------------------------------------------------


def test_h_score_matrix_with_an_encoder_equals_pairwise_h_scores():
    X, Y = digits_tasks()
    encoder = LinearDiscriminantAnalysis()
    matrix = transferability_matrix(Y, X=X, encoder=encoder, metric="h_score")
    for i in range(Y.shape[1]):
        features = clone(encoder).fit(X, Y[:, i]).transform(X)
        for j in range(Y.shape[1]):
            assert matrix[i, j] == pytest.approx(h_score(features, Y[:, j]), rel=1e-9)
            assert matrix[i, j] == pytest.approx(
                h_score_reference(features, Y[:, j]), rel=1e-8
            )
    with pytest.raises(NotFittedError):
        check_is_fitted(encoder)  # cloned, never fitted itself


def test_h_score_matrix_with_given_features_and_normalisation():
    X, Y = digits_tasks()
    features = [
        PCA(n_components=k, random_state=0).fit_transform(X) for k in (3, 5, 8, 13)
    ]
    matrix = transferability_matrix(Y, features=features, metric="h_score")
    normalized = transferability_matrix(
        Y, features=features, metric="h_score", normalize=True
    )
    for i, F in enumerate(features):
        for j in range(Y.shape[1]):
            expected = h_score_reference(F, Y[:, j])
            assert matrix[i, j] == pytest.approx(expected, rel=1e-8)
            n_classes = np.unique(Y[:, j]).size
            assert normalized[i, j] == pytest.approx(
                expected / (n_classes - 1), rel=1e-8
            )


def test_regularized_h_score_matrix_equals_pairwise_shrunk_h_scores():
    X, Y = digits_tasks()
    features = [X[:, :20], X[:, 20:44], X[:, 30:], X]
    matrix = transferability_matrix(Y, features=features, metric="regularized_h_score")
    for i, F in enumerate(features):
        for j in range(Y.shape[1]):
            expected = h_score(F, Y[:, j], shrinkage="ledoit_wolf")
            assert matrix[i, j] == pytest.approx(expected, rel=1e-9)


def test_parallel_sources_give_the_same_matrix():
    # Processes, so the metric (a lambda here) and the tasks travel by pickle.
    X, Y = digits_tasks()
    features = [X[:, :20], X[:, 20:44], X[:, 30:], X]
    serial = transferability_matrix(Y, features=features, metric="regularized_h_score")
    parallel = transferability_matrix(
        Y, features=features, metric="regularized_h_score", n_jobs=2
    )
    np.testing.assert_allclose(parallel, serial, rtol=1e-12)


def test_a_feature_metric_without_statistics_is_scored_per_target(monkeypatch):
    plain = dataclasses.replace(get_metric("h_score"), name="slow_h", statistics=None)
    monkeypatch.setitem(_METRICS, "slow_h", plain)
    X, Y = digits_tasks()
    features = [X[:, :10], X[:, 10:30], X[:, 30:], X[:, ::2]]
    np.testing.assert_allclose(
        transferability_matrix(Y, features=features, metric="slow_h"),
        transferability_matrix(Y, features=features, metric="h_score"),
        rtol=1e-9,
    )


# Bad input -------------------------------------------------------------------------


def test_a_single_task_is_refused():
    with pytest.raises(ValueError, match="single task"):
        transferability_matrix(np.arange(10)[:, None] % 2)


def test_tasks_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="rows have different lengths"):
        transferability_matrix([[0, 1], [1, 0], [1]])


def test_nan_labels_are_refused_naming_y():
    Y = np.column_stack([np.arange(10) % 2, np.arange(10) % 3]).astype(float)
    Y[4, 1] = np.nan
    with pytest.raises(ValueError, match="Y column 'task1' contains NaN"):
        transferability_matrix(Y)


def test_none_labels_are_refused_naming_the_column():
    Y = np.array([["a", 1], ["b", 2], [None, 1], ["a", 2]], dtype=object)
    with pytest.raises(ValueError, match="Y column 'task0' contains None"):
        transferability_matrix(Y)


def test_continuous_values_are_refused_naming_the_column():
    Y = np.column_stack([np.arange(10) % 2, np.linspace(0, 1, 10)])
    with pytest.raises(ValueError, match="Y column 'task1' has non-integer float"):
        transferability_matrix(Y)


def test_a_task_with_one_class_is_refused():
    Y = np.column_stack([np.arange(10) % 2, np.zeros(10, dtype=int)])
    with pytest.raises(ValueError, match="Y column 'task1' has one class only"):
        transferability_matrix(Y)


def test_an_unknown_metric_is_refused_listing_the_known_ones():
    with pytest.raises(ValueError, match="unknown metric 'hscore'.*h_score"):
        transferability_matrix(related_tasks(0), metric="hscore")


def test_a_probability_metric_is_refused(monkeypatch):
    nce = get_metric("neg_conditional_entropy")
    monkeypatch.setitem(
        _METRICS, "soft", dataclasses.replace(nce, name="soft", input="probabilities")
    )
    with pytest.raises(ValueError, match="reads the class probabilities"):
        transferability_matrix(related_tasks(0), metric="soft")


def test_inputs_that_a_label_metric_would_ignore_are_refused():
    X, Y = digits_tasks()
    with pytest.raises(ValueError, match="reads the task labels only, so X and enc"):
        transferability_matrix(Y, X=X, encoder=PCA(2))


def test_a_feature_metric_needs_x_with_an_encoder_or_features():
    X, Y = digits_tasks()
    with pytest.raises(ValueError, match="pass X together with an encoder"):
        transferability_matrix(Y, X=X, metric="h_score")
    with pytest.raises(ValueError, match="either features"):
        transferability_matrix(
            Y, X=X, encoder=PCA(2), features=[X] * 4, metric="h_score"
        )


def test_features_must_come_one_per_task_with_one_row_per_sample():
    X, Y = digits_tasks()
    with pytest.raises(ValueError, match="features has 3 feature matrices but Y has 4"):
        transferability_matrix(Y, features=[X] * 3, metric="h_score")
    with pytest.raises(ValueError, match=r"features\[2\] has 599 rows but Y has 600"):
        transferability_matrix(Y, features=[X, X, X[1:], X], metric="h_score")
    with pytest.raises(ValueError, match="X has 599 rows but Y has 600"):
        transferability_matrix(Y, X=X[1:], encoder=PCA(2), metric="h_score")


def test_normalize_is_refused_where_the_optimum_is_unknown(monkeypatch):
    nce = get_metric("neg_conditional_entropy")
    copy = dataclasses.replace(nce, name="nce_copy", normalize=None)
    monkeypatch.setitem(_METRICS, "nce_copy", copy)
    with pytest.raises(ValueError, match="normalize=True needs the optimal score"):
        transferability_matrix(related_tasks(0), metric="nce_copy", normalize=True)
