"""Tests of measured transfer and of the agreement of scores with it."""

import itertools
import math

import numpy as np
import pytest
from joblib import parallel_config
from scipy.stats import weightedtau
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.evaluation import measured_transfer, rank_agreement

# References -------------------------------------------------------------------


def reference_measured_transfer(features, y, make_estimator, folds):
    """Train on each training fold, test on the rest, average per source."""
    accuracy, loss = [], []
    for F in features:
        fold_accuracy, fold_loss = [], []
        for train, test in folds:
            clf = make_estimator().fit(F[train], y[train])
            proba = clf.predict_proba(F[test])
            column = {c: j for j, c in enumerate(clf.classes_)}
            hits = [
                clf.classes_[np.argmax(p)] == t
                for p, t in zip(proba, y[test], strict=True)
            ]
            fold_accuracy.append(sum(hits) / len(test))
            eps = np.finfo(proba.dtype).eps
            fold_loss.append(
                -sum(
                    math.log(min(max(p[column[t]], eps), 1 - eps))
                    for p, t in zip(proba, y[test], strict=True)
                )
                / len(test)
            )
        accuracy.append(np.mean(fold_accuracy))
        loss.append(np.mean(fold_loss))
    return np.array(accuracy), np.array(loss)


def reference_pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def reference_ranks(values):
    """1-based ranks, ties sharing the average rank."""
    return [
        1 + sum(w < v for w in values) + (sum(w == v for w in values) - 1) / 2
        for v in values
    ]


def reference_weighted_tau(x, y):
    """Vigna's weighted tau without ties, hyperbolic weights 1/(r + 1).

    Each pair (i, j) weighs w(r_i) + w(r_j), with r the 0-based rank by
    decreasing x; the result averages this with the tau of the ranking by y.
    """

    def one_way(a, b):
        order = sorted(range(len(a)), key=lambda i: -a[i])
        rank = {i: r for r, i in enumerate(order)}
        num = den = 0.0
        for i, j in itertools.combinations(range(len(a)), 2):
            w = 1 / (rank[i] + 1) + 1 / (rank[j] + 1)
            num += w * np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
            den += w
        return num / den

    return (one_way(x, y) + one_way(y, x)) / 2


def reference_dcg(scores, measured):
    """DCG with relevance rank(measured) - 1, averaged over orders of tied scores."""
    relevance = [r - 1 for r in reference_ranks(measured)]
    n = len(scores)
    total, count = 0.0, 0
    for order in itertools.permutations(range(n)):
        if all(scores[order[p]] >= scores[order[p + 1]] for p in range(n - 1)):
            total += sum(relevance[i] / math.log2(p + 2) for p, i in enumerate(order))
            count += 1
    return total / count


# measured_transfer --------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_sources():
    X, y = load_digits(return_X_y=True)
    X, y = X[:240], y[:240] % 3
    features = {
        "pixels": X[:, 16:48],
        "pca 4": PCA(4, random_state=0).fit_transform(X),
        "noise": np.random.default_rng(0).standard_normal((len(y), 5)),
    }
    return features, y


def test_measured_transfer_matches_a_fold_by_fold_probe(digits_sources):
    features, y = digits_sources
    result = measured_transfer(features, y, cv=4)
    assert result["source"] == ["pixels", "pca 4", "noise"]

    def probe():
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))

    folds = list(StratifiedKFold(4).split(y, y))
    accuracy, loss = reference_measured_transfer(features.values(), y, probe, folds)
    np.testing.assert_allclose(result["accuracy"], accuracy, rtol=1e-12)
    np.testing.assert_allclose(result["log_loss"], loss, rtol=1e-10)
    assert result["accuracy"][0] > result["accuracy"][1] > result["accuracy"][2]


def test_measured_transfer_with_an_estimator_a_splitter_and_parallel_jobs(
    digits_sources,
):
    features, y = digits_sources
    cv = KFold(3, shuffle=True, random_state=0)
    knn = KNeighborsClassifier(5)
    serial = measured_transfer(list(features.values()), y, estimator=knn, cv=cv)
    with parallel_config(backend="threading"):  # no process start-up in tests
        parallel = measured_transfer(
            list(features.values()), y, estimator=knn, cv=cv, n_jobs=2
        )
    assert serial["source"] == ["0", "1", "2"]
    np.testing.assert_array_equal(serial["accuracy"], parallel["accuracy"])
    accuracy, _ = reference_measured_transfer(
        features.values(), y, lambda: KNeighborsClassifier(5), list(cv.split(y))
    )
    np.testing.assert_allclose(serial["accuracy"], accuracy, rtol=1e-12)


