import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from sktransfer import ConditionalEntropyScorer, HScoreScorer
from sktransfer.metrics import LEEPScorer, conditional_entropy, get_scorer, h_score


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


def test_h_score_scorer_scores_the_transformed_features(digits):
    X, y = digits
    pca = PCA(8, random_state=0).fit(X)
    assert HScoreScorer()(pca, X, y) == h_score(pca.transform(X), y)
    assert HScoreScorer(shrinkage="oas")(pca, X, y) == h_score(
        pca.transform(X), y, shrinkage="oas"
    )


def test_pipeline_ending_in_a_predictor_is_scored_on_its_representation(digits):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), PCA(8, random_state=0), LogisticRegression())
    pipe.fit(X, y)
    assert HScoreScorer()(pipe, X, y) == h_score(pipe[:-1].transform(X), y)
    # A predictor that also transforms (LDA) ends the pipeline: still excluded.
    lda_pipe = make_pipeline(PCA(8, random_state=0), LinearDiscriminantAnalysis())
    lda_pipe.fit(X, y)
    assert HScoreScorer()(lda_pipe, X, y) == h_score(lda_pipe[0].transform(X), y)
    only = make_pipeline(LogisticRegression(max_iter=2000)).fit(X[:, :5], y)
    assert HScoreScorer()(only, X[:, :5], y) == h_score(X[:, :5], y)


def test_frozen_pretrained_extractor_is_scored_and_never_refitted(digits):
    X, y = digits
    pca = PCA(8, random_state=0).fit(X[:300])
    frozen = FrozenEstimator(pca)
    scores = cross_val_score(frozen, X, y, scoring=HScoreScorer(), cv=3)
    folds = KFold(3).split(X)
    expected = [h_score(pca.transform(X[test]), y[test]) for _, test in folds]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_a_bare_predictor_is_refused_with_a_clear_error(digits):
    X, y = digits
    clf = LogisticRegression(max_iter=2000).fit(X, y)
    with pytest.raises(TypeError, match="must have a transform method"):
        HScoreScorer()(clf, X, y)


@pytest.mark.parametrize(
    ("scorer", "method"),
    [
        (LEEPScorer(), "predict_proba"),
        (ConditionalEntropyScorer(), "predict"),
        (ConditionalEntropyScorer(soft=True), "predict_proba"),
        (get_scorer("leep"), "predict_proba"),
        (get_scorer("neg_conditional_entropy"), "predict"),
    ],
    ids=repr,
)
def test_a_transformer_is_refused_by_the_scorers_of_classifiers(digits, scorer, method):
    X, y = digits
    name = type(scorer).__name__
    for transformer in (
        PCA(8, random_state=0).fit(X),
        FrozenEstimator(PCA(8, random_state=0).fit(X)),
        make_pipeline(StandardScaler(), PCA(8, random_state=0)).fit(X),
    ):
        with pytest.raises(
            TypeError,
            match=f"{name} scores a source classifier through its {method}: the "
            f"estimator must have a {method} method; got",
        ):
            scorer(transformer, X, y)


def test_cross_val_score_gives_held_out_h_scores(digits):
    X, y = digits
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(
        PCA(16, random_state=0), X, y, scoring=HScoreScorer(), cv=cv
    )
    expected = [
        h_score(PCA(16, random_state=0).fit(X[train]).transform(X[test]), y[test])
        for train, test in cv.split(X)
    ]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_grid_search_with_a_dict_of_scorers_and_parallel_jobs(digits):
    X, y = digits
    pipe = make_pipeline(
        StandardScaler(), PCA(random_state=0), LogisticRegression(max_iter=2000)
    )
    grid = {"pca__n_components": [2, 8, 16]}
    search = GridSearchCV(
        pipe,
        grid,
        scoring={"h": HScoreScorer(), "acc": "accuracy"},
        refit="acc",
        cv=3,
        n_jobs=-1,
    ).fit(X, y)
    h = search.cv_results_["mean_test_h"]
    assert np.all(np.isfinite(h))
    assert h[0] < h[1] < h[2]  # more principal components carry more of the labels
    serial = GridSearchCV(pipe, grid, scoring=HScoreScorer(), cv=3).fit(X, y)
    np.testing.assert_allclose(serial.cv_results_["mean_test_score"], h, rtol=1e-12)


def test_randomized_search_and_cross_validate(digits):
    X, y = digits
    search = RandomizedSearchCV(
        PCA(random_state=0),
        {"n_components": [2, 4, 8, 16]},
        n_iter=3,
        scoring=HScoreScorer(shrinkage="ledoit_wolf"),
        cv=3,
        random_state=0,
    ).fit(X, y)
    # Every candidate's score is the mean held-out regularised H-score of its
    # PCA over the same three folds, and the best is the greatest of them.
    folds = list(KFold(3).split(X))
    scores = search.cv_results_["mean_test_score"]
    for params, score in zip(search.cv_results_["params"], scores, strict=True):
        expected = np.mean(
            [
                h_score(
                    PCA(random_state=0, **params).fit(X[train]).transform(X[test]),
                    y[test],
                    shrinkage="ledoit_wolf",
                )
                for train, test in folds
            ]
        )
        assert score == pytest.approx(expected, rel=1e-12)
    assert len(scores) == 3
    assert search.best_score_ == scores.max()
    assert search.best_params_ == search.cv_results_["params"][np.argmax(scores)]
    result = cross_validate(
        make_pipeline(PCA(8, random_state=0), DecisionTreeClassifier(random_state=0)),
        X,
        y,
        scoring={"h": HScoreScorer(), "nce": ConditionalEntropyScorer()},
        cv=3,
    )
    assert np.all(np.isfinite(result["test_h"]))
    assert np.all(result["test_nce"] <= 0)


def test_scorers_work_with_metadata_routing_enabled(digits):
    X, y = digits
    pipe = make_pipeline(
        StandardScaler(), PCA(random_state=0), LogisticRegression(max_iter=2000)
    )
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            pipe,
            {"pca__n_components": [4, 8]},
            scoring={"h": HScoreScorer(), "nce": ConditionalEntropyScorer()},
            refit="h",
            cv=3,
        ).fit(X, y)
        scores = cross_val_score(PCA(4), X, y, scoring=HScoreScorer(), cv=3)
    assert search.best_params_ == {"pca__n_components": 8}
    assert np.all(np.isfinite(scores))


def test_conditional_entropy_scorer_is_minus_h_of_y_given_predictions(digits):
    X, y = digits
    source = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y % 3)
    scorer = ConditionalEntropyScorer()
    assert scorer(source, X, y) == -conditional_entropy(y, source.predict(X))
    assert ConditionalEntropyScorer(base=2)(source, X, y) == pytest.approx(
        scorer(source, X, y) / np.log(2)
    )


def test_scorer_parameters_are_validated():
    with pytest.raises(ValueError, match="'shrinkage' parameter of HScoreScorer"):
        HScoreScorer(shrinkage="bogus")
    with pytest.raises(
        ValueError, match="'base' parameter of ConditionalEntropyScorer"
    ):
        ConditionalEntropyScorer(base=1)


def test_scorers_have_informative_reprs():
    assert repr(HScoreScorer()) == "HScoreScorer()"
    assert repr(HScoreScorer(shrinkage=0.1)) == "HScoreScorer(shrinkage=0.1)"
    assert repr(ConditionalEntropyScorer(base=2)) == "ConditionalEntropyScorer(base=2)"
