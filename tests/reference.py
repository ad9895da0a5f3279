"""Slow, obviously-correct implementations of the definitions, for tests only.

Each follows METHODS.md line by line, with loops over classes and no shared
code with the package.
"""

import mpmath
import numpy as np


def h_score_reference(X, y):
    """tr(pinv(Sigma) Sigma_B) with 1/m covariances and the matrix_rank cut-off."""
    X = np.asarray(X)
    eps = np.finfo(X.dtype).eps if np.issubdtype(X.dtype, np.floating) else 2.0**-52
    X = X.astype(np.float64)
    m, k = X.shape
    mu = X.mean(axis=0)
    sigma_b = np.zeros((k, k))
    for c in np.unique(y):
        members = X[np.asarray(y) == c]
        d = members.mean(axis=0) - mu
        sigma_b += len(members) / m * np.outer(d, d)
    # pinv(Sigma) from the SVD of the centred data: Sigma = V diag(s^2/m) V^T.
    _, s, vt = np.linalg.svd(X - mu, full_matrices=False)
    keep = s > s[0] * max(m, k) * eps
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
