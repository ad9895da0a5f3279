"""The H-score of a feature matrix for class labels, plain and regularised."""

import warnings
from numbers import Real

import numpy as np
import scipy.linalg
import scipy.linalg.lapack

from sktransfer._compat import Interval, StrOptions, validate_params
from sktransfer._engine import (
    DUAL_ROUTES,
    Uncertified,
    certified,
    certified_feature_score,
    is_dask_collection,
    statistics_of,
)
from sktransfer._validation import check_features, invariant_features
from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics._class_labels import encode_classes

# Warn about over-fitting once the features reach this share of the samples'
# degrees of freedom.
_FEW_SAMPLES_RATIO = 0.5
# Largest relative error the rounding of a route may put into a score.
TOLERANCE = 1e-6

_SHRINKAGE_CONSTRAINT = [
    None,
    StrOptions({"ledoit_wolf", "oas"}),
    Interval(Real, 0, 1, closed="both"),
]


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "shrinkage": _SHRINKAGE_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def h_score(X, y, *, shrinkage=None):
    """H-score of features for class labels: how well ``X`` can predict ``y``.

    The H-score (Bao et al. 2019) is the optimal log-loss, up to a constant, of
    a softmax classifier on the features in the local (weak-dependence) regime
    of information geometry: the larger, the better the features carry the
    labels. It needs no training, so it ranks candidate representations (layers,
    pretrained models, source tasks) for a target task in one pass over data.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Features, one row per sample, of any real dtype. Memory-mapped arrays
        are read in chunks and never copied whole; sparse matrices are
        densified one chunk at a time.
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Class labels: integers, integral floats, booleans or strings. With one
        column per task, every task is scored against one whitening of ``X``.
    shrinkage : {None, "ledoit_wolf", "oas"} or float in [0, 1], default=None
        Shrinkage of the feature covariance towards a multiple of the
        identity, for the regularised H-score when features are many compared
        with samples. A string picks the coefficient by the Ledoit-Wolf or
        OAS rule (as :class:`sklearn.covariance.LedoitWolf` and
        :class:`sklearn.covariance.OAS` would); a float is the coefficient.
        ``None`` and ``0`` give the plain H-score.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
        The H-score, in ``[0, min(rank(X), n_classes - 1)]``; an array when
        ``y`` is 2-D.

    Warns
    -----
    FewSamplesWarning
        When the plain H-score is asked for with at least half as many
        features as samples beyond the number of classes, where it over-fits.

    See Also
    --------
    HScoreScorer : The H-score of a fitted transformer's output, as a scorer.
    normalized_h_score : The H-score divided by that of the optimal features.

    Notes
    -----
    With ``Sigma`` the covariance of the features and ``Sigma_B`` the
    covariance of their class means (both normalised by ``1/n_samples``),

    .. math:: H(f) = \\operatorname{tr}(\\Sigma^{+} \\Sigma_B),

    the sum of the squared sample canonical correlations between the features
    and the one-hot labels. It is invariant to any invertible affine map of
    the features. ``Sigma`` is pseudo-inverted under the numerical rank of
    the input's own rounding: in units where every centred feature has unit
    norm, a direction whose singular value is below ``10 eps sqrt(sum_j
    rho_j^2)`` counts as zero, with the machine epsilon of the dtype of ``X``
    and ``rho_j`` the ratio of feature j's raw (uncentred) norm to its
    centred norm; rounding noise then adds nothing and genuine small
    directions are kept. The rule is applied to the equilibrated features, so
    it too is invariant to the units of each feature.

    The score is within ``1e-6`` (relative) of the score of the numbers
    given, by an estimate of each route's rounding under the probabilistic
    model of Higham and Mary (2019): the scatter is formed on the cheapest
    route whose estimate meets that (a float32 Gram matrix for float32
    features, a float64 one, then Householder QR), and factored by Cholesky,
    with an eigendecomposition only for rank-deficient features. With fewer
    samples than features the
    ``n_samples x n_samples`` kernel serves instead, and sparse input stays
    sparse. See the user guide's page on numerical robustness.

    The regularised H-score (Ibrahim et al. 2022) replaces ``Sigma`` by
    ``Sigma_a = (1 - a) Sigma + a tr(Sigma) / n_features I`` and scores
    ``tr(Sigma_a^{-1} (1 - a) Sigma_B)``, which never exceeds the plain score.

    The score is computed from sufficient statistics gathered in one pass:
    ``H = sum_c n_c ||L^{-1} (mu_c - mu)||^2`` with ``L L^T`` the Cholesky
    factorisation of the centred scatter and ``mu_c`` the class means.

    A task with a single sample per class is legal: its H-score is the rank of
    the class means' span (up to ``n_classes - 1``), which is why
    :class:`FewSamplesWarning` is raised when samples are scarce.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.
    .. [2] S. Ibrahim, N. Ponomareva and R. Mazumder, "Newer is Not Always
       Better: Rethinking Transferability Metrics, Their Peculiarities,
       Stability and Performance", ECML-PKDD 2022.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import h_score
    >>> X, y = load_iris(return_X_y=True)
    >>> round(h_score(X, y), 4)
    1.1919
    >>> round(h_score(X[:, :1], y), 4)
    0.6187
    >>> round(h_score(X, y, shrinkage="ledoit_wolf"), 4)
    1.17
    """
    if is_dask_collection(X, y):
        return certified_feature_score(
            X,
            y,
            lambda s: h_score_from_statistics(s, shrinkage=shrinkage),
            metric="the H-score",
        )
    # Unchanged by translation and scale: large integers and extreme scales
    # are brought to where float64 holds every intermediate.
    X = invariant_features(check_features(X))
    classes, codes = encode_classes(
        y, n_samples=X.shape[0], metric="the H-score", allow_2d=True
    )
    n_samples, n_features = X.shape
    # The within-class scatter has n_samples - n_classes degrees of freedom;
    # once the features approach that, any labelling looks separable.
    dof = n_samples - max(c.size for c in classes)
    if shrinkage is None and n_features >= _FEW_SAMPLES_RATIO * dof:
        warnings.warn(
            f"X has {n_features} features for {n_samples} samples in "
            f"{max(c.size for c in classes)} classes: the plain H-score over-fits "
            "when features are this many (with n_features >= n_samples - 1 it "
            "reaches n_classes - 1 whatever the labels). Pass "
            "shrinkage='ledoit_wolf' for the regularised H-score.",
            FewSamplesWarning,
            stacklevel=3,  # past validate_params' wrapper, to the caller's line
        )
    stats = statistics_of(
        X,
        codes,
        [c.size for c in classes],
        norm_moments=shrinkage == "ledoit_wolf",
    )
    scores = h_score_from_statistics(stats, shrinkage=shrinkage)
    return scores if np.ndim(y) == 2 else float(scores[0])


