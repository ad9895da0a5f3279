import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.random_projection import GaussianRandomProjection

from sktransfer import ColumnGroupSelector, HScoreScorer, SourceSelector
from sktransfer.metrics import conditional_entropy, h_score, leep_score
from tests.reference import h_score_reference


class CountingTransformer(TransformerMixin, BaseEstimator):
    """A linear map that counts its fits, on the instance and over all."""

    fits = 0

    def __init__(self, n_components=4, seed=0):
        self.n_components = n_components
        self.seed = seed

    def fit(self, X, y=None):
        type(self).fits += 1
        self.n_fits_ = getattr(self, "n_fits_", 0) + 1
        rng = np.random.default_rng(self.seed)
        self.weights_ = rng.standard_normal((X.shape[1], self.n_components))
        return self

    def transform(self, X):
        return np.asarray(X) @ self.weights_


class DropFirstRow(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X)[1:]


@pytest.fixture(scope="module")
def digits():
    X, digit = load_digits(return_X_y=True)
    return X[:900] / 16.0, digit[:900]


@pytest.fixture(scope="module")
def frozen_lda(digits):
    """Classifiers of two source tasks of the digits, frozen: transform and predict."""
    X, digit = digits
    return [
        ("mod3", FrozenEstimator(LinearDiscriminantAnalysis().fit(X, digit % 3))),
        ("high", FrozenEstimator(LinearDiscriminantAnalysis().fit(X, digit >= 5))),
    ]


def transformer_sources():
    return [
        ("pca", PCA(6, random_state=0)),
        ("projection", GaussianRandomProjection(6, random_state=0)),
        ("counting", CountingTransformer(3)),
    ]


def test_ranking_equals_brute_force_scoring_of_each_source(digits, frozen_lda):
    X, y = digits
    sources = transformer_sources() + frozen_lda
    selector = SourceSelector(sources, n_select=2).fit(X, y)
    brute = {}
    for name, source in sources:
        features = source.fit(X, y).transform(X)  # fitted on the target, as here
        brute[name] = h_score_reference(features, y)
        assert selector.scores_[name] == pytest.approx(h_score(features, y), rel=1e-12)
    assert selector.scores_ == pytest.approx(brute, rel=1e-9)
    assert selector.ranking_ == sorted(brute, key=brute.get, reverse=True)
    assert selector.selected_ == selector.ranking_[:2]
    table = selector.ranking_table_
    assert list(table["source"]) == selector.ranking_
    np.testing.assert_array_equal(table["rank"], np.arange(1, 6))
    np.testing.assert_array_equal(table["order"], np.ones(5, dtype=int))
    assert table["score"].tolist() == [selector.scores_[n] for n in selector.ranking_]


def test_combinations_equal_scoring_the_concatenated_features(digits, frozen_lda):
    X, y = digits
    sources = transformer_sources()[:2] + frozen_lda
    selector = SourceSelector(sources, max_order=3).fit(X, y)
    features = {name: source.fit(X, y).transform(X) for name, source in sources}
    assert len(selector.scores_) == 4 + 6 + 4
    for candidate, score in selector.scores_.items():
        parts = [features[name] for name in candidate.split("+")]
        assert score == pytest.approx(h_score(np.hstack(parts), y), rel=1e-9)
    orders = selector.ranking_table_["order"]
    assert sorted(orders.tolist()) == [1] * 4 + [2] * 6 + [3] * 4


def test_transform_passes_on_the_selected_sources_features(digits, frozen_lda):
    X, y = digits
    selector = SourceSelector(frozen_lda + [("pca", PCA(6))], n_select=2, max_order=2)
    Xt = selector.fit_transform(X, y)
    chosen = {n for c in selector.selected_ for n in c.split("+")}
    assert selector.selected_sources_ == [
        n for n in ["mod3", "high", "pca"] if n in chosen
    ]
    parts = [
        dict(selector.sources_)[n].transform(X) for n in selector.selected_sources_
    ]
    np.testing.assert_allclose(Xt, np.hstack(parts))
    np.testing.assert_allclose(selector.transform(X), Xt)
    names = selector.get_feature_names_out()
    assert len(names) == Xt.shape[1]
    assert all(name.split("__")[0] in chosen for name in names)


