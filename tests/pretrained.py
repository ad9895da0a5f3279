"""A small pretrained source classifier, for tests of transfer from a source task.

It reads inputs of any width (the estimator checks fit on many shapes): its
first two features, padded with zeros, go to a Gaussian naive Bayes classifier
fitted once on 16 grid cells of the plane. Wrapped in ``FrozenEstimator``,
cloning keeps it fitted.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.frozen import FrozenEstimator
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.utils import check_array


class LeadingTwoFeatures(TransformerMixin, BaseEstimator):
    """The first two columns of ``X``, zero-padded when it has only one."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = check_array(X)[:, :2]
        return np.hstack([X, np.zeros((X.shape[0], 2 - X.shape[1]))])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def grid_source(random_state=0):
    """A frozen classifier of the 4 x 4 grid cell of the first two features."""
    rng = np.random.default_rng(random_state)
    points = rng.uniform(-3, 3, size=(800, 2))
    cells = np.floor((points + 3) / 1.5).astype(int)
    labels = 4 * cells[:, 0] + cells[:, 1]
    source = make_pipeline(LeadingTwoFeatures(), GaussianNB())
    return FrozenEstimator(source.fit(points, labels))
