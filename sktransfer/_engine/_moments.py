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

:class:`BlockStatistics` gathers the same in one pass over several feature blocks
side by side (the outputs of candidate sources), without concatenating them,
and gives the statistics of any union of blocks without another pass: the
higher-order combinations of sources.
"""

import logging

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils import gen_batches

from sktransfer._engine._chunks import CHUNK_BYTES
from sktransfer._validation import check_features, input_epsilon
from sktransfer.exceptions import PrecisionError

# Rows from which the Gram routes take their pilot mean: a point near the mean
# is all centring needs, and a stream's chunks each pay for it.
_PILOT_ROWS = 1024
# Inputs whose epsilon is below this are reduced by QR (float64 and integers).
_QR_EPSILON = 1e-10
_FLOAT64_EPS = float(np.finfo(np.float64).eps)
_FLOAT32_EPS = float(np.finfo(np.float32).eps)

# The routes of the primal statistics, cheapest first: a Gram matrix of
# chunk-centred rows in float32 or float64 arithmetic, then Householder QR.
ROUTES = ("gram32", "gram64", "qr")
# Singular values of the centred (equilibrated) features below this multiple
# of the rounding bound of the input count as zero (doc/methods.rst, numerical rank).
RANK_MULTIPLE = 10.0
# The range of mean squares and of sums of squares within which the Gram
# routes' arithmetic neither underflows nor overflows: beyond it, QR.
_GRAM_RANGE = {"gram32": (2.0**-100, 2.0**100), "gram64": (2.0**-900, 2.0**900)}

_log = logging.getLogger("sktransfer")


class Uncertified(Exception):
    """Raised by a metric when its route's rounding bound exceeds the tolerance.

    Internal: :func:`certified` catches it and recomputes on a more exact route.
    """

    def __init__(self, estimate, reason):
        super().__init__(reason)
        self.estimate = estimate
        self.reason = reason


def certified(stats, compute):
    """``compute(stats)`` on the cheapest route whose error bound it accepts.

    ``compute`` raises :class:`Uncertified` when the rounding of the route
    that built ``stats`` could have moved its result by more than its
    tolerance; the statistics are then rebuilt from the data on the next more
    exact route (see :meth:`SufficientStatistics.refined`) and ``compute`` is
    tried again. The QR route is never refused.
    """
    while True:
        try:
            return compute(stats)
        except Uncertified as exc:
            stats = stats.refined(exc.reason)


class _ClassMoments:
    """What every statistics object reads of its moments.

    Class means from ``mean``, ``class_deviations`` and ``class_counts``; the
    rank rule from ``feature_scale``, ``mean``, ``n_samples`` and ``eps``.
    """

    @property
    def class_offsets(self):
        """Row ``offsets[j]:offsets[j + 1]`` of the class arrays is label vector j."""
        return np.concatenate([[0], np.cumsum(self.n_classes, dtype=np.intp)])

    @property
    def class_means(self):
        """Mean feature vector of each class (``mean`` for an empty class)."""
        return self.mean + self.class_deviations

    @property
    def centred_class_means(self):
        """Class means minus the mean, without cancellation far from the origin.

        The count-weighted average of each label vector's deviations is zero in
        exact arithmetic; subtracting it removes the rounding of ``mean``.
        """
        starts = self.class_offsets[:-1]
        if starts.size == 0:
            return self.class_deviations
        weighted = self.class_counts[:, None] * self.class_deviations
        average = np.add.reduceat(weighted, starts) / self.n_samples
        return self.class_deviations - np.repeat(average, self.n_classes, axis=0)

    @property
    def raw_column_norms(self):
        """Root sum of squares of each raw (uncentred) feature column.

        ``sqrt(S_jj + n mean_j^2)``: what the rounding of the input is relative
        to. Computed in ratio to the centred norm, so that it cannot overflow
        where that norm does not.
        """
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scale = self.feature_scale
            centred = np.where(scale > 0, 1.0 / scale, 0.0)
            ratio = np.where(
                centred > 0, np.sqrt(self.n_samples) * self.mean / centred, 0.0
            )
            raw = centred * np.sqrt(1.0 + ratio**2)
        # A constant column is all rounding: its raw norm alone.
        return np.where(centred > 0, raw, np.sqrt(self.n_samples) * np.abs(self.mean))

    def rank_tolerance(self, *, scaled=False):
        """Singular values of :meth:`spectrum` at or below this count as zero.

        The rounding of the input to its dtype changes each raw entry by at
        most ``eps |x_ij|``, so the centred features are known only up to a
        perturbation of spectral norm at most ``eps ||X_raw||_F``; with
        ``scaled``, in units where every centred column has unit norm,
        ``eps sqrt(sum_j rho_j^2)`` with ``rho_j`` the ratio of column j's raw
        norm to its centred norm. A direction below ``RANK_MULTIPLE`` times
        that bound could be the input's rounding; everything above it is
        signal (doc/methods.rst, numerical rank).
        """
        raw = self.raw_column_norms
        if scaled:
            scale = self.feature_scale
            raw = np.where(scale > 0, raw * scale, 0.0)
        # Each column divided by the largest first, so the sum cannot overflow.
        largest = raw.max(initial=0.0)
        if largest == 0.0:
            return 0.0
        return (
            RANK_MULTIPLE * self.eps * largest * np.sqrt(np.sum((raw / largest) ** 2))
        )


class SufficientStatistics(_ClassMoments):
    """Mergeable moments of features and class labels, accumulated in float64.

    Build it with :meth:`from_data`; combine with :meth:`merge`; restrict to a
    subset of feature columns with :meth:`select_features`.

    Parameters
    ----------
    n_samples : int
        Number of samples (rows) summarised.
    mean : ndarray of shape (n_features,)
        Mean feature vector.
    factor : ndarray of shape (n_rows, n_features) or None
        Any matrix with ``factor.T @ factor`` equal to the centred scatter;
        None when ``gram`` is given instead.
    class_counts : ndarray of shape (n_classes_total,), dtype int64
        Samples per class, the classes of all label vectors stacked.
    class_deviations : ndarray of shape (n_classes_total, n_features)
        Mean feature vector of each class minus ``mean`` (zero for an empty
        class). Kept relative to the mean so that features far from the
        origin lose no digits of their class structure.
    n_classes : tuple of int
        Number of classes of each label vector, in stacking order.
    fourth : float or None
        ``sum_i ||x_i - mean||^4``; None after :meth:`select_features`.
    third : ndarray of shape (n_features,) or None
        ``sum_i ||x_i - mean||^2 (x_i - mean)``, needed to merge ``fourth``.
    eps : float
        Machine epsilon of the least precise input summarised.
    gram : ndarray of shape (n_features, n_features), optional
        The centred scatter itself, on the Gram routes: it is factored only
        when a metric asks, so that merging statistics of many chunks costs one
        addition each.
    route : {"gram32", "gram64", "qr"}, optional
        How the scatter was formed: products of chunk-centred rows in float32
        or float64 arithmetic, accumulated in float64 between chunks, or
        Householder QR. By default "qr" with a ``factor``, else "gram64".
    block_rows : int, default=1
        Most rows summed in the route's own arithmetic before a float64
        accumulation: with ``route`` it sets the rounding model of ``gram``.
    rounding_scale : float, default=1.0
        The largest ratio of a feature's sum of squares about the point its
        products were taken from (the pilot) to that about its mean: the
        rounding of those products is relative to the former.
    source : tuple, optional
        ``(X, codes, n_classes, name)`` of data held in memory, kept (not
        copied) so that :meth:`refined` can rebuild the statistics on a more
        exact route.
    """

    def __init__(
        self,
        n_samples,
        mean,
        factor,
        *,
        class_counts,
        class_deviations,
        n_classes,
        fourth=None,
        third=None,
        eps=_FLOAT64_EPS,
        spectra=None,
        gram=None,
        route=None,
        block_rows=1,
        rounding_scale=1.0,
        source=None,
    ):
        self.n_samples = int(n_samples)
        self.mean = mean
        self._factor = factor
        self._gram = gram
        self.class_counts = class_counts
        self.class_deviations = class_deviations
        self.n_classes = tuple(int(c) for c in n_classes)
        self.fourth = fourth
        self.third = third
        self.eps = eps
        self._spectra = {} if spectra is None else dict(spectra)
        if route is None:
            route = "qr" if gram is None else "gram64"
        self.route = route
        self.block_rows = int(block_rows)
        self.rounding_scale = float(rounding_scale)
        # (X, codes, n_classes, name) when built from data held in memory, so
        # that a metric whose certificate fails can have them rebuilt.
        self._source = source
        self._refined = None

    @property
    def n_features(self):
        return self.mean.shape[0]

    @classmethod
    def from_data(
        cls,
        X,
        codes=None,
        n_classes=(),
        *,
        chunk_rows=None,
        name="X",
        route=None,
        norm_moments=True,
    ):
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
        name : str, default="X"
            What to call ``X`` in error messages.
        route : {"gram32", "gram64", "qr"}, optional
            By default the cheapest for the dtype: "gram32" for float32 and
            narrower input, "gram64" otherwise. A Gram route whose squares
            would overflow or underflow falls back to "qr".
        norm_moments : bool, default=True
            Gather the fourth moments of the centred row norms, which only the
            Ledoit-Wolf shrinkage reads; they cost another look at each chunk.

        Returns
        -------
        SufficientStatistics
        """
        X = check_features(X)
        n_classes = tuple(n_classes)
        eps = input_epsilon(X.dtype)
        if route is None:
            route = "gram32" if eps >= _FLOAT32_EPS else "gram64"
        if route != "qr":
            pass_ = _gram_pass(
                X, codes, n_classes, route, chunk_rows, name, norm_moments
            )
            if pass_ is None:  # squares out of the route's range: QR does not square
                route = "qr"
        if route == "qr":
            total, scatter, _, _ = _one_pass(
                [X],
                codes,
                n_classes,
                chunk_rows=chunk_rows,
                names=[name],
                qr=True,
                norm_moments="all" if norm_moments else None,
            )
            gram, block_rows, rounding_scale = None, 1, 1.0
        else:
            total, gram, block_rows, rounding_scale = pass_
            scatter = None
        _log.debug("statistics of %s x %s features on route %s", *X.shape, route)
        return cls(
            total.n_samples,
            total.mean,
            scatter,
            class_counts=total.class_counts,
            class_deviations=total.class_deviations,
            n_classes=n_classes,
            fourth=total.fourth,
            third=total.third,
            eps=eps,
            gram=gram,
            route=route,
            block_rows=block_rows,
            rounding_scale=rounding_scale,
            source=(X, codes, n_classes, name),
        )

    def refined(self, reason="its rounding bound exceeds the tolerance"):
        """The same statistics rebuilt from the data on the next more exact route.

        Cached. Raises :class:`~sktransfer.exceptions.PrecisionError` for
        statistics that hold no data to read again (merged from chunks).
        """
        if self._refined is None:
            if self._source is None:
                raise PrecisionError(
                    f"the statistics were accumulated on the {self.route!r} route "
                    f"and {reason}; they hold no data to read again on a more exact "
                    "route. Accumulate them with a more exact route (FeatureStatistics"
                    "(route='gram64') or route='qr')"
                )
            X, codes, n_classes, name = self._source
            route = ROUTES[ROUTES.index(self.route) + 1]
            _log.debug(
                "route %s refused (%s); recomputing on %s", self.route, reason, route
            )
            self._refined = type(self).from_data(
                X,
                codes,
                n_classes,
                name=name,
                route=route,
                norm_moments=self.fourth is not None,
            )
        return self._refined

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
        shift = other.mean - self.mean
        factor = gram = None
        if self._gram is not None and other._gram is not None:
            # Chan's update on the Gram matrices: no decomposition until scored.
            gram = self._gram + other._gram + weight * np.outer(shift, shift)
        else:
            stacked = np.vstack([self.factor, other.factor, np.sqrt(weight) * shift])
            factor = _triangular_factor(np.asfortranarray(stacked))
        return type(self)(
            moments.n_samples,
            moments.mean,
            factor,
            class_counts=moments.class_counts,
            class_deviations=moments.class_deviations,
            n_classes=self.n_classes,
            fourth=moments.fourth,
            third=moments.third,
            eps=max(self.eps, other.eps),
            gram=gram,
            route=ROUTES[min(ROUTES.index(self.route), ROUTES.index(other.route))],
            block_rows=max(self.block_rows, other.block_rows),
            rounding_scale=max(self.rounding_scale, other.rounding_scale),
        )

    def with_classes(self, class_counts, class_deviations, n_classes):
        """The same feature statistics with other class arrays."""
        return type(self)(
            self.n_samples,
            self.mean,
            self._factor,
            class_counts=class_counts,
            class_deviations=class_deviations,
            n_classes=n_classes,
            fourth=self.fourth,
            third=self.third,
            eps=self.eps,
            spectra=self._spectra,
            gram=self._gram,
            route=self.route,
            block_rows=self.block_rows,
            rounding_scale=self.rounding_scale,
        )

    def select_features(self, columns):
        """Statistics of a subset of the feature columns, without the data.

        The fourth moments of row norms do not split by column, so the result
        cannot give the Ledoit-Wolf shrinkage.
        """
        columns = np.arange(self.n_features)[columns]
        gram = None if self._gram is None else self._gram[np.ix_(columns, columns)]
        return type(self)(
            self.n_samples,
            self.mean[columns],
            None if self._factor is None else self._factor[:, columns],
            class_counts=self.class_counts,
            class_deviations=self.class_deviations[:, columns],
            n_classes=self.n_classes,
            eps=self.eps,
            gram=gram,
            route=self.route,
            block_rows=self.block_rows,
            rounding_scale=self.rounding_scale,
        )

    @property
    def factor(self):
        """A square-root factor of the centred scatter (from its spectrum)."""
        if self._factor is None:
            singular, components = self.spectrum(scaled=True)
            with np.errstate(divide="ignore"):
                scale = self.feature_scale
                unscale = np.where(scale > 0, 1.0 / scale, 0.0)
            self._factor = singular[:, None] * components * unscale
        return self._factor

    @property
    def trace(self):
        """Trace of the centred scatter: the total sum of squares."""
        if self._gram is not None:
            return float(np.trace(self._gram))
        return float(np.einsum("ij,ij->", self._factor, self._factor))

    def scatter_dot(self, vector):
        """``S @ vector`` for the centred scatter ``S``."""
        if self._gram is not None:
            return self._gram @ vector
        return self._factor.T @ (self._factor @ vector)

    @property
    def feature_scale(self):
        """Reciprocal of each feature's root sum of squares (0 for a constant)."""
        if self._gram is not None:  # low-precision input: squares cannot overflow
            return _feature_scale(np.sqrt(np.diag(self._gram)))
        # Each column divided by its largest entry first, so that the squares
        # of features near 1e200 or 1e-200 neither overflow nor underflow.
        largest = np.abs(self._factor).max(axis=0, initial=0.0)
        unit = self._factor / np.where(largest > 0, largest, 1.0)
        return _feature_scale(largest * np.sqrt(np.einsum("ij,ij->j", unit, unit)))

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
            scale = self.feature_scale if scaled else 1.0
            if self._gram is not None:
                # Equilibrated when scaled: the eigendecomposition's absolute
                # error is relative to the largest eigenvalue, so features on
                # scales 1e8 apart would otherwise lose the small ones.
                gram = self._gram * np.outer(scale, scale) if scaled else self._gram
                self._spectra[scaled] = gram_spectrum(gram)
            elif self.eps < _QR_EPSILON:
                self._spectra[scaled] = factor_spectrum(self._factor * scale)
            else:  # low-precision input: the Gram matrix loses nothing it had
                factor = self._factor * scale
                self._spectra[scaled] = gram_spectrum(factor.T @ factor)
        return self._spectra[scaled]

    def singular_values(self, *, scaled=False):
        """The singular values of :meth:`spectrum`."""
        return self.spectrum(scaled=scaled)[0]

    def scatter_norms(self):
        """``(sum_{i != j} S_ij^2, diag(S))`` of the centred scatter ``S``.

        Entry by entry, so that nothing cancels.
        """
        scatter = self.scatter
        diagonal = np.diag(scatter).copy()
        with np.errstate(over="ignore"):
            squares = scatter * scatter
        np.fill_diagonal(squares, 0.0)
        return float(squares.sum()), diagonal

    @property
    def scatter(self):
        """The centred scatter matrix ``S`` (formed from the factor on QR)."""
        if self._gram is not None:
            return self._gram
        return self._factor.T @ self._factor

    def spectral_error(self):
        """Estimate of the rounding in the eigenvalues of the scatter ``S``.

        In the units of ``S``: the spectral norm of the Gram route's rounding
        under :meth:`gram_rounding`'s model (diagonal sums drift by ``sqrt(b)
        u``; entries of either sign add a random matrix of norm about ``2
        sqrt(k)`` times their size), relative to the largest diagonal entry.
        None on the QR route, which is final.
        """
        if self.route == "qr" or self._gram is None:
            return None
        u, b = self.gram_rounding()
        k = self.n_features
        return (
            u
            * (np.sqrt(b) + 2.0 * np.sqrt(k) * (np.sqrt(b) + 1.0))
            * float(np.diag(self._gram).max(initial=0.0))
        )

    def gram_rounding(self):
        """``(u, b)``: the unit roundoff of the route and its longest sum.

        The rounding model of the Gram routes: each entry of ``gram`` is a sum
        of products of at most ``b`` rows in arithmetic of unit roundoff ``u``
        (then accumulated in float64), so its error is at most about ``u (sqrt(b)
        |S_ij| + sqrt(S_ii S_jj))`` (the first term the drift of partial sums of
        one sign, the second that of sums of either sign; the probabilistic model
        of Higham and Mary, 2019). On the QR route ``u`` is float64's and the
        factor is backward stable, so ``b = 1``.
        """
        u = {"gram32": _FLOAT32_EPS / 2}.get(self.route, _FLOAT64_EPS / 2)
        return u * self.rounding_scale, self.block_rows


