"""The engine: mergeable sufficient statistics of a feature matrix and its classes.

Almost every metric in sktransfer is a function of a few moments of the data: the
sample count, the feature mean, the centred scatter matrix, the class counts and
class means of one or more label vectors, and (for Ledoit-Wolf shrinkage) the sum
of fourth powers of the centred row norms. :class:`SufficientStatistics` holds
them in float64, is built in one pass over row chunks, merges pairwise (Chan et
al.'s update, so two halves give the statistics of the whole), slices by feature
columns and serves any number of label vectors at once.

The scatter ``S = sum_i (x_i - mean)(x_i - mean)^T`` is kept in square-root form,
as a ``factor`` with ``factor.T @ factor == S``. Forming ``S`` squares the
condition number: a direction whose singular value is 1e-6 of the largest
carries an eigenvalue 1e-12 of the largest, which float64 resolves only to a few
digits. Float64 (and integer) input is therefore reduced by Householder QR of
each centred chunk, which keeps such directions to full precision. Float32 and
float16 input carries at most ~7 digits, far less than the Gram matrix loses, so
it takes the cheaper route of a float64 Gram matrix (one SYRK per chunk) and one
eigendecomposition at the end.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils import gen_batches

from sktransfer._validation import check_features, input_epsilon

# Bytes of float64 scratch per chunk: bounds the extra memory of a pass over data.
_CHUNK_BYTES = 32 * 2**20
# Inputs whose epsilon is below this are reduced by QR (float64 and integers).
_QR_EPSILON = 1e-10
_FLOAT64_EPS = float(np.finfo(np.float64).eps)


class SufficientStatistics:
    """Mergeable moments of features and class labels, accumulated in float64.

    Build it with :meth:`from_data`; combine with :meth:`merge`; restrict to a
    subset of feature columns with :meth:`select_features`.

    Parameters
    ----------
    n_samples : int
        Number of samples (rows) summarised.
    mean : ndarray of shape (n_features,)
        Mean feature vector.
    factor : ndarray of shape (n_rows, n_features)
        Any matrix with ``factor.T @ factor`` equal to the centred scatter.
    class_counts : ndarray of shape (n_classes_total,), dtype int64
        Samples per class, the classes of all label vectors stacked.
    class_means : ndarray of shape (n_classes_total, n_features)
        Mean feature vector of each class (zero for an empty class).
    n_classes : tuple of int
        Number of classes of each label vector, in stacking order.
    fourth : float or None
        ``sum_i ||x_i - mean||^4``; None after :meth:`select_features`.
    third : ndarray of shape (n_features,) or None
        ``sum_i ||x_i - mean||^2 (x_i - mean)``, needed to merge ``fourth``.
    eps : float
        Machine epsilon of the least precise input summarised.
    """

    def __init__(
        self,
        n_samples,
        mean,
        factor,
        *,
        class_counts,
        class_means,
        n_classes,
        fourth=None,
        third=None,
        eps=_FLOAT64_EPS,
        spectra=None,
    ):
        self.n_samples = int(n_samples)
        self.mean = mean
        self.factor = factor
        self.class_counts = class_counts
        self.class_means = class_means
        self.n_classes = tuple(int(c) for c in n_classes)
        self.fourth = fourth
        self.third = third
        self.eps = eps
        self._spectra = {} if spectra is None else dict(spectra)

    @property
    def n_features(self):
        return self.mean.shape[0]

    @property
    def class_offsets(self):
        """Row ``offsets[j]:offsets[j + 1]`` of the class arrays is label vector j."""
        return np.concatenate([[0], np.cumsum(self.n_classes, dtype=np.intp)])

    @classmethod
    def from_data(cls, X, codes=None, n_classes=(), *, chunk_rows=None):
        """Summarise features and label codes in one pass over row chunks.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features of any real dtype; memory-mapped arrays are read chunk by
            chunk and never copied whole.
        codes : ndarray of shape (n_samples, n_tasks), dtype int, optional
            Class codes of each label vector, column ``j`` in
            ``range(n_classes[j])``.
        n_classes : sequence of int
            Number of classes of each label vector.
        chunk_rows : int, optional
            Rows per chunk; by default about 32 MiB of float64 scratch.

        Returns
        -------
        SufficientStatistics
        """
        X = check_features(X)
        n_samples, n_features = X.shape
        n_classes = tuple(n_classes)
        if codes is None:
            codes = np.empty((n_samples, 0), dtype=np.intp)
        eps = input_epsilon(X.dtype)
        use_qr = eps < _QR_EPSILON
        if chunk_rows is None:
            chunk_rows = max(_CHUNK_BYTES // (8 * n_features), 1)
            if use_qr:  # each QR also re-reduces the k x k factor: amortise it
                chunk_rows = max(chunk_rows, 2 * n_features)
        offsets = np.concatenate([[0], np.cumsum(n_classes, dtype=np.intp)])

        total = scatter = None
        for rows in gen_batches(n_samples, chunk_rows):
            part, centred, buffer = _chunk_moments(
                _dense_rows(X, rows), codes[rows], offsets, use_qr
            )
            if total is None:
                shift, weight, merged = np.zeros(n_features), 0.0, part
            else:
                shift = part.mean - total.mean
                weight = (
                    total.n_samples
                    * part.n_samples
                    / (total.n_samples + part.n_samples)
                )
                running_dot = _factor_dot(scatter) if use_qr else scatter.__matmul__
                merged = _merge_moments(total, part, running_dot, _factor_dot(centred))
            if use_qr:
                # Chan's update in square-root form: the running factor, the
                # centred chunk and the weighted mean shift, re-triangularised.
                head = buffer[:n_features]
                head[...] = 0.0
                if scatter is not None:
                    head[: scatter.shape[0]] = scatter
                buffer[-1] = np.sqrt(weight) * shift
                scatter = _triangular_factor(buffer)
            else:
                gram = centred.T @ centred
                if scatter is None:
                    scatter = gram
                else:
                    scatter += gram
                    scatter += weight * np.outer(shift, shift)
            total = merged

        spectra = {}
        if not use_qr:
            # Equilibrate before the eigendecomposition, whose absolute error is
            # relative to the largest eigenvalue: features on scales 1e8 apart
            # would otherwise lose the small ones.
            scale = _feature_scale(np.sqrt(np.diag(scatter)))
            singular, components = _gram_spectrum(scatter * np.outer(scale, scale))
            spectra[True] = (singular, components)
            with np.errstate(divide="ignore"):
                unscale = np.where(scale > 0, 1.0 / scale, 0.0)
            scatter = singular[:, None] * components * unscale
        return cls(
            n_samples,
            total.mean,
            scatter,
            class_counts=total.class_counts,
            class_means=total.class_means,
            n_classes=n_classes,
            fourth=total.fourth,
            third=total.third,
            eps=eps,
            spectra=spectra,
        )

    def merge(self, other):
        """Statistics of the union of the samples summarised by two objects.

        Both must describe the same feature columns and the same label vectors
        with the same classes.
        """
        if self.n_features != other.n_features or self.n_classes != other.n_classes:
            raise ValueError(
                "cannot merge statistics of different shapes: "
                f"{self.n_features} vs {other.n_features} features, "
                f"classes {self.n_classes} vs {other.n_classes}"
            )
        moments = _merge_moments(self, other, self.scatter_dot, other.scatter_dot)
        weight = self.n_samples * other.n_samples / (self.n_samples + other.n_samples)
        stacked = np.vstack(
            [self.factor, other.factor, np.sqrt(weight) * (other.mean - self.mean)]
        )
        factor = _triangular_factor(np.asfortranarray(stacked))
        return type(self)(
            moments.n_samples,
            moments.mean,
            factor,
            class_counts=moments.class_counts,
            class_means=moments.class_means,
            n_classes=self.n_classes,
            fourth=moments.fourth,
            third=moments.third,
            eps=max(self.eps, other.eps),
        )

    def select_features(self, columns):
        """Statistics of a subset of the feature columns, without the data.

        The fourth moments of row norms do not split by column, so the result
        cannot give the Ledoit-Wolf shrinkage.
        """
        columns = np.arange(self.n_features)[columns]
        return type(self)(
            self.n_samples,
            self.mean[columns],
            self.factor[:, columns],
            class_counts=self.class_counts,
            class_means=self.class_means[:, columns],
            n_classes=self.n_classes,
            eps=self.eps,
        )

    @property
    def trace(self):
        """Trace of the centred scatter: the total sum of squares."""
        return float(np.einsum("ij,ij->", self.factor, self.factor))

    def scatter_dot(self, vector):
        """``S @ vector`` for the centred scatter ``S``."""
        return self.factor.T @ (self.factor @ vector)

    @property
    def feature_scale(self):
        """Reciprocal of each feature's root sum of squares (0 for a constant)."""
        return _feature_scale(np.sqrt(np.einsum("ij,ij->j", self.factor, self.factor)))

    def spectrum(self, *, scaled=False):
        """Singular values (descending) and right singular vectors of the data.

        These are the singular values and principal axes of the centred
        feature matrix, ``S = components.T @ diag(singular**2) @ components``.
        With ``scaled=True``, of the centred features each scaled by
        :attr:`feature_scale` to unit sum of squares: scale-free quantities
        such as the H-score are computed there, so that features on scales far
        apart lose no precision and a rank decision does not depend on units.
        """
        if scaled not in self._spectra:
            factor = self.factor * self.feature_scale if scaled else self.factor
            if self.eps < _QR_EPSILON:
                self._spectra[scaled] = _factor_spectrum(factor)
            else:  # low-precision input: the Gram matrix loses nothing it had
                self._spectra[scaled] = _gram_spectrum(factor.T @ factor)
        return self._spectra[scaled]

    def rank_tolerance(self, *, scaled=False):
        """Singular values of :meth:`spectrum` at or below this count as zero.

        ``s_max * max(n_samples, n_features) * eps`` with the epsilon of the
        input dtype: numpy's ``matrix_rank`` convention.
        """
        singular, _ = self.spectrum(scaled=scaled)
        s_max = singular[0] if singular.size else 0.0
        return s_max * max(self.n_samples, self.n_features) * self.eps


