"""Slow, obviously-correct implementations of the definitions, for tests only.

Each follows doc/methods.rst line by line, with loops over classes and no shared
code with the package. The mpmath ones are the high-precision references of the
numerical robustness report (``benchmarks/robustness.py``), whose test data,
features of a prescribed condition number, is made here too.
"""

from typing import NamedTuple

import mpmath
import numpy as np


def h_score_reference(X, y):
    """tr(pinv(Sigma) Sigma_B), 1/m covariances, the rank rule of doc/methods.rst."""
    X = np.asarray(X)
    eps = np.finfo(X.dtype).eps if np.issubdtype(X.dtype, np.floating) else 2.0**-52
    X = X.astype(np.float64)
    m, k = X.shape
    mu = X.mean(axis=0)
    # Scale each centred column to unit norm (the H-score does not change);
    # a constant column is dropped.
    norms = np.linalg.norm(X - mu, axis=0)
    X, mu = X[:, norms > 0] / norms[norms > 0], mu[norms > 0] / norms[norms > 0]
    k = X.shape[1]
    sigma_b = np.zeros((k, k))
    for c in np.unique(y):
        members = X[np.asarray(y) == c]
        d = members.mean(axis=0) - mu
        sigma_b += len(members) / m * np.outer(d, d)
    # pinv(Sigma) from the SVD of the centred data: Sigma = V diag(s^2/m) V^T,
    # directions below 10 eps ||X_raw||_F (in these units) cut
    # (doc/methods.rst, numerical rank).
    _, s, vt = np.linalg.svd(X - mu, full_matrices=False)
    keep = s > 10 * eps * np.linalg.norm(X)
    sigma_pinv = (vt[keep].T * (m / s[keep] ** 2)) @ vt[keep]
    return float(np.trace(sigma_pinv @ sigma_b))


def h_score_mpmath(X, y, dps=60):
    """The H-score in 60-digit arithmetic, for full-column-rank X."""
    mpmath.mp.dps = dps
    X = np.asarray(X, dtype=np.float64)
    m, k = X.shape
    rows = [[mpmath.mpf(float(v)) for v in row] for row in X]
    mu = [mpmath.fsum(rows[i][j] for i in range(m)) / m for j in range(k)]
    centred = mpmath.matrix([[rows[i][j] - mu[j] for j in range(k)] for i in range(m)])
    scatter = centred.T * centred
    labels = np.asarray(y)
    total = mpmath.mpf(0)
    inverse = scatter**-1
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        d = mpmath.matrix(
            [mpmath.fsum(centred[i, j] for i in idx) / len(idx) for j in range(k)]
        )
        total += len(idx) * (d.T * inverse * d)[0, 0]
    return float(total)


def shrunk_h_score_reference(X, y, alpha):
    """tr(inv(Sigma_a) (1 - a) Sigma_B) with sklearn's shrunk covariance."""
    from sklearn.covariance import empirical_covariance, shrunk_covariance

    X = np.asarray(X, dtype=np.float64)
    m, k = X.shape
    mu = X.mean(axis=0)
    sigma_b = np.zeros((k, k))
    for c in np.unique(y):
        members = X[np.asarray(y) == c]
        d = members.mean(axis=0) - mu
        sigma_b += len(members) / m * np.outer(d, d)
    sigma_a = shrunk_covariance(empirical_covariance(X), shrinkage=alpha)
    return float(np.trace(np.linalg.solve(sigma_a, (1 - alpha) * sigma_b)))


def canonical_correlations_squared_sum(X, y):
    """Sum of squared canonical correlations between X and the one-hot of y."""
    from scipy.linalg import subspace_angles

    X = np.asarray(X, dtype=np.float64)
    onehot = (np.asarray(y)[:, None] == np.unique(y)[None, :]).astype(float)
    angles = subspace_angles(X - X.mean(axis=0), onehot - onehot.mean(axis=0))
    return float(np.sum(np.cos(angles) ** 2))


def _mpmath_columns(X):
    """The columns of X as lists of mpf, from the exact float64 value of each entry.

    Float32 (and integer) entries convert to float64 exactly, so the reference
    sees the very numbers the package was given.
    """
    X = np.asarray(X)
    if X.dtype.kind == "f" and X.dtype.itemsize > 8:
        raise TypeError("the references read float64 at most")
    X = X.astype(np.float64)
    return [[mpmath.mpf(float(v)) for v in column] for column in X.T]


