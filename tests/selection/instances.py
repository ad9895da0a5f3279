"""SourceSelector instances for the common estimator checks (tests/test_common.py).

Each input route: every column a source (the default), column groups scored in
pairs, estimator sources, and a scorer callable. The estimator sources give one
feature each: some checks fit 4 features on 10 samples, too few for the plain
H-score of more (FewSamplesWarning, an error in the tests).
"""

from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest

from sktransfer import HScoreScorer
from sktransfer.selection import SourceSelector


def source_selectors():
    return [
        SourceSelector(),
        SourceSelector([("first", [0]), ("last", [-1])], max_order=2),
        SourceSelector([("pca", PCA(1)), ("best", SelectKBest(k=1))], n_select=2),
        SourceSelector([("pca", PCA(1))], scoring=HScoreScorer()),
    ]
