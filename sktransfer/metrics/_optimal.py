r"""The optimal H-score of a task and the normalised transferability.

For a discrete input ``x`` (image ids, a discretised input) and target labels
``y`` on the same samples, the best features of ``x`` for ``y`` and their
H-score follow from the divergence transition matrix (DTM) of the empirical
joint distribution: its squared Frobenius norm is the H-score of the optimal
features, the denominator of the normalised transferability (Bao et al. 2019,
Definition 3), and its singular vectors are the optimal features, which the
alternating conditional expectations (ACE) algorithm finds.

Everything is computed from the sparse contingency table of ``(y, x)``: with
``n_xy`` samples in a cell and margins ``n_x``, ``n_y``, the scaled matrix
``B[y, x] = n_xy / sqrt(n_x n_y)`` holds as many entries as non-empty cells,
and the DTM is ``B - sqrt(P_Y) sqrt(P_X)^T``, a rank-one correction that is
never formed for large alphabets.
"""

import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, svds
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch, check_random_state

from sktransfer._compat import Interval, validate_params
from sktransfer._engine import contingency_table
from sktransfer._validation import (
    check_features,
    check_two_classes,
    encode_labels,
)
from sktransfer.metrics._hscore import (
    _SHRINKAGE_CONSTRAINT,
    h_score,
    h_score_from_statistics,
)
from sktransfer.metrics._scorer import _FeatureScorer

# Top singular values come from an eigendecomposition of the Gram matrix of the
# DTM's shorter side while that side has at most this many entries (a 32 MB
# matrix); beyond it, from ARPACK on an implicit operator.
_GRAM_MAX_SIDE = 2000
# A normalised transferability above 1 by more than this is not rounding.
_RATIO_ROUNDING = 1e-8
# ACE iterates this many functions beyond those asked for (when there are
# that many): the top correlations then converge at the rate of the gap to
# the first one left out of the block, not to the next one, which with many
# equally informative classes is the difference between two iterations and
# thousands.
_ACE_OVERSAMPLING = 10


class _Joint(NamedTuple):
    """Encoded inputs and labels with their contingency table and margins."""

    table: sp.csr_array  # (n_classes, n_x_values), table[y, x] = n_xy
    x_counts: np.ndarray
    y_counts: np.ndarray
    x_values: np.ndarray
    classes: np.ndarray
    x_codes: np.ndarray

    @property
    def n_samples(self):
        return self.x_codes.shape[0]


def _joint_counts(x, y):
    """Check and encode ``x`` and ``y``, and count their cells and margins."""
    (x_values,), x_codes = encode_labels(x, name="x")
    (classes,), y_codes = encode_labels(y, name="y")
    x_codes, y_codes = x_codes[:, 0], y_codes[:, 0]
    if x_codes.shape[0] != y_codes.shape[0]:
        raise ValueError(
            f"x has {x_codes.shape[0]} values but y has {y_codes.shape[0]} labels; "
            "they must describe the same samples, one input value and one label each"
        )
    check_two_classes(
        classes, "the optimal H-score needs a target with at least two classes"
    )
    n_x, n_y = x_values.size, classes.size
    return _Joint(
        table=contingency_table(x_codes, y_codes, n_x, n_y),
        x_counts=np.bincount(x_codes, minlength=n_x),
        y_counts=np.bincount(y_codes, minlength=n_y),
        x_values=x_values,
        classes=classes,
        x_codes=x_codes,
    )


def _scaled_table(joint):
    """``B[y, x] = P(x,y) / sqrt(P(x) P(y))`` (sparse), ``sqrt(P_X)`` and ``sqrt(P_Y)``.

    The DTM is ``B - outer(sqrt(P_Y), sqrt(P_X))``. ``B`` has the sparsity of the
    table; its largest singular value is 1, with those square roots as vectors.
    """
    table = joint.table
    rows = np.repeat(np.arange(table.shape[0]), np.diff(table.indptr))
    scale = np.sqrt(
        joint.x_counts[table.indices].astype(np.float64) * joint.y_counts[rows]
    )
    matrix = sp.csr_array(
        (table.data / scale, table.indices, table.indptr), shape=table.shape
    )
    n = joint.n_samples
    return matrix, np.sqrt(joint.x_counts / n), np.sqrt(joint.y_counts / n)