def _mpmath_moments(X, y, equilibrate=False):
    """m, the centred columns, Sigma (1/m) and each class's (n_c, mu_c - mu).

    With ``equilibrate``, of the centred columns each scaled to unit sum of
    squares (a constant column stays zero).
    """
    columns = _mpmath_columns(X)
    m, k = len(columns[0]), len(columns)
    centred = []
    for column in columns:
        mu = mpmath.fsum(column) / m
        centred.append([v - mu for v in column])
    if equilibrate:
        for j, column in enumerate(centred):
            norm = mpmath.sqrt(mpmath.fdot(column, column))
            centred[j] = [v / norm for v in column] if norm else column
    sigma = mpmath.matrix(k, k)
    for j in range(k):
        for q in range(j, k):
            sigma[j, q] = sigma[q, j] = mpmath.fdot(centred[j], centred[q]) / m
    labels = np.asarray(y)
    classes = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        d = mpmath.matrix(
            [mpmath.fsum(col[i] for i in idx) / len(idx) for col in centred]
        )
        classes.append((len(idx), d))
    return m, centred, sigma, classes


class CutoffHScore(NamedTuple):
    """An H-score with a rank cut-off, and how the cut-off went."""

    score: float
    kept: int  # directions kept of the k
    margin: float  # decades between the cut-off and the nearest singular value


def h_score_mpmath_cutoff(X, y, eps=None, dps=60, equilibrate=False):
    """The H-score in 60-digit arithmetic with the numerical rank of doc/methods.rst.

    ``tr(pinv(Sigma) Sigma_B)`` where the pseudo-inverse drops the directions
    of the centred features whose singular value is below ``10 eps
    ||X_raw||_F`` (the raw, uncentred columns, in the same units: scaled like
    the centred ones with ``equilibrate``), ``eps`` that of X's dtype
    (float64's for integers). The singular
    values are the square roots of the eigenvalues of the exact scatter
    ``m Sigma``; at 60 digits squaring loses nothing a condition number of
    1e14 would notice.

    With ``equilibrate``, the rule the package's documentation gives instead:
    the same cut-off on the centred features each scaled to unit sum of
    squares, where the pseudo-inverse is then taken. Without a cut the two
    agree (the H-score is invariant to feature scales); with one they keep
    different subspaces.
    """
    if eps is None:
        dtype = np.asarray(X).dtype
        eps = np.finfo(dtype if dtype.kind == "f" else np.float64).eps
    with mpmath.workdps(dps):
        m, centred, sigma, classes = _mpmath_moments(X, y, equilibrate)
        k = len(centred)
        eigenvalues, vectors = mpmath.eigsy(sigma)
        singular = [mpmath.sqrt(max(m * lam, 0)) for lam in eigenvalues]
        # Rounding X to its dtype perturbs the centred (scaled) columns by at
        # most eps times the raw columns' Frobenius norm (in the same units).
        raw_sq = mpmath.mpf(0)
        for raw in _mpmath_columns(X):
            mean = mpmath.fsum(raw) / m
            centred_sq = mpmath.fsum((v - mean) ** 2 for v in raw)
            if not equilibrate:
                raw_sq += mpmath.fdot(raw, raw)
            elif centred_sq > 0:  # a constant column is dropped
                raw_sq += mpmath.fdot(raw, raw) / centred_sq
        tolerance = 10 * mpmath.mpf(float(eps)) * mpmath.sqrt(raw_sq)
        kept = [i for i in range(k) if singular[i] >= tolerance]
        # pinv(Sigma) = sum over kept directions v v^T / lambda.
        total = mpmath.mpf(0)
        for n_c, d in classes:
            for i in kept:
                projection = mpmath.fsum(vectors[j, i] * d[j] for j in range(k))
                total += n_c * projection**2 / eigenvalues[i]
        margin = min(
            abs(mpmath.log10(s / tolerance)) if s > 0 else mpmath.inf for s in singular
        )
        return CutoffHScore(float(total / m), len(kept), float(margin))


