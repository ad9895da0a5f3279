import itertools

import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from sktransfer.curriculum import second_order_transferability
from sktransfer.metrics import h_score


def make_tasks(seed=0, n_samples=400, n_tasks=4):
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 3, (n_samples, n_tasks))
    X = Y @ rng.standard_normal((n_tasks, 8)) + rng.standard_normal((n_samples, 8))
    features = [X[:, 2 * i : 2 * i + 3] for i in range(n_tasks)]
    return X, Y, features


def test_pairs_are_ranked_as_brute_force_concatenation_scores_them():
    _, Y, features = make_tasks()
    table = second_order_transferability(Y, features=features)
    n_tasks = Y.shape[1]
    for target in range(n_tasks):
        expected = {
            f"task{a}+task{b}": h_score(
                np.hstack([features[a], features[b]]), Y[:, target]
            )
            for a, b in itertools.combinations(range(n_tasks), 2)
            if target not in (a, b)
        }
        rows = table["target"] == f"task{target}"
        got = dict(zip(table["sources"][rows], table["score"][rows], strict=True))
        assert got.keys() == expected.keys()
        for pair, score in expected.items():
            assert got[pair] == pytest.approx(score, rel=1e-9)
        assert list(table["rank"][rows]) == list(range(1, len(expected) + 1))
        assert np.all(np.diff(table["score"][rows]) <= 0)


def test_encoder_learns_one_representation_per_source_task():
    X, Y, _ = make_tasks(1)
    lda = LinearDiscriminantAnalysis()
    learned = [lda.fit(X, Y[:, i]).transform(X) for i in range(Y.shape[1])]
    by_encoder = second_order_transferability(Y, X=X, encoder=lda)
    by_features = second_order_transferability(Y, features=learned)
    np.testing.assert_array_equal(by_encoder["sources"], by_features["sources"])
    np.testing.assert_allclose(by_encoder["score"], by_features["score"], rtol=1e-12)


def test_dataframe_columns_name_the_tasks():
    pd = pytest.importorskip("pandas")
    _, Y, features = make_tasks(2)
    frame = pd.DataFrame(Y, columns=["age", "smile", "glasses", "hat"])
    table = second_order_transferability(frame, features=features)
    assert set(table["target"]) == {"age", "smile", "glasses", "hat"}
    assert "smile+glasses" in set(table["sources"][table["target"] == "age"])


def test_bad_inputs_are_refused():
    X, Y, features = make_tasks(3)
    with pytest.raises(ValueError, match="at least three"):
        second_order_transferability(Y[:, :2], features=features[:2])
    with pytest.raises(ValueError, match="metric must read features"):
        second_order_transferability(Y, metric="neg_conditional_entropy")
    with pytest.raises(ValueError, match="one per source task"):
        second_order_transferability(Y, features=features[:3])
    with pytest.raises(ValueError, match="unknown metric"):
        second_order_transferability(Y, features=features, metric="hscore")
