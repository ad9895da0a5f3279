"""LEEP and NLEEP: the log-likelihood of the classifier a source's output induces.

Both read a soft contingency table of source class probabilities against the
target labels (one sparse GEMM); NLEEP first makes the probabilities from the
features with a Gaussian mixture.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state

from sktransfer._compat import (
    Interval,
    StrOptions,
    validate_params,
)
from sktransfer._engine import (
    CHUNK_BYTES,
    check_probabilities,
    probability_chunks,
    soft_contingency_table,
)
from sktransfer._limits import check_allocation
from sktransfer._validation import check_features, invariant_features
from sktransfer.metrics._entropy import _target_codes
from sktransfer.metrics._scorer import _FeatureScorer, _Scorer, _source_output

# Gaussian components per target class by default, as Li et al. (2021) use.
_COMPONENTS_PER_CLASS = 5
# The mixture holds an n_samples x n_components float64 array of posteriors
# (scikit-learn's, for the other covariance types, several during EM); refuse
# beyond 8 GiB of it rather than fail in numpy.
_MAX_POSTERIORS = 2**30
# Features whose largest magnitude is beyond 2**+-_SAFE_EXPONENT are rescaled
# by a power of two, so that sums of squares over many rows stay finite.
_SAFE_EXPONENT = 400
# The diagonal mixture's EM: scikit-learn's defaults for reg_covar and
# max_iter; its tol, per reduced feature (see nleep_score's Notes).
_REG_COVAR = 1e-6
_MAX_ITER = 100
_TOL_PER_FEATURE = 1e-3
# k-means++ draws its seeds from at most this many rows (see the Notes).
_SEEDING_ROWS = 2_000
_SEEDING_ROWS_PER_COMPONENT = 20

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
        (centred) features themselves, densified if sparse.
    covariance_type : {"diag", "full", "tied", "spherical"}, default="diag"
        Covariance of the components, as in
        :class:`~sklearn.mixture.GaussianMixture`. ``"full"`` reproduces
        implementations that keep scikit-learn's default; see Notes for why
        it is not the default here.
    random_state : int, RandomState instance or None, default=None
        Seed of the mixture's initialisation (k-means++); an int gives the
        same score on every run.

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
    class probabilities (see :func:`leep_score` for ``P(y|v)``).

    The features are centred in float64 first, so NLEEP is invariant to
    adding a constant to them: dense features block by block, each block
    twice (the second pass removes the rounding of the first mean), sparse
    ones implicitly, in the products, so that they stay sparse. The principal
    axes come from the eigendecomposition of the centred scatter matrix
    (``n_features`` square) when samples outnumber features, and otherwise
    from that of the centred kernel matrix (``n_samples`` square), so wide
    features cost ``O(n_samples^2 n_features)`` and little memory. The
    reduced features are divided by one constant, the root of their mean
    variance per component, so that the mixture's covariance regularisation
    (``reg_covar``) is relative and the score does not depend on the units
    of ``X``. Everything runs in float64 whatever the input dtype.
    (scikit-learn's PCA, used before, centres the scatter matrix after
    forming it, so an offset of 1e10 changed the score entirely; centring
    first also rounds differently, which decides k-means ties between the
    duplicated values of the example's single feature: it scored -0.7617.)

    The components are diagonal by default. With five components per class
    each component sees a few dozen to a few hundred samples, far fewer than
    the ``d (d + 1) / 2`` entries of a full covariance over ``d`` reduced
    features, so a full estimate is singular and held up only by
    ``reg_covar``; and one EM step costs ``O(n K d^2)`` against ``O(n K d)``
    for diagonal components (``n`` samples, ``K`` components). The other
    covariance types are fitted by scikit-learn's
    :class:`~sklearn.mixture.GaussianMixture` with its defaults.

    The diagonal mixture is fitted by EM here rather than by
    ``GaussianMixture``, with the same model and steps (``reg_covar=1e-6``,
    at most 100 iterations, initial parameters from k-means clusters): each
    E-step is one matrix product of a block of rows ``[z, z^2]`` with the
    components' ``2 d x K`` coefficients, and each M-step another, so an
    iteration costs the flops of four ``n x d x K`` products, where
    scikit-learn's takes five, a slower log-sum-exp and several ``n x K``
    arrays. Two defaults differ, for cost:

    * EM stops when the mean log-likelihood per sample changes by less than
      ``1e-3 d`` between iterations, not ``1e-3``. That log-likelihood is a
      sum over the ``d`` coordinates, so a fixed tolerance asks a mixture of
      hundreds of features for hundreds of times the relative precision it
      asks of one feature, the posteriors (all NLEEP reads) having settled
      long before: on 20,000 samples of 512 features and 50 classes (``d =
      376``), 29 iterations instead of 2 moved NLEEP by 0.0002, against 0.003
      between random seeds.
    * On more than ``max(2000, 20 K)`` samples, k-means++ draws its seeds
      from that many of them, picked at random (it reads its data once per
      component, and on all 50,000 samples below it took longer than the
      rest of NLEEP together), and Lloyd's iterations run on all samples, in
      float32. On two sets of 20,000 samples (``K = 250``) this moved the
      mean NLEEP over three seeds by 0.002 and 0.013, against spreads of
      0.004 and 0.011 between the seeds.

    With one reduced feature and up to that many samples, the score is that
    of scikit-learn's mixture on the same reduced features with the same
    ``random_state``. On 50,000 samples of 1,024 float32 features with 100
    classes (``K = 500``, ``d = 757``) NLEEP takes about 50 times as long
    as one float32 ``X.T @ X``, most of it in k-means and EM (a full mixture
    would run for hours), and remains the slowest metric of the suite.

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
    -0.7631
    """
    # Unchanged by translation and scale: large integers and extreme scales
    # are brought to where float64 holds every intermediate.
    X = invariant_features(check_features(X))
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
    # scikit-learn's EM for the other covariance types holds three such arrays.
    copies = 1 if covariance_type == "diag" else 3
    check_allocation(
        8 * copies * n_samples * n_components,
        what=(
            f"NLEEP's posterior probabilities of {n_samples} samples for "
            f"{n_components} Gaussian components"
        ),
        remedy=(
            f"pass a smaller n_components (y has {n_y} classes, "
            f"{_COMPONENTS_PER_CLASS} components each by default)"
        ),
    )
    exponent, constant = _scan_features(X)
    if constant:
        # Constant features carry nothing: the uninformative source, whose
        # LEEP is -H(y), without asking PCA or k-means to split one point.
        return leep_score(y, np.ones((n_samples, 1)))
    if pca_variance is None:
        check_allocation(
            8 * X.shape[0] * X.shape[1],
            what=(
                f"NLEEP's centred float64 copy of X ({X.shape[0]} x {X.shape[1]}"
                f"{', sparse, densified' if sp.issparse(X) else ''})"
            ),
            remedy=(
                "pass pca_variance (0.8 by default) to fit the mixture on the "
                "principal components, which keeps sparse X sparse"
            ),
        )
        Z, variances = _centred_features(X, exponent)
    else:
        Z, variances = _principal_components(X, pca_variance, exponent)
    scale = np.sqrt(np.mean(variances))
    if not scale > 0:
        # Sparse features so close to constant that their implicitly centred
        # scatter rounds to zero: as good as constant.
        return leep_score(y, np.ones((n_samples, 1)))
    Z /= scale
    if covariance_type == "full":
        # Its covariances, precisions and their Cholesky factors.
        d = Z.shape[1]
        check_allocation(
            3 * 8 * n_components * d * d,
            what=(
                f"NLEEP's {n_components} full covariance matrices of {d} x {d} "
                "reduced features"
            ),
            remedy=(
                "use covariance_type='diag' (the default), a smaller "
                "n_components or a smaller pca_variance"
            ),
        )
    if covariance_type != "diag":
        mixture = GaussianMixture(
            n_components=n_components,
            covariance_type=covariance_type,
            random_state=random_state,
        ).fit(Z)
        return leep_score(y, mixture.predict_proba(Z))
    labels = _initial_labels(Z, n_components, random_state)
    posteriors, converged = _diagonal_mixture_posteriors(
        Z, labels, n_components, tol=_TOL_PER_FEATURE * Z.shape[1], max_iter=_MAX_ITER
    )
    if not converged:
        warnings.warn(
            f"The Gaussian mixture of NLEEP did not converge in {_MAX_ITER} EM "
            "iterations; the score may depend on random_state more than usual",
            ConvergenceWarning,
            stacklevel=2,
        )
    return leep_score(y, posteriors)


