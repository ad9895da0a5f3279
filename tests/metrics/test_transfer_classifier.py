"""Tests of the transfer classifier of Theorem 1 (Tran et al. 2019, Eq. 9)."""

import math
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer import TransferClassifier
from sktransfer.metrics import conditional_entropy, leep_score
from tests.pretrained import grid_source


def reference_conditional(y, theta):
    """P(y|z) = P(y,z) / P(z) from the soft joint, loop by loop: {(y, z): p}."""
    n, n_z = theta.shape
    joint, p_z = defaultdict(float), defaultdict(float)
    for i in range(n):
        for z in range(n_z):
            joint[(y[i], z)] += theta[i, z] / n
            p_z[z] += theta[i, z] / n
    return {key: p / p_z[key[1]] for key, p in joint.items() if p_z[key[1]] > 0}


def reference_predict_proba(y_train, theta_train, theta_test):
    """Eq. (9): p(y|x) = sum_z P(y|z) theta(x)_z, one sample and class at a time."""
    conditional = reference_conditional(list(y_train), theta_train)
    classes = sorted(set(y_train))
    out = np.zeros((len(theta_test), len(classes)))
    for i, row in enumerate(theta_test):
        for c, label in enumerate(classes):
            out[i, c] = sum(
                conditional.get((label, z), 0.0) * row[z] for z in range(len(row))
            )
    return out


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    source = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))
    source.fit(X[:900], y[:900])
    return FrozenEstimator(source), X[900:], y[900:]


def test_training_log_likelihood_is_leep(digits):
    source, X, y = digits
    target = y % 3
    clf = TransferClassifier(source).fit(X, target)
    expected = leep_score(target, source.predict_proba(X))
    assert clf.training_log_likelihood_ == pytest.approx(expected, rel=1e-13)
    proba = clf.predict_proba(X)
    mean_log_likelihood = np.mean(np.log(proba[np.arange(len(target)), target]))
    assert mean_log_likelihood == pytest.approx(expected, rel=1e-12)
    assert -log_loss(target, proba) == pytest.approx(expected, rel=1e-12)


def test_hard_training_log_likelihood_is_the_negative_conditional_entropy(digits):
    source, X, y = digits
    target = y >= 5
    clf = TransferClassifier(source, soft=False).fit(X, target)
    expected = -conditional_entropy(target, source.predict(X))
    assert clf.training_log_likelihood_ == pytest.approx(expected, rel=1e-12)
    proba = clf.predict_proba(X)
    assert -log_loss(target, proba) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("soft", [True, False])
def test_predict_proba_follows_eq_9(digits, soft):
    source, X, y = digits
    target = np.array(["even", "odd"])[y % 2]
    clf = TransferClassifier(source, soft=soft).fit(X[:500], target[:500])
    if soft:
        theta_train, theta_test = source.predict_proba(X[:500]), source.predict_proba(X)
    else:
        theta_train = np.eye(10)[source.predict(X[:500])]
        theta_test = np.eye(10)[source.predict(X)]
    expected = reference_predict_proba(target[:500], theta_train, theta_test)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-12, atol=1e-15)
    assert clf.classes_.tolist() == ["even", "odd"]
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[np.argmax(expected, axis=1)]
    )
    np.testing.assert_array_equal(clf.source_classes_, np.arange(10))


def test_conditional_and_prior_attributes(digits):
    source, X, y = digits
    target = y % 4
    clf = TransferClassifier(source).fit(X, target)
    conditional = reference_conditional(list(target), source.predict_proba(X))
    for (label, z), p in conditional.items():
        assert clf.conditional_proba_[z, label] == pytest.approx(p, rel=1e-12)
    np.testing.assert_allclose(clf.conditional_proba_.sum(axis=1), 1.0, rtol=1e-13)
    counts = Counter(target.tolist())
    np.testing.assert_allclose(clf.class_prior_, [counts[c] / len(y) for c in range(4)])


def test_the_transfer_classifier_rivals_a_probe_when_the_source_task_is_finer(digits):
    source, X, y = digits
    parity = y % 2
    transfer = cross_val_score(TransferClassifier(source), X, parity, cv=3).mean()
    assert transfer > 0.9


def test_source_class_never_predicted_in_fit_gets_the_target_prior():
    X = np.arange(12, dtype=float)[:, None]
    source = KMeans(3, n_init=1, random_state=0).fit(X)
    frozen = FrozenEstimator(source)
    first_two = np.isin(source.predict(X), source.predict(X[[0, 11]]))
    y = (X[:, 0] > 5).astype(int)
    clf = TransferClassifier(frozen, soft=False).fit(X[first_two], y[first_two])
    assert len(clf.source_classes_) == 2  # the labels KMeans gave in fit
    unseen = X[~first_two]
    np.testing.assert_allclose(
        clf.predict_proba(unseen),
        np.tile(clf.class_prior_, (len(unseen), 1)),
    )