def h_score_from_statistics(stats, *, shrinkage=None, tolerance=TOLERANCE):
    """H-score of every label vector summarised in ``stats``.

    One factorisation of the features serves all label vectors: their centred
    class means are projected with one triangular solve (or one GEMM).

    Parameters
    ----------
    stats : SufficientStatistics
        Statistics of the features and one or more label vectors.
    shrinkage : {None, "ledoit_wolf", "oas"} or float in [0, 1], default=None
        As in :func:`h_score`.
    tolerance : float, default=1e-6
        Largest relative error that the rounding of the statistics' route may
        have put into a score; beyond it the statistics are rebuilt on a more
        exact route (see :func:`~sktransfer._engine.certified`).

    Returns
    -------
    scores : ndarray of shape (n_tasks,)
    """
    return certified(stats, lambda s: _h_scores(s, shrinkage, tolerance))


def _h_scores(stats, shrinkage, tolerance):
    alpha = shrinkage_coefficient(stats, shrinkage)
    if stats.route in DUAL_ROUTES:
        return _dual_h_scores(stats, alpha, tolerance)
    if stats.route == "qr" or stats._gram is None:
        return _spectral_h_scores(stats, alpha)
    return _gram_h_scores(stats, alpha, tolerance)


def _spectral_h_scores(stats, alpha, tolerance=None, error=None):
    """The H-scores from the spectrum of the (equilibrated when plain) scatter.

    With ``error`` (an estimate of the spectral norm of the rounding in the
    scatter, in the spectrum's units), refuse when it could have moved a kept
    direction's weight by more than ``tolerance``.
    """
    n = stats.n_samples
    centred_means = stats.centred_class_means
    if alpha == 0.0:
        # Plain H-score: invariant to feature scales, so whiten the features
        # scaled to unit sum of squares, where the rank decision is unit-free.
        scaled = True
        centred_means = centred_means * stats.feature_scale
    else:
        scaled = False
    singular, components = stats.spectrum(scaled=scaled)
    if alpha == 0.0:
        keep = singular > stats.rank_tolerance(scaled=scaled)
    else:
        # Shrinkage bounds every weight, so no direction needs cutting; a zero
        # one carries no class means (they lie in the span of the data).
        keep = singular > 0.0
    singular, components = singular[keep], components[keep]
    # Weight of each squared projection: 1 / lambda for the plain score and
    # (1 - a) / ((1 - a) lambda + a nu) when shrunk, with lambda = s^2 / n the
    # covariance eigenvalues and nu their mean over all n_features directions.
    eigenvalues = singular**2 / n
    if alpha == 0.0:
        weights = 1.0 / eigenvalues
    else:
        nu = stats.trace / n / stats.n_features
        weights = (1.0 - alpha) / ((1.0 - alpha) * eigenvalues + alpha * nu)
    if error is not None and singular.size:
        # Each kept eigenvalue may be off by ``error``: a relative change of at
        # most eta in every weight, so in the score.
        smallest = (
            singular[-1] ** 2
            if alpha == 0.0
            else (
                (1.0 - alpha) * singular[-1] ** 2
                + alpha * stats.trace / stats.n_features
            )
        )
        eta = error / smallest
        if eta >= 0.5 or eta / (1.0 - eta) > tolerance:
            raise Uncertified(
                eta, f"kept directions are within {eta:.1e} of its rounding"
            )
    projected = centred_means @ components.T
    per_class = (projected**2) @ weights * stats.class_counts / n
    return np.add.reduceat(per_class, stats.class_offsets[:-1])


