"""LogME: the maximum log evidence of a Bayesian linear model on the features."""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils import gen_batches

from sktransfer._compat import (
    validate_params,
)
from sktransfer._engine import (
    CHUNK_BYTES,
    DUAL_ROUTES,
    certified_feature_score,
    factor_spectrum,
    gram_spectrum,
    is_dask_collection,
    statistics_of,
)
from sktransfer._validation import check_features
from sktransfer.metrics._class_labels import encode_classes
from sktransfer.metrics._scorer import _FeatureScorer

# The fixed-point iteration stops once the ratio alpha / beta changes by less
# than this relative amount; it typically needs 5 to 15 steps. Beyond
# _MAX_ITER steps a bisection takes over, which halves a bracket of at most
# ~1e40 in ratio to below _TOL in _BISECTIONS steps.
_TOL = 1e-10
_MAX_ITER = 200
_BISECTIONS = 100
_EPS = float(np.finfo(np.float64).eps)


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "regression": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def logme_score(X, y, *, regression=False):
    """LogME: the log evidence of a linear model from features to the target.

    LogME (You et al. 2021) fits, for each target column, a Bayesian linear
    model ``t = F m + noise`` with a Gaussian prior on ``m``, chooses the prior
    and noise precisions that maximise the marginal likelihood (the evidence)
    of the target, and averages the maximised log evidence per sample over the
    target columns. Features from which a linear model explains the target
    with little noise and small weights score high. It needs no training and
    no hyper-parameters.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Features, one row per sample, of any real dtype; used as they are, not
        centred (see Notes).
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Class labels (integers, integral floats, booleans or strings); with one
        column per task, every task is scored against one decomposition of
        ``X``. With ``regression=True``, real-valued targets instead: a 2-D
        ``y`` is one multi-output regression task.
    regression : bool, default=False
        Score real-valued targets, one Bayesian linear model per column of
        ``y``, instead of one per class indicator.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
        The LogME score, in nats per sample; greater is better. An array when
        ``y`` holds several classification tasks.

    See Also
    --------
    LogMEScorer : LogME of a fitted transformer's output, as a scorer.
    h_score : A score of the same features from their second moments.

    Notes
    -----
    For each target column ``t`` (the indicator of one class, or one
    regression target) and features ``F`` of shape ``(n, D)``, the model
    ``m ~ N(0, I / alpha)``, ``t | F, m ~ N(F m, I / beta)`` has the log
    evidence

    .. math::

        \\mathcal{L}(\\alpha, \\beta) = \\frac{D}{2} \\log \\alpha
        + \\frac{n}{2} \\log \\beta - \\frac{n}{2} \\log 2 \\pi
        - \\frac{\\beta}{2} \\lVert F m - t \\rVert^2
        - \\frac{\\alpha}{2} \\lVert m \\rVert^2
        - \\frac{1}{2} \\log \\lvert \\alpha I + \\beta F^T F \\rvert,

    with ``m = beta (alpha I + beta F^T F)^{-1} F^T t`` the posterior mean.
    With ``sigma_i`` the eigenvalues of ``F^T F``, the evidence is maximised
    by the fixed-point iteration of You et al. (2022), started at
    ``alpha = beta = 1``:

    .. math::

        \\gamma = \\sum_i \\frac{\\beta \\sigma_i}{\\alpha + \\beta \\sigma_i},
        \\quad \\alpha \\leftarrow \\frac{\\gamma}{\\lVert m \\rVert^2},
        \\quad \\beta \\leftarrow \\frac{n - \\gamma}{\\lVert F m - t \\rVert^2},

    iterated here until ``alpha / beta`` changes by less than ``1e-10``
    (relative). LogME is ``max L / n`` averaged over the columns: the classes
    of a classification task, the outputs of a regression task.

    When ``F`` has as many independent directions as there are samples (say
    ``n <= D``) it fits every target exactly, and the evidence may be largest
    in the limit ``alpha / beta -> 0`` or ``infinity``, towards which the
    iteration crawls. After 200 steps a bisection on the sign of the
    evidence's derivative, in the direction the iteration was going, takes
    over: the score is then the supremum of the evidence, to rounding.

    As in the published algorithm, ``F`` is not centred, and there is no
    intercept. Two details differ from the authors' code, which adds ``1e-5``
    to the denominators of the updates and stops once ``alpha / beta``
    changes by less than ``1e-3``: here the updates are exact and iterated to
    convergence, so the score is the maximised evidence itself (the two agree
    to four to six digits on well-scaled features, and the score here does not
    depend on the units of ``X`` through the ``1e-5``). And the determinant
    counts every one of the ``D`` eigenvalues of ``F^T F``, zero ones
    included, as the definition does; the authors' code leaves out zero
    eigenvalues, which adds ``(D - rank(F)) log(alpha) / (2n)`` to its score
    when ``F`` is rank-deficient (for example when ``n < D``).

    The computation needs only the uncentred Gram matrix ``F^T F = S + n mu
    mu^T`` (``S`` the centred scatter, ``mu`` the mean row) and, per class,
    ``F^T t_c = n_c mu_c`` and ``||t_c||^2 = n_c``: one eigendecomposition of
    ``F^T F``, from the square-root factor of the sufficient statistics,
    serves every class, and each iteration costs ``O(n_classes D)``. When a
    target is an exact linear function of the features the evidence grows
    without bound as the noise vanishes; the residual is then floored at the
    rounding level of float64, which gives a large, finite score.

    References
    ----------
    .. [1] K. You, Y. Liu, J. Wang and M. Long, "LogME: Practical Assessment of
       Pre-trained Models for Transfer Learning", ICML 2021.
    .. [2] K. You, Y. Liu, Z. Zhang, J. Wang, M. I. Jordan and M. Long,
       "Ranking and Tuning Pre-trained Models: A New Paradigm for Exploiting
       Model Hubs", Journal of Machine Learning Research 23, 2022.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import logme_score
    >>> X, y = load_iris(return_X_y=True)
    >>> round(logme_score(X, y), 4)
    -0.1601
    >>> round(logme_score(X[:, :1], y), 4)
    -0.6835
    >>> round(logme_score(X[:, :3], X[:, 3], regression=True), 4)
    0.1598
    """
    if is_dask_collection(X, y):
        if regression:
            raise ValueError(
                "logme_score with regression=True does not accept Dask arrays; "
                "only class labels are scored blockwise"
            )
        return certified_feature_score(
            X, y, logme_from_statistics, metric="LogME", route="gram64"
        )
    X = check_features(X)
    if regression:
        targets = _check_targets(y, X.shape[0])
        squared_norms = np.einsum("ij,ij->j", targets, targets)
        stats = _logme_statistics(X)
        if stats.route in DUAL_ROUTES:
            singular, vectors = _dual_axes(stats)
            coordinates = targets.T @ vectors
            evidence = _max_evidence(X.shape[0], singular, coordinates, squared_norms)
        else:
            products = _feature_target_products(X, targets)
            evidence = _primal_evidence(stats, products.T, squared_norms)
        return float(np.mean(evidence))
    classes, codes = encode_classes(
        y, n_samples=X.shape[0], metric="LogME", allow_2d=True
    )
    stats = _logme_statistics(X, codes, [c.size for c in classes])
    scores = logme_from_statistics(stats)
    return scores if np.ndim(y) == 2 else float(scores[0])


