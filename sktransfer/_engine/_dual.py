"""The engine's dual route: statistics of wide data from the sample Gram matrix.

With fewer samples than features, the centred features ``Y`` (``m x k``, ``m <
k``) have at most ``m - 1`` directions, and every feature metric is a function
of the ``m x m`` kernel ``Y Y^T`` (or of ``Y`` itself through it) and of the
class structure of the samples. :class:`DualStatistics` keeps that kernel, the
feature moments and the class codes: ``O(m^2 + m k)`` memory and ``O(m^2 k)``
time instead of the ``k x k`` scatter, and a sparse matrix stays sparse (its
kernel is a sparse product).

Centring leaves the constant vector in the kernel's null space exactly; the
kernel is taken on its orthogonal complement (a Householder reflection), so
that rounding cannot bring that trivial direction back.
"""

import logging

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils import gen_batches

from sktransfer._engine._chunks import CHUNK_BYTES
from sktransfer._engine._moments import (
    _FLOAT64_EPS,
    PrecisionError,
    SufficientStatistics,
    _ClassMoments,
    _feature_scale,
    _non_finite,
    _triangular_factor,
    class_indicator,
)
from sktransfer._validation import input_epsilon

_log = logging.getLogger("sktransfer")
# The dual routes, cheapest first: the kernel in float64, then QR of Y^T.
DUAL_ROUTES = ("dual", "dual-qr")


