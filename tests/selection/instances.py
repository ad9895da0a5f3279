"""Selector instances for the common estimator checks (tests/test_common.py).

Each input route: for ColumnGroupSelector every column a group (the default)
and column groups scored in pairs; for SourceSelector estimator sources (one
of them left out with "drop") and a scorer callable. The estimator sources
give one feature each: some checks fit 4 features on 10 samples, too few for
the plain H-score of more (FewSamplesWarning, an error in the tests).
"""

from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest

from sktransfer import HScoreScorer
from sktransfer.selection import ColumnGroupSelector, SourceSelector


def column_group_selectors():
    return [
        ColumnGroupSelector(),
        ColumnGroupSelector([("first", [0]), ("last", [-1])], max_order=2),
    ]


def source_selectors():
    return [
        SourceSelector(
            [("pca", PCA(1)), ("best", SelectKBest(k=1)), ("off", "drop")],
            n_select=2,
        ),
        SourceSelector([("pca", PCA(1))], scoring=HScoreScorer()),
    ]