def test_soft_source_class_without_mass_gets_the_target_prior():
    class Fixed(ClassifierMixin, BaseEstimator):
        """A pretrained source that never gives class 2 any probability."""

        def fit(self, X, y):
            self.classes_ = np.array([0, 1, 2])
            return self

        def predict_proba(self, X):
            p = 1 / (1 + np.exp(-np.asarray(X)[:, 0]))
            return np.column_stack([p, 1 - p, np.zeros_like(p)])

        def predict(self, X):
            return np.argmax(self.predict_proba(X), axis=1)

    X = np.linspace(-3, 3, 40)[:, None]
    y = (X[:, 0] > 0).astype(int)
    clf = TransferClassifier(FrozenEstimator(Fixed().fit(X, y))).fit(X, y)
    assert np.all(np.isfinite(clf.conditional_proba_))
    np.testing.assert_allclose(clf.conditional_proba_[2], clf.class_prior_)


def test_the_source_is_never_refitted_and_clone_keeps_it(digits):
    source, X, y = digits
    coef = source.estimator[-1].coef_.copy()
    clf = TransferClassifier(source)
    search = GridSearchCV(clf, {"soft": [True, False]}, cv=3).fit(X, y % 2)
    assert search.best_estimator_.source is source
    assert clone(clf).source is source
    np.testing.assert_array_equal(source.estimator[-1].coef_, coef)


def test_an_unfitted_source_is_refused_with_a_hint():
    clf = TransferClassifier(LogisticRegression())
    with pytest.raises(NotFittedError, match="never fits it.*FrozenEstimator"):
        clf.fit(np.zeros((4, 2)), [0, 1, 0, 1])


def test_a_plain_fitted_source_works_until_cloned(digits):
    source, X, y = digits
    plain = source.estimator
    clf = TransferClassifier(plain).fit(X, y % 2)
    assert clf.score(X, y % 2) > 0.9
    with pytest.raises(NotFittedError, match="FrozenEstimator"):
        clone(clf).fit(X, y % 2)


def test_a_source_without_predict_proba_needs_soft_false():
    X = np.arange(10, dtype=float)[:, None]
    source = FrozenEstimator(KMeans(2, n_init=1, random_state=0).fit(X))
    y = np.array(["low", "high"])[source.predict(X)]
    with pytest.raises(ValueError, match="no predict_proba; pass soft=False"):
        TransferClassifier(source).fit(X, y)
    clf = TransferClassifier(source, soft=False).fit(X, y)
    assert clf.score(X, y) == 1.0


def test_parameters_are_validated():
    with pytest.raises(InvalidParameterError, match="'source' parameter"):
        TransferClassifier(object()).fit(np.zeros((2, 1)), [0, 1])
    X = np.zeros((2, 1))
    source = FrozenEstimator(LogisticRegression().fit([[0.0], [1.0]], [0, 1]))
    with pytest.raises(InvalidParameterError, match="'soft' parameter"):
        TransferClassifier(source, soft="yes").fit(X, [0, 1])


def test_bad_source_output_is_reported_naming_it():
    class Broken(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X):
            return np.full((len(X), 2), 0.7)

        def predict(self, X):
            return np.full(len(X), 5)

    X = np.zeros((4, 1))
    source = FrozenEstimator(Broken().fit(X, [0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"source.predict_proba\(X\) row 0 sums to"):
        TransferClassifier(source).fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"returned 5, which is not among"):
        TransferClassifier(source, soft=False).fit(X, [0, 1, 0, 1])


def test_data_frames_keep_feature_names_and_widths_are_checked(digits):
    _, X, y = digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    source = LogisticRegression(max_iter=2000).fit(frame, y)
    clf = TransferClassifier(FrozenEstimator(source)).fit(frame, y % 2)
    assert clf.n_features_in_ == 64
    assert clf.feature_names_in_[0] == "pixel0"
    assert clf.score(frame, y % 2) > 0.9
    # A source that reads any width: the classifier itself checks it.
    wide = TransferClassifier(grid_source()).fit(X[:, :3], y % 2)
    with pytest.raises(ValueError, match="X has 2 features, but TransferClassifier"):
        wide.predict(X[:, :2])


def test_float32_source_probabilities(digits):
    source, X, y = digits

    class Float32(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = source.classes_
            return self

        def predict_proba(self, X):
            return source.predict_proba(X).astype(np.float32)

        def predict(self, X):
            return source.predict(X)

    clf = TransferClassifier(FrozenEstimator(Float32().fit(X, y))).fit(X, y % 3)
    expected = leep_score(y % 3, source.predict_proba(X).astype(np.float32))
    assert clf.training_log_likelihood_ == pytest.approx(expected, rel=1e-12)
    assert clf.predict_proba(X).dtype == np.float64


def test_a_single_target_class_is_predicted_with_certainty():
    X = np.arange(6, dtype=float)[:, None]
    source = FrozenEstimator(LogisticRegression().fit(X, X[:, 0] > 2))
    clf = TransferClassifier(source).fit(X, ["a"] * 6)
    assert clf.predict(X).tolist() == ["a"] * 6
    assert clf.training_log_likelihood_ == 0.0
    assert math.copysign(1.0, clf.training_log_likelihood_) == 1.0