def _dual_h_scores(stats, alpha, tolerance):
    """The H-scores of wide features from the sample kernel's eigenvectors.

    With ``Y = U diag(s) V^T`` the centred features (scaled to unit columns for
    the plain score) and ``e_c`` the indicator of class c, a class mean's
    projection on axis i is ``s_i (U^T e_c)_i / n_c``; the plain score is then
    ``sum_c ||U_r^T e_c||^2 / n_c`` over the kept axes, which depends on their
    span only. The kernel's rounding turns that span by about its error over
    the smallest kept eigenvalue; beyond the tolerance, or where a rank
    decision is within the error, the QR route of the dual serves.
    """
    plain = alpha == 0.0
    singular, vectors = stats.sample_axes(scaled=plain)
    eigenvalues = singular**2
    error = stats.kernel_error(scaled=plain)
    if plain:
        tau2 = stats.rank_tolerance(scaled=True) ** 2
        keep = eigenvalues > tau2
        undecided = np.any(np.abs(eigenvalues - tau2) <= 2.0 * error)
        smallest = eigenvalues[keep][-1] if keep.any() else np.inf
        if stats.route == "dual" and (undecided or error / smallest > tolerance):
            raise Uncertified(error / smallest, "its rounding blurs the kept span")
    else:
        keep = singular > 0.0
    counts = stats.class_counts.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        inverse_counts = np.where(counts > 0, 1.0 / counts, 0.0)
    sums = stats.class_projections(vectors[:, keep])  # (U^T e_c)_i
    if plain:
        per_class = np.einsum("ci,ci->c", sums, sums) * inverse_counts
    else:
        n = stats.n_samples
        nu = stats.trace / n / stats.n_features
        weights = (1.0 - alpha) / ((1.0 - alpha) * eigenvalues[keep] / n + alpha * nu)
        projected = singular[keep] * sums * inverse_counts[:, None]
        per_class = (projected**2) @ weights * counts / n
    starts = stats.class_offsets[:-1]
    return np.add.reduceat(per_class, starts) if starts.size else np.zeros(0)


