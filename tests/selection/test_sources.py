"""What SourceSelector says of a source that the metric cannot read."""

import re

import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from sktransfer import SourceSelector


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


@pytest.mark.parametrize("scoring", ["h_score", "normalized_h_score", "logme"])
def test_a_classifier_for_a_feature_metric_gets_the_two_ways_out(digits, scoring):
    X, y = digits
    selector = SourceSelector([("net", LogisticRegression())], scoring=scoring)
    with pytest.raises(ValueError) as caught:
        selector.fit(X, y)
    message = str(caught.value)
    assert message.startswith(
        f"scoring={scoring!r} reads the features of each source through transform, "
        "which source 'net' (LogisticRegression) does not have."
    )
    # A transformer of a hidden layer, or a metric of what a classifier outputs.
    assert "FunctionTransformer that returns one of its hidden layers" in message
    assert "layer-selection example" in message
    assert "a metric of probabilities (leep, soft_neg_conditional_entropy)" in message
    assert "of labels (neg_conditional_entropy)" in message
    # Never the metric that failed, nor any other metric of features.
    assert len(re.findall(rf"\b{scoring}\b", message)) == 1
    assert "'h_score'" not in message.replace(f"scoring={scoring!r}", "")


def test_a_classifier_without_probabilities_is_offered_only_its_labels(digits):
    X, y = digits
    selector = SourceSelector([("svm", LinearSVC())], scoring="h_score")
    with pytest.raises(ValueError, match="hidden layers") as caught:
        selector.fit(X, y)
    assert "of labels (neg_conditional_entropy)" in str(caught.value)
    assert "leep" not in str(caught.value)


@pytest.mark.parametrize(
    ("scoring", "what"),
    [("leep", "class probabilities"), ("neg_conditional_entropy", "predicted labels")],
)
def test_a_transformer_for_a_classifier_metric_is_sent_to_feature_metrics(
    digits, scoring, what
):
    X, y = digits
    selector = SourceSelector([("pca", PCA(2))], scoring=scoring)
    with pytest.raises(ValueError) as caught:
        selector.fit(X, y)
    message = str(caught.value)
    assert f"reads the {what} of each source" in message
    assert "need a classifier trained for a source task" in message
    assert "score it with a metric of features (gbc, " in message
    assert len(re.findall(rf"\b{scoring}\b", message)) == 1