def logme_from_statistics(stats):
    """LogME of every label vector summarised in ``stats``.

    One eigendecomposition of the uncentred Gram matrix serves all classes of
    all label vectors.

    Parameters
    ----------
    stats : SufficientStatistics
        Statistics of the features and one or more label vectors.

    Returns
    -------
    scores : ndarray of shape (n_tasks,)
    """
    stats = _exact_enough(stats)
    # Empty classes (possible in merged statistics) have no indicator column.
    present = stats.class_counts > 0
    counts = stats.class_counts[present].astype(np.float64)
    evidence = np.zeros(present.size)
    if stats.route in DUAL_ROUTES:
        singular, vectors = _dual_axes(stats)
        coordinates = stats.class_projections(vectors)[present]  # U^T t_c
        evidence[present] = _max_evidence(
            stats.n_samples, singular, coordinates, counts
        )
    else:
        # F^T t_c is the class sum of the uncentred features.
        products = counts[:, None] * stats.class_means[present]
        evidence[present] = _primal_evidence(stats, products, counts)
    starts = stats.class_offsets[:-1]
    return np.add.reduceat(evidence, starts) / np.add.reduceat(present, starts)


def _logme_statistics(X, codes=None, n_classes=()):
    """Dual statistics of wide features, else primal on the float64 Gram route."""
    if X.shape[0] < X.shape[1]:
        return statistics_of(X, codes, n_classes)
    return statistics_of(X, codes, n_classes, route="gram64")