def test_a_frozen_source_is_never_refitted(digits):
    X, y = digits
    CountingTransformer.fits = 0
    frozen = FrozenEstimator(CountingTransformer(3).fit(X))
    unfitted = CountingTransformer(2, seed=1)
    selector = SourceSelector([("frozen", frozen), ("fresh", unfitted)])
    pipe = make_pipeline(selector, LogisticRegression(max_iter=500))
    pipe.fit(X, y)
    selector.fit_transform(X, y)
    cross_val_score(pipe, X, y, cv=3)
    GridSearchCV(pipe, {"sourceselector__n_select": [1, 2]}, cv=2).fit(X, y)
    assert frozen.estimator.n_fits_ == 1
    assert dict(selector.sources_)["frozen"] is frozen
    # The unfitted source is cloned for every fit: 2 + 3 + 2 * 2 + 1 (refit).
    assert CountingTransformer.fits == 1 + 10
    assert not hasattr(unfitted, "n_fits_")


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_joblib_backends_and_jobs_give_identical_results(digits, frozen_lda, backend):
    X, y = digits
    # Frozen sources: every output is the same array whatever the backend, so
    # the scores, the ranking and the transform must be identical to the bit.
    frozen = [
        (name, FrozenEstimator(source.fit(X, y)))
        for name, source in transformer_sources()
    ] + frozen_lda
    serial = SourceSelector(frozen, max_order=2, n_select=3).fit(X, y)
    with parallel_config(backend=backend, n_jobs=2):
        configured = SourceSelector(frozen, max_order=2, n_select=3).fit(X, y)
    jobs = SourceSelector(frozen, max_order=2, n_select=3, n_jobs=2).fit(X, y)
    for other in (configured, jobs):
        assert other.scores_ == serial.scores_
        assert other.ranking_ == serial.ranking_
        np.testing.assert_array_equal(other.transform(X), serial.transform(X))
    assert dict(configured.sources_)["mod3"].estimator.n_features_in_ == X.shape[1]


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_sources_fitted_in_jobs_score_as_when_fitted_serially(digits, backend):
    X, y = digits
    serial = SourceSelector(transformer_sources(), max_order=2).fit(X, y)
    with parallel_config(backend=backend, n_jobs=2):
        configured = SourceSelector(transformer_sources(), max_order=2).fit(X, y)
    jobs = SourceSelector(transformer_sources(), max_order=2, n_jobs=2).fit(X, y)
    for other in (configured, jobs):
        # Not to the bit: joblib gives each worker process one BLAS thread,
        # and with some OpenBLAS builds (0.3.23, numpy 1.26's) scikit-learn's
        # PCA and random projection then round their outputs differently in
        # the last bit. The scoring itself is bitwise stable (test above).
        assert other.scores_ == pytest.approx(serial.scores_, rel=1e-12, abs=0)
        assert other.ranking_ == serial.ranking_
        np.testing.assert_allclose(
            other.transform(X), serial.transform(X), rtol=1e-12, atol=1e-12
        )


def test_dask_backend_gives_identical_results(digits, frozen_lda):
    distributed = pytest.importorskip("dask.distributed")
    X, y = digits
    serial = SourceSelector(frozen_lda, max_order=2).fit(X, y)
    with distributed.Client(processes=False, n_workers=1), parallel_config("dask"):
        with_dask = SourceSelector(frozen_lda, max_order=2, n_jobs=2).fit(X, y)
    assert with_dask.scores_ == serial.scores_