def _blocks(n, width):
    """Slices of ``range(n)``, each of about ``CHUNK_BYTES`` of float64 rows
    ``width`` wide."""
    step = max(1, CHUNK_BYTES // (8 * width))
    for start in range(0, n, step):
        yield slice(start, min(start + step, n))


def _float_rows(X, rows, exponent):
    """Rows of dense ``X`` in float64, times ``2**exponent``."""
    block = np.array(X[rows], dtype=np.float64)
    return np.ldexp(block, exponent, out=block) if exponent else block


def _scan_features(X):
    """Check that ``X`` is finite; the power of two that brings it in range.

    Returns ``(exponent, constant)``: scaling by ``2**exponent`` (exact, and
    no score changes with the units of ``X``) keeps squares and their sums
    over many rows from overflow and underflow; ``constant`` says that every
    column holds one value. Dense input is read in blocks of rows.
    """
    if sp.issparse(X):
        largest = _largest_magnitude(X.data)
        constant = np.array_equal(X.min(axis=0).toarray(), X.max(axis=0).toarray())
    else:
        # In the input's dtype: comparisons and magnitudes need no conversion.
        first = X[0]
        largest, constant = 0.0, True
        for rows in _blocks(X.shape[0], X.shape[1]):
            block = X[rows]
            largest = max(largest, _largest_magnitude(block))
            constant = constant and bool((block == first).all())
    exponent = int(np.frexp(largest)[1])
    if largest == 0 or abs(exponent) < _SAFE_EXPONENT:
        exponent = 0
    return -exponent, constant


def _largest_magnitude(values):
    """``max |values|`` (0 if there are none), refusing NaN and infinity."""
    if values.size == 0:
        return 0.0
    if values.dtype.kind == "f":
        largest = float(np.abs(values).max())  # NaN and infinity propagate
    else:  # integers and booleans, whose abs(min) may overflow their dtype
        largest = float(max(abs(int(values.min())), abs(int(values.max()))))
    if not np.isfinite(largest):
        raise ValueError("X contains NaN or infinity; remove or impute them first")
    return largest


def _sparse_float(X, exponent):
    """CSR ``X`` with float64 values, times ``2**exponent``."""
    values = np.ldexp(np.asarray(X.data, dtype=np.float64), exponent)
    return sp.csr_array((values, X.indices, X.indptr), shape=X.shape)


def _centred_features(X, exponent):
    """``X - mean`` in float64, whole, and the variance of each feature."""
    if sp.issparse(X):
        Z = _sparse_float(X, exponent).toarray()
    else:
        Z = np.empty(X.shape)
        for rows in _blocks(X.shape[0], X.shape[1]):
            Z[rows] = _float_rows(X, rows, exponent)
    _centre(Z)
    return Z, np.einsum("ij,ij->j", Z, Z) / Z.shape[0]


def _centre(block):
    """Subtract the mean of each column in place; return the means.

    Twice: the second pass removes the rounding of the first mean, so rows
    far from the origin are centred as accurately as rows near it.
    """
    mean = block.mean(axis=0)
    block -= mean
    residual = block.mean(axis=0)
    block -= residual
    return mean + residual


def _principal_components(X, share, exponent):
    """Scores on the fewest principal axes of centred ``X`` explaining ``share``.

    Returns ``(Z, variances)``: the float64 scores, one column per kept axis,
    and the variance along each axis (``n_samples - 1`` in the denominator).
    With more samples than features, from the eigendecomposition of the
    centred scatter matrix (``n_features`` square); otherwise from that of the
    centred kernel matrix (``n_samples`` square), whose eigenvectors times the
    singular values are the scores. Dense ``X`` is centred block by block in
    float64, sparse ``X`` implicitly, in the products, so it stays sparse.
    """
    n_samples, n_features = X.shape
    dual = n_samples < n_features
    size = min(n_samples, n_features)
    check_allocation(
        8 * size * size,
        what=(
            f"NLEEP's PCA: the {size} x {size} "
            f"{'kernel' if dual else 'scatter'} matrix of X ({n_samples} samples "
            f"x {n_features} features)"
        ),
        remedy="reduce the dimension of X first (with TruncatedSVD, say)",
    )
    if sp.issparse(X):
        X = _sparse_float(X, exponent)
        mean = np.asarray(X.sum(axis=0)).ravel() / n_samples
        if dual:
            gram = (X @ X.T).toarray()
            shifts = X @ mean
            gram -= shifts[:, None]
            gram -= shifts[None, :]
            gram += mean @ mean
        else:
            gram = (X.T @ X).toarray() - n_samples * np.outer(mean, mean)
    elif dual:
        gram = np.zeros((n_samples, n_samples))
        for columns in _blocks(n_features, n_samples):
            block = _float_rows(X.T, columns, exponent).T
            _centre(block)
            gram += block @ block.T
    else:
        mean = np.zeros(n_features)
        gram = np.zeros((n_features, n_features))
        count = 0
        for rows in _blocks(n_samples, n_features):
            block = _float_rows(X, rows, exponent)
            block_mean = _centre(block)
            gram += block.T @ block
            # Chan et al.'s merge of the scatters of two sets of rows about
            # their own means: the data is never centred on a far-off point.
            size = block.shape[0]
            shift = block_mean - mean
            gram += (count * size / (count + size)) * np.outer(shift, shift)
            mean += shift * (size / (count + size))
            count += size
    eigenvalues, vectors = np.linalg.eigh(gram)
    eigenvalues = np.maximum(eigenvalues[::-1], 0.0)
    total = eigenvalues.sum()
    if not total > 0:
        return np.zeros((n_samples, 1)), np.zeros(1)
    # The fewest axes whose share of the variance exceeds `share`, as in
    # scikit-learn's PCA(n_components=share).
    shares = np.cumsum(eigenvalues) / total
    n_kept = min(int(np.searchsorted(shares, share, side="right")) + 1, len(shares))
    vectors = np.ascontiguousarray(vectors[:, ::-1][:, :n_kept])
    if dual:
        Z = vectors * np.sqrt(eigenvalues[:n_kept])
    elif sp.issparse(X):
        Z = X @ vectors
        Z -= mean @ vectors
    else:
        Z = np.empty((n_samples, n_kept))
        for rows in _blocks(n_samples, n_features):
            block = _float_rows(X, rows, exponent)
            block -= mean
            Z[rows] = block @ vectors
    return Z, eigenvalues[:n_kept] / (n_samples - 1)


def _initial_labels(Z, n_components, random_state):
    """k-means clusters of the rows of ``Z``, as GaussianMixture initialises.

    Up to ``max(_SEEDING_ROWS, _SEEDING_ROWS_PER_COMPONENT * n_components)``
    rows, exactly scikit-learn's initialisation (``KMeans(n_init=1)`` with
    k-means++ seeds); beyond, k-means++ draws its seeds from that many rows
    picked at random, and Lloyd's iterations then run on all rows.
    """
    random_state = check_random_state(random_state)
    n_seeding = max(_SEEDING_ROWS, _SEEDING_ROWS_PER_COMPONENT * n_components)
    if Z.shape[0] <= n_seeding:
        kmeans = KMeans(n_components, n_init=1, random_state=random_state)
        return kmeans.fit(Z).labels_
    rows = np.sort(random_state.choice(Z.shape[0], n_seeding, replace=False))
    seeds, _ = kmeans_plusplus(Z[rows], n_components, random_state=random_state)
    # Lloyd's iterations in float32, at twice the speed: the clusters only
    # start EM, and which of two nearly equidistant centres takes a row
    # matters no more than the seed.
    kmeans = KMeans(n_components, init=seeds.astype(np.float32), n_init=1, copy_x=False)
    return kmeans.fit(Z.astype(np.float32)).labels_


class _DiagonalMixture:
    """EM of a Gaussian mixture with diagonal covariances, block by block.

    The model of scikit-learn's ``GaussianMixture(covariance_type="diag")``,
    in the same steps (``reg_covar`` added to each variance, the weights and
    stopping rule as there), but each E-step is one product of a block of
    rows ``[z, z**2]`` with a ``2 d x K`` matrix, and the M-step's sums one
    product of the block's posteriors with the same rows: no ``n x K`` array
    is held but the posteriors returned, and each iteration costs two GEMMs.
    """

    def __init__(self, Z, n_components):
        self.Z = Z
        self.n_components = n_components
        n_samples, n_features = Z.shape
        step = max(1, CHUNK_BYTES // (8 * (n_components + 2 * n_features)))
        self._rows = [
            slice(start, min(start + step, n_samples))
            for start in range(0, n_samples, step)
        ]
        self._buffer = np.empty((min(step, n_samples), 2 * n_features))

    def _blocks(self):
        """Each block of rows of ``[Z, Z**2]``, in one reused buffer."""
        d = self.Z.shape[1]
        for rows in self._rows:
            block = self._buffer[: rows.stop - rows.start]
            np.copyto(block[:, :d], self.Z[rows])
            np.square(block[:, :d], out=block[:, d:])
            yield rows, block

    def fit_labels(self, labels):
        """The M-step from hard labels (GaussianMixture's ``_initialize``)."""
        counts = np.bincount(labels, minlength=self.n_components).astype(np.float64)
        sums = np.zeros((self.n_components, self._buffer.shape[1]))
        for rows, block in self._blocks():
            members = labels[rows]
            onehot = sp.csr_array(
                (np.ones(len(members)), (members, np.arange(len(members)))),
                shape=(self.n_components, len(members)),
            )
            sums += onehot @ block
        self._m_step(counts, sums, first=True)

    def _m_step(self, counts, sums, *, first=False):
        n_samples, d = self.Z.shape
        counts = counts + 10 * np.finfo(np.float64).eps
        means = sums[:, :d] / counts[:, None]
        squares = sums[:, d:] / counts[:, None]
        # As scikit-learn writes it; the variance is at least reg_covar in
        # exact arithmetic, and clipped there against rounding.
        variances = squares - 2 * means * means + means**2 + _REG_COVAR
        variances = np.maximum(variances, _REG_COVAR)
        weights = counts / (n_samples if first else counts.sum())
        precisions = 1 / variances
        # log w_k + log N(z | mu_k, diag(variances_k)) = [z, z**2] @ coef + offset
        self._coef = np.vstack([(means * precisions).T, -0.5 * precisions.T])
        self._offset = (
            np.log(weights)
            - 0.5 * np.log(variances).sum(axis=1)
            - 0.5 * (d * np.log(2 * np.pi) + (means**2 * precisions).sum(axis=1))
        )

    def _e_step(self, *, statistics=True, out=None):
        """The mean log-likelihood and, with ``statistics``, the M-step's sums.

        The posteriors go to ``out``, block by block, if given.
        """
        log_likelihood = 0.0
        counts = np.zeros(self.n_components)
        sums = np.zeros((self.n_components, self._buffer.shape[1]))
        for rows, block in self._blocks():
            if out is None:
                posteriors = block @ self._coef
            else:
                posteriors = np.matmul(block, self._coef, out=out[rows])
            posteriors += self._offset
            top = posteriors.max(axis=1, keepdims=True)
            posteriors -= top
            np.exp(posteriors, out=posteriors)
            total = posteriors.sum(axis=1, keepdims=True)
            posteriors /= total
            log_likelihood += np.log(total).sum() + top.sum()
            if statistics:
                counts += posteriors.sum(axis=0)
                sums += posteriors.T @ block
        return log_likelihood / self.Z.shape[0], counts, sums

    def fit(self, tol, max_iter):
        """EM until the mean log-likelihood changes by less than ``tol``."""
        log_likelihood = -np.inf
        for _ in range(max_iter):
            previous = log_likelihood
            log_likelihood, counts, sums = self._e_step()
            self._m_step(counts, sums)
            if abs(log_likelihood - previous) < tol:
                return True
        return False

    def predict_proba(self):
        posteriors = np.empty((self.Z.shape[0], self.n_components))
        self._e_step(statistics=False, out=posteriors)
        return posteriors


def _diagonal_mixture_posteriors(Z, labels, n_components, *, tol, max_iter):
    """Posteriors of a diagonal Gaussian mixture fitted by EM from hard labels.

    Returns ``(posteriors, converged)``, as scikit-learn's
    ``GaussianMixture(covariance_type="diag", tol=tol, max_iter=max_iter)``
    initialised from the same labels gives them by ``fit(Z).predict_proba(Z)``.
    """
    mixture = _DiagonalMixture(Z, n_components)
    mixture.fit_labels(labels)
    converged = mixture.fit(tol, max_iter)
    return mixture.predict_proba(), converged


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
        proba = _source_output(estimator, X, "predict_proba", type(self).__name__)
        return leep_score(y, proba)


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