def ledoit_wolf_mpmath(X, dps=60):
    """The Ledoit-Wolf shrinkage coefficient, as sklearn's LedoitWolf defines it.

    With ``d_i`` the centred rows, ``Sigma = (1/m) sum d_i d_i^T`` and ``mu =
    tr(Sigma) / p``: ``delta = ||Sigma - mu I||_F^2 / p``, ``beta = ((1/m) sum
    ||d_i||^4 - ||Sigma||_F^2) / (p m)``, ``alpha = min(beta, delta) / delta``
    (0 when that is 0, and 0 for one feature).
    """
    with mpmath.workdps(dps):
        m, centred, sigma, _ = _mpmath_moments(X, np.zeros(len(np.asarray(X))))
        p = len(centred)
        if p == 1:
            return mpmath.mpf(0)
        mu = mpmath.fsum(sigma[j, j] for j in range(p)) / p
        delta = (
            mpmath.fsum(
                (sigma[j, q] - (mu if j == q else 0)) ** 2
                for j in range(p)
                for q in range(p)
            )
            / p
        )
        rows = list(zip(*centred, strict=True))
        fourth = mpmath.fsum(mpmath.fdot(row, row) ** 2 for row in rows)
        frobenius_sq = mpmath.fsum(sigma[j, q] ** 2 for j in range(p) for q in range(p))
        beta = (fourth / m - frobenius_sq) / (p * m)
        beta = min(beta, delta)
        return mpmath.mpf(0) if beta == 0 else beta / delta


def shrunk_h_score_mpmath(X, y, shrinkage="ledoit_wolf", dps=60):
    """The regularised H-score in 60-digit arithmetic (Ibrahim et al. 2022).

    ``tr(inv(Sigma_a) (1 - a) Sigma_B)`` with ``Sigma_a = (1 - a) Sigma + a
    (tr(Sigma) / k) I``, as doc/methods.rst defines it: no rank cut-off, since
    ``Sigma_a`` is invertible for ``a > 0``. ``shrinkage`` is
    ``"ledoit_wolf"`` or a coefficient.
    """
    with mpmath.workdps(dps):
        if shrinkage == "ledoit_wolf":
            alpha = ledoit_wolf_mpmath(X, dps=dps)
        else:
            alpha = mpmath.mpf(float(shrinkage))
        m, centred, sigma, classes = _mpmath_moments(X, y)
        k = len(centred)
        nu = mpmath.fsum(sigma[j, j] for j in range(k)) / k
        sigma_a = (1 - alpha) * sigma + alpha * nu * mpmath.eye(k)
        total = mpmath.mpf(0)
        for n_c, d in classes:
            solved = mpmath.lu_solve(sigma_a, d)
            total += mpmath.mpf(n_c) / m * (1 - alpha) * (d.T * solved)[0, 0]
        return float(total)


