"""TransRate: the coding rate of the features less their coding rate per class."""

from numbers import Real

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils import gen_batches

from sktransfer._compat import (
    Interval,
    validate_params,
)
from sktransfer._engine import Uncertified, certified, statistics_of
from sktransfer._validation import check_features, exact_float_features, input_epsilon
from sktransfer.metrics._class_labels import encode_classes
from sktransfer.metrics._scorer import _FeatureScorer

# Bytes of float64 scratch for the rows and Gram matrices of a batch of classes.
_BATCH_BYTES = 64 * 2**20
# Classes whose Gram matrix has at most this many rows are computed in stacks:
# alone, the calls would cost more than their arithmetic.
_STACK_SIDE = 64
# Power iteration for the largest eigenvalue of a Gram matrix, which sets only
# the rank cut: at most so many steps, until it changes by less than so much.
_POWER_STEPS = 10
_POWER_CHANGE = 1e-2
# Below this many nats per dimension, a log-determinant comes from eigenvalues:
# the rounding of a Cholesky factor would be more than 1e-13 of it.
_SMALL_RATE = 1e-3
_FLOAT64_EPS = float(np.finfo(np.float64).eps)
# Differences within this many units of rounding of the larger term are ties.
_TIE_ROUNDING = 64
_POTRF, _PSTRF = scipy.linalg.get_lapack_funcs(("potrf", "pstrf"), dtype=np.float64)

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
    level count as zero: singular values of ``Z`` at or below the H-score's
    bound in the units of the features, ``10 eps ||X||_F`` (the raw
    columns, with the machine epsilon of the input dtype; see the methods
    page, numerical rank), and eigenvalues of a class's Gram matrix at or
    below its largest times ``max(n_c, d) * eps64`` (the rounding of forming
    it) or ``(max(n_c, d) * eps)^2`` (numpy's ``matrix_rank`` convention on
    the class's rows), whichever is larger, so that a rank-deficient
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
    # Unchanged by a constant added to a feature: large integers are shifted.
    X, _ = exact_float_features(check_features(X))
    classes, codes = encode_classes(y, n_samples=X.shape[0], metric="TransRate")
    # The class terms are centred at the mean, not re-centred: it is taken
    # from the float64 Gram route at least, whose mean is exact to float64.
    wide = X.shape[0] < X.shape[1]
    stats = statistics_of(X, route=None if wide else "gram64", norm_moments=False)
    rate = certified(stats, lambda s: _coding_rate(s, eps))
    counts = np.bincount(codes[:, 0], minlength=classes[0].size)
    logdets = _class_log_determinants(X, codes[:, 0], counts, stats.mean, eps)
    class_rate = 0.5 * np.sum(counts * logdets) / stats.n_samples
    # Never negative (the classes' rates average to at most the whole's), but
    # the difference of two equal terms can round below zero: a tie is 0.
    difference = rate - class_rate
    if difference < 0 and -difference <= _TIE_ROUNDING * _FLOAT64_EPS * rate:
        difference = 0.0
    return float(difference)


def _coding_rate(stats, eps):
    """``R(Z) = 1/2 log det(I + S / (n eps))`` over the directions kept.

    Directions of the centred features below the engine's rank cut (the
    input's rounding) count as zero. On a Gram route the decision needs the
    route's rounding far below the cut wherever a singular value is near or
    below it; otherwise the statistics are refused and the next route serves.
    """
    n = stats.n_samples
    singular = stats.singular_values()
    tau = stats.rank_tolerance()
    error = stats.spectral_error()
    kept = singular > tau
    if (
        error is not None
        and np.any(singular**2 <= 4.0 * error)
        and (error > 0.25 * tau**2)
    ):
        raise Uncertified(error, "its rounding hides the numerical rank")
    with np.errstate(over="ignore"):
        rate = 0.5 * np.sum(np.log1p(singular[kept] ** 2 / (n * eps)))
    if not np.isfinite(rate):
        raise _too_large(eps)
    return rate


def _class_log_determinants(X, codes, counts, mean, eps):
    """``log det(I + Z_c^T Z_c / (n_c eps))`` of each class, ``Z_c = X_c - mean``.

    Classes are taken largest first. One whose Gram matrix (the smaller of
    ``Z_c Z_c^T`` and ``Z_c^T Z_c``) has more than ``_STACK_SIDE`` rows is
    computed alone, by BLAS products over pieces of its data. Smaller ones go
    in batches that fit ``_BATCH_BYTES``: a batch's rows are gathered into one
    zero-padded array of shape ``(n_batch, n_rows, n_features)``, so that one
    batched product serves the whole batch (zero rows add nothing to a Gram
    matrix) and, where none is rank-deficient, one batched Cholesky.
    """
    n_features = X.shape[1]
    input_eps = input_epsilon(X.dtype)
    order = np.argsort(codes, kind="stable")  # sample indices grouped by class
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    by_size = np.argsort(-counts, kind="stable")
    logdets = np.empty(counts.size)

    position = 0
    while position < counts.size:  # one iteration per class or batch of classes
        size = int(counts[by_size[position]])
        with np.errstate(over="ignore", invalid="ignore"):
            if min(size, n_features) > _STACK_SIDE:
                batch = by_size[position : position + 1]
                start = starts[batch[0]]
                gram = _class_gram(X, order[start : start + size], mean)[None]
            else:
                batch, gram = _stacked_grams(
                    X, order, starts, counts, by_size[position:], mean
                )
            gram /= (counts[batch] * eps)[:, None, None]
            # At least every entry of G v and v^T G v for entries of v at
            # most 1: where it is finite, the power iteration cannot overflow.
            scale = gram.shape[1] * np.trace(gram, axis1=1, axis2=2)
        position += batch.size
        if not (np.isfinite(gram).all() and np.isfinite(scale).all()):
            raise _too_large(eps)
        logdets[batch] = _log_det_identity_plus(
            gram, np.maximum(counts[batch], n_features), input_eps
        )
    return logdets


def _class_gram(X, samples, mean):
    """The Gram matrix of one class's centred rows ``Z = X[samples] - mean``.

    ``Z Z^T`` (the dual) when the class has no more samples than features,
    ``Z^T Z`` otherwise, summed over pieces of at most ``_BATCH_BYTES`` of
    float64: pieces of columns for the dual, of rows otherwise. Of sparse rows,
    the dual densifies only the columns with a stored entry: every other
    column of ``Z`` is ``-mean_j`` throughout and adds ``mean_j^2`` to every
    entry of ``Z Z^T``.
    """
    n_samples, n_features = samples.size, X.shape[1]
    constant = 0.0
    if n_samples > n_features:  # Z^T Z = sum of B B^T over pieces B^T of rows
        step = max(1, _BATCH_BYTES // (8 * n_features))
        pieces = (
            _centred(X[samples[rows]], mean).T for rows in gen_batches(n_samples, step)
        )
    else:
        if sp.issparse(X):
            X = X[samples]
            stored = np.unique(X.indices)
            absent = np.ones(n_features, dtype=bool)
            absent[stored] = False
            constant = np.sum(mean[absent] ** 2)
            X, mean, samples = X[:, stored], mean[stored], slice(None)
        step = max(1, _BATCH_BYTES // (8 * n_samples))
        pieces = (
            _centred(X[samples, columns], mean[columns])
            for columns in gen_batches(X.shape[1], step)
        )
    products = (piece @ piece.T for piece in pieces)
    gram = next(products, None)
    if gram is None:  # sparse rows without a stored entry
        gram = np.zeros((n_samples, n_samples))
    for product in products:
        gram += product
    gram += constant
    return gram


def _stacked_grams(X, order, starts, counts, classes, mean):
    """The Gram matrices of the first classes of ``classes`` (largest first)
    that fit ``_BATCH_BYTES`` together, zero-padded to one stack.

    Returns the classes taken and their Gram matrices, ``Z_c Z_c^T`` for all
    of them if the first has no more samples than features, else ``Z_c^T Z_c``.
    """
    n_features = X.shape[1]
    size = int(counts[classes[0]])
    dual = size <= n_features  # the smaller Gram matrix: Z_c Z_c^T
    side = size if dual else n_features
    rows_per_class = size if dual else min(size, max(n_features, 1024))
    per_class = 8 * (side * side + rows_per_class * n_features)
    batch = classes[: max(1, _BATCH_BYTES // per_class)]
    gram = np.zeros((batch.size, side, side))
    for rows in gen_batches(size, rows_per_class):
        block = _gather(X, order, starts[batch], counts[batch], rows, mean)
        if dual:
            gram += block @ block.transpose(0, 2, 1)
        else:
            gram += block.transpose(0, 2, 1) @ block
    return batch, gram


def _log_det_identity_plus(gram, dims, eps):
    """``log det(I + G)`` of a stack of Gram matrices, their rounding left out.

    An eigenvalue of ``G`` at or below ``tau = lambda_max`` times the larger
    of ``dims * eps(float64)`` (the rounding of forming ``G``) and ``(dims *
    eps)^2`` (numpy's ``matrix_rank`` cut on the singular values of the rows,
    with the input's ``eps``) counts as zero: otherwise the rounding of a
    rank-deficient class would count as coding rate, more the larger the
    features (and ``I + G`` may not even be positive definite).

    Where the Cholesky factorisation of ``G - tau I`` exists, no eigenvalue
    is at or below ``tau`` and ``log det(I + G)`` is twice the sum of the
    logarithms of the diagonal of the Cholesky factor of ``I + G``: one batched
    factorisation of each kind for the whole stack. Otherwise the matrices are
    taken one by one, and :func:`_pivoted_log_det` finds the rank. A small
    ``G``, whose log-determinant those logarithms would round away, and a
    spectrum with eigenvalues close to ``tau`` are left to the eigenvalues.
    ``lambda_max`` is estimated by :func:`_largest_eigenvalues` except there.
    """
    side = gram.shape[1]
    relative = np.maximum(dims * _FLOAT64_EPS, (dims * eps) ** 2)
    tau = _largest_eigenvalues(gram) * relative
    if side == 1:
        values = gram[:, 0, 0]
        return np.log1p(np.where(values > tau, values, 0.0))
    diagonal = np.arange(side)
    shifted = gram.copy()
    shifted[:, diagonal, diagonal] -= tau[:, None]
    # A zero diagonal entry is a zero row and column (the padding of a stack,
    # a constant feature, a sample at the mean): it adds nothing.
    matrices, rows = np.nonzero(np.diagonal(gram, axis1=1, axis2=2) == 0)
    shifted[matrices, rows, rows] = 1.0
    if _cholesky_diagonals(shifted) is None:
        logdets = np.array(
            [_pivoted_log_det(*args) for args in zip(gram, tau, relative, strict=True)]
        )
    else:
        identity_plus = gram.copy()
        identity_plus[:, diagonal, diagonal] += 1.0
        logdets = 2.0 * np.log(_cholesky_diagonals(identity_plus)).sum(axis=1)
    # The logarithm of each diagonal entry of a Cholesky factor of I + G is off
    # by about eps(float64): much of log det(I + G) where G is small.
    small = logdets < side * _SMALL_RATE
    if small.any():
        logdets[small] = _eigen_log_dets(gram[small], relative[small])
    return logdets


def _cholesky_diagonals(matrices):
    """The diagonals of the Cholesky factors of a stack of symmetric matrices,
    or None if one is not positive definite. May overwrite ``matrices``."""
    if matrices.shape[1] <= _STACK_SIDE:  # numpy's batched call: one for all
        try:
            factors = np.linalg.cholesky(matrices)
        except np.linalg.LinAlgError:
            return None
        return np.diagonal(factors, axis1=1, axis2=2)
    diagonals = np.empty(matrices.shape[:2])
    for matrix, diagonal in zip(matrices, diagonals, strict=True):
        # numpy's Cholesky is several times slower than LAPACK's at this size.
        factor = _cholesky(matrix)
        if factor is None:
            return None
        diagonal[:] = np.diagonal(factor)
    return diagonals


def _pivoted_log_det(gram, tau, relative):
    """``log det(I + G)`` of one Gram matrix, its rank found by pivoting.

    Cholesky factorisation with diagonal pivoting (LAPACK's ``pstrf``) stops
    at the first pivot at or below ``tau``: ``P^T G P = [L1; L2] [L1; L2]^T +
    [0 0; 0 S]`` with ``L1`` square of the rank ``r`` kept and ``S`` the
    remainder, and then ``log det(I + G) = log det(I_r + L^T L)`` up to ``S``,
    from one more, ``r x r``, Cholesky factorisation.

    A pivot is the variance left in one row of ``G`` once the directions kept
    before it are projected out, not an eigenvalue: stopping at ``tau`` can
    leave out a direction spread over several rows whose eigenvalue is above
    it, or keep one whose rounding grew in the elimination. So the cut is
    checked against the rule on eigenvalues, by two more Cholesky
    factorisations: of ``tau I - S`` (no eigenvalue of ``S`` reaches ``tau``,
    so none of ``G`` past the ``r``-th does) and of ``L^T L - tau I`` (the
    ``r`` kept are above it, as are then those of ``G``). Where ``G`` is
    rank-deficient, its rounding far below ``tau`` and its signal far above
    (the case the cut is for), both hold; where they do not, some eigenvalue
    is close to ``tau`` and the eigenvalues themselves decide.
    """
    side = gram.shape[0]
    factor, pivots, rank, _ = _PSTRF(gram, tol=tau, lower=1)
    if rank == side:
        core = gram.copy()
    else:
        kept = np.tril(factor[:, :rank])
        rest = pivots[rank:] - 1
        margin = kept[rank:] @ kept[rank:].T - gram[np.ix_(rest, rest)]  # -S
        margin[np.diag_indices(side - rank)] += tau
        if _cholesky(margin) is None:
            return _eigen_log_dets(gram[None], relative)[0]
        if rank == 0:
            return 0.0
        core = kept.T @ kept
    if _cholesky(core - tau * np.eye(rank)) is None:
        return _eigen_log_dets(gram[None], relative)[0]
    core[np.diag_indices(rank)] += 1.0
    return 2.0 * float(np.sum(np.log(np.diagonal(_cholesky(core)))))


def _cholesky(matrix):
    """A Cholesky factor of a symmetric matrix (either triangle of the result
    may hold it), or None if it is not positive definite. May overwrite
    ``matrix``."""
    # The transpose of a C-ordered array is in LAPACK's order: no copy.
    factor, info = _POTRF(matrix.T, lower=1, overwrite_a=1, clean=0)
    return factor if info == 0 else None


def _eigen_log_dets(gram, relative):
    """``log det(I + G)`` of a stack from the eigenvalues of each ``G``, those
    at or below ``lambda_max * relative`` left out: the rank rule itself, for
    a spectrum with eigenvalues close to the cut, or a small ``G``."""
    eigenvalues = np.linalg.eigvalsh(gram)
    noise = eigenvalues <= eigenvalues[:, -1:] * np.reshape(relative, (-1, 1))
    return np.log1p(np.where(noise, 0.0, eigenvalues)).sum(axis=1)


def _largest_eigenvalues(gram):
    """The largest eigenvalue of each positive semi-definite matrix of a stack.

    By power iteration from the column of the largest diagonal entry: the
    Rayleigh quotients grow towards ``lambda_max`` from at least that entry,
    and stop once they change by less than ``_POWER_CHANGE``, within a few
    percent where the largest eigenvalue stands out. Only the rank cut
    depends on it: an estimate a factor ``f`` low moves the cut by ``f``,
    which matters only to eigenvalues that close to it, at rounding level.
    """
    diagonal = np.diagonal(gram, axis1=1, axis2=2)
    largest = np.argmax(diagonal, axis=1)
    estimate = diagonal[np.arange(gram.shape[0]), largest]
    vector = gram[np.arange(gram.shape[0]), :, largest]
    for _ in range(_POWER_STEPS):
        # Entries at most 1, so that no square overflows or underflows.
        top = np.abs(vector).max(axis=1, keepdims=True)
        vector = vector / np.where(top > 0, top, 1.0)
        product = (gram @ vector[:, :, None])[:, :, 0]
        squares = np.einsum("ij,ij->i", vector, vector)
        rayleigh = np.einsum("ij,ij->i", vector, product) / np.maximum(squares, 1.0)
        converged = rayleigh <= estimate * (1.0 + _POWER_CHANGE)
        estimate = np.maximum(estimate, rayleigh)
        if converged.all():
            break
        vector = product
    return estimate


def _too_large(eps):
    return ValueError(
        f"X is too large for TransRate with eps={eps:g}: the squares of its "
        "features over eps overflow float64. TransRate depends on the scale of "
        "X; divide X by a constant c and eps by c**2 to keep the same score."
    )


def _centred(values, mean):
    """Dense float64 ``values - mean`` of some rows (or columns) of ``X``."""
    values = values.toarray() if sp.issparse(values) else values
    return np.subtract(values, mean, dtype=np.float64)


def _gather(X, order, starts, counts, rows, mean):
    """Rows ``rows`` of each class's samples, centred, zero-padded to one array.

    Returns an array of shape ``(n_classes, len(rows), n_features)``: entry
    ``[c, j]`` is the ``(rows.start + j)``-th sample of class ``c`` less
    ``mean``, or zero past the end of the class.
    """
    offsets = np.arange(rows.start, rows.stop)
    valid = offsets < counts[:, None]
    samples = order[(starts[:, None] + offsets)[valid]]
    block = np.zeros((counts.size, offsets.size, X.shape[1]))
    block[valid] = _centred(X[samples], mean)
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