class DualStatistics(_ClassMoments):
    """Moments of wide features and their classes, in kernel form.

    Built by :meth:`from_data`; read like
    :class:`~sktransfer._engine.SufficientStatistics` by the metrics that
    have a dual form, which ask for :meth:`sample_axes` instead of a spectrum
    of the ``k x k`` scatter.

    Parameters
    ----------
    n_samples : int
    mean : ndarray of shape (n_features,)
    column_squares : ndarray of shape (n_features,)
        Sum of squares of each centred feature.
    kernels : dict
        ``{scaled: K}``: the kernel ``Y Y^T`` of the centred features (each
        scaled to unit norm when ``scaled``) on the complement of the constant
        vector, ``(m - 1) x (m - 1)``, on the "dual" route; on "dual-qr" a
        triangular factor ``R`` with ``R^T R`` that kernel.
    codes : ndarray of shape (n_samples, n_tasks)
        Class codes of each label vector.
    class_counts, class_deviations, n_classes
        As in :class:`~sktransfer._engine.SufficientStatistics`.
    fourth : float
        ``sum_i ||y_i||^4``, for the Ledoit-Wolf shrinkage.
    eps : float
        Machine epsilon of the input dtype.
    route : {"dual", "dual-qr"}
    source : tuple
        ``(X, codes, n_classes, name)``, for :meth:`refined` and the axes.
    """

    third = None

    def __init__(
        self,
        n_samples,
        mean,
        *,
        column_squares,
        kernels,
        codes,
        class_counts,
        class_deviations,
        n_classes,
        fourth,
        eps,
        route,
        source,
    ):
        self.n_samples = int(n_samples)
        self.mean = mean
        self.column_squares = column_squares
        self._kernels = kernels
        self.codes = codes
        self.class_counts = class_counts
        self.class_deviations = class_deviations
        self.n_classes = tuple(int(c) for c in n_classes)
        self.fourth = fourth
        self.eps = eps
        self.route = route
        self._source = source
        self._axes = {}
        self._refined = None

    @classmethod
    def from_data(cls, X, codes, n_classes, *, name="X", route="dual"):
        """Summarise wide features (sparse or dense) and label codes."""
        n_samples, n_features = X.shape
        if codes is None:
            codes = np.empty((n_samples, 0), dtype=np.intp)
        mean, column_squares = _column_moments(X, name)
        scale = _feature_scale(np.sqrt(column_squares))
        offsets = np.concatenate([[0], np.cumsum(n_classes, dtype=np.intp)])
        counts, class_sums = _class_sums(X, codes, offsets)
        with np.errstate(invalid="ignore", divide="ignore"):
            class_deviations = np.where(
                counts[:, None] > 0, class_sums / counts[:, None] - mean, 0.0
            )
        kernels = {
            scaled: _deflated_kernel(X, mean, scale if scaled else None, route)
            for scaled in (True, False)
        }
        fourth = float(np.sum(_row_squares(X, mean) ** 2))
        _log.debug("statistics of %s x %s features on route %s", *X.shape, route)
        return cls(
            n_samples,
            mean,
            column_squares=column_squares,
            kernels=kernels,
            codes=codes,
            class_counts=counts,
            class_deviations=class_deviations,
            n_classes=n_classes,
            fourth=fourth,
            eps=input_epsilon(X.dtype),
            route=route,
            source=(X, codes, n_classes, name),
        )

    @property
    def n_features(self):
        return self.mean.shape[0]

    @property
    def trace(self):
        return float(self.column_squares.sum())

    @property
    def feature_scale(self):
        return _feature_scale(np.sqrt(self.column_squares))

    def refined(self, reason="its rounding bound exceeds the tolerance"):
        """The statistics rebuilt on the "dual-qr" route (cached)."""
        if self.route == DUAL_ROUTES[-1]:
            raise PrecisionError(f"the most exact dual route failed: {reason}")
        if self._refined is None:
            X, codes, n_classes, name = self._source
            _log.debug("route dual refused (%s); recomputing on dual-qr", reason)
            self._refined = type(self).from_data(
                X, codes, n_classes, name=name, route="dual-qr"
            )
        return self._refined

    def kernel_error(self, *, scaled):
        """Spectral-norm estimate of the rounding in the eigenvalues of the kernel.

        Each kernel entry is a float64 sum of ``n_features`` products: about
        ``eps64 sqrt(k)`` times the product of the two rows' norms, of either
        sign; the QR route is backward stable to ``eps64`` of the largest.
        """
        singular, _ = self.sample_axes(scaled=scaled)
        largest = singular[0] ** 2 if singular.size else 0.0
        m = self.n_samples
        if self.route == "dual-qr":
            return 4 * _FLOAT64_EPS * largest * np.sqrt(m)
        return _FLOAT64_EPS * (np.sqrt(self.n_features) + 2 * np.sqrt(m)) * largest

    def spectral_error(self):
        """:meth:`kernel_error` of the unscaled kernel; None on "dual-qr"."""
        return None if self.route == "dual-qr" else self.kernel_error(scaled=False)

    def sample_axes(self, *, scaled=False):
        """Singular values (descending, all of them) and left singular vectors.

        Of the centred features (each scaled to unit norm with ``scaled``):
        ``Y = U diag(singular) V^T`` with ``U`` of shape ``(m, m - 1)``,
        orthogonal to the constant vector.
        """
        if scaled not in self._axes:
            matrix = self._kernels[scaled]
            if matrix.size == 0:  # one sample: no direction (scipy 1.11 fails)
                empty = np.zeros((self.n_samples, 0))
                self._axes[scaled] = (np.zeros(0), empty)
                return self._axes[scaled]
            if self.route == "dual-qr":
                _, singular, vt = scipy.linalg.svd(
                    matrix, full_matrices=False, check_finite=False
                )
                vectors = vt.T
            else:
                eigenvalues, vectors = scipy.linalg.eigh(matrix, check_finite=False)
                eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
                singular = np.sqrt(np.clip(eigenvalues, 0.0, None))
            self._axes[scaled] = (singular, _reflect_back(vectors))
        return self._axes[scaled]

    def singular_values(self, *, scaled=False):
        return self.sample_axes(scaled=scaled)[0]

    def spectrum(self, *, scaled=False):
        """Singular values and principal axes, as the primal statistics give.

        The axes ``V = Y^T U / s`` are formed from the data: ``O(m k)`` memory,
        for the metrics that project onto a few of them.
        """
        singular, vectors = self.sample_axes(scaled=scaled)
        keep = singular > 0
        X = self._source[0]
        product = X.T @ vectors[:, keep]  # Y^T U: the constant vector is gone
        product = np.asarray(product) - np.outer(
            self.mean, np.ones(X.shape[0]) @ vectors[:, keep]
        )
        if scaled:
            product = product * self.feature_scale[:, None]
        return singular[keep], (product / singular[keep]).T

    def class_projections(self, vectors):
        """``E^T vectors``: the sums of the rows of ``vectors`` over each class."""
        return class_indicator(self.codes, self.class_offsets).T @ vectors

    def scatter_norms(self):
        """``(sum_{i != j} S_ij^2, diag(S))`` of the centred scatter ``S``.

        ``||S||_F = ||Y Y^T||_F``: the kernel's singular values are the
        scatter's nonzero eigenvalues.
        """
        singular = self.singular_values()
        frobenius_sq = float(np.sum(singular**4))
        return (
            max(frobenius_sq - float(self.column_squares @ self.column_squares), 0.0),
            self.column_squares,
        )


def _column_moments(X, name):
    """Mean and centred sum of squares of each column, exact for sparse input."""
    n = X.shape[0]
    if sp.issparse(X):
        values = X.data.astype(np.float64)
        if not np.isfinite(values).all():
            raise _non_finite(name)
        columns = X.tocsc()
        counts = np.diff(columns.indptr)
        mean = np.add.reduceat(
            np.concatenate([columns.data.astype(np.float64), [0.0]]),
            np.minimum(columns.indptr[:-1], columns.data.size),
        )
        mean = np.where(counts > 0, mean, 0.0) / n
        deviation = columns.data - np.repeat(mean, counts)
        squares = np.bincount(
            np.repeat(np.arange(X.shape[1]), counts),
            weights=deviation**2,
            minlength=X.shape[1],
        )
        return mean, squares + (n - counts) * mean**2
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X.mean(axis=0, dtype=np.float64)
    if not np.isfinite(mean).all():
        raise _non_finite(name)
    centred = np.subtract(X, mean, dtype=np.float64)
    return mean, np.einsum("ij,ij->j", centred, centred)