def _gram_h_scores(stats, alpha, tolerance):
    """The H-scores by Cholesky of the equilibrated scatter, with a certificate.

    In units where every centred feature has unit norm the scatter is ``R``
    (unit diagonal) and a class's centred mean is ``d_c``; the score is ``sum_c
    n_c d_c^T A^{-1} d_c (1 - a)`` with ``A = (1 - a) R + a (tr S / k)
    diag(1 / S_jj)`` (``A = R`` for the plain score). The first-order change
    of the score under a rounding error ``E`` of ``R`` is ``-(1 - a) sum_ij
    W_ij E_ij`` with ``W = sum_c n_c x_c x_c^T``, ``x_c = A^{-1} d_c``; under
    the rounding model of :meth:`SufficientStatistics.gram_rounding` (errors of
    either sign, independent between entries) its size is about ``u (sqrt(b)
    ||W o R||_F + ||W||_F)``, bounded through ``||W o R||_F <= ||diag W|| + max
    |R_ij| ||W||_F`` (off the diagonal), plus a second-order term from the relative
    perturbation ``eta = ||E||_2 ||A^{-1}||`` (LAPACK's condition estimate).
    Where that exceeds ``tolerance`` times the score, or the rank decision is
    not clear-cut at the route's rounding, the statistics are refused.
    """
    scatter = stats._gram
    diagonal = np.diag(scatter).copy()
    live = diagonal > 0  # constant features carry nothing, shrunk or not
    if not live.any():
        return np.zeros(len(stats.n_classes))
    root = np.sqrt(diagonal[live])
    R = scatter[np.ix_(live, live)] / np.outer(root, root)
    np.fill_diagonal(R, 1.0)
    means = stats.centred_class_means[:, live] / root
    k = R.shape[0]
    u, b = stats.gram_rounding()
    # Spectral norm of the rounding of R. The diagonal sums are of one sign
    # and drift by up to sqrt(b) u; off the diagonal an entry errs by about
    # u (sqrt(b) |R_ij| + 1) with either sign, a random matrix whose norm is
    # about 2 sqrt(k) times its entries' root mean square.
    off = R - np.eye(k)
    rms_off = np.sqrt(np.sum(off * off) / max(k * k - k, 1))
    error = u * (np.sqrt(b) + 2.0 * np.sqrt(k) * (np.sqrt(b) * rms_off + 1.0))
    if alpha == 0.0:
        A, tau2 = R, stats.rank_tolerance(scaled=True) ** 2
    else:
        nu_k = stats.trace / stats.n_features
        A = (1.0 - alpha) * R
        A[np.diag_indices(k)] += alpha * nu_k / diagonal[live]
        error, tau2 = (1.0 - alpha) * error, 0.0
    norm_a = float(np.abs(A).sum(axis=0).max())  # ||A||_1
    try:
        L = scipy.linalg.cholesky(A, lower=True, check_finite=False)
        rcond, info = scipy.linalg.lapack.dpocon(L, norm_a, uplo="L")
        clear = info == 0 and rcond > 0
    except np.linalg.LinAlgError:
        clear = False
    if clear:
        # LAPACK's estimate of ||A^-1||_1 >= ||A^-1||_2, which can fall short
        # of it by a small factor: 3 as a margin.
        inverse_norm = 3.0 / (rcond * norm_a)
        lowest = 1.0 / inverse_norm  # below the smallest eigenvalue of A
        clear = lowest > 4.0 * tau2 and error < 0.25 * lowest
    if not clear:
        # Rank-deficient or nearly so: the spectrum decides, if this route's
        # rounding is far below the rank cut; otherwise a more exact route.
        if error > 0.25 * max(tau2, 1e-300):
            raise Uncertified(error, "its rounding hides the numerical rank")
        # The spectrum of the plain score is in the units of R, the shrunk
        # score's in those of the scatter itself.
        units = 1.0 if alpha == 0.0 else float(diagonal.max())
        return _spectral_h_scores(stats, alpha, tolerance, error * units)
    weighted = means.T * np.sqrt(stats.class_counts)  # k x C, sqrt(n_c) d_c
    half = scipy.linalg.solve_triangular(L, weighted, lower=True, check_finite=False)
    per_class = np.einsum("ij,ij->j", half, half)
    starts = stats.class_offsets[:-1]
    if not starts.size:
        return np.zeros(0)
    scores = (1.0 - alpha) * np.add.reduceat(per_class, starts)
    # The certificate of every task at once; ||W||_F <= sum_c ||x_c||^2.
    x = scipy.linalg.solve_triangular(
        L, half, lower=True, trans="T", check_finite=False
    )
    squares = x * x
    w_frob = np.add.reduceat(squares.sum(axis=0), starts)
    w_diag = np.linalg.norm(np.add.reduceat(squares, starts, axis=1), axis=0)
    off_max = float(np.abs(off).max(initial=0.0))
    first = u * (np.sqrt(b) * (w_diag + off_max * w_frob) + w_frob)
    eta = error * inverse_norm
    estimate = (1.0 - alpha) * first + np.abs(scores) * eta**2 / max(1.0 - eta, 1e-300)
    worst = int(np.argmax(estimate - tolerance * np.abs(scores)))
    if eta >= 0.5 or estimate[worst] > tolerance * abs(scores[worst]):
        raise Uncertified(
            estimate[worst] / max(abs(scores[worst]), 1e-300),
            f"its rounding could move the score by {estimate[worst]:.1e}",
        )
    return scores


