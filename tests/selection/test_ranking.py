import sys

import numpy as np
import pytest

from sktransfer.metrics import conditional_entropy, h_score
from sktransfer.selection import rank_sources
from tests.reference import h_score_reference


def make_sources(seed=0, n_samples=400):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n_samples)
    means = rng.standard_normal((4, 5))
    features = {
        name: rng.standard_normal((n_samples, 5)) + strength * means[y]
        for name, strength in [("weak", 0.2), ("strong", 1.0), ("medium", 0.5)]
    }
    return features, y


def test_ranking_equals_brute_force_scoring_of_each_source():
    features, y = make_sources()
    table = rank_sources(features, y)
    brute = {name: h_score_reference(f, y) for name, f in features.items()}
    assert list(table["source"]) == ["strong", "medium", "weak"]
    assert list(table["source"]) == sorted(brute, key=brute.get, reverse=True)
    for name, score in zip(table["source"], table["score"], strict=True):
        assert score == pytest.approx(brute[name], rel=1e-9)
        assert score == h_score(features[name], y)
    np.testing.assert_array_equal(table["rank"], [1, 2, 3])
    np.testing.assert_array_equal(table["order"], [1, 1, 1])


def test_combinations_are_ranked_with_the_sources():
    features, y = make_sources(1)
    table = rank_sources(features, y, max_order=3)
    assert len(table["source"]) == 7
    assert {len(array) for array in table.values()} == {7}
    for name, score, order in zip(
        table["source"], table["score"], table["order"], strict=True
    ):
        parts = name.split("+")
        assert order == len(parts)
        expected = h_score(np.hstack([features[p] for p in parts]), y)
        assert score == pytest.approx(expected, rel=1e-9)
    assert list(table["score"]) == sorted(table["score"], reverse=True)


def test_jobs_give_the_same_table():
    features, y = make_sources(2)
    serial = rank_sources(features, y, max_order=2)
    parallel = rank_sources(features, y, max_order=2, n_jobs=2)
    for key in serial:
        np.testing.assert_array_equal(serial[key], parallel[key])


def test_a_data_frame_on_request():
    pd = pytest.importorskip("pandas")
    features, y = make_sources(3)
    frame = rank_sources(features, y, as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["source", "score", "rank", "order"]


def test_a_data_frame_without_pandas_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if not installed
    features, y = make_sources(3)
    with pytest.raises(ImportError) as caught:
        rank_sources(features, y, as_frame=True)
    message = str(caught.value)
    assert message.startswith("rank_sources(..., as_frame=True) needs pandas, which")
    assert 'pip install "sktransfer[pandas]"' in message
    assert isinstance(rank_sources(features, y), dict)  # the default needs none


def test_labels_of_source_classifiers_and_their_joint_labels():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 4, 300)
    labels = {"parity": y % 2, "half": y // 2, "noise": rng.integers(0, 3, 300)}
    table = rank_sources(labels, y, scoring="neg_conditional_entropy", max_order=2)
    scores = dict(zip(table["source"], table["score"], strict=True))
    assert scores["parity+half"] == 0.0  # together they determine y
    assert scores["parity"] == -conditional_entropy(y, labels["parity"])
    assert table["source"][0] == "parity+half"


def test_a_callable_scores_outputs_and_their_concatenation():
    features, y = make_sources(5)

    def width(X, labels):
        return float(np.shape(X)[1])

    table = rank_sources(features, y, scoring=width, max_order=2)
    assert table["score"].tolist() == [10.0, 10.0, 10.0, 5.0, 5.0, 5.0]
    assert table["source"][0] == "weak+strong"  # ties keep the candidates' order


@pytest.mark.parametrize(
    "sources, y, kwargs, message",
    [
        ({}, [0, 1], {}, "sources_features is empty"),
        ({"a+b": np.eye(2)}, [0, 1], {}, "contains '\\+'"),
        ({"a": np.eye(4), "b": np.eye(3)}, [0, 1, 0, 1], {}, "source 'b' has 3 rows"),
        ({"a": np.eye(4)}, [1, 1, 1, 1], {}, "only one class"),
        ({"a": np.eye(4)}, [0, 1, 0, 1], {"scoring": "nope"}, "scoring: unknown"),
        ({"a": np.ones(4)}, [0, 1, 0, 1], {}, "the features of source 'a' must be 2-D"),
        (
            {"a": np.eye(4), "b": np.eye(4)},
            [0, 1, 0, 1],
            {"scoring": "leep", "max_order": 2},
            "class probabilities, which do not",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(sources, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rank_sources(sources, y, **kwargs)