def test_grid_search_over_the_scoring_and_n_select(digits, frozen_lda):
    X, y = digits
    pipe = make_pipeline(
        SourceSelector(frozen_lda, max_order=2), LogisticRegression(max_iter=500)
    )
    grid = GridSearchCV(
        pipe,
        {
            "sourceselector__scoring": ["h_score", "neg_conditional_entropy"],
            "sourceselector__n_select": [1, 3],
        },
        cv=3,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert set(grid.best_params_) == {
        "sourceselector__scoring",
        "sourceselector__n_select",
    }
    assert grid.best_estimator_[0].sources_[0][1] is frozen_lda[0][1]


def test_cross_val_score_of_a_pipeline(digits, frozen_lda):
    X, y = digits
    pipe = make_pipeline(
        SourceSelector(transformer_sources()[:2] + frozen_lda, n_select=2),
        StandardScaler(),
        LogisticRegression(max_iter=500),
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.5


def test_pandas_output(digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    selector = SourceSelector(transformer_sources(), n_select=2)
    assert isinstance(selector.fit(frame, y).ranking_table_, dict)
    selector.set_output(transform="pandas")
    Xt = selector.fit_transform(frame, y)
    assert isinstance(Xt, pd.DataFrame)
    assert list(Xt.columns) == list(selector.get_feature_names_out())
    assert list(Xt.columns)[0].startswith(f"{selector.selected_sources_[0]}__")
    table = selector.ranking_table_
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["source", "score", "rank", "order"]
    assert table["source"].tolist() == selector.ranking_


def test_classifier_sources_by_their_labels(digits, frozen_lda):
    X, y = digits
    selector = SourceSelector(
        frozen_lda, scoring="neg_conditional_entropy", max_order=2
    ).fit(X, y)
    labels = {name: source.predict(X) for name, source in frozen_lda}
    for name in labels:
        assert selector.scores_[name] == -conditional_entropy(y, labels[name])
    joint = [f"{a}{b}" for a, b in zip(labels["mod3"], labels["high"], strict=True)]
    assert selector.scores_["mod3+high"] == pytest.approx(
        -conditional_entropy(y, joint), rel=1e-12
    )


def test_classifiers_without_transform_pass_their_probabilities_on(digits):
    X, y = digits
    logistic = LogisticRegression(max_iter=500).fit(X, y % 3)
    selector = SourceSelector(
        [("mod3", FrozenEstimator(logistic))], scoring="neg_conditional_entropy"
    ).fit(X, y)
    np.testing.assert_allclose(selector.transform(X), logistic.predict_proba(X))
    assert list(selector.get_feature_names_out()) == [
        "mod3__proba_0",
        "mod3__proba_1",
        "mod3__proba_2",
    ]


def test_classifier_sources_by_their_probabilities(digits, frozen_lda):
    X, y = digits
    selector = SourceSelector(frozen_lda, scoring="leep").fit(X, y)
    for name, source in frozen_lda:
        assert selector.scores_[name] == pytest.approx(
            leep_score(y, source.predict_proba(X))
        )
    with pytest.raises(ValueError, match="class probabilities, which do not"):
        SourceSelector(frozen_lda, scoring="leep", max_order=2).fit(X, y)


def test_a_scorer_callable_scores_sources_and_combinations(digits, frozen_lda):
    X, y = digits
    sources = frozen_lda + [("pca", PCA(5))]
    by_name = SourceSelector(sources, max_order=2).fit(X, y)
    by_scorer = SourceSelector(sources, scoring=HScoreScorer(), max_order=2).fit(X, y)
    assert by_scorer.scores_ == pytest.approx(by_name.scores_, rel=1e-9)


def test_source_parameters_are_reachable(digits):
    X, y = digits
    selector = SourceSelector(transformer_sources())
    assert selector.get_params()["pca__n_components"] == 6
    selector.set_params(pca__n_components=3, projection=PCA(2))
    selector.fit(X, y)
    assert dict(selector.sources_)["pca"].n_components_ == 3
    assert dict(selector.sources_)["projection"].n_components_ == 2


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sources": []}, "sources is an empty list"),
        (
            {"sources": [("a", PCA(2)), ("a", PCA(3))]},
            r"sources has duplicate names \['a'\]; give every source a distinct",
        ),
        ({"sources": [("a+b", PCA(2))]}, "contains '\\+', which joins the names"),
        ({"sources": [("a__b", PCA(2))]}, "contains '__', which set_params uses"),
        ({"sources": [("scoring", PCA(2))]}, "also parameters of SourceSelector"),
        (
            {"sources": [("a", PCA(2)), ("b", [0, 1])]},
            r"source 'b' \(list\) is not an estimator.*use ColumnGroupSelector",
        ),
        (
            {"sources": [("a", slice(0, 8)), ("b", "passthrough")]},
            r"source 'a' \(slice\) is not an estimator",
        ),
        ({"sources": [("a", "drop"), ("b", None)]}, "every source is 'drop' or None"),
        ({"sources": [("a", PCA(2), "extra")]}, r"pairs; got \('a'"),
        (
            {"sources": [("a", PCA(2)), ("b", PCA(2))], "n_select": 3},
            "n_select=3 is larger",
        ),
        (
            {"sources": [("a", PCA(1)), ("b", PCA(2))], "n_select": 4, "max_order": 2},
            r"candidates, 3 \(2 sources with max_order=2\)",
        ),
        (
            {"sources": [("a", PCA(2)), ("b", "drop")], "n_select": 2},
            r"candidates, 1 \(1 sources with max_order=1\)",
        ),
        (
            {"sources": [("a", PCA(2))], "scoring": "nope"},
            "scoring: unknown metric 'nope'; the registered metrics are",
        ),
        (
            {"sources": [("a", PCA(2))], "scoring": "neg_conditional_entropy"},
            "source 'a' \\(PCA\\) does not have",
        ),
        (
            {"sources": [("a", PCA(2)), ("b", DropFirstRow())]},
            "source 'b' returned 899 rows for the 900 samples",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(digits, params, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        SourceSelector(**params).fit(X, y)


def test_bad_targets_get_a_clear_error(digits, frozen_lda):
    X, y = digits
    for selector in (ColumnGroupSelector(), SourceSelector(frozen_lda)):
        with pytest.raises(ValueError, match="only one class"):
            selector.fit(X, np.zeros(len(y)))
        with pytest.raises(ValueError, match="requires y to be passed"):
            selector.fit(X, None)


def test_an_unfitted_frozen_source_is_refused(digits):
    from sklearn.exceptions import NotFittedError

    X, y = digits
    with pytest.raises(NotFittedError, match="source 'pca' is a FrozenEstimator"):
        SourceSelector([("pca", FrozenEstimator(PCA(2)))]).fit(X, y)


@pytest.mark.parametrize("off", ["drop", None])
def test_a_source_set_to_drop_or_none_is_left_out(digits, frozen_lda, off):
    X, y = digits
    full = SourceSelector(frozen_lda + [("pca", PCA(6))], max_order=2).fit(X, y)
    dropped = SourceSelector(frozen_lda + [("pca", off)], max_order=2).fit(X, y)
    kept = {name: score for name, score in full.scores_.items() if "pca" not in name}
    # Not to the bit: the sources' statistics are gathered in one pass.
    assert dropped.scores_ == pytest.approx(kept, rel=1e-12, abs=0)
    assert [name for name, _ in dropped.sources_] == ["mod3", "high"]
    # As in scikit-learn's compositions, set_params switches a source off and on.
    full.set_params(pca=off).fit(X, y)
    assert full.scores_ == dropped.scores_
    assert full.get_params()["pca"] is off
    full.set_params(pca=PCA(6)).fit(X, y)
    assert "pca" in full.scores_
    np.testing.assert_array_equal(dropped.transform(X), dropped.fit_transform(X, y))