def _feature_scale(norms):
    with np.errstate(divide="ignore"):
        return np.where(norms > 0, 1.0 / norms, 0.0)


def _factor_spectrum(factor):
    """Singular values and right singular vectors of a square-root factor."""
    try:
        _, singular, components = scipy.linalg.svd(
            factor, full_matrices=False, check_finite=False
        )
    except np.linalg.LinAlgError:  # gesdd rarely fails to converge; gesvd does not
        _, singular, components = scipy.linalg.svd(
            factor, full_matrices=False, check_finite=False, lapack_driver="gesvd"
        )
    return singular, components


def _gram_spectrum(gram):
    """The same from a Gram matrix ``factor.T @ factor``, by one eigh."""
    eigenvalues, vectors = scipy.linalg.eigh(gram, driver="evd", check_finite=False)
    singular = np.sqrt(np.clip(eigenvalues[::-1], 0.0, None))
    return singular, np.ascontiguousarray(vectors[:, ::-1].T)


def _dense_rows(X, rows):
    """A chunk of rows as a dense array of the input dtype; may be a view of X."""
    block = X[rows]
    return block.toarray() if sp.issparse(block) else block


def _chunk_moments(block, codes, offsets, use_qr):
    """Moments of one chunk, its centred rows and the buffer that holds them.

    On the QR route the buffer has room above the rows for the running factor
    and one row below for the mean shift, so that no further copy is needed.
    """
    n_rows, n_features = block.shape
    mean = block.mean(axis=0, dtype=np.float64)
    if not np.isfinite(mean).all():
        raise ValueError(
            "X contains NaN or infinity (or values so large that their sum "
            "overflows float64); remove or impute them first"
        )
    if use_qr:
        buffer = np.empty((n_features + n_rows + 1, n_features), order="F")
        centred = buffer[n_features:-1]
    else:
        buffer, centred = None, np.empty(block.shape)
    # Centre in float64 straight from the input dtype: the one copy of a chunk.
    np.subtract(block, mean, out=centred, dtype=np.float64)

    n_total = int(offsets[-1])
    if codes.shape[1]:
        stacked = (codes + offsets[:-1]).ravel()
        counts = np.bincount(stacked, minlength=n_total).astype(np.int64)
        indicator = sp.csr_array(
            (
                np.ones(stacked.size),
                (stacked, np.repeat(np.arange(n_rows), codes.shape[1])),
            ),
            shape=(n_total, n_rows),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            class_means = np.where(
                counts[:, None] > 0, mean + (indicator @ centred) / counts[:, None], 0.0
            )
    else:
        counts, class_means = np.zeros(0, dtype=np.int64), np.zeros((0, n_features))
    norms = np.einsum("ij,ij->i", centred, centred)
    part = _Moments(
        n_rows,
        mean,
        class_counts=counts,
        class_means=class_means,
        trace=float(norms.sum()),
        fourth=float(norms @ norms),
        third=centred.T @ norms,
    )
    return part, centred, buffer


def _triangular_factor(a):
    """R of a QR decomposition of the Fortran-ordered ``a``, which is overwritten.

    LAPACK's geqrf directly: ``scipy.linalg.qr`` would copy the whole of ``a``
    to zero its lower triangle. The workspace query matters: with the minimal
    workspace geqrf falls back to its unblocked, several times slower, form.
    """
    geqrf, geqrf_lwork = scipy.linalg.get_lapack_funcs(
        ("geqrf", "geqrf_lwork"), dtype=a.dtype
    )
    workspace, info = geqrf_lwork(*a.shape)
    reflected, _, _, info = geqrf(a, lwork=int(workspace), overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"QR decomposition failed (LAPACK info={info})")
    return np.triu(reflected[: min(a.shape)])


def _factor_dot(factor):
    return lambda v: factor.T @ (factor @ v)


class _Moments:
    """Everything but the scatter itself, as the merge needs it."""

    def __init__(
        self, n_samples, mean, *, class_counts, class_means, trace, fourth, third
    ):
        self.n_samples = n_samples
        self.mean = mean
        self.class_counts = class_counts
        self.class_means = class_means
        self.trace = trace
        self.fourth = fourth
        self.third = third


def _merge_moments(a, b, a_scatter_dot, b_scatter_dot):
    """Chan-style merge of means, class means and norm moments of two parts."""
    n = a.n_samples + b.n_samples
    delta = b.mean - a.mean
    weight = a.n_samples * b.n_samples / n
    mean = a.mean + delta * (b.n_samples / n)
    counts = a.class_counts + b.class_counts
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(counts > 0, b.class_counts / counts, 0.0)[:, None]
    class_means = a.class_means + share * (b.class_means - a.class_means)

    fourth = third = None
    if a.fourth is not None and b.fourth is not None:
        fa, ta = _shift_norm_moments(a, a_scatter_dot, mean - a.mean)
        fb, tb = _shift_norm_moments(b, b_scatter_dot, mean - b.mean)
        fourth, third = fa + fb, ta + tb
    return _Moments(
        n,
        mean,
        class_counts=counts,
        class_means=class_means,
        trace=a.trace + b.trace + weight * (delta @ delta),
        fourth=fourth,
        third=third,
    )


def _shift_norm_moments(part, scatter_dot, shift):
    """Fourth and third norm moments of ``part`` about its mean plus ``shift``.

    With ``d_i`` the rows centred at the part's own mean (so ``sum d_i = 0``),
    this expands ``sum ||d_i - shift||^4`` and ``sum ||d_i - shift||^2 (d_i - shift)``.
    """
    s_shift = scatter_dot(shift)
    c = shift @ shift
    fourth = (
        part.fourth
        - 4 * (shift @ part.third)
        + 4 * (shift @ s_shift)
        + 2 * c * part.trace
        + part.n_samples * c * c
    )
    third = part.third - 2 * s_shift - (part.trace + part.n_samples * c) * shift
    return fourth, third
