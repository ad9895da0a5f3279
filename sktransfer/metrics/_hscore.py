"""The H-score of a feature matrix for class labels, plain and regularised."""

import warnings
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from sktransfer import _dask
from sktransfer._statistics import SufficientStatistics
from sktransfer._validation import check_features
from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics._class_labels import encode_classes

# Warn about over-fitting once the features reach this share of the samples'
# degrees of freedom.
_FEW_SAMPLES_RATIO = 0.5

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
    the features. ``Sigma`` is pseudo-inverted by numpy's ``matrix_rank``
    convention: directions of the centred features whose singular value is at
    most ``s_max * max(n_samples, n_features) * eps`` count as zero, with the
    machine epsilon of the dtype of ``X``, so rounding noise adds nothing. The
    rule is applied to the centred features each scaled to unit sum of
    squares, so that it too is invariant to the units of each feature; for
    features on comparable scales it keeps the same directions as on the raw
    ones.
    Float64 input is reduced by QR, not by forming ``Sigma``, which keeps the
    result exact for near-collinear features.

    The regularised H-score (Ibrahim et al. 2022) replaces ``Sigma`` by
    ``Sigma_a = (1 - a) Sigma + a tr(Sigma) / n_features I`` and scores
    ``tr(Sigma_a^{-1} (1 - a) Sigma_B)``, which never exceeds the plain score.

    The score is computed from sufficient statistics gathered in one pass:
    ``H = sum_c n_c ||W^T (mu_c - mu)||^2`` with ``W W^T`` the pseudo-inverse
    of the centred scatter and ``mu_c`` the class means.

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
    if _dask.is_dask_collection(X, y):
        return _dask.h_score(X, y, shrinkage=shrinkage)
    X = check_features(X)
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
    stats = SufficientStatistics.from_data(X, codes, [c.size for c in classes])
    scores = h_score_from_statistics(stats, shrinkage=shrinkage)
    return scores if np.ndim(y) == 2 else float(scores[0])


def h_score_from_statistics(stats, *, shrinkage=None):
    """H-score of every label vector summarised in ``stats``.

    One whitening of the features (their singular value decomposition) serves
    all label vectors: their centred class means are projected with one GEMM.

    Parameters
    ----------
    stats : SufficientStatistics
        Statistics of the features and one or more label vectors.
    shrinkage : {None, "ledoit_wolf", "oas"} or float in [0, 1], default=None
        As in :func:`h_score`.

    Returns
    -------
    scores : ndarray of shape (n_tasks,)
    """
    alpha = shrinkage_coefficient(stats, shrinkage)
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
    projected = centred_means @ components.T
    per_class = (projected**2) @ weights * stats.class_counts / n
    return np.add.reduceat(per_class, stats.class_offsets[:-1])


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
    singular, _ = stats.spectrum()
    eigenvalues = singular**2 / n  # of the empirical covariance
    mu = stats.trace / n / p
    with np.errstate(over="ignore"):
        frobenius_sq = float(np.sum(eigenvalues**2))  # ||Sigma||_F^2
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
    # ||Sigma - mu I||_F^2 / p, summed over eigenvalues so nothing cancels;
    # directions beyond the factor's rows have eigenvalue zero.
    delta = (np.sum((eigenvalues - mu) ** 2) + (p - eigenvalues.size) * mu**2) / p
    beta = (stats.fourth / n - frobenius_sq) / (p * n)
    beta = min(beta, delta)
    return 0.0 if beta <= 0 or delta == 0 else float(beta / delta)