def _exact_enough(stats):
    """Statistics on the float64 Gram route or a more exact one.

    The evidence reads the small eigenvalues of the uncentred Gram matrix
    through residuals that cancel, and a float32 Gram matrix moved it by up to
    4e-4 (relative) on features of condition number 100: LogME never takes the
    float32 route.
    """
    if stats.route == "gram32":
        return stats.refined("LogME needs at least the float64 Gram route")
    return stats


def _uncentred_axes(stats):
    """Singular values and right singular vectors of the uncentred features.

    ``F^T F = S + n mu mu^T``. Its eigendecomposition in float64 serves when
    it resolves every direction to 1e-8 (relative) of its own eigenvalue;
    otherwise (the mean row dwarfing the spread, as far from the origin) the
    SVD of the square-root factor stacked with the mean row, which keeps small
    directions to float64's rounding of the singular values.
    """
    n = stats.n_samples
    if stats.route != "qr":
        scatter = stats.scatter
        gram = scatter + n * np.outer(stats.mean, stats.mean)
        singular, components = gram_spectrum(gram)
        if singular[-1] ** 2 > 1e-8 * singular[0] ** 2:
            return singular, components
    stacked = np.vstack([stats.factor, np.sqrt(n) * stats.mean])
    return factor_spectrum(stacked)


def _primal_evidence(stats, products, squared_norms):
    """The evidence from ``products[j] = F^T t_j`` and the features' axes."""
    singular, components = _uncentred_axes(stats)
    with np.errstate(divide="ignore", invalid="ignore"):
        coordinates = np.where(singular > 0, (products @ components.T) / singular, 0.0)
    return _max_evidence(stats.n_samples, singular, coordinates, squared_norms)


def _dual_axes(stats):
    """Singular values and left singular vectors of the uncentred wide features."""
    X = stats._source[0]
    if sp.issparse(X):
        kernel = (sp.csr_array(X, dtype=np.float64) @ sp.csr_array(X).T).toarray()
    else:
        X = np.asarray(X, dtype=np.float64)
        kernel = X @ X.T
    eigenvalues, vectors = scipy.linalg.eigh(kernel, check_finite=False)
    singular = np.sqrt(np.clip(eigenvalues[::-1], 0.0, None))
    return singular, vectors[:, ::-1]