def _dtm_frobenius_sq(joint):
    """``||B~||_F^2`` as a sum of non-negative terms, so nothing cancels.

    ``||B~||_F^2 = sum_{x,y} (P(x,y) - P(x)P(y))^2 / (P(x)P(y))``: over the
    non-empty cells this is summed directly; each empty cell adds ``P(x)P(y)``,
    and for class ``y`` those add up to ``P(y)`` times the probability of the
    inputs never seen with ``y``, an integer count subtracted exactly.
    """
    table, n = joint.table, joint.n_samples
    rows = np.repeat(np.arange(table.shape[0]), np.diff(table.indptr))
    x_counts = joint.x_counts[table.indices].astype(np.float64)
    y_counts = joint.y_counts[rows].astype(np.float64)
    seen = np.sum((table.data - x_counts * y_counts / n) ** 2 / (x_counts * y_counts))
    # Every class has a sample, so no row of the table is empty.
    covered = np.add.reduceat(joint.x_counts[table.indices], table.indptr[:-1])
    unseen = np.dot(joint.y_counts / n, (n - covered) / n)
    return float(seen + unseen)


def _top_squared_singular_values(joint, k):
    """The ``k`` largest squared singular values of the DTM, in decreasing order."""
    matrix, sqrt_px, sqrt_py = _scaled_table(joint)
    n_y, n_x = matrix.shape
    if min(n_y, n_x) <= _GRAM_MAX_SIDE:
        # Squared singular values are the eigenvalues of the Gram matrix, to an
        # absolute error of about eps (they are at most 1); the rank-one
        # correction removes the trivial eigenvalue 1 of B B^T.
        if n_y <= n_x:
            gram = (matrix @ matrix.T).toarray() - np.outer(sqrt_py, sqrt_py)
        else:
            gram = (matrix.T @ matrix).toarray() - np.outer(sqrt_px, sqrt_px)
        squared = scipy.linalg.eigvalsh(gram, check_finite=False)[::-1][:k]
    else:

        def matvec(v):
            v = v.reshape(-1)
            return matrix @ v - sqrt_py * (sqrt_px @ v)

        def rmatvec(u):
            u = u.reshape(-1)
            return matrix.T @ u - sqrt_px * (sqrt_py @ u)

        dtm = LinearOperator(
            (n_y, n_x), matvec=matvec, rmatvec=rmatvec, dtype=np.float64
        )
        # A fixed start makes ARPACK, and so the result, reproducible.
        start = np.random.RandomState(0).uniform(-1.0, 1.0, min(n_y, n_x))
        singular = svds(dtm, k=k, v0=start, return_singular_vectors=False)
        squared = np.sort(singular)[::-1] ** 2
    return np.clip(squared, 0.0, None)


