import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeClassifier

from sktransfer import HScoreScorer, NormalizedHScoreScorer
from sktransfer._engine import SufficientStatistics
from sktransfer.metrics import (
    Metric,
    conditional_entropy,
    get_metric,
    get_scorer,
    get_scorer_names,
    h_score,
    normalized_h_score,
    register_metric,
    score_combinations,
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


def test_the_normalized_h_score_is_registered_with_its_scorer():
    X, y = load_digits(return_X_y=True)
    metric = get_metric("normalized_h_score")
    assert metric.input == "features"
    scorer = get_scorer("normalized_h_score")
    assert type(scorer) is NormalizedHScoreScorer
    assert repr(scorer) == "NormalizedHScoreScorer()"
    pca = PCA(16, random_state=0).fit(X)
    F = pca.transform(X)
    assert scorer(pca, X, y) == metric.score(F, y) == normalized_h_score(F, y)
    # The default denominator: n_classes - 1 = 9.
    assert metric.score(F, y) == pytest.approx(h_score(F, y) / 9, rel=1e-12)
    assert NormalizedHScoreScorer(optimal=10.0)(pca, X, y) == pytest.approx(
        h_score(F, y) / 10, rel=1e-12
    )
    assert NormalizedHScoreScorer(shrinkage="ledoit_wolf")(pca, X, y) == pytest.approx(
        h_score(F, y, shrinkage="ledoit_wolf") / 9, rel=1e-12
    )
    # In cross-validation: the H-score of each held-out fold over its classes - 1.
    normalized = cross_val_score(PCA(8), X, y, scoring=scorer, cv=3)
    plain = cross_val_score(PCA(8), X, y, scoring=HScoreScorer(), cv=3)
    np.testing.assert_allclose(normalized, plain / 9, rtol=1e-12)


def test_the_normalized_h_score_scorer_checks_its_parameters():
    with pytest.raises(
        ValueError, match="'optimal' parameter of NormalizedHScoreScorer"
    ):
        NormalizedHScoreScorer(optimal=0.0)
    with pytest.raises(
        ValueError, match="'shrinkage' parameter of NormalizedHScoreScorer"
    ):
        NormalizedHScoreScorer(shrinkage="bogus")
    assert repr(NormalizedHScoreScorer(optimal=2.5)) == (
        "NormalizedHScoreScorer(optimal=2.5)"
    )


def test_normalized_statistics_divide_each_task_by_its_own_classes():
    X, y = load_iris(return_X_y=True)
    tasks = np.column_stack([y, y == 0])  # three classes and two
    codes = np.column_stack([np.unique(t, return_inverse=True)[1] for t in tasks.T])
    stats = SufficientStatistics.from_data(X, codes, (3, 2))
    scores = get_metric("normalized_h_score").statistics(stats)
    expected = [normalized_h_score(X, tasks[:, 0]), normalized_h_score(X, tasks[:, 1])]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
    np.testing.assert_allclose(
        scores, [h_score(X, y) / 2, h_score(X, y == 0) / 1], rtol=1e-12
    )
    single = SufficientStatistics.from_data(X, np.zeros((150, 1), dtype=int), (1,))
    with pytest.raises(ValueError, match="single class"):
        get_metric("normalized_h_score").statistics(single)


def test_normalized_h_score_of_combinations_equals_that_of_the_concatenation():
    X, y = load_digits(return_X_y=True)
    blocks = [X[:, :20], X[:, 20:40], X[:, 40:]]
    scores = score_combinations(blocks, y, metric="normalized_h_score", max_order=3)
    assert len(scores) == 7
    for combination, score in scores.items():
        concatenated = np.hstack([blocks[g] for g in combination])
        assert score == pytest.approx(normalized_h_score(concatenated, y), rel=1e-9)
    two_tasks = score_combinations(
        blocks, np.column_stack([y, y % 2]), metric="normalized_h_score", max_order=2
    )
    np.testing.assert_allclose(
        two_tasks[(0, 1)],
        [h_score(X[:, :40], y) / 9, h_score(X[:, :40], y % 2) / 1],
        rtol=1e-9,
    )


# A toy metric, registered in one place: twice the H-score, with a statistics
# path, the optimum 2 (n_classes - 1) for normalize=True and the H-score's
# combinations. Every consumer must take it from its record alone.
def _toy_metric():
    from sktransfer.metrics._hscore import h_score_from_statistics

    def toy_score(X, y):
        return 2.0 * h_score(X, y)

    def toy_scorer():
        def scorer(estimator, X, y):
            return 2.0 * HScoreScorer()(estimator, X, y)

        return scorer

    return Metric(
        name="toy_twice_h_score",
        input="features",
        score=toy_score,
        scorer=toy_scorer,
        description="twice the H-score (a test's toy)",
        statistics=lambda stats: 2.0 * h_score_from_statistics(stats),
        from_h_score=lambda scores, n_classes: 2.0 * scores,
        normalize=lambda scores, codes, n_classes: (
            scores / (2.0 * (np.asarray(n_classes, dtype=np.float64) - 1.0))
        ),
    )


@pytest.fixture
def toy():
    from sktransfer.metrics import unregister_metric

    metric = register_metric(_toy_metric())
    try:
        yield metric.name
    finally:
        unregister_metric(metric.name)
    assert metric.name not in get_scorer_names()


def _toy_data():
    rng = np.random.default_rng(13)
    y = rng.integers(0, 3, 200)
    signal = rng.standard_normal((200, 4)) + np.eye(3, 4)[y]
    noise = rng.standard_normal((200, 3))
    return {"signal": signal, "noise": noise}, y


def test_a_registered_toy_metric_ranks_sources_and_combinations(toy):
    from sktransfer.selection import rank_sources

    features, y = _toy_data()
    for max_order in (1, 2):
        table = rank_sources(features, y, scoring=toy, max_order=max_order)
        plain = rank_sources(features, y, scoring="h_score", max_order=max_order)
        assert list(table["source"]) == list(plain["source"])
        np.testing.assert_allclose(table["score"], 2.0 * plain["score"], rtol=1e-12)


def test_a_registered_toy_metric_normalises_by_its_optimum(toy):
    from sktransfer.curriculum import transferability_matrix

    features, y = _toy_data()
    Y = np.column_stack([y, y % 2])
    sources = [features["signal"], features["noise"]]
    toy_matrix = transferability_matrix(Y, features=sources, metric=toy, normalize=True)
    plain = transferability_matrix(
        Y, features=sources, metric="h_score", normalize=True
    )
    np.testing.assert_allclose(toy_matrix, plain, rtol=1e-12)


def test_a_registered_toy_metric_streams(toy):
    from sktransfer.metrics import FeatureStatistics

    features, y = _toy_data()
    X = features["signal"]
    stats = FeatureStatistics(metric=toy)
    for start in range(0, 200, 64):
        stats.partial_fit(X[start : start + 64], y[start : start + 64])
    assert stats.score() == pytest.approx(2.0 * h_score(X, y), rel=1e-10)


def test_a_registered_toy_metric_reads_dask_arrays(toy):
    da = pytest.importorskip("dask.array")
    features, y = _toy_data()
    X = features["signal"]
    score = get_metric(toy).evaluate(
        da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50)
    )
    assert score == pytest.approx(2.0 * h_score(X, y), rel=1e-10)


def test_a_registered_toy_metric_is_a_command_line_choice(toy, tmp_path, capsys):
    import json

    from sktransfer.cli import main

    features, y = _toy_data()
    paths = []
    for name, X in features.items():
        paths.append(str(tmp_path / f"{name}.npy"))
        np.save(paths[-1], X)
    np.save(tmp_path / "y.npy", y)
    argv = ["rank", *paths, "--labels", str(tmp_path / "y.npy"), "--format", "json"]
    assert main([*argv, "--metric", toy]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert main([*argv, "--metric", "h_score"]) == 0
    plain = json.loads(capsys.readouterr().out)["rows"]
    assert [row["source"] for row in rows] == [row["source"] for row in plain]
    np.testing.assert_allclose(
        [row["score"] for row in rows],
        [2.0 * row["score"] for row in plain],
        rtol=1e-12,
    )


def test_registering_a_streaming_path_of_the_wrong_input_kind_is_refused():
    nce = get_metric("neg_conditional_entropy")
    with pytest.raises(ValueError, match="cannot stream from; give it table"):
        register_metric(
            Metric(
                "x",
                "labels",
                score=len,
                scorer=object,
                description="",
                statistics=nce.table,
            )
        )
    assert "x" not in get_scorer_names()