def logme_mpmath(X, y, dps=60, tol=1e-30):
    """LogME in 60-digit arithmetic, per class on one-hot targets (You et al.).

    For each class indicator ``t`` and the uncentred features ``F`` (m x D):
    from ``alpha = beta = 1``, the fixed point of the JMLR version,
    ``gamma = sum beta s_i / (alpha + beta s_i)``, ``m = beta A^-1 F^T t`` with
    ``A = alpha I + beta F^T F``, ``alpha = gamma / ||m||^2``, ``beta = (n -
    gamma) / ||F m - t||^2``, iterated until ``alpha / beta`` moves by less
    than ``tol`` (relative); then the log evidence

        D/2 log alpha + n/2 log beta - n/2 log 2 pi - beta/2 ||F m - t||^2
        - alpha/2 ||m||^2 - 1/2 log|A|

    at the final ``alpha, beta``, divided by n and averaged over classes. The
    ``s_i`` are all D eigenvalues of the exact ``F^T F``; no rank cut-off.
    """
    with mpmath.workdps(dps):
        columns = _mpmath_columns(X)
        n, D = len(columns[0]), len(columns)
        gram = mpmath.matrix(D, D)
        for j in range(D):
            for q in range(j, D):
                gram[j, q] = gram[q, j] = mpmath.fdot(columns[j], columns[q])
        s, V = mpmath.eigsy(gram)
        labels = np.asarray(y)
        evidences = []
        for c in np.unique(labels):
            idx = np.flatnonzero(labels == c)
            t_norm_sq = mpmath.mpf(len(idx))
            # F^T t, and its coordinates on the eigenvectors of F^T F.
            ft = [mpmath.fsum(column[i] for i in idx) for column in columns]
            z = [mpmath.fsum(V[j, i] * ft[j] for j in range(D)) for i in range(D)]

            def posterior(alpha, beta, z=z, t_norm_sq=t_norm_sq):
                # m = V diag(beta / (alpha + beta s)) z in the eigenbasis:
                # ||m||^2, ||F m - t||^2 = m'F'Fm - 2 m'F't + t't, and gamma.
                denominators = [alpha + beta * si for si in s]
                w = [beta * zi / di for zi, di in zip(z, denominators, strict=True)]
                m_sq = mpmath.fdot(w, w)
                residual = (
                    mpmath.fdot([si * wi for si, wi in zip(s, w, strict=True)], w)
                    - 2 * mpmath.fdot(w, z)
                    + t_norm_sq
                )
                gamma = mpmath.fsum(
                    beta * si / di for si, di in zip(s, denominators, strict=True)
                )
                return m_sq, residual, gamma

            alpha, beta = mpmath.mpf(1), mpmath.mpf(1)
            for _ in range(100_000):
                ratio = alpha / beta
                m_sq, residual, gamma = posterior(alpha, beta)
                alpha, beta = gamma / m_sq, (n - gamma) / residual
                if abs(alpha / beta - ratio) < tol * ratio:
                    break
            else:
                raise RuntimeError("the LogME fixed point did not converge")
            m_sq, residual, _ = posterior(alpha, beta)
            evidence = (
                mpmath.mpf(D) / 2 * mpmath.log(alpha)
                + mpmath.mpf(n) / 2 * mpmath.log(beta)
                - mpmath.mpf(n) / 2 * mpmath.log(2 * mpmath.pi)
                - beta / 2 * residual
                - alpha / 2 * m_sq
                - mpmath.fsum(mpmath.log(alpha + beta * si) for si in s) / 2
            )
            evidences.append(evidence / n)
        return float(mpmath.fsum(evidences) / len(evidences))


def ill_conditioned_task(
    cond,
    dtype=np.float64,
    n_samples=330,
    n_features=11,
    n_classes=4,
    seed=0,
    offset=3.0,
):
    """Features whose centred matrix has condition number ``cond``, and labels.

    ``X = U diag(s) V^T + offsets``: ``U`` orthonormal and centred, ``V`` a
    random rotation, ``s`` log-spaced from ``sqrt(n_samples)`` (the leading
    direction has unit variance; single features spread by about 0.3) down by
    ``cond``, and offsets of scale ``offset``. ``U`` orthonormalises a
    latent matrix whose class means differ in every coordinate, so every
    direction, large and small, carries some of the classes: the score is not
    made of noise, and since the H-score is affine invariant its exact value
    is the same for every ``cond`` (up to the rounding of X to ``dtype``).
    Returns X in ``dtype`` and y.
    """
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    latent = rng.standard_normal((n_samples, n_features))
    latent += 0.5 * rng.standard_normal((n_classes, n_features))[y]
    U, _ = np.linalg.qr(latent - latent.mean(axis=0))
    s = np.sqrt(n_samples) * np.logspace(0, -np.log10(cond), n_features)
    V, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    X = (U * s) @ V.T + offset * rng.standard_normal(n_features)
    return X.astype(dtype), y


def shifted_task(cond, ratio, dtype=np.float64, seed=0):
    """:func:`ill_conditioned_task`'s features moved ``ratio`` spreads from the origin.

    The centred features (``offset=0``) plus, in float64 and before rounding
    to ``dtype``, a shift of each feature by ``ratio`` times its own standard
    deviation, with a random sign: every feature's mean is ``ratio`` spreads
    from the origin, so the ratio of its raw to its centred norm is ``sqrt(1 +
    ratio**2)``. The H-score does not change under the shift.
    """
    X, y = ill_conditioned_task(cond, np.float64, seed=seed, offset=0.0)
    signs = np.random.default_rng(seed + 1).choice([-1.0, 1.0], X.shape[1])
    return (X + ratio * X.std(axis=0) * signs).astype(dtype), y