def _row_squares(X, mean):
    """Squared norm of each centred row."""
    if sp.issparse(X):
        rows = X.tocsr()
        values = rows.data.astype(np.float64)
        columns = rows.indices
        own = np.add.reduceat(
            np.concatenate([(values - mean[columns]) ** 2 - mean[columns] ** 2, [0]]),
            np.minimum(rows.indptr[:-1], values.size),
        )
        own = np.where(np.diff(rows.indptr) > 0, own, 0.0)
        return own + float(mean @ mean)
    centred = np.subtract(X, mean, dtype=np.float64)
    return np.einsum("ij,ij->i", centred, centred)


def _class_sums(X, codes, offsets):
    n_total = int(offsets[-1])
    if not codes.shape[1]:
        return np.zeros(0, dtype=np.int64), np.zeros((0, X.shape[1]))
    indicator = class_indicator(codes, offsets)
    counts = np.bincount(indicator.indices, minlength=n_total).astype(np.int64)
    sums = indicator.T @ (X.astype(np.float64) if sp.issparse(X) else X)
    sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums, dtype=np.float64)
    return counts, sums


def _householder(m):
    """``v`` with ``H = I - 2 v v^T / v^T v`` mapping the constant vector to e_1."""
    v = np.ones(m)
    v[0] -= np.sqrt(m)  # 1 - sqrt(m) e_1; never zero for m > 1
    return v


def _reflect(matrix, axis):
    """``H matrix`` (axis 0) or ``matrix H`` (axis 1) with the reflection above."""
    v = _householder(matrix.shape[axis])
    scale = 2.0 / (v @ v) if matrix.shape[axis] > 1 else 0.0
    if axis == 0:
        return matrix - scale * np.outer(v, v @ matrix)
    return matrix - scale * np.outer(matrix @ v, v)


def _reflect_back(vectors):
    """Vectors on the complement of the constant vector, in sample coordinates."""
    m = vectors.shape[0] + 1
    padded = np.vstack([np.zeros((1, vectors.shape[1])), vectors])
    return _reflect(padded, axis=0)[:m]


def _deflated_kernel(X, mean, scale, route):
    """The centred (scaled) kernel, or its QR factor, on the complement of 1.

    On "dual": ``H Y Y^T H`` without its first row and column (``H`` the
    reflection of the constant vector onto e_1, which ``Y Y^T`` annihilates).
    On "dual-qr": the triangular factor ``R`` of ``Y^T H``, its first column
    dropped, by QR of chunks of feature columns: ``R^T R`` is that kernel.
    """
    m, k = X.shape
    if route == "dual":
        if sp.issparse(X):
            scaled = X.multiply(scale[None, :]) if scale is not None else X
            scaled = sp.csr_array(scaled, dtype=np.float64)
            shift = mean if scale is None else mean * scale
            gram = (scaled @ scaled.T).toarray()
            cross = scaled @ shift
            # (X - 1 mu^T)(X - 1 mu^T)^T, then the constant direction removed
            # by the reflection (which the rank-one terms only touch through 1).
            kernel = gram - cross[:, None] - cross[None, :] + float(shift @ shift)
        else:
            centred = np.subtract(X, mean, dtype=np.float64)
            if scale is not None:
                centred *= scale
            kernel = centred @ centred.T
        reflected = _reflect(_reflect(kernel, axis=0), axis=1)
        return (reflected[1:, 1:] + reflected[1:, 1:].T) / 2
    # QR of Y^T H by chunks of feature columns: [R; Y_chunk^T H] re-triangularised.
    chunk = max(CHUNK_BYTES // (8 * m), m)
    factor = None
    for columns in gen_batches(k, chunk):
        block = X[:, columns]
        block = block.toarray() if sp.issparse(block) else np.asarray(block)
        block = np.subtract(block, mean[columns], dtype=np.float64)
        if scale is not None:
            block *= scale[columns]
        rows = _reflect(block.T, axis=1)[:, 1:]  # (Y^T H) without column 1
        stacked = rows if factor is None else np.vstack([factor, rows])
        factor = _triangular_factor(np.asfortranarray(stacked))
    return factor


def statistics_of(
    X, codes=None, n_classes=(), *, name="X", route=None, norm_moments=True
):
    """The engine's statistics of ``X``: dual when samples are fewer than features.

    Statistics that will be merged (streaming, Dask) are built with an explicit
    primal ``route`` instead; see
    :meth:`~sktransfer._engine.SufficientStatistics.from_data`.
    """
    if route is None and X.shape[0] < X.shape[1]:
        return DualStatistics.from_data(X, codes, tuple(n_classes), name=name)
    return SufficientStatistics.from_data(
        X, codes, n_classes, name=name, route=route, norm_moments=norm_moments
    )
