"""GBC: the overlap of Gaussian class densities, by Bhattacharyya coefficients."""

from numbers import Integral

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.utils import gen_batches

from sktransfer._compat import (
    Interval,
    StrOptions,
    validate_params,
)
from sktransfer._engine import CHUNK_BYTES, class_moments, statistics_of
from sktransfer._validation import check_features, invariant_features
from sktransfer.metrics._class_labels import encode_classes
from sktransfer.metrics._scorer import _FeatureScorer

# Every class variance of a feature is at least this share of the feature's
# total variance: the authors' floor (1e-4) for standardised features.
_VARIANCE_FLOOR = 1e-4

_CONSTRAINTS = {
    "gaussian": [StrOptions({"diagonal", "spherical"})],
    "n_components": [None, Interval(Integral, 1, None, closed="left")],
}


@validate_params(
    {"X": ["array-like", "sparse matrix"], "y": ["array-like"], **_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def gbc_score(X, y, *, gaussian="diagonal", n_components=None):
    """GBC: minus the overlap of the classes, modelled as Gaussians.

    The Gaussian Bhattacharyya coefficient (Pandy et al. 2022) fits a Gaussian
    to the features of each class and sums the Bhattacharyya coefficients (the
    overlap, between 0 and 1) of every pair of classes. Features that keep the
    classes apart overlap little: GBC is at most 0, reached when no two
    classes overlap, and at least ``-n_classes (n_classes - 1)``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Features, one row per sample, of any real dtype.
    y : array-like of shape (n_samples,)
        Class labels: integers, integral floats, booleans or strings.
    gaussian : {"diagonal", "spherical"}, default="diagonal"
        Covariance of each class's Gaussian: the per-feature variances of the
        class, or their mean times the identity.
    n_components : int, default=None
        Project the features on their first ``n_components`` principal axes
        before scoring, which cuts the cost and the noise of wide features;
        ``None`` scores the features as given.

    Returns
    -------
    score : float
        The GBC, in ``[-n_classes (n_classes - 1), 0]``; greater is better.

    See Also
    --------
    GBCScorer : GBC of a fitted transformer's output, as a scorer.
    h_score : A score of the same class means against the total covariance.

    Notes
    -----
    Class ``c`` has the mean ``mu_c`` and the diagonal covariance ``Sigma_c``
    of its samples' features (population variances, divided by ``n_c``), or
    ``Sigma_c = s_c I`` with ``s_c`` the mean of those variances. With
    ``Sigma = (Sigma_i + Sigma_j) / 2``, the Bhattacharyya distance and
    coefficient of two classes are

    .. math::

        D_B(i, j) = \\frac{1}{8} (\\mu_i - \\mu_j)^T \\Sigma^{-1}
        (\\mu_i - \\mu_j) + \\frac{1}{2} \\log
        \\frac{\\det \\Sigma}{\\sqrt{\\det \\Sigma_i \\det \\Sigma_j}},
        \\qquad BC(i, j) = e^{-D_B(i, j)},

    and ``GBC = - sum_{i != j} BC(i, j)``, over ordered pairs, so each pair
    counts twice. The diagonal form is invariant to shifting and rescaling
    each feature; the spherical form only to shifting and rescaling all
    features together. With ``n_components``, the principal axes are those of
    the centred features (the eigenvectors of their covariance, as
    :class:`~sklearn.decomposition.PCA` finds), not whitened.

    Every class variance of a feature is floored at ``1e-4`` times the
    feature's total variance (for spherical Gaussians, the mean class
    variance at ``1e-4`` times the mean total variance). A feature constant
    within a class (a ReLU unit that is 0 on every sample of the class, a
    sparse feature, every feature of a class with one sample) would
    otherwise make that class a point mass along it, whose overlap with any
    class of positive variance there is 0: one such unit would declare the
    classes perfectly separable even where their samples coincide on it. The
    authors' code floors every variance at ``1e-4`` in the units of the
    features; relative to the feature's total variance, the floor is theirs
    on standardised features and leaves the score unchanged when a feature
    is rescaled. A feature constant over all samples has no floor and adds
    nothing (every pair overlaps fully on it). No floor makes GBC meaningful
    on very many features: summed over thousands of them, the sampling noise
    of the class means alone keeps the Gaussians apart (random sparse
    features in 2,000 dimensions score 0, as if perfectly separable). Score
    such features on a few principal axes (``n_components``).

    The authors' code also counts the log-determinant term of spherical
    Gaussians once rather than once per feature; here it follows the
    Bhattacharyya distance of the two Gaussians exactly.

    Only the class counts, means and per-feature variances are needed; they
    are gathered in one pass over chunks of rows (two with ``n_components``,
    which first needs the principal axes), merged by Chan's update. The
    pairwise coefficients cost ``O(n_classes^2 n_features)``.

    References
    ----------
    .. [1] M. Pandy, A. Agostinelli, J. Uijlings, V. Ferrari and T. Mensink,
       "Transferability Estimation using Bhattacharyya Class Separability",
       CVPR 2022.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import gbc_score
    >>> X, y = load_iris(return_X_y=True)
    >>> round(gbc_score(X, y), 4)
    -0.2307
    >>> round(gbc_score(X, y, gaussian="spherical"), 4)
    -0.3301
    >>> round(gbc_score(X, y, n_components=2), 4)
    -0.8944
    """
    # Unchanged by translation and scale: large integers and extreme scales
    # are brought to where float64 holds every intermediate.
    X = invariant_features(check_features(X))
    classes, codes = encode_classes(y, n_samples=X.shape[0], metric="GBC")
    n_samples, n_features = X.shape
    projection = None
    if n_components is not None:
        if n_components > min(n_samples, n_features):
            raise ValueError(
                f"n_components={n_components} must be at most min(n_samples, "
                f"n_features) = {min(n_samples, n_features)}"
            )
        stats = statistics_of(X)
        projection = (stats.mean, stats.spectrum()[1][:n_components])
    moments = class_moments(X, codes[:, 0], classes[0].size, projection)
    return gbc_from_moments(moments, gaussian)


def gbc_from_moments(moments, gaussian):
    """GBC from ``(counts, means, variances)`` of each class."""
    counts, means, variances = moments
    # The law of total variance: within-class plus between-class, per feature.
    shares = counts[:, None] / counts.sum()
    # Sums down each column on its own: a product's rounding would depend on
    # the other features (a constant one must change nothing, to the bit).
    mean = np.sum(shares * means, axis=0)
    total = np.sum(shares * (variances + (means - mean) ** 2), axis=0)
    if gaussian == "spherical":  # floored as a whole: a rotation changes nothing
        variances = variances.mean(axis=1, keepdims=True)
        total = total.mean(keepdims=True)
    variances = np.maximum(variances, _VARIANCE_FLOOR * total)
    return 0.0 - _overlap_sum(means, variances, gaussian)


def _overlap_sum(means, variances, gaussian):
    """``sum_{i != j} BC(i, j)``, by blocks of rows of the pairs' matrix.

    Only one block of ``log BC`` is held at a time: with many classes (10^5
    identities) the whole matrix would not fit in memory.
    """
    n_classes, n_features = means.shape
    log_overlap = (
        _spherical_log_overlap if gaussian == "spherical" else _diagonal_log_overlap
    )
    block_rows = max(CHUNK_BYTES // (8 * n_classes * n_features), 1)
    total = 0.0
    for rows in gen_batches(n_classes, block_rows):
        block = log_overlap(means, variances, rows)
        block[np.arange(block.shape[0]), np.arange(rows.start, rows.stop)] = -np.inf
        total += float(np.exp(block).sum())
    return total


def _diagonal_log_overlap(means, variances, rows):
    """``log BC(i, j)`` of diagonal Gaussians, for ``i`` in ``rows`` and every ``j``."""
    with np.errstate(divide="ignore"):
        log_variances = np.log(variances)
    average = 0.5 * variances[rows, None] + 0.5 * variances
    same = means[rows, None] == means
    # A distance whose square overflows gives its limit, overlap 0.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        squared = (means[rows, None] - means) ** 2
        terms = (
            0.25 * (log_variances[rows, None] + log_variances)
            - 0.5 * np.log(average)
            - squared / (8.0 * average)
        )
    # Point masses on both sides (the limit of the formula): overlap 1 at the
    # same value, 0 apart, however close (a squared difference may underflow).
    point_masses = average == 0
    terms[point_masses] = np.where(same[point_masses], 0.0, -np.inf)
    return terms.sum(axis=2)


def _spherical_log_overlap(means, variances, rows):
    """The same for Gaussians with covariance ``v_c I``; ``variances`` is (C, 1)."""
    n_features = means.shape[1]
    variances = variances[:, 0]
    with np.errstate(divide="ignore"):
        log_variances = np.log(variances)
    average = 0.5 * variances[rows, None] + 0.5 * variances
    with np.errstate(over="ignore"):
        squared = cdist(means[rows], means, "sqeuclidean")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_overlap = n_features * (
            0.25 * (log_variances[rows, None] + log_variances) - 0.5 * np.log(average)
        ) - squared / (8.0 * average)
    point_masses = average == 0
    same = (means[rows, None] == means).all(axis=2)
    log_overlap[point_masses] = np.where(same[point_masses], 0.0, -np.inf)
    return log_overlap


class GBCScorer(_FeatureScorer):
    """Score the representation an estimator produces by its GBC.

    Parameters
    ----------
    gaussian : {"diagonal", "spherical"}, default="diagonal"
        Covariance of each class's Gaussian, passed to
        :func:`~sktransfer.metrics.gbc_score`.
    n_components : int, default=None
        Number of principal axes to project the features on first; ``None``
        scores the features as given.

    See Also
    --------
    sktransfer.metrics.gbc_score : The metric as a function of features.
    HScoreScorer : Score a representation by its H-score.

    Notes
    -----
    Called as ``scorer(estimator, X, y)``, it returns ``gbc_score(F, y)`` with
    ``F`` the features the fitted ``estimator`` makes of ``X``: its
    ``transform`` output, or for a :class:`~sklearn.pipeline.Pipeline` ending
    in a predictor, the output of all steps but the last.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sktransfer.metrics import GBCScorer
    >>> X, y = load_digits(return_X_y=True)
    >>> pca = PCA(16, random_state=0).fit(X)
    >>> round(GBCScorer()(pca, X, y), 4)
    -3.2997
    """

    _parameter_constraints = _CONSTRAINTS
    _metric = staticmethod(gbc_score)

    def __init__(self, *, gaussian="diagonal", n_components=None):
        self._set_params(gaussian=gaussian, n_components=n_components)