class BlockStatistics(_ClassMoments):
    """Statistics of several feature blocks side by side, from one pass over rows.

    The blocks (feature matrices on the same samples, for example the outputs
    of several candidate sources) are read chunk by chunk into one float64
    buffer, so their concatenation is never held whole. Unlike
    :class:`SufficientStatistics` the joint scatter is kept undecomposed (the
    Gram matrix for low-precision input, the triangular QR factor for float64
    and integers) together with the norm moments of each block, so that
    :meth:`select` gives the statistics of any union of blocks, Ledoit-Wolf
    moments included, without reading the data again.

    Parameters
    ----------
    n_samples : int
        Number of samples summarised.
    mean : ndarray of shape (n_features,)
        Mean of all features, the blocks' side by side.
    scatter : ndarray
        The Gram matrix of the centred features, shape (n_features,
        n_features), or with ``is_factor`` any ``factor`` with ``factor.T @
        factor`` equal to it.
    is_factor : bool
        Whether ``scatter`` is a square-root factor.
    class_counts, class_deviations, n_classes
        As in :class:`SufficientStatistics`.
    block_offsets : ndarray of shape (n_blocks + 1,)
        Block g is columns ``block_offsets[g]:block_offsets[g + 1]``.
    dtypes : list of numpy.dtype
        The input dtype of each block.
    groups : _GroupMoments or None
        Norm moments of each block; None when not gathered.
    """

    def __init__(
        self,
        n_samples,
        mean,
        scatter,
        *,
        is_factor,
        class_counts,
        class_deviations,
        n_classes,
        block_offsets,
        dtypes,
        groups,
    ):
        self.n_samples = int(n_samples)
        self.mean = mean
        self.scatter = scatter
        self.is_factor = is_factor
        self.class_counts = class_counts
        self.class_deviations = class_deviations
        self.n_classes = tuple(int(c) for c in n_classes)
        self.block_offsets = block_offsets
        self.dtypes = list(dtypes)
        self.groups = groups

    @classmethod
    def from_blocks(
        cls,
        blocks,
        codes=None,
        n_classes=(),
        *,
        chunk_rows=None,
        norm_moments=True,
        names=None,
    ):
        """Summarise column blocks and label codes in one pass over row chunks.

        Parameters
        ----------
        blocks : list of {array-like, sparse matrix}
            Feature matrices with the same number of rows, of any real dtypes.
        codes, n_classes, chunk_rows
            As in :meth:`SufficientStatistics.from_data`.
        norm_moments : bool, default=True
            Keep the norm moments of each block, which :meth:`select` needs
            for the Ledoit-Wolf shrinkage; without them the pass is cheaper.
        names : list of str, optional
            What to call each block in error messages; ``blocks[i]`` by default.

        Returns
        -------
        BlockStatistics
        """
        if names is None:
            names = [f"blocks[{i}]" for i in range(len(blocks))]
        blocks = [
            check_features(block, name=name)
            for block, name in zip(blocks, names, strict=True)
        ]
        if not blocks:
            raise ValueError("blocks is empty; pass at least one feature matrix")
        rows = [block.shape[0] for block in blocks]
        if len(set(rows)) > 1:
            bad = next(i for i, r in enumerate(rows) if r != rows[0])
            raise ValueError(
                f"{names[bad]} has {rows[bad]} rows but {names[0]} has {rows[0]}; "
                "every block must hold the features of the same samples"
            )
        n_classes = tuple(n_classes)
        if chunk_rows is None:
            # Merging a chunk costs O(n_features^2 * n_blocks), a chunk's rank
            # update O(rows * n_features^2): at least n_features rows amortise it.
            width = sum(block.shape[1] for block in blocks)
            chunk_rows = max(CHUNK_BYTES // (8 * width), width)
        total, scatter, use_qr, _ = _one_pass(
            blocks,
            codes,
            n_classes,
            chunk_rows=chunk_rows,
            norm_moments="blocks" if norm_moments else None,
            names=names,
        )
        widths = [block.shape[1] for block in blocks]
        return cls(
            total.n_samples,
            total.mean,
            scatter,
            is_factor=use_qr,
            class_counts=total.class_counts,
            class_deviations=total.class_deviations,
            n_classes=n_classes,
            block_offsets=np.concatenate([[0], np.cumsum(widths, dtype=np.intp)]),
            dtypes=[block.dtype for block in blocks],
            groups=total.groups,
        )

    @property
    def n_blocks(self):
        return self.block_offsets.size - 1

    @property
    def n_features(self):
        return self.mean.shape[0]

    def columns(self, indices):
        """The feature columns of the blocks ``indices``, in that order."""
        return np.concatenate(
            [
                np.arange(self.block_offsets[g], self.block_offsets[g + 1])
                for g in indices
            ]
        )

    def select(self, indices):
        """The statistics of the blocks ``indices`` side by side.

        Equal (up to rounding) to :meth:`SufficientStatistics.from_data` on the
        concatenation of those blocks, fourth norm moments included.
        """
        indices = list(indices)
        columns = self.columns(indices)
        groups, square = self.groups, np.ix_(indices, indices)
        if self.is_factor:
            factor, gram = self.scatter[:, columns], None
        else:
            factor, gram = None, self.scatter[np.ix_(columns, columns)]
        return SufficientStatistics(
            self.n_samples,
            self.mean[columns],
            factor,
            class_counts=self.class_counts,
            class_deviations=self.class_deviations[:, columns],
            n_classes=self.n_classes,
            fourth=None if groups is None else float(groups.fourth[square].sum()),
            third=None if groups is None else groups.third[indices][:, columns].sum(0),
            eps=input_epsilon(np.result_type(*(self.dtypes[g] for g in indices))),
            gram=gram,
        )

    def mapped_gram(self, maps):
        """The Gram matrix of the centred blocks, each mapped by a matrix.

        With ``X_g`` the centred block g and ``maps[g]`` of shape
        ``(n_features_g, p_g)``, the Gram matrix of ``[X_0 maps[0], X_1
        maps[1], ...]``, of shape ``(sum p_g, sum p_g)``. From the square-root
        factor the mapped factor is formed first, so that orthonormal maps give
        a Gram matrix accurate to rounding whatever the blocks' conditioning.
        """
        widths = np.concatenate([[0], np.cumsum([m.shape[1] for m in maps])])
        out_blocks = list(zip(widths[:-1], widths[1:], strict=True))
        in_blocks = list(
            zip(self.block_offsets[:-1], self.block_offsets[1:], strict=True)
        )
        if self.is_factor:
            mapped = np.empty((self.scatter.shape[0], widths[-1]))
            for (a, b), (p, q), m in zip(in_blocks, out_blocks, maps, strict=True):
                mapped[:, p:q] = self.scatter[:, a:b] @ m
            return mapped.T @ mapped
        right = np.empty((self.n_features, widths[-1]))
        for (a, b), (p, q), m in zip(in_blocks, out_blocks, maps, strict=True):
            right[:, p:q] = self.scatter[:, a:b] @ m
        gram = np.empty((widths[-1], widths[-1]))
        for (a, b), (p, q), m in zip(in_blocks, out_blocks, maps, strict=True):
            gram[p:q] = m.T @ right[a:b]
        return (gram + gram.T) / 2


def _one_pass(
    blocks,
    codes,
    n_classes,
    *,
    chunk_rows=None,
    norm_moments="all",
    names=None,
    qr=None,
):
    """Moments and scatter of column blocks side by side, in one pass over rows.

    Each chunk of rows of every block is centred into one float64 buffer, so
    the blocks are never concatenated whole. Returns the merged moments, the
    scatter (a triangular factor on the QR route, the Gram matrix otherwise),
    whether the QR route was taken and the epsilon it was chosen by.
    ``norm_moments`` is ``"all"`` for the norm moments of whole rows (the
    Ledoit-Wolf shrinkage needs them), ``"blocks"`` for those of each block as
    well, or None to skip them. ``names`` name the blocks in error messages.
    """
    n_samples = blocks[0].shape[0]
    widths = [block.shape[1] for block in blocks]
    n_features = sum(widths)
    block_offsets = np.concatenate([[0], np.cumsum(widths, dtype=np.intp)])
    if codes is None:
        codes = np.empty((n_samples, 0), dtype=np.intp)
    eps = input_epsilon(np.result_type(*(block.dtype for block in blocks)))
    use_qr = eps < _QR_EPSILON if qr is None else qr
    if chunk_rows is None:
        chunk_rows = max(CHUNK_BYTES // (8 * n_features), 1)
        if use_qr:  # each QR also re-reduces the k x k factor: amortise it
            chunk_rows = max(chunk_rows, 2 * n_features)
    offsets = np.concatenate([[0], np.cumsum(n_classes, dtype=np.intp)])
    group_offsets = block_offsets if norm_moments == "blocks" else None

    total = scatter = None
    for rows in gen_batches(n_samples, chunk_rows):
        part, centred, buffer = _chunk_moments(
            [_dense_rows(block, rows) for block in blocks],
            codes[rows],
            offsets,
            use_qr,
            group_offsets,
            norm_moments is not None,
            names,
        )
        if total is None:
            shift, weight, merged = np.zeros(n_features), 0.0, part
        else:
            shift = part.mean - total.mean
            weight = (
                total.n_samples * part.n_samples / (total.n_samples + part.n_samples)
            )
            running_dot = _factor_dot(scatter) if use_qr else scatter.__matmul__
            merged = _merge_moments(
                total, part, running_dot, _factor_dot(centred), group_offsets
            )
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
            # The same update on the Gram matrix: the centred chunk and the
            # weighted mean shift in one product. numpy's ``A.T @ A`` is ~3x
            # faster here than scipy's syrk, for one k x k temporary.
            buffer[-1] = np.sqrt(weight) * shift
            gram = buffer.T @ buffer
            if scatter is None:
                scatter = gram
            else:
                scatter += gram
        total = merged
    return total, scatter, use_qr, eps


def _gram_pass(
    X, codes, n_classes, route, chunk_rows=None, name="X", norm_moments=True
):
    """Moments and Gram matrix of ``X`` on a Gram route, in one pass over rows.

    Every chunk is centred at one pilot mean (the first rows', rounded to the
    working dtype), so that nothing cancels in the products; the chunk's Gram
    matrix is one product in the working arithmetic (float32 SYRK on the
    "gram32" route), added to a float64 accumulator; class sums are a sparse
    product. The moments are moved from the pilot to the mean at the end.
    Returns ``(moments, gram, block_rows, rounding_scale)``, or None when the
    squares of the centred features leave the route's range (the caller then
    takes QR).
    """
    n_samples, n_features = X.shape
    work = np.float32 if route == "gram32" else np.float64
    size = chunk_rows or max(CHUNK_BYTES // (np.dtype(work).itemsize * n_features), 1)
    low, high = _GRAM_RANGE[route]
    pilot = _pilot_mean(_dense_rows(X, slice(0, _PILOT_ROWS)), work, name, low)
    if pilot is None:
        return None
    in_place = not pilot.any() and X.dtype == work and not sp.issparse(X)
    if chunk_rows is None:
        # Read in place, chunks cost no scratch: larger ones keep BLAS at speed.
        chunk_rows = 2 * size if in_place else size
        # Chunks of equal size: a short last one would cost a product of its
        # own at a fraction of BLAS's speed.
        chunk_rows = -(-n_samples // -(-n_samples // chunk_rows))
    if codes is None:
        codes = np.empty((n_samples, 0), dtype=np.intp)
    offsets = np.concatenate([[0], np.cumsum(n_classes, dtype=np.intp)])
    n_total = int(offsets[-1])

    gram = np.zeros((n_features, n_features))
    sums = np.zeros(n_features)
    class_sums = np.zeros((n_total, n_features))
    counts = np.zeros(n_total, dtype=np.int64)
    fourth, third = 0.0, np.zeros(n_features)
    buffer = None if in_place else np.empty((chunk_rows, n_features), dtype=work)
    for rows in gen_batches(n_samples, chunk_rows):
        chunk = _dense_rows(X, rows)
        if in_place:
            centred = chunk  # read in place: see _pilot_mean
        else:
            centred = buffer[: chunk.shape[0]]
            with np.errstate(over="ignore", invalid="ignore"):
                np.subtract(chunk, pilot, out=centred, dtype=work)
        with np.errstate(over="ignore", invalid="ignore"):  # checked below
            gram += centred.T @ centred
            if codes.shape[1]:
                indicator = class_indicator(codes[rows], offsets, work)
                counts += np.bincount(indicator.indices, minlength=n_total)
                chunk_class_sums = indicator.T @ centred
                class_sums += chunk_class_sums
                # The classes of the first label vector partition the rows.
                chunk_sums = chunk_class_sums[: n_classes[0]].sum(axis=0)
            else:
                chunk_sums = centred.sum(axis=0, dtype=np.float64)
        if not np.isfinite(chunk_sums).all():
            if not np.isfinite(chunk).all() or route == "gram64":
                raise _non_finite(name)
            return None
        sums += chunk_sums
        if not norm_moments:
            continue
        # Squared row norms for the Ledoit-Wolf moments, about the pilot.
        with np.errstate(over="ignore", invalid="ignore"):
            norms = np.einsum("ij,ij->i", centred, centred).astype(np.float64)
            fourth += float(norms @ norms)
            third += norms.astype(work) @ centred
    diagonal = np.diag(gram)
    if not np.isfinite(gram).all() or diagonal.max(initial=0.0) > high:
        return None
    # Columns whose squares underflow would look constant: QR keeps them.
    if np.any((diagonal > 0) & (diagonal < low * n_samples)):
        return None

    # From the pilot to the mean: c is the mean of the pilot-centred rows.
    n = n_samples
    c = sums / n
    gram_c = gram @ c
    trace_p = float(np.trace(gram))
    cc = float(c @ c)
    scatter = gram - n * np.outer(c, c)
    np.fill_diagonal(scatter, np.maximum(np.diag(scatter), 0.0))
    # The products' rounding is relative to the norms about the pilot, the
    # scatter's to those about the mean: their largest ratio scales the model.
    centred_diagonal = np.diag(scatter)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(centred_diagonal > 0, diagonal / centred_diagonal, 1.0)
    rounding_scale = float(max(ratios.max(initial=1.0), 1.0))
    if not norm_moments:
        fourth = third = None
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            fourth = (
                fourth
                - 4 * float(c @ third)
                + 4 * float(c @ gram_c)
                + 2 * cc * trace_p
                - 3 * n * cc * cc
            )
            third = third - trace_p * c - 2 * gram_c + 2 * n * cc * c
    mean = pilot.astype(np.float64) + c
    with np.errstate(invalid="ignore", divide="ignore"):
        class_deviations = np.where(
            counts[:, None] > 0, class_sums / counts[:, None] - c, 0.0
        )
    moments = _Moments(
        n,
        mean,
        class_counts=counts,
        class_deviations=class_deviations,
        trace=trace_p - n * cc,
        fourth=fourth,
        third=third,
    )
    return moments, scatter, min(chunk_rows, n_samples), rounding_scale


def _pilot_mean(chunk, work, name, low):
    """A point near the mean of ``chunk`` from which to centre every chunk.

    The mean rounded to a multiple of 256 units in the last place of the
    column's largest entry: then ``x - pilot`` is exact in the working dtype
    for every entry up to 256 times that large, where a pilot of full
    precision would round each difference the same way and bias the mean.
    None when some column's squares would fall below ``low``, where the
    working arithmetic underflows.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        mean = chunk.mean(axis=0, dtype=np.float64)
    if not np.isfinite(mean).all():
        raise _non_finite(name)
    top = np.abs(chunk).max(axis=0).astype(work)
    smallest = np.sqrt(low)
    if np.any((top > 0) & (top.astype(np.float64) < smallest)):
        return None
    # Features no further from the origin than a quarter of their largest
    # entry lose little to cancellation (the certificate counts it through
    # the rounding scale): their products are taken as they are, without a
    # centred copy of each chunk.
    if np.all(np.abs(mean) <= 0.25 * top.astype(np.float64)):
        return np.zeros(chunk.shape[1], dtype=work)
    step = 256.0 * np.spacing(top).astype(np.float64)
    pilot = np.where(
        step > 0, np.round(mean / np.where(step > 0, step, 1.0)) * step, 0.0
    )
    # A column constant in the chunk is centred at its value, so that a
    # constant feature gives an exactly zero scatter.
    constant = np.all(chunk == chunk[:1], axis=0)
    return np.where(constant, chunk[0].astype(np.float64), pilot).astype(work)


def class_indicator(codes, offsets, dtype=np.float64):
    """The one-hot matrix of stacked label vectors, sparse: ``(n_rows, n_total)``.

    Row i has a one in the column of its class in every label vector; class
    sums are then one sparse product, ``indicator.T @ rows``.
    """
    n_rows, n_tasks = codes.shape
    return sp.csr_array(
        (
            np.ones(n_rows * n_tasks, dtype=dtype),
            (codes + offsets[:-1]).ravel(),
            np.arange(0, n_rows * n_tasks + 1, n_tasks),
        ),
        shape=(n_rows, int(offsets[-1])),
    )


def _non_finite(name):
    return ValueError(
        f"{name} contains NaN or infinity (or values so large that their "
        "sum overflows float64); remove or impute them first"
    )


def _feature_scale(norms):
    with np.errstate(divide="ignore"):
        return np.where(norms > 0, 1.0 / norms, 0.0)


def factor_spectrum(factor):
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


def gram_spectrum(gram):
    """The same from a Gram matrix ``factor.T @ factor``, by one eigh."""
    # Divide and conquer (evd) is ~1.7x faster than the default on large
    # matrices; scipy 1.11's workspace query for it fails on 1 x 1 input.
    driver = "evd" if gram.shape[0] > 1 else None
    eigenvalues, vectors = scipy.linalg.eigh(gram, driver=driver, check_finite=False)
    singular = np.sqrt(np.clip(eigenvalues[::-1], 0.0, None))
    return singular, np.ascontiguousarray(vectors[:, ::-1].T)


def _dense_rows(X, rows):
    """A chunk of rows as a dense array of the input dtype; may be a view of X."""
    block = X[rows]
    return block.toarray() if sp.issparse(block) else block


def _chunk_moments(
    blocks, codes, offsets, use_qr, group_offsets=None, norm_moments=True, names=None
):
    """Moments of one chunk, its centred rows and the buffer that holds them.

    ``blocks`` are the chunk's rows of column blocks, side by side. The buffer
    has one row below them for the mean shift and, on the QR route, room above
    them for the running factor, so that no further copy is needed.
    """
    n_rows = blocks[0].shape[0]
    n_features = sum(block.shape[1] for block in blocks)
    # Non-finite or overflowing means are reported below, by name, not warned.
    with np.errstate(over="ignore", invalid="ignore"):
        means = [block.mean(axis=0, dtype=np.float64) for block in blocks]
    for i, block_mean in enumerate(means):
        if not np.isfinite(block_mean).all():
            name = "X" if names is None else names[i]
            raise ValueError(
                f"{name} contains NaN or infinity (or values so large that their "
                "sum overflows float64); remove or impute them first"
            )
    mean = means[0] if len(means) == 1 else np.concatenate(means)
    if use_qr:
        buffer = np.empty((n_features + n_rows + 1, n_features), order="F")
        centred = buffer[n_features:-1]
    else:
        buffer = np.empty((n_rows + 1, n_features))
        centred = buffer[:-1]
    # Centre in float64 straight from the input dtype: the one copy of a chunk.
    start = 0
    for block, block_mean in zip(blocks, means, strict=True):
        stop = start + block.shape[1]
        np.subtract(block, block_mean, out=centred[:, start:stop], dtype=np.float64)
        start = stop
    # The computed mean is off by rounding of order eps * |mean|, which would
    # leave a rank-one error in the scatter that weak directions of features
    # far from the origin feel; the centred rows' own mean measures it.
    residual = np.ones(n_rows) @ centred / n_rows
    centred -= residual
    mean = mean + residual

    n_total = int(offsets[-1])
    if codes.shape[1]:
        indicator = class_indicator(codes, offsets).T
        counts = np.bincount(indicator.indices, minlength=n_total).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            class_deviations = np.where(
                counts[:, None] > 0, (indicator @ centred) / counts[:, None], 0.0
            )
    else:
        counts, class_deviations = (
            np.zeros(0, dtype=np.int64),
            np.zeros((0, n_features)),
        )
    # Norm moments of features beyond ~1e77 overflow to inf or nan; only the
    # shrinkage rules read them, and they refuse non-finite moments by name.
    with np.errstate(over="ignore", invalid="ignore"):
        groups, trace, fourth, third = _norm_moments(
            centred, group_offsets, norm_moments
        )
    part = _Moments(
        n_rows,
        mean,
        class_counts=counts,
        class_deviations=class_deviations,
        trace=trace,
        fourth=fourth,
        third=third,
        groups=groups,
    )
    return part, centred, buffer


def _norm_moments(centred, group_offsets, norm_moments):
    """``(groups, trace, fourth, third)`` of a chunk's centred rows' norms.

    With ``group_offsets`` also each column group's; all None without
    ``norm_moments``.
    """
    if not norm_moments:
        return None, None, None, None
    if group_offsets is None:
        norms = np.einsum("ij,ij->i", centred, centred)
        return None, float(norms.sum()), float(norms @ norms), centred.T @ norms
    # Squared norms of each block's part of every row: the fourth moment of a
    # union of blocks is a sum of products of these.
    group_norms = np.column_stack(
        [
            np.einsum("ij,ij->i", centred[:, a:b], centred[:, a:b])
            for a, b in zip(group_offsets[:-1], group_offsets[1:], strict=True)
        ]
    )
    groups = _GroupMoments(
        trace=group_norms.sum(axis=0),
        fourth=group_norms.T @ group_norms,
        third=group_norms.T @ centred,
    )
    trace = float(group_norms.sum(axis=1).sum())
    return groups, trace, float(groups.fourth.sum()), groups.third.sum(axis=0)


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
        self,
        n_samples,
        mean,
        *,
        class_counts,
        class_deviations,
        trace,
        fourth,
        third,
        groups=None,
    ):
        self.n_samples = n_samples
        self.mean = mean
        self.class_counts = class_counts
        self.class_deviations = class_deviations
        self.trace = trace
        self.fourth = fourth
        self.third = third
        self.groups = groups


class _GroupMoments:
    """Norm moments of column groups, about the mean of all rows.

    With ``a_ig = ||x_ig - mean_g||^2`` the squared norm of row i's part in
    group g: ``trace[g] = sum_i a_ig``, ``fourth[g, h] = sum_i a_ig a_ih`` and
    ``third[g] = sum_i a_ig (x_i - mean)`` (over all features).
    """

    def __init__(self, *, trace, fourth, third):
        self.trace = trace
        self.fourth = fourth
        self.third = third


def _merge_moments(a, b, a_scatter_dot, b_scatter_dot, group_offsets=None):
    """Chan-style merge of means, class means and norm moments of two parts."""
    n = a.n_samples + b.n_samples
    delta = b.mean - a.mean
    mean = a.mean + delta * (b.n_samples / n)
    counts = a.class_counts + b.class_counts
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(counts > 0, b.class_counts / counts, 0.0)[:, None]
    # Each part's deviations moved to the merged mean, then weighted by count.
    a_deviations = a.class_deviations + (a.mean - mean)
    b_deviations = b.class_deviations + (b.mean - mean)
    class_deviations = np.where(
        counts[:, None] > 0, a_deviations + share * (b_deviations - a_deviations), 0.0
    )

    with np.errstate(over="ignore", invalid="ignore"):  # see _chunk_moments
        trace, fourth, third, groups = _merge_norm_moments(
            a, b, a_scatter_dot, b_scatter_dot, mean, group_offsets
        )
    return _Moments(
        n,
        mean,
        class_counts=counts,
        class_deviations=class_deviations,
        trace=trace,
        fourth=fourth,
        third=third,
        groups=groups,
    )


def _merge_norm_moments(a, b, a_scatter_dot, b_scatter_dot, mean, group_offsets):
    """``(trace, fourth, third, groups)`` of two parts about their merged mean."""
    trace = fourth = third = groups = None
    if a.trace is not None and b.trace is not None:
        delta = b.mean - a.mean
        weight = a.n_samples * b.n_samples / (a.n_samples + b.n_samples)
        trace = a.trace + b.trace + weight * (delta @ delta)
    if group_offsets is not None:
        # The moments of all features are sums of the groups'.
        ga = _shift_group_moments(a, a_scatter_dot, mean - a.mean, group_offsets)
        gb = _shift_group_moments(b, b_scatter_dot, mean - b.mean, group_offsets)
        groups = _GroupMoments(
            trace=ga.trace + gb.trace,
            fourth=ga.fourth + gb.fourth,
            third=ga.third + gb.third,
        )
        fourth, third = float(groups.fourth.sum()), groups.third.sum(axis=0)
    elif a.fourth is not None and b.fourth is not None:
        fa, ta = _shift_norm_moments(a, a_scatter_dot, mean - a.mean)
        fb, tb = _shift_norm_moments(b, b_scatter_dot, mean - b.mean)
        fourth, third = fa + fb, ta + tb
    return trace, fourth, third, groups


def _shift_group_moments(part, scatter_dot, shift, group_offsets):
    """The group norm moments of ``part`` about its mean plus ``shift``.

    Group by group, the expansion of :func:`_shift_norm_moments`: with ``s_g``
    the shift's part in group g and ``c_g = ||s_g||^2``, a row's squared group
    norm becomes ``a_ig - 2 s_g . d_ig + c_g``, whose products and sums only
    need the part's group moments and its scatter times the shifts.
    """
    n_groups = group_offsets.size - 1
    # Column g holds the shift's entries of group g and zeros elsewhere.
    shifts = np.zeros((shift.size, n_groups))
    for g, (start, stop) in enumerate(
        zip(group_offsets[:-1], group_offsets[1:], strict=True)
    ):
        shifts[start:stop, g] = shift[start:stop]
    c = np.einsum("ij,ij->j", shifts, shifts)
    s_shifts = scatter_dot(shifts)
    moments = part.groups
    cross = moments.third @ shifts  # [g, h] = sum_i a_ig (s_h . d_ih)
    trace = moments.trace + part.n_samples * c
    fourth = (
        moments.fourth
        - 2 * (cross + cross.T)
        + 4 * (shifts.T @ s_shifts)
        + np.outer(moments.trace, c)
        + np.outer(c, moments.trace)
        + part.n_samples * np.outer(c, c)
    )
    third = moments.third - np.outer(trace, shift) - 2 * s_shifts.T
    return _GroupMoments(trace=trace, fourth=fourth, third=third)


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