def test_measured_transfer_accepts_float32_and_string_labels(digits_sources):
    features, y = digits_sources
    names = np.array(["a", "b", "c"])[y]
    single = {"pca 4": features["pca 4"]}
    as32 = measured_transfer({"pca 4": features["pca 4"].astype(np.float32)}, names)
    as64 = measured_transfer(single, names)
    np.testing.assert_allclose(as32["accuracy"], as64["accuracy"], atol=0.01)


def test_measured_transfer_rejects_bad_input(digits_sources):
    features, y = digits_sources
    with pytest.raises(ValueError, match="features_by_source is empty"):
        measured_transfer({}, y)
    with pytest.raises(ValueError, match=r"features_by_source\['pixels'\] has 239"):
        measured_transfer({"pixels": features["pixels"][1:]}, y)
    with pytest.raises(ValueError, match=r"features_by_source\['x'\] must be 2-D"):
        measured_transfer({"x": y}, y)
    with pytest.raises(InvalidParameterError, match="'estimator' parameter"):
        measured_transfer(features, y, estimator=LinearSVC())
    with pytest.raises(InvalidParameterError, match="'features_by_source'"):
        measured_transfer(features["pixels"], y)
    with pytest.raises(ValueError, match="non-integer float"):
        measured_transfer(features, y + 0.5)


# rank_agreement -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_rank_agreement_matches_the_definitions(seed):
    rng = np.random.default_rng(seed)
    measured = rng.uniform(0.5, 1.0, 7)
    scores = measured + rng.normal(scale=0.15, size=7)
    result = rank_agreement(scores, measured)
    assert result["pearson"] == pytest.approx(
        reference_pearson(scores, measured), rel=1e-12
    )
    assert result["spearman"] == pytest.approx(
        reference_pearson(reference_ranks(scores), reference_ranks(measured)),
        rel=1e-12,
    )
    assert result["weighted_kendall_tau"] == pytest.approx(
        reference_weighted_tau(list(scores), list(measured)), rel=1e-12
    )
    dcg = reference_dcg(list(scores), list(measured))
    assert result["dcg"] == pytest.approx(dcg, rel=1e-12)
    assert result["ndcg"] == pytest.approx(
        dcg / reference_dcg(list(measured), list(measured)), rel=1e-12
    )


def test_weighted_tau_is_scipys_default(seed=0):
    rng = np.random.default_rng(seed)
    scores, measured = rng.random(12), rng.random(12)
    assert rank_agreement(scores, measured)["weighted_kendall_tau"] == pytest.approx(
        weightedtau(scores, measured)[0], rel=1e-14
    )


def test_dcg_averages_over_tied_scores_and_tied_measurements():
    scores = [0.3, 0.3, 0.1, 0.9, 0.3]
    measured = [0.7, 0.8, 0.8, 0.9, 0.1]
    result = rank_agreement(scores, measured)
    assert result["dcg"] == pytest.approx(reference_dcg(scores, measured), rel=1e-12)
    assert result["ndcg"] == pytest.approx(
        reference_dcg(scores, measured) / reference_dcg(measured, measured),
        rel=1e-12,
    )


def test_agreeing_rankings_score_one_and_reversed_ones_score_minus_one():
    measured = [0.61, 0.72, 0.70, 0.95, 0.83]
    same = rank_agreement(np.log(measured), measured)  # a monotone map
    assert same["spearman"] == pytest.approx(1.0)
    assert same["weighted_kendall_tau"] == pytest.approx(1.0)
    assert same["ndcg"] == pytest.approx(1.0)
    reverse = rank_agreement(-np.asarray(measured), measured)
    assert reverse["spearman"] == pytest.approx(-1.0)
    assert reverse["weighted_kendall_tau"] == pytest.approx(-1.0)
    assert 0 < reverse["ndcg"] < same["ndcg"]


def test_constant_scores_give_nan_correlations():
    result = rank_agreement([1.0, 1.0, 1.0], [0.5, 0.6, 0.7])
    assert np.isnan(result["pearson"]) and np.isnan(result["spearman"])
    assert np.isnan(result["weighted_kendall_tau"])
    assert np.isfinite(result["ndcg"])


@pytest.mark.parametrize(
    ("scores", "measured", "error", "message"),
    [
        ([1.0, 2.0], [1.0, 2.0, 3.0], ValueError, "scores has 2 values but measured"),
        ([1.0], [1.0], ValueError, "scores has 1 value.*at least two"),
        ([1.0, np.nan], [1.0, 2.0], ValueError, "scores contains NaN"),
        ([1.0, 2.0], [1.0, np.inf], ValueError, "measured contains NaN or inf"),
        ([[1.0, 2.0]], [1.0, 2.0], ValueError, r"scores must be 1-D"),
        (["a", "b"], [1.0, 2.0], TypeError, "scores must be a 1-D sequence of num"),
    ],
)
def test_rank_agreement_rejects_bad_input(scores, measured, error, message):
    with pytest.raises(error, match=message):
        rank_agreement(scores, measured)
