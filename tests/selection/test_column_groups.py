from operator import itemgetter

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.feature_selection import SelectorMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sktransfer import ColumnGroupSelector, HScoreScorer, SourceSelector
from sktransfer.metrics import h_score


@pytest.fixture(scope="module")
def digits():
    X, digit = load_digits(return_X_y=True)
    return X[:900] / 16.0, digit[:900]


def test_column_groups(digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    columns = [f"pixel{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    mask = np.zeros(X.shape[1], dtype=bool)
    mask[40:48] = True
    groups = [
        ("top", slice(0, 16)),
        ("middle", [24, 25, 26, 27, 32, 33, 34, 35]),
        ("row5", mask),
        ("named", columns[56:64]),
    ]
    selector = ColumnGroupSelector(groups, max_order=2, n_select=1).fit(frame, y)
    indices = {
        "top": np.arange(16),
        "middle": np.array([24, 25, 26, 27, 32, 33, 34, 35]),
        "row5": np.arange(40, 48),
        "named": np.arange(56, 64),
    }
    for name, columns_of_group in selector.groups_:
        np.testing.assert_array_equal(columns_of_group, indices[name])
    for candidate, score in selector.scores_.items():
        cols = np.concatenate([indices[n] for n in candidate.split("+")])
        assert score == pytest.approx(h_score(X[:, cols], y), rel=1e-9)
    best = np.concatenate([indices[n] for n in selector.selected_groups_])
    np.testing.assert_array_equal(selector.transform(frame), X[:, best])
    # A feature selector: the kept columns under their names in X.
    names = selector.get_feature_names_out()
    assert list(names) == [columns[c] for c in best]


def test_each_column_is_a_group_by_default(digits):
    X, y = digits
    selector = ColumnGroupSelector(n_select=3).fit(X[:, 20:30], y)
    expected = {f"x{j}": h_score(X[:, [20 + j]], y) for j in range(10)}
    assert selector.scores_ == pytest.approx(expected, rel=1e-12)
    best = sorted(expected, key=expected.get, reverse=True)[:3]
    assert selector.selected_ == best
    chosen = sorted(int(name[1:]) for name in best)
    np.testing.assert_array_equal(
        selector.transform(X[:, 20:30]), X[:, 20:30][:, chosen]
    )
    assert list(selector.get_feature_names_out()) == [f"x{j}" for j in chosen]


def test_a_selector_mixin_with_support_and_inverse_transform(digits):
    X, y = digits
    groups = [("left", slice(0, 32)), ("right", slice(32, 64)), ("corner", [0, 63])]
    selector = ColumnGroupSelector(groups, n_select=2)
    assert isinstance(selector, SelectorMixin)
    selector.fit(X, y)
    support = selector.get_support()
    expected = np.zeros(64, dtype=bool)
    for name, columns in selector.groups_:
        if name in selector.selected_groups_:
            expected[columns] = True
    np.testing.assert_array_equal(support, expected)
    np.testing.assert_array_equal(
        selector.get_support(indices=True), support.nonzero()[0]
    )
    Xt = selector.transform(X)
    np.testing.assert_array_equal(
        selector.inverse_transform(Xt), np.where(support, X, 0)
    )
    sparse = selector.transform(sp.csr_matrix(X))
    assert sp.issparse(sparse)
    np.testing.assert_array_equal(sparse.toarray(), Xt)


def test_the_ranking_is_the_source_selectors(digits):
    # The same candidates, scores and ranking as estimator sources that return
    # those columns, through the same code.
    X, y = digits
    groups = [("left", slice(0, 32)), ("right", slice(32, 64))]
    by_columns = ColumnGroupSelector(groups, max_order=2, n_select=2).fit(X, y)
    sources = [
        (name, FunctionTransformer(itemgetter((slice(None), columns))))
        for name, columns in groups
    ]
    by_sources = SourceSelector(sources, max_order=2, n_select=2).fit(X, y)
    assert by_columns.scores_ == by_sources.scores_
    assert by_columns.ranking_ == by_sources.ranking_
    assert by_columns.selected_ == by_sources.selected_
    assert by_columns.selected_groups_ == by_sources.selected_sources_
    for key, column in by_columns.ranking_table_.items():
        np.testing.assert_array_equal(column, by_sources.ranking_table_[key])
    np.testing.assert_array_equal(by_columns.ranking_table_["order"][0], 2)
    scored = ColumnGroupSelector(groups, scoring=HScoreScorer(), max_order=2).fit(X, y)
    assert scored.scores_ == pytest.approx(by_columns.scores_, rel=1e-9)


def test_in_a_pipeline(digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    rows = [(f"row{i}", slice(8 * i, 8 * i + 8)) for i in range(8)]
    selector = ColumnGroupSelector(rows, n_select=3).set_output(transform="pandas")
    pipe = make_pipeline(selector, LogisticRegression(max_iter=500)).fit(frame, y)
    assert list(pipe[:-1].get_feature_names_out()) == list(
        selector.transform(frame).columns
    )
    assert isinstance(selector.ranking_table_, pd.DataFrame)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"groups": []}, "groups is an empty list"),
        (
            {"groups": [("a", [0]), ("a", [1])]},
            r"groups has duplicate names \['a'\]; give every source a distinct",
        ),
        ({"groups": [("a+b", [0])]}, "contains '\\+', which joins the names"),
        ({"groups": [("a", [0], "extra")]}, r"pairs; got \('a'"),
        (
            {"groups": [("a", [0]), ("b", [1])], "n_select": 4, "max_order": 2},
            r"candidates, 3 \(2 sources with max_order=2\)",
        ),
        (
            {"scoring": "nope"},
            "scoring: unknown metric 'nope'; the registered metrics are",
        ),
        ({"scoring": "neg_conditional_entropy"}, "column groups are features"),
        ({"groups": [("a", [99])]}, r"column indices \[99\] outside X's 64 columns"),
        ({"groups": [("a", slice(3, 3))]}, "group 'a' selects no column"),
        ({"groups": [("a", ["pixel0"])]}, "X has no column names"),
        ({"groups": [("a", [True, False])]}, "boolean mask of shape \\(2,\\)"),
    ],
)
def test_bad_input_gets_a_clear_error(digits, params, message):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        ColumnGroupSelector(**params).fit(X, y)


def test_source_selector_points_column_groups_here(digits):
    X, y = digits
    with pytest.raises(ValueError, match="use ColumnGroupSelector"):
        SourceSelector([("left", slice(0, 32)), ("right", slice(32, 64))]).fit(X, y)
