import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.tree import DecisionTreeClassifier

from sktransfer._statistics import SufficientStatistics
from sktransfer.metrics import (
    Metric,
    conditional_entropy,
    get_metric,
    get_scorer,
    get_scorer_names,
    h_score,
    register_metric,
)


def test_every_registered_metric_has_a_consistent_score_and_scorer():
    X, y = load_iris(return_X_y=True)
    transformer = PCA(2).fit(X)
    classifier = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y % 2)
    for name in get_scorer_names():
        metric = get_metric(name)
        assert metric.name == name
        if metric.input == "features":
            source, output = transformer, transformer.transform(X)
        elif metric.input == "labels":
            source, output = classifier, classifier.predict(X)
        else:
            source, output = classifier, classifier.predict_proba(X)
        assert get_scorer(name)(source, X, y) == pytest.approx(
            metric.score(output, y), rel=1e-12
        )


def test_statistics_path_equals_the_function():
    X, y = load_iris(return_X_y=True)
    stats = SufficientStatistics.from_data(
        X, np.unique(y, return_inverse=True)[1][:, None], (3,)
    )
    for name in get_scorer_names(input="features"):
        metric = get_metric(name)
        if metric.statistics is not None:
            assert metric.statistics(stats)[0] == pytest.approx(
                metric.score(X, y), rel=1e-12
            )


def test_names_map_to_the_documented_metrics():
    X, y = load_iris(return_X_y=True)
    assert get_metric("h_score").score(X, y) == h_score(X, y)
    assert get_metric("regularized_h_score").score(X, y) == h_score(
        X, y, shrinkage="ledoit_wolf"
    )
    z = (X[:, 0] > 5.8).astype(int)
    assert get_metric("neg_conditional_entropy").score(z, y) == -conditional_entropy(
        y, z
    )


def test_get_scorer_passes_callables_through():
    def scorer(estimator, X, y):
        return 0.0

    assert get_scorer(scorer) is scorer


@pytest.mark.parametrize("name", ["hscore", "", None, 3])
def test_unknown_metric_names_list_the_known_ones(name):
    with pytest.raises(ValueError, match="unknown metric .*h_score"):
        get_metric(name)


def test_names_filter_by_input_kind():
    features = get_scorer_names(input="features")
    assert "h_score" in features and "neg_conditional_entropy" not in features
    assert set(get_scorer_names()) >= set(features)


def test_registering_a_taken_name_or_an_unknown_input_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register_metric(get_metric("h_score"))
    with pytest.raises(ValueError, match="metric input must be one of"):
        register_metric(Metric("x", "pixels", score=len, scorer=object, description=""))