@validate_params(
    {"x": ["array-like"], "y": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def divergence_transition_matrix(x, y):
    r"""Empirical divergence transition matrix (DTM) of a discrete input and labels.

    The matrix whose singular values are the maximal correlations between the
    input and the labels, and whose squared Frobenius norm is the H-score of
    the optimal features of the input for the labels.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Discrete input of each sample: any hashable values of one kind
        (integers, integral floats, booleans or strings), for instance image
        ids or the bin of a discretised input.
    y : array-like of shape (n_samples,)
        Target labels of the same samples, with at least two classes.

    Returns
    -------
    dtm : ndarray of shape (n_classes, n_x_values)
        ``dtm[i, j]`` is the entry of class ``classes[i]`` and input value
        ``x_values[j]``. Dense: for large input alphabets use
        :func:`optimal_h_score`, which never forms it.
    x_values : ndarray of shape (n_x_values,)
        The sorted distinct values of ``x``.
    classes : ndarray of shape (n_classes,)
        The sorted classes of ``y``.

    See Also
    --------
    optimal_h_score : Its squared Frobenius norm, or the sum of its largest
        squared singular values, computed without forming it.
    ace : Its leading singular vectors as feature functions of ``x`` and ``y``.

    Notes
    -----
    With the empirical joint distribution ``P(x, y) = n_xy / n`` and its
    margins (Bao et al. [1]_, Definition 1),

    .. math::

        \tilde B_{y,x} = \frac{P(x,y)}{\sqrt{P(x) P(y)}} - \sqrt{P(x) P(y)}
                       = \frac{P(x,y) - P(x) P(y)}{\sqrt{P(x) P(y)}},

    the second form being the one computed (no cancellation near 0). Its
    singular values are the maximal correlations of ``x`` and ``y``, all at
    most 1, with at most ``min(n_x_values, n_classes) - 1`` of them non-zero
    (the trivial singular value 1 of the first term is removed by the
    subtraction). ``H(f) = ||B~ Phi (Phi^T Phi)^{-1/2}||_F^2`` with
    ``Phi[x] = sqrt(P(x)) (f(x) - E f)`` is the H-score of features ``f(x)``
    (Eq. 3 of [1]_), maximal at ``||B~||_F^2``.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.
    .. [2] S.-L. Huang, A. Makur, L. Zheng and G. W. Wornell, "An
       Information-Theoretic Approach to Universal Feature Selection in
       High-Dimensional Inference", ISIT 2017.

    Examples
    --------
    >>> from sktransfer.metrics import divergence_transition_matrix
    >>> dtm, x_values, classes = divergence_transition_matrix(
    ...     ["a", "a", "b", "b"], [0, 0, 1, 1]
    ... )
    >>> dtm
    array([[ 0.5, -0.5],
           [-0.5,  0.5]])
    >>> x_values, classes
    (array(['a', 'b'], dtype='<U1'), array([0, 1]))
    """
    joint = _joint_counts(x, y)
    x_counts = joint.x_counts.astype(np.float64)
    y_counts = joint.y_counts.astype(np.float64)
    expected = np.outer(y_counts, x_counts) / joint.n_samples
    dtm = (joint.table.toarray() - expected) / np.sqrt(np.outer(y_counts, x_counts))
    return dtm, joint.x_values, joint.classes


@validate_params(
    {
        "x": ["array-like"],
        "y": ["array-like"],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def optimal_h_score(x, y, *, n_components=None):
    r"""H-score of the best features of a discrete input for the target labels.

    The denominator of the normalised transferability: the largest H-score
    that any feature function of ``x`` (of any dimension, or of
    ``n_components`` dimensions) reaches for ``y`` on these samples.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Discrete input of each sample (any hashable values of one kind), for
        instance image ids. Alphabets of 10^5 values and more are fine.
    y : array-like of shape (n_samples,)
        Target labels of the same samples, with at least two classes.
    n_components : int, default=None
        Dimension of the features. ``None`` (or at least
        ``min(n_x_values, n_classes) - 1``) gives the best features of any
        dimension.

    Returns
    -------
    score : float
        ``||B~||_F^2``, or the sum of the ``n_components`` largest squared
        singular values of ``B~``; in ``[0, min(n_x_values, n_classes) - 1]``,
        with ``n_classes - 1`` reached when ``y`` is a function of ``x``.

    See Also
    --------
    normalized_h_score : The H-score of features divided by this one.
    ace : The optimal features themselves.
    divergence_transition_matrix : The matrix ``B~``.

    Notes
    -----
    With ``B~`` the divergence transition matrix of the empirical joint
    distribution of ``(x, y)`` (see :func:`divergence_transition_matrix`),
    the H-score of features ``f(x)`` is
    ``||B~ Phi (Phi^T Phi)^{-1/2}||_F^2`` with ``Phi[x] = sqrt(P(x)) (f(x) - E f)``
    (Bao et al. [1]_, Eq. 3): the squared norm of the projection of ``B~``'s
    rows onto the columns of ``Phi``. Its maximum over ``k``-dimensional
    features is the sum of the ``k`` largest squared singular values of
    ``B~`` (the squared maximal correlations of ``x`` and ``y``; Huang et al.
    [2]_), reached by the leading singular vectors, and over all features

    .. math::

        \|\tilde B\|_F^2 = \sum_{x,y} \frac{P(x,y)^2}{P(x) P(y)} - 1
                         = \sum_{x,y} \frac{(P(x,y) - P(x) P(y))^2}{P(x) P(y)},

    the mean square contingency (Pearson's chi-square over ``n_samples``).
    The full norm is computed from the sparse contingency table in the
    second form, whose terms are all non-negative: the non-empty cells
    directly, the empty ones through the margins, so it never forms the dense
    matrix and loses nothing to cancellation. For ``n_components`` below the
    rank, the squared singular values are the eigenvalues of the Gram matrix
    of the shorter side of ``B~`` when that side has at most 2000 entries,
    and otherwise come from ARPACK (:func:`scipy.sparse.linalg.svds`) on an
    operator that applies the sparse scaled table minus its rank-one part.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.
    .. [2] S.-L. Huang, A. Makur, L. Zheng and G. W. Wornell, "An
       Information-Theoretic Approach to Universal Feature Selection in
       High-Dimensional Inference", ISIT 2017.

    Examples
    --------
    >>> from sktransfer.metrics import optimal_h_score
    >>> x = [0, 0, 1, 1, 2, 2, 3, 3]  # four images, two samples each
    >>> optimal_h_score(x, [0, 0, 1, 1, 2, 2, 2, 2])  # labels a function of x
    2.0
    >>> round(optimal_h_score(x, [0, 0, 1, 1, 2, 2, 2, 2], n_components=1), 12)
    1.0
    >>> optimal_h_score(x, [0, 1, 0, 1, 0, 1, 0, 1])  # independent of x
    0.0
    """
    joint = _joint_counts(x, y)
    n_informative = min(joint.x_values.size, joint.classes.size) - 1
    if n_components is None or n_components >= n_informative:
        return _dtm_frobenius_sq(joint)
    return float(np.sum(_top_squared_singular_values(joint, n_components)))


def _centred_orthonormal(values, sqrt_p):
    """Columns orthonormal to each other and to ``sqrt_p``, spanning ``values``.

    In the coordinates ``phi = sqrt(P) f``, orthonormal columns are functions
    with ``E[f f^T] = I`` and orthogonality to ``sqrt(P)`` is ``E[f] = 0``.
    Householder QR keeps the columns orthonormal even if ``values`` loses rank
    (a correlation of zero), filling in directions orthogonal to ``sqrt_p``.
    """
    # Fortran order spares LAPACK a transposed copy: several times faster for
    # the tall matrices of large input alphabets.
    stacked = np.empty((values.shape[0], values.shape[1] + 1), order="F")
    stacked[:, 0], stacked[:, 1:] = sqrt_p, values
    q, _ = scipy.linalg.qr(
        stacked, mode="economic", overwrite_a=True, check_finite=False
    )
    return q[:, 1:]


@validate_params(
    {
        "x": ["array-like"],
        "y": ["array-like"],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def ace(x, y, *, n_components=1, max_iter=1000, tol=1e-10, random_state=None):
    r"""Optimal features of a discrete input for target labels, by ACE.

    The alternating conditional expectations algorithm (Breiman and Friedman
    1985), in its block form: it finds the ``n_components`` pairs of zero-mean,
    unit-variance functions ``f_i(x)``, ``g_i(y)`` of largest correlation, the
    HGR maximal correlation functions. The ``f_i`` are the minimum error
    probability features of the target task, whose H-score is the largest of
    any ``n_components``-dimensional feature of ``x``.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        Discrete input of each sample (any hashable values of one kind), for
        instance image ids.
    y : array-like of shape (n_samples,)
        Target labels of the same samples, with at least two classes.
    n_components : int, default=1
        Number of feature pairs, at most ``min(n_x_values, n_classes) - 1``.
    max_iter : int, default=1000
        Maximum number of iterations (each one a pass ``f -> g -> f``).
    tol : float, default=1e-10
        Stop once no squared correlation changes by more than ``tol`` between
        two iterations.
    random_state : int, RandomState instance or None, default=None
        Seed of the random starting features.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With attributes

        features : ndarray of shape (n_samples, n_components)
            ``f(x_i)`` for each sample: the optimal features. Their
            :func:`h_score` for ``y`` equals ``squared_correlations.sum()``.
        x_features : ndarray of shape (n_x_values, n_components)
            ``f`` at each input value, in the order of ``x_values``. Zero mean
            and identity covariance under the empirical distribution of ``x``.
        y_features : ndarray of shape (n_classes, n_components)
            ``g`` at each class, in the order of ``classes``. Zero mean and
            identity covariance under the empirical distribution of ``y``.
        squared_correlations : ndarray of shape (n_components,)
            ``sigma_i^2 = E[f_i(X) g_i(Y)]^2`` in decreasing order: the
            squared maximal correlations, the squared singular values of the
            divergence transition matrix.
        x_values : ndarray of shape (n_x_values,)
            The sorted distinct values of ``x``.
        classes : ndarray of shape (n_classes,)
            The sorted classes of ``y``.
        n_iter : int
            Number of iterations run.

    Warns
    -----
    ConvergenceWarning
        When the correlations have not converged within ``max_iter``
        iterations (close leading correlations converge slowly).

    See Also
    --------
    optimal_h_score : The H-score of these features, computed directly.
    normalized_h_score : Accepts these features as the optimal ones.

    Notes
    -----
    Starting from random zero-mean ``f``, each iteration sets
    ``g <- E[f(X) | Y]`` and ``f <- E[g(Y) | X]`` under the empirical joint
    distribution, each re-centred and orthonormalised under the empirical
    ``P_Y`` (resp. ``P_X``). Both conditional expectations are products with
    the sparse contingency table. In the coordinates
    ``phi(x) = sqrt(P(x)) f(x)`` and ``psi(y) = sqrt(P(y)) g(y)`` the
    iteration is ``psi <- B~ phi``, ``phi <- B~^T psi``: orthogonal iteration
    for the leading right singular vectors of the divergence transition
    matrix ``B~``. The iteration carries ``b = min(k + 10, n_x_values - 1,
    n_classes - 1)`` functions for ``k = n_components``; after each step the
    ``b x b`` matrix ``E[g(Y) f(X)^T]`` is diagonalised by its singular value
    decomposition (a Rayleigh-Ritz step), whose ``k`` largest singular values
    estimate the maximal correlations ``sigma_i`` and whose singular vectors
    give the returned functions. The estimates converge at the rate
    ``(sigma_{b+1} / sigma_k)^2`` per iteration (within two iterations when
    ``b = min(n_x_values, n_classes) - 1``, as for up to 11 classes), and at
    convergence ``E[f(X) | Y] = sigma g(Y)`` and
    ``E[g(Y) | X] = sigma f(X)`` (Huang et al. [2]_). The H-score of ``f`` is
    ``sum_i sigma_i^2``, the best of any ``k``-dimensional feature of ``x``
    (Bao et al. [1]_, Eq. 5); with ``k = min(n_x_values, n_classes) - 1`` it
    is ``||B~||_F^2``. When ``B~`` has rank below ``k`` the extra correlations
    are 0 and their functions are arbitrary zero-mean directions. For the
    optimal H-score alone, :func:`optimal_h_score` is exact and faster.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.
    .. [2] S.-L. Huang, A. Makur, L. Zheng and G. W. Wornell, "An
       Information-Theoretic Approach to Universal Feature Selection in
       High-Dimensional Inference", ISIT 2017.
    .. [3] L. Breiman and J. H. Friedman, "Estimating Optimal Transformations
       for Multiple Regression and Correlation", Journal of the American
       Statistical Association 80(391), 580-598, 1985.

    Examples
    --------
    >>> from sktransfer.metrics import h_score
    >>> from sktransfer.metrics import ace
    >>> x = [0, 0, 1, 1, 2, 2, 3, 3, 3, 3]
    >>> y = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    >>> result = ace(x, y, n_components=2, random_state=0)
    >>> result.squared_correlations.round(4)
    array([1.    , 0.6667])
    >>> round(h_score(result.features, y), 4)
    1.6667
    """
    joint = _joint_counts(x, y)
    n_x, n_y = joint.x_values.size, joint.classes.size
    if n_components > min(n_x, n_y) - 1:
        raise ValueError(
            f"n_components={n_components} is too large: x takes {n_x} values and y "
            f"has {n_y} classes, so there are at most min({n_x}, {n_y}) - 1 = "
            f"{min(n_x, n_y) - 1} zero-mean, uncorrelated feature functions; pass "
            "a smaller n_components"
        )
    matrix, sqrt_px, sqrt_py = _scaled_table(joint)
    matrix_t = matrix.T.tocsr()
    rng = check_random_state(random_state)
    n_block = min(n_components + _ACE_OVERSAMPLING, min(n_x, n_y) - 1)
    phi = _centred_orthonormal(rng.standard_normal((n_x, n_block)), sqrt_px)
    previous = np.full(n_components, np.inf)
    for n_iter in range(1, max_iter + 1):
        # B phi = sqrt(P_Y) E[f | Y]: B~ and B agree on centred phi.
        b_phi = matrix @ phi
        psi = _centred_orthonormal(b_phi, sqrt_py)
        left, correlations, right_t = np.linalg.svd(psi.T @ b_phi)
        squared = correlations[:n_components] ** 2
        change = np.max(np.abs(squared - previous))
        previous = squared
        if change <= tol or n_iter == max_iter:
            break
        phi = _centred_orthonormal(matrix_t @ psi, sqrt_px)
    if change > tol:
        warnings.warn(
            f"ACE did not converge in max_iter={max_iter} iterations: the squared "
            f"correlations last changed by {change:.3g} > tol={tol:g}. Increase "
            "max_iter or tol.",
            ConvergenceWarning,
            stacklevel=3,  # through the validate_params wrapper, to the caller
        )
    x_features = (phi @ right_t[:n_components].T) / sqrt_px[:, None]
    return Bunch(
        features=x_features[joint.x_codes],
        x_features=x_features,
        y_features=(psi @ left[:, :n_components]) / sqrt_py[:, None],
        squared_correlations=squared,
        x_values=joint.x_values,
        classes=joint.classes,
        n_iter=n_iter,
    )


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "x": ["array-like", None],
        "optimal": [
            Interval(Real, 0, None, closed="neither"),
            "array-like",
            "sparse matrix",
            None,
        ],
        "shrinkage": _SHRINKAGE_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def normalized_h_score(X, y, *, x=None, optimal=None, shrinkage=None):
    r"""Normalised transferability: H-score of features over that of the best ones.

    The transferability of a source representation to a target task (Bao et
    al. 2019, Definition 3): the H-score of the source features ``X`` for the
    target labels ``y`` divided by the H-score of the target's optimal
    features, a number in ``[0, 1]``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Source features of the target samples, as for :func:`h_score`.
    y : array-like of shape (n_samples,)
        Target labels, with at least two classes.
    x : array-like of shape (n_samples,), default=None
        Discrete input of each sample (image ids, say). When given, the
        denominator is the exact :func:`optimal_h_score` of ``x`` for ``y``.
        Cannot be combined with ``optimal``.
    optimal : float or {array-like, sparse matrix}, default=None
        The denominator ``H_T(f_opt) > 0`` if known, or the optimal features
        of the same samples, of shape (n_samples, n_optimal_features), for
        instance ``ace(x, y, ...).features``, whose plain H-score is taken.
        Cannot be combined with ``x``.
    shrinkage : {None, "ledoit_wolf", "oas"} or float in [0, 1], default=None
        Covariance shrinkage for the H-score of ``X`` (the numerator only), as
        in :func:`h_score`.

    Returns
    -------
    transferability : float
        ``h_score(X, y) / H_T(f_opt)``, in ``[0, 1]`` up to the case described
        under Warns. With neither ``x`` nor ``optimal`` it is a lower bound on
        the transferability.

    Warns
    -----
    UserWarning
        When the ratio exceeds 1 by more than rounding. It is returned as
        computed, not clipped: ``X`` is then not a function of the input (it
        differs between samples of the same ``x``, so it also fits noise), or
        ``optimal`` is not the optimum (too small a float, or optimal
        features of fewer dimensions than ``X``).

    See Also
    --------
    h_score : The numerator.
    optimal_h_score : The exact denominator for a discrete input.
    ace : Optimal features of a discrete input.

    Notes
    -----
    .. math::

        \mathfrak{T}(S, T) = \frac{H_T(f_S)}{H_T(f_{opt})},
        \qquad H_T(f_{opt}) = \|\tilde B\|_F^2,

    with ``B~`` the divergence transition matrix of the target task. The
    denominator is, in order of precedence:

    * ``optimal``, when given: a known value, or the H-score of given
      optimal features;
    * ``optimal_h_score(x, y)``, exact for the empirical distribution, when
      the discrete inputs ``x`` are given;
    * otherwise ``n_classes - 1``. This is ``||B~||_F^2`` when ``y`` is a
      deterministic function of the input (every input has one label, as for
      distinct images) and an upper bound on it in general, so the ratio is
      then a lower bound on the transferability. It is the usual choice for
      continuous inputs, whose empirical ``B~`` is unavailable.

    For ranking source tasks on one target (Definition 4) the denominator is
    common to all sources and does not change the order.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.
    .. [2] S.-L. Huang, A. Makur, L. Zheng and G. W. Wornell, "An
       Information-Theoretic Approach to Universal Feature Selection in
       High-Dimensional Inference", ISIT 2017.
    .. [3] L. Breiman and J. H. Friedman, "Estimating Optimal Transformations
       for Multiple Regression and Correlation", Journal of the American
       Statistical Association 80(391), 580-598, 1985.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import normalized_h_score
    >>> X, y = load_iris(return_X_y=True)
    >>> round(normalized_h_score(X, y), 4)  # H-score 1.1919 over 3 - 1 classes
    0.5959
    >>> round(normalized_h_score(X[:, :1], y, optimal=X), 4)  # relative to X
    0.5191

    With discrete inputs (here, four images seen several times each) the
    denominator is exact, and the optimal features found by :func:`ace`
    score 1:

    >>> from sktransfer.metrics import ace
    >>> x = [0, 0, 1, 1, 2, 2, 3, 3, 3, 3]
    >>> y = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    >>> features = ace(x, y, n_components=2, random_state=0).features
    >>> round(normalized_h_score(features, y, x=x), 6)
    1.0
    >>> round(normalized_h_score(features[:, 1:], y, x=x), 4)
    0.4
    """
    if x is not None and optimal is not None:
        raise ValueError(
            "x and optimal were both given; pass the discrete inputs x (for the "
            "exact optimal H-score) or optimal (its value or the optimal "
            "features), not both"
        )
    # 1-D labels only: the denominators below are per task.
    (classes,), y_codes = encode_labels(y, name="y")
    y_codes = y_codes[:, 0]
    check_two_classes(
        classes,
        "the normalised transferability needs a target with at least two classes",
    )
    score = h_score(X, y_codes, shrinkage=shrinkage)
    if x is not None:
        best = _dtm_frobenius_sq(_joint_counts(x, y_codes))
        if best <= 0:
            raise ValueError(
                "x carries no information about y (their optimal H-score is 0: "
                "every input value has the same label distribution), so the "
                "normalised transferability is undefined"
            )
    elif optimal is None:
        best = classes.size - 1
    elif isinstance(optimal, Real):
        best = float(optimal)
    else:
        features = check_features(optimal, name="optimal")
        if features.shape[0] != y_codes.shape[0]:
            raise ValueError(
                f"optimal has {features.shape[0]} rows but y has "
                f"{y_codes.shape[0]} labels; pass the optimal features of the "
                "same samples, or their H-score as a float"
            )
        best = h_score(features, y_codes)
        if best <= 0:
            raise ValueError(
                "optimal features have an H-score of 0 for y; they cannot be the "
                "optimal features of the task"
            )
    ratio = score / best
    if ratio > 1 + _RATIO_ROUNDING:
        warnings.warn(
            f"The H-score of X ({score:.6g}) exceeds the optimal H-score "
            f"({best:.6g}): the normalised transferability {ratio:.6g} is above "
            "1 and is returned unclipped. Either X is not a function of the "
            "input (it differs between samples of the same x) or optimal is "
            "not optimal (too small, or features of fewer dimensions than X).",
            UserWarning,
            stacklevel=3,  # through the validate_params wrapper, to the caller
        )
        return ratio
    return min(ratio, 1.0)


def normalized_h_score_from_statistics(stats):
    """Normalised H-score of every label vector summarised in ``stats``.

    The plain H-score of each label vector over its number of classes minus
    one, the default denominator of :func:`normalized_h_score`; classes that
    no sample of the statistics holds (padded ones) do not count.

    Parameters
    ----------
    stats : SufficientStatistics
        Statistics of the features and one or more label vectors.

    Returns
    -------
    scores : ndarray of shape (n_tasks,)
    """
    scores = np.asarray(h_score_from_statistics(stats), dtype=np.float64)
    starts = stats.class_offsets[:-1]
    present = np.add.reduceat((stats.class_counts > 0).astype(np.int64), starts)
    if np.any(present < 2):
        raise ValueError(
            f"y has a single class in label vector {int(np.argmax(present < 2))}; "
            "the normalised transferability needs a target with at least two "
            "classes"
        )
    # h_score <= n_classes - 1 exactly; clip what rounding adds, as the function.
    return np.minimum(scores / (present - 1), 1.0)


class NormalizedHScoreScorer(_FeatureScorer):
    """Score the representation an estimator produces by its normalised H-score.

    Parameters
    ----------
    shrinkage : {None, "ledoit_wolf", "oas"} or float in [0, 1], default=None
        Covariance shrinkage of the H-score of the features (the numerator),
        passed to :func:`~sktransfer.metrics.normalized_h_score`.
    optimal : float, default=None
        The H-score of the target's optimal features, the denominator, if it
        is known; ``None`` divides by the number of classes minus one, which
        makes the score a lower bound on the transferability.

    See Also
    --------
    sktransfer.metrics.normalized_h_score : The metric as a function of
        features.
    HScoreScorer : The H-score itself, not divided by its optimum.

    Notes
    -----
    Called as ``scorer(estimator, X, y)``, it returns
    ``normalized_h_score(F, y)`` with ``F`` the features the fitted
    ``estimator`` makes of ``X``: its ``transform`` output, or for a
    :class:`~sklearn.pipeline.Pipeline` ending in a predictor, the output of
    all steps but the last (as :class:`~sktransfer.HScoreScorer` reads it).
    The discrete inputs ``x`` of the function, one per sample, have no place
    in a scorer, whose samples change from fold to fold.

    On one target task the score ranks representations as the H-score does,
    since the denominator is common to all of them; unlike the H-score, it
    lies in ``[0, 1]`` whatever the number of classes, so scores of targets
    with different numbers of classes can be set side by side.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sktransfer import NormalizedHScoreScorer
    >>> X, y = load_digits(return_X_y=True)
    >>> pca = PCA(16, random_state=0).fit(X)
    >>> round(NormalizedHScoreScorer()(pca, X, y), 4)  # H-score 5.12 over 10 - 1
    0.5689
    """

    _parameter_constraints = {
        "shrinkage": _SHRINKAGE_CONSTRAINT,
        "optimal": [Interval(Real, 0, None, closed="neither"), None],
    }
    _metric = staticmethod(normalized_h_score)

    def __init__(self, *, shrinkage=None, optimal=None):
        self._set_params(shrinkage=shrinkage, optimal=optimal)