def _max_evidence(n, singular, coordinates, squared_norms):
    """Maximised log evidence per sample of each target column.

    ``singular`` are the singular values of ``F`` (descending) and
    ``coordinates[j]`` the coordinates of target j on its left singular
    vectors; ``squared_norms[j]`` is ``||t_j||^2``.
    """
    # Directions below the rounding level of the decomposition count as zero
    # eigenvalues: they add nothing to gamma, to m or to the evidence. Unlike
    # the H-score, LogME does not invert them, so the level is float64's
    # whatever the input dtype: float32 features are exact numbers here, and
    # their mean direction can dwarf the others by far more than 1 / eps32.
    tolerance = max(n, coordinates.shape[1]) * _EPS
    # The evidence maximised over alpha is the same for F and c F (alpha takes
    # up c^2). In units of a power of two near the largest singular value,
    # sigma neither underflows nor overflows however small or large the
    # features, and every step below is that of the original units exactly
    # rescaled (the coordinates do not depend on the units).
    exponent = int(np.round(np.log2(singular[0]))) if singular[0] > 0 else 0
    singular = np.ldexp(singular, -exponent)
    keep = singular > singular[0] * tolerance
    sigma = singular[keep] ** 2
    # Squared coordinates of each target on the left singular vectors of F,
    # and the squared norm of its part outside their span, as the published
    # algorithm keeps them: the residuals below then never cancel.
    inside = coordinates[:, keep] ** 2
    if sigma.size >= n:  # F spans every target
        outside = np.zeros(len(squared_norms))
    else:
        # An exact fit (outside = 0) would make the evidence unbounded. The
        # difference below carries rounding of about k eps ||t||^2, so floor it
        # at the rank cut-off's level, where every route agrees it is zero.
        outside = np.maximum(
            squared_norms - inside.sum(axis=1), tolerance * squared_norms
        )
    problem = _Evidence(n, sigma, inside, outside)

    # The fixed-point iteration on alpha / beta, from alpha = beta = 1 in the
    # original units (as near as float64 can start there).
    start = np.ldexp(1.0, int(np.clip(-2 * exponent, -1000, 1000)))
    ratio = np.full(len(squared_norms), start)
    active = np.arange(len(squared_norms))
    rising = np.zeros(len(squared_norms), dtype=bool)
    for _ in range(_MAX_ITER):
        new = problem.update(ratio[active], active)
        # Infinite: the limit of a target orthogonal to F, final.
        moving = np.isfinite(new) & (np.abs(new - ratio[active]) > _TOL * ratio[active])
        rising[active] = new > ratio[active]
        ratio[active] = new
        active = active[moving]
        if not active.size:
            break
    else:
        # Slow or unbounded (alpha / beta running to 0 or infinity, which
        # happens when F has as many directions as samples): bisect the sign
        # of the evidence's derivative from where the iteration got to, in
        # the direction it was going, up to where the evidence has reached
        # its limit to rounding.
        low = np.where(rising[active], ratio[active], sigma[-1] * _EPS)
        high = np.where(rising[active], sigma[0] / _EPS, ratio[active])
        low, high = np.log(np.minimum(low, high)), np.log(np.maximum(low, high))
        for _ in range(_BISECTIONS):
            middle = 0.5 * (low + high)
            up = problem.slope_sign(np.exp(middle), active) > 0
            low, high = np.where(up, middle, low), np.where(up, high, middle)
        ratio[active] = np.exp(0.5 * (low + high))
    return problem.log_evidence(ratio) / n


class _Evidence:
    """The evidence of each target column as a function of ``t = alpha / beta``.

    With ``rho_i = sigma_i / t`` and ``z_i`` the target's coordinates on the
    left singular vectors of ``F``: ``gamma = sum rho / (1 + rho)``, the
    squared residual ``||F m - t||^2 = outside + sum z^2 / (1 + rho)^2``,
    ``t ||m||^2 = sum z^2 rho / (1 + rho)^2`` and the ridge objective
    ``E = ||F m - t||^2 + t ||m||^2 = outside + sum z^2 / (1 + rho)``. All are
    finite at ``t`` infinite, the limit of a target orthogonal to ``F``.
    """

    def __init__(self, n, sigma, inside, outside):
        self.n, self.sigma, self.inside, self.outside = n, sigma, inside, outside

    def _terms(self, ratio, rows):
        # 1 / (1 + rho) and rho / (1 + rho), each finite for t = 0 and t = inf.
        with np.errstate(divide="ignore"):
            shrink = 1.0 / (1.0 + self.sigma / ratio[:, None])
        share = self.sigma / (self.sigma + ratio[:, None])
        inside = self.inside[rows]
        gamma = share.sum(axis=1)
        fitted = (inside * shrink).sum(axis=1)
        penalty = (inside * share * shrink).sum(axis=1)  # t ||m||^2
        # ||F m - t||^2 as a sum of squares: as fitted - penalty it cancels to
        # zero or below when F spans the target and t is small.
        residual = self.outside[rows] + (inside * shrink**2).sum(axis=1)
        return gamma, fitted, penalty, residual

    def update(self, ratio, rows):
        """``alpha / beta`` after one fixed-point step from ``ratio``."""
        gamma, _, penalty, residual = self._terms(ratio, rows)
        # A vanishing penalty sends the ratio to infinity: overflow is the limit.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            new = gamma * residual * ratio / ((self.n - gamma) * penalty)
        # m = 0 (a target orthogonal to F) is best explained with alpha infinite.
        return np.where(penalty > 0, new, np.inf)

    def slope_sign(self, ratio, rows):
        """Sign of the derivative of the evidence (maximised over beta) in t."""
        gamma, fitted, penalty, _ = self._terms(ratio, rows)
        return np.sign(gamma * (self.outside[rows] + fitted) - self.n * penalty)

    def log_evidence(self, ratio):
        """The log evidence maximised over beta for ``alpha = ratio beta``.

        At the fixed point it equals ``L(alpha, beta)``: there ``beta = n / E``,
        and ``D/2 log alpha - 1/2 log|A|`` is ``-1/2 sum log(1 + rho)`` over all
        ``D`` eigenvalues, to which the zero ones contribute nothing.
        """
        _, fitted, _, _ = self._terms(ratio, slice(None))
        objective = self.outside + fitted
        with np.errstate(divide="ignore"):
            log_prior = -0.5 * np.log1p(self.sigma / ratio[:, None]).sum(axis=1)
        n = self.n
        return log_prior + 0.5 * n * (np.log(n / objective) - 1 - np.log(2 * np.pi))


