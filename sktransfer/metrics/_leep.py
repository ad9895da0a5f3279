"""LEEP and NLEEP: the log-likelihood of the classifier a source's output induces.

Both read a soft contingency table of source class probabilities against the
target labels (one sparse GEMM); NLEEP first makes the probabilities from the
features with a Gaussian mixture.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)

from sktransfer._validation import check_features
from sktransfer.metrics._entropy import (
    _target_codes,
    check_probabilities,
    probability_chunks,
    soft_contingency_table,
)
from sktransfer.metrics._scorer import _FeatureScorer, _Scorer

# Gaussian components per target class by default, as Li et al. (2021) use.
_COMPONENTS_PER_CLASS = 5
# The mixture holds an n_samples x n_components float64 array of posteriors
# (several, during EM); refuse beyond 8 GiB of it rather than fail in numpy.
_MAX_POSTERIORS = 2**30

_NLEEP_CONSTRAINTS = {
    "n_components": [None, Interval(Integral, 1, None, closed="left")],
    "pca_variance": [None, Interval(Real, 0, 1, closed="neither")],
    "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
    "random_state": ["random_state"],
}


def conditional_target_proba(table, prior):
    """The empirical ``P(y|z)`` of a (soft) contingency table.

    Parameters
    ----------
    table : ndarray of shape (n_z, n_y)
        Mass of each (source class, target class) cell.
    prior : ndarray of shape (n_y,)
        ``P(y)``, given to source classes without any mass.

    Returns
    -------
    conditional : ndarray of shape (n_z, n_y), dtype float64
        Each row sums to 1.
    """
    mass = table.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        conditional = table / mass
    conditional[mass[:, 0] <= 0] = prior
    return conditional


def mean_log_likelihood(proba, conditional, y_codes):
    """``(1/n) sum_i log sum_z conditional[z, y_i] proba[i, z]``, block by block.

    ``proba`` must have been checked already (by :func:`soft_contingency_table`).
    """
    total = 0.0
    target_rows = np.ascontiguousarray(conditional.T)
    for rows, block in probability_chunks(proba, check=False):
        # Only the true class's column of block @ conditional is needed.
        expected = np.einsum("iz,iz->i", block, target_rows[y_codes[rows]])
        total += np.log(expected).sum()
    return float(total / y_codes.shape[0])


@validate_params(
    {"y": ["array-like"], "source_proba": ["array-like", "sparse matrix"]},
    prefer_skip_nested_validation=True,
)
def leep_score(y, source_proba):
    r"""Log expected empirical prediction (LEEP) of a source model for a target task.

    The mean log-likelihood of the target labels under the simplest classifier
    a source model yields without training: map each source class to the
    empirical distribution of the target labels among the samples the source
    puts in that class, and average these distributions with the source's
    class probabilities. The higher, the better the source transfers.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Target task labels (integers, integral floats, booleans or strings).
        Needs at least two classes.
    source_proba : {array-like, sparse matrix} of shape (n_samples, n_source_classes)
        Probability of each source class for each target sample, e.g.
        ``source.predict_proba(X)``: finite, non-negative, rows summing to 1
        (within 3.5e-4, the square root of float32's machine epsilon).

    Returns
    -------
    score : float
        LEEP, at most 0. It is 0 exactly when the source determines the target
        label of every sample.

    See Also
    --------
    LEEPScorer : LEEP of a fitted source classifier, as a scorer.
    TransferClassifier : The classifier whose log-likelihood LEEP is.
    nleep_score : LEEP of a Gaussian mixture fitted on features.
    soft_conditional_entropy : The negative conditional entropy of the same
        joint distribution, a lower bound on LEEP.

    Notes
    -----
    With ``theta_i`` the source probabilities of sample ``i``, the empirical
    joint distribution of target and source classes and the conditional are

    .. math::

        P(y, z) = \frac{1}{n} \sum_{i : y_i = y} \theta_{i z}, \qquad
        P(y | z) = \frac{P(y, z)}{\sum_{y'} P(y', z)},

    and LEEP [1]_ is

    .. math::

        T = \frac{1}{n} \sum_{i=1}^n \log \sum_z P(y_i | z)\, \theta_{i z}.

    A source class ``z`` that no sample gives any probability has no
    ``P(y|z)``; it is set to the target class frequencies ``P(y)`` (it does
    not change the score, since its ``theta_{iz}`` are all 0). With one-hot
    probabilities (hard predictions ``z_i``), LEEP is ``-H(Y|Z)``, the
    negative conditional entropy of Tran et al. [2]_, whose Theorem 1 uses
    the same classifier. The joint is one sparse product of the one-hot target
    matrix with the probabilities, accumulated in float64 block by block, so
    float32 probabilities lose no accuracy.

    References
    ----------
    .. [1] C. V. Nguyen, T. Hassner, M. Seeger and C. Archambeau, "LEEP: A New
       Measure to Evaluate Transferability of Learned Representations", ICML
       2020.
    .. [2] A. T. Tran, C. V. Nguyen and T. Hassner, "Transferability and
       Hardness of Supervised Classification Tasks", ICCV 2019.

    Examples
    --------
    >>> from sktransfer.metrics import leep_score
    >>> proba = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]]
    >>> round(leep_score([0, 0, 1, 1], proba), 4)
    -0.3426
    >>> leep_score(["cat", "dog"], [[1.0, 0.0], [0.0, 1.0]])
    0.0
    """
    proba = check_probabilities(source_proba)
    n_y, y_codes = _target_codes(y, proba.shape[0], "LEEP")
    table = soft_contingency_table(y_codes, n_y, proba)
    prior = np.bincount(y_codes, minlength=n_y) / y_codes.shape[0]
    conditional = conditional_target_proba(table, prior)
    # 0.0 + ...: a perfect source scores 0.0, not -0.0
    return 0.0 + mean_log_likelihood(proba, conditional, y_codes)


@validate_params(
    {"X": ["array-like", "sparse matrix"], "y": ["array-like"], **_NLEEP_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def nleep_score(
    X,
    y,
    *,
    n_components=None,
    pca_variance=0.8,
    covariance_type="diag",
    random_state=None,
):
    r"""NLEEP: LEEP of a Gaussian mixture fitted on a representation of the target.

    Features instead of a source classifier: the components of a Gaussian
    mixture fitted on the target samples' features play the source classes,
    and their posterior probabilities the source's predictions. A good
    representation clusters the target classes apart, so the components
    predict the labels well.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Features of the target samples, of any real dtype.
    y : array-like of shape (n_samples,)
        Target labels; at least two classes.
    n_components : int, default=None
        Number of Gaussian components; ``None`` takes 5 per target class (as
        in [1]_), at most one per sample.
    pca_variance : float in (0, 1) or None, default=0.8
        Share of the feature variance the principal components kept before
        the mixture is fitted must explain; ``None`` fits the mixture on the
        features themselves.
    covariance_type : {"diag", "full", "tied", "spherical"}, default="diag"
        Covariance of the components, as in
        :class:`~sklearn.mixture.GaussianMixture`. ``"full"`` reproduces
        implementations that keep scikit-learn's default; see Notes for why
        it is not the default here.
    random_state : int, RandomState instance or None, default=None
        Seed of the mixture's initialisation (and of the PCA); an int gives
        the same score on every run.

    Returns
    -------
    score : float
        NLEEP, at most 0; greater is better.

    See Also
    --------
    leep_score : The same score of a source classifier's probabilities.
    NLEEPScorer : NLEEP of a fitted transformer's output, as a scorer.

    Notes
    -----
    Li et al. [1]_ reduce the features by PCA to the components that explain
    80% of their variance, fit a Gaussian mixture ``p(v | x)`` on them with
    five components per target class, and score

    .. math::

        \text{NLEEP} = \frac{1}{n} \sum_{i=1}^n
            \log \sum_v P(y_i | v)\, p(v | x_i),

    LEEP [2]_ with the mixture's posteriors in place of a source model's
    class probabilities (see :func:`leep_score` for ``P(y|v)``). The reduced
    features are divided by one constant, the root of their mean variance per
    component, so that the mixture's covariance regularisation
    (``reg_covar``) is relative and the score does not depend on the units
    of ``X``. The PCA and the mixture run in float64 whatever the input dtype.

    The components are diagonal by default. With five components per class
    each component sees a few dozen to a few hundred samples, far fewer than
    the ``d (d + 1) / 2`` entries of a full covariance over ``d`` reduced
    features, so a full estimate is singular and held up only by
    ``reg_covar``; and one EM step costs ``O(n K d^2)`` against ``O(n K d)``
    for diagonal components (``n`` samples, ``K`` components). On 50,000
    samples of 1,024 features with 100 classes (``K = 500``, ``d`` in the
    hundreds) a full mixture runs for hours; the diagonal one for minutes,
    most of it in k-means initialisation and EM, so NLEEP stays the slowest
    metric of the suite by far.

    References
    ----------
    .. [1] Y. Li, X. Jia, R. Sang, Y. Zhu, B. Green, L. Wang and B. Gong,
       "Ranking Neural Checkpoints", CVPR 2021.
    .. [2] C. V. Nguyen, T. Hassner, M. Seeger and C. Archambeau, "LEEP: A New
       Measure to Evaluate Transferability of Learned Representations", ICML
       2020.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import nleep_score
    >>> X, y = load_iris(return_X_y=True)
    >>> round(nleep_score(X, y, random_state=0), 4)
    -0.1229
    >>> round(nleep_score(X[:, 1:2], y, random_state=0), 4)  # sepal width only
    -0.7617
    """
    X = check_features(X)
    n_samples = X.shape[0]
    n_y, y_codes = _target_codes(y, n_samples, "NLEEP", rows="X")
    if n_components is None:
        n_components = min(_COMPONENTS_PER_CLASS * n_y, n_samples)
    elif n_components > n_samples:
        raise ValueError(
            f"n_components={n_components} is more than the {n_samples} samples; a "
            "Gaussian mixture needs at least one sample per component"
        )
    if n_samples * n_components > _MAX_POSTERIORS:
        raise ValueError(
            f"NLEEP with {n_components} Gaussian components on {n_samples} "
            f"samples would hold {n_samples * n_components * 8 / 2**30:.0f} GiB of "
            f"posterior probabilities (y has {n_y} classes, 5 components each by "
            "default); pass a smaller n_components"
        )
    # float64 throughout: the PCA of float32 features would run in float32.
    features = X.toarray() if sp.issparse(X) else X
    features = np.asarray(features, dtype=np.float64)
    if (features == features[0]).all():
        # Constant features carry nothing: the uninformative source, whose
        # LEEP is -H(y), without asking PCA or k-means to split one point.
        return leep_score(y, np.ones((n_samples, 1)))
    if pca_variance is None:
        Z = features
        variances = np.var(Z, axis=0)
    else:
        # The eigendecomposition of the covariance is fast and deterministic
        # when samples outnumber features; the SVD otherwise.
        solver = "covariance_eigh" if n_samples >= X.shape[1] else "full"
        pca = PCA(n_components=pca_variance, svd_solver=solver).fit(features)
        Z = pca.transform(features)
        variances = pca.explained_variance_
    scale = np.sqrt(np.mean(variances))
    if scale > 0:
        Z = Z / scale  # not in place: without PCA, Z may be X itself
    mixture = GaussianMixture(
        n_components=n_components,
        covariance_type=covariance_type,
        random_state=random_state,
    ).fit(Z)
    return leep_score(y, mixture.predict_proba(Z))


class LEEPScorer(_Scorer):
    """Score a source classifier by LEEP of its class probabilities.

    The fitted ``estimator`` is a classifier for a source task; its
    ``predict_proba(X)`` on the target samples are the source probabilities
    and the score is :func:`~sktransfer.metrics.leep_score` of them for the
    target labels ``y``.

    See Also
    --------
    sktransfer.metrics.leep_score : The metric on probabilities.
    ConditionalEntropyScorer : The same source read through hard labels.

    Notes
    -----
    LEEP is the mean log-likelihood on the target samples of
    :class:`~sktransfer.TransferClassifier` fitted on them, the zero-training
    transfer classifier of Tran et al. (2019), Theorem 1.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.metrics import LEEPScorer
    >>> X, y = load_iris(return_X_y=True)
    >>> source = LogisticRegression().fit(X, y == 0)  # setosa or not
    >>> round(LEEPScorer()(source, X, y), 4)
    -0.4913
    """

    def __call__(self, estimator, X, y):
        return leep_score(y, estimator.predict_proba(X))


class NLEEPScorer(_FeatureScorer):
    """Score the representation an estimator produces by NLEEP.

    Parameters
    ----------
    n_components : int, default=None
        Number of Gaussian components; 5 per target class when None.
    pca_variance : float in (0, 1) or None, default=0.8
        Share of variance the principal components kept must explain; None
        skips the PCA.
    covariance_type : {"diag", "full", "tied", "spherical"}, default="diag"
        Covariance of the mixture's components.
    random_state : int, RandomState instance or None, default=None
        Seed of the mixture; an int makes the scores reproducible.

    See Also
    --------
    sktransfer.metrics.nleep_score : The metric as a function of features.
    HScoreScorer : Score a representation by its H-score.

    Notes
    -----
    Called as ``scorer(estimator, X, y)``, it returns ``nleep_score(F, y)``
    with ``F`` the features the fitted ``estimator`` makes of ``X``: its
    ``transform`` output, or for a pipeline ending in a predictor, that of
    all steps but the last (as :class:`~sktransfer.HScoreScorer` reads it).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.decomposition import PCA
    >>> from sktransfer.metrics import NLEEPScorer
    >>> X, y = load_iris(return_X_y=True)
    >>> pca = PCA(2).fit(X)
    >>> round(NLEEPScorer(random_state=0)(pca, X, y), 4)
    -0.1229
    """

    _parameter_constraints = _NLEEP_CONSTRAINTS
    _metric = staticmethod(nleep_score)

    def __init__(
        self,
        *,
        n_components=None,
        pca_variance=0.8,
        covariance_type="diag",
        random_state=None,
    ):
        self._set_params(
            n_components=n_components,
            pca_variance=pca_variance,
            covariance_type=covariance_type,
            random_state=random_state,
        )
