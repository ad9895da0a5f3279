"""TransRate: the coding rate of the features less their coding rate per class."""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import (
    Interval,
    validate_params,
)

from sktransfer._statistics import SufficientStatistics
from sktransfer._validation import check_features, input_epsilon
from sktransfer.metrics._class_labels import encode_classes
from sktransfer.metrics._scorer import _FeatureScorer

# Bytes of float64 scratch for the rows and Gram matrices of a batch of classes.
_BATCH_BYTES = 64 * 2**20
_FLOAT64_EPS = float(np.finfo(np.float64).eps)

_EPS_CONSTRAINT = [Interval(Real, 0, None, closed="neither")]


@validate_params(
    {"X": ["array-like", "sparse matrix"], "y": ["array-like"], "eps": _EPS_CONSTRAINT},
    prefer_skip_nested_validation=True,
)
def transrate_score(X, y, *, eps=1e-4):
    """TransRate: how much coding rate of the features the classes account for.

    TransRate (Huang et al. 2022) measures the mutual information between
    features and labels by the coding rate of rate-distortion theory: the
    number of nats needed to encode the features up to a distortion, less the
    number needed once the class of each sample is known. Features whose
    classes are compact and far apart score high.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Features, one row per sample, of any real dtype.
    y : array-like of shape (n_samples,)
        Class labels: integers, integral floats, booleans or strings.
    eps : float, default=1e-4
        The squared distortion ``epsilon^2`` of the coding rate, the value the
        authors' code calls ``eps``. It is on the scale of the squared
        features: the score is not invariant to rescaling ``X``.

    Returns
    -------
    score : float
        The TransRate, in nats; greater is better.

    See Also
    --------
    TransRateScorer : TransRate of a fitted transformer's output, as a scorer.
    h_score : A scale-free score from the same second moments.

    Notes
    -----
    With ``Z`` the features centred at their mean, ``Z_c`` its rows of class
    ``c`` (not re-centred), ``n_c`` their number and ``d`` the number of
    features, the coding rate and the rate given the labels are

    .. math::

        R(Z, \\epsilon) = \\frac{1}{2} \\log\\det\\left(I_d
        + \\frac{1}{n \\epsilon^2} Z^T Z\\right), \\qquad
        R(Z, \\epsilon \\mid Y) = \\sum_c \\frac{n_c}{n} R(Z_c, \\epsilon),

    and TransRate is ``TrR = R(Z, eps) - R(Z, eps | Y)`` with
    ``eps = epsilon^2``. The class terms are weighted by the class shares
    ``n_c / n``, as in the conditional coding rate the paper builds on and in
    the authors' experiment code; the short listing circulated with the paper,
    and most ports of it, average them uniformly (``1 / n_classes``) instead,
    which agrees only for balanced classes. With the shares, TransRate is never
    negative (the log-determinant is concave) and at most ``R(Z, eps)``.

    ``R(Z)`` comes from the singular values of the centred features (the
    sufficient statistics). The class terms need the second moments of each
    class, which those statistics do not hold: each is computed from the
    class's rows, as ``log det(I + Z_c Z_c^T / (n_c eps))`` when the class has
    fewer samples than there are features and from ``Z_c^T Z_c`` otherwise
    (the two are equal), for all classes in batches. Directions at rounding
    level count as zero, as for the H-score: singular values of ``Z`` at or
    below ``s_max * max(n, d) * eps`` (numpy's ``matrix_rank`` convention,
    with the machine epsilon of the input dtype), and eigenvalues of a class's
    Gram matrix at or below its largest times ``max(n_c, d) * eps64`` (the
    rounding of forming it) or ``(max(n_c, d) * eps)^2`` (the same convention
    on the class's rows), whichever is larger, so that a rank-deficient
    representation scores the same at any scale. The cost is
    ``O(sum_c n_c min(n_c, d)^2 + n_classes min(n_c, d)^3)`` beyond the
    statistics, and the memory of one batch of per-class Gram matrices, at
    most ``O(n_classes d^2)``.

    References
    ----------
    .. [1] L.-K. Huang, J. Huang, Y. Rong, Q. Yang and Y. Wei, "Frustratingly
       Easy Transferability Estimation", ICML 2022.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import transrate_score
    >>> X, y = load_iris(return_X_y=True)
    >>> round(transrate_score(X, y), 4)
    0.5894
    >>> round(transrate_score(X[:, :1], y), 4)
    0.0673
    """
    X = check_features(X)
    classes, codes = encode_classes(y, n_samples=X.shape[0], metric="TransRate")
    stats = SufficientStatistics.from_data(X)
    n = stats.n_samples
    singular, _ = stats.spectrum()
    singular = singular[singular > stats.rank_tolerance()]
    with np.errstate(over="ignore"):
        rate = 0.5 * np.sum(np.log1p(singular**2 / (n * eps)))
    if not np.isfinite(rate):
        raise _too_large(eps)
    counts = np.bincount(codes[:, 0], minlength=classes[0].size)
    logdets = _class_log_determinants(X, codes[:, 0], counts, stats.mean, eps)
    return float(rate - 0.5 * np.sum(counts * logdets) / n)