def _check_targets(y, n_samples):
    """Real-valued regression targets as a float64 array of shape (n, n_targets)."""
    try:
        targets = np.asarray(y)
    except ValueError as exc:
        raise ValueError(f"y must be a 1-D or 2-D array of numbers; {exc}") from None
    if targets.dtype == object or not (
        np.issubdtype(targets.dtype, np.number) or targets.dtype == bool
    ):
        raise TypeError(
            f"y must hold real numbers for regression=True; got dtype {targets.dtype}"
        )
    if np.issubdtype(targets.dtype, np.complexfloating):
        raise TypeError(f"y must hold real numbers; got complex dtype {targets.dtype}")
    if targets.ndim == 1:
        targets = targets[:, None]
    if targets.ndim != 2:
        raise ValueError(
            f"y must be 1-D or 2-D (n_samples, n_targets); got shape {targets.shape}"
        )
    if targets.shape[0] != n_samples:
        raise ValueError(
            f"y has {targets.shape[0]} targets but the features have {n_samples} "
            "samples; they must have one target per sample"
        )
    if targets.shape[1] == 0:
        raise ValueError(f"y has no target columns (shape {targets.shape})")
    targets = targets.astype(np.float64)
    if not np.isfinite(targets).all():
        raise ValueError("y contains NaN or infinity; remove or impute them first")
    return targets


def _feature_target_products(X, targets):
    """``X.T @ targets`` in float64, one chunk of rows of ``X`` at a time."""
    n_samples, n_features = X.shape
    products = np.zeros((n_features, targets.shape[1]))
    for rows in gen_batches(n_samples, max(CHUNK_BYTES // (8 * n_features), 1)):
        block = X[rows]
        block = block.toarray() if sp.issparse(block) else block
        products += block.T.astype(np.float64) @ targets[rows]
    return products


class LogMEScorer(_FeatureScorer):
    """Score the representation an estimator produces by its LogME.

    Parameters
    ----------
    regression : bool, default=False
        Passed to :func:`~sktransfer.metrics.logme_score`: score real-valued
        targets instead of class labels.

    See Also
    --------
    sktransfer.metrics.logme_score : The metric as a function of features.
    HScoreScorer : Score a representation by its H-score.

    Notes
    -----
    Called as ``scorer(estimator, X, y)``, it returns ``logme_score(F, y)``
    with ``F`` the features the fitted ``estimator`` makes of ``X``: its
    ``transform`` output, or for a :class:`~sklearn.pipeline.Pipeline` ending
    in a predictor, the output of all steps but the last.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sktransfer.metrics import LogMEScorer
    >>> X, y = load_digits(return_X_y=True)
    >>> pca = PCA(16, random_state=0).fit(X)
    >>> round(LogMEScorer()(pca, X, y), 4)
    0.0756
    """

    _parameter_constraints = {"regression": ["boolean"]}
    _metric = staticmethod(logme_score)

    def __init__(self, *, regression=False):
        self._set_params(regression=regression)