def _check_representable(moment):
    if not np.isfinite(moment):
        raise ValueError(
            "X is too large in magnitude for the regularised H-score: the sums "
            "of powers of its row norms that the shrinkage needs overflow "
            "float64. Divide X by a constant first; the score does not change."
        )


def shrinkage_coefficient(stats, shrinkage):
    """The covariance shrinkage coefficient in [0, 1] that ``shrinkage`` names.

    ``"ledoit_wolf"`` and ``"oas"`` reproduce
    :func:`sklearn.covariance.ledoit_wolf_shrinkage` and the OAS estimator's
    ``shrinkage_`` from the statistics alone (the Ledoit-Wolf rule needs the
    fourth moments of the centred row norms, which the engine keeps).
    """
    if shrinkage is None:
        return 0.0
    _check_representable(stats.trace)
    if not isinstance(shrinkage, str):
        return float(shrinkage)
    n, p = stats.n_samples, stats.n_features
    if p == 1:  # one feature: every shrinkage gives the same estimate
        return 0.0
    # Traces and Frobenius norms of the scatter suffice: no spectrum. In
    # units of the covariance (scatter / n), divided before squaring.
    off_diagonal_sq, diagonal = stats.scatter_norms()
    with np.errstate(over="ignore"):
        off_diagonal_sq = off_diagonal_sq / n**2
        diagonal = diagonal / n
        frobenius_sq = off_diagonal_sq + float(diagonal @ diagonal)  # ||Sigma||_F^2
    mu = stats.trace / n / p
    _check_representable(frobenius_sq)
    if shrinkage == "ledoit_wolf" and stats.fourth is not None:
        _check_representable(stats.fourth)
    if shrinkage == "oas":
        alpha = frobenius_sq / p**2
        denominator = (n + 1) * (alpha - mu**2 / p)
        return 1.0 if denominator == 0 else min((alpha + mu**2) / denominator, 1.0)
    if stats.fourth is None:
        raise ValueError(
            "shrinkage='ledoit_wolf' needs the fourth moments of the full feature "
            "rows, which statistics restricted to some columns do not have; "
            "use shrinkage='oas' or a float"
        )
    # ||Sigma - mu I||_F^2 / p, entry by entry so that nothing cancels.
    delta = (off_diagonal_sq + float(np.sum((diagonal - mu) ** 2))) / p
    beta = (stats.fourth / n - frobenius_sq) / (p * n)
    beta = min(beta, delta)
    return 0.0 if beta <= 0 or delta == 0 else float(beta / delta)