def _class_log_determinants(X, codes, counts, mean, eps):
    """``log det(I + Z_c^T Z_c / (n_c eps))`` of each class, ``Z_c = X_c - mean``.

    Classes are taken largest first in batches that fit ``_BATCH_BYTES``:
    a batch's rows are gathered into one zero-padded array of shape
    ``(n_batch, n_rows, n_features)``, so that one batched product and one
    batched eigendecomposition serve the whole batch (zero rows add nothing
    to a Gram matrix, and their zero eigenvalues nothing to the determinant).
    """
    n_features = X.shape[1]
    order = np.argsort(codes, kind="stable")  # sample indices grouped by class
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    by_size = np.argsort(-counts, kind="stable")
    logdets = np.empty(counts.size)

    position = 0
    while position < counts.size:  # one iteration per batch of classes
        size = int(counts[by_size[position]])
        dual = size <= n_features  # the smaller Gram matrix: Z_c Z_c^T
        side = size if dual else n_features
        rows_per_class = size if dual else min(size, max(n_features, 1024))
        per_class = 8 * (side * side + rows_per_class * n_features)
        n_batch = max(1, _BATCH_BYTES // per_class)
        batch = by_size[position : position + n_batch]
        position += batch.size

        gram = np.zeros((batch.size, side, side))
        with np.errstate(over="ignore", invalid="ignore"):
            for rows in gen_batches(size, rows_per_class):
                block = _gather(X, order, starts[batch], counts[batch], rows, mean)
                if dual:
                    gram += block @ block.transpose(0, 2, 1)
                else:
                    gram += block.transpose(0, 2, 1) @ block
            gram /= (counts[batch] * eps)[:, None, None]
        if not np.isfinite(gram).all():
            raise _too_large(eps)
        logdets[batch] = _log_det_identity_plus(
            gram, np.maximum(counts[batch], n_features), input_epsilon(X.dtype)
        )
    return logdets


def _log_det_identity_plus(gram, dims, eps):
    """``log det(I + G)`` of a stack of Gram matrices, their rounding left out.

    An eigenvalue of ``G`` at or below ``lambda_max`` times the larger of
    ``dims * eps(float64)`` (the rounding of forming ``G``) and ``(dims *
    eps)^2`` (numpy's ``matrix_rank`` cut on the singular values of the rows,
    with the input's ``eps``) counts as zero: otherwise the rounding of a
    rank-deficient class would count as coding rate, more the larger the
    features (and ``I + G`` may not even be positive definite).
    """
    eigenvalues = np.linalg.eigvalsh(gram)
    relative = np.maximum(dims * _FLOAT64_EPS, (dims * eps) ** 2)
    noise = eigenvalues <= eigenvalues[:, -1:] * relative[:, None]
    return np.log1p(np.where(noise, 0.0, eigenvalues)).sum(axis=1)


def _too_large(eps):
    return ValueError(
        f"X is too large for TransRate with eps={eps:g}: the squares of its "
        "features over eps overflow float64. TransRate depends on the scale of "
        "X; divide X by a constant c and eps by c**2 to keep the same score."
    )


def _gather(X, order, starts, counts, rows, mean):
    """Rows ``rows`` of each class's samples, centred, zero-padded to one array.

    Returns an array of shape ``(n_classes, len(rows), n_features)``: entry
    ``[c, j]`` is the ``(rows.start + j)``-th sample of class ``c`` less
    ``mean``, or zero past the end of the class.
    """
    offsets = np.arange(rows.start, rows.stop)
    valid = offsets < counts[:, None]
    samples = order[(starts[:, None] + offsets)[valid]]
    values = X[samples]
    values = values.toarray() if sp.issparse(values) else values
    block = np.zeros((counts.size, offsets.size, X.shape[1]))
    block[valid] = np.subtract(values, mean, dtype=np.float64)
    return block


class TransRateScorer(_FeatureScorer):
    """Score the representation an estimator produces by its TransRate.

    Parameters
    ----------
    eps : float, default=1e-4
        The squared distortion of the coding rate, passed to
        :func:`~sktransfer.metrics.transrate_score`.

    See Also
    --------
    sktransfer.metrics.transrate_score : The metric as a function of features.
    HScoreScorer : Score a representation by its H-score.

    Notes
    -----
    Called as ``scorer(estimator, X, y)``, it returns ``transrate_score(F, y)``
    with ``F`` the features the fitted ``estimator`` makes of ``X``: its
    ``transform`` output, or for a :class:`~sklearn.pipeline.Pipeline` ending
    in a predictor, the output of all steps but the last.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sktransfer.metrics import TransRateScorer
    >>> X, y = load_digits(return_X_y=True)
    >>> pca = PCA(16, random_state=0).fit(X)
    >>> round(TransRateScorer()(pca, X, y), 4)
    7.5839
    """

    _parameter_constraints = {"eps": _EPS_CONSTRAINT}
    _metric = staticmethod(transrate_score)

    def __init__(self, *, eps=1e-4):
        self._set_params(eps=eps)
