"""The numerical robustness report (doc/user_guide/robustness.rst), pinned.

On features of a prescribed condition number, 1 to 1e14 every decade, and on
features moved up to 1e4 times their spread from the origin, each metric is
held to a bound on its relative error against a 60-digit mpmath reference
computed on the very same numbers (float32 input converted to float64
exactly), so the error is the algorithm's. ``python benchmarks/robustness.py``
prints the tables.

The engine's promise: within ``TOLERANCE`` (1e-6) of the exact score of the
input's numbers wherever the condition number of the centred features is
below 1e9, no worse than the QR route beyond, and float32 input equal to the
float64 evaluation of the same numbers to 1e-6 up to a condition number of 1e4.
"""

import functools

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf

from sktransfer._engine import SufficientStatistics
from sktransfer.metrics import h_score, logme_score
from sktransfer.metrics._hscore import TOLERANCE, h_score_from_statistics
from tests.reference import (
    h_score_mpmath_cutoff,
    ill_conditioned_task,
    logme_mpmath,
    shifted_task,
    shrunk_h_score_mpmath,
)

CONDITION_NUMBERS = [10.0**e for e in range(0, 15)]
# As in benchmarks/robustness.py: offsets in units of each feature's spread,
# at condition numbers within the promise (the report adds 1e11, where float64
# input is served by the QR route itself).
OFFSET_RATIOS = (0.0, 1.0, 1e1, 1e2, 1e3, 1e4)
OFFSET_CONDITIONS = (1e2, 1e5, 1e8)
PROMISED_CONDITION = 1e9
FLOAT32_AS_FLOAT64_CONDITION = 1e4
EPS64 = float(np.finfo(np.float64).eps)
# ill_conditioned_task's default shape.
N_SAMPLES, N_FEATURES = 330, 11
# Rank decisions of the test data nearer the cut-off than 0.15 decades (a
# factor 1.4), as (cond, dtype) or (cond, ratio, dtype): still more than 0.02
# decades (5 %) away, far beyond the rounding of the package's singular values
# near the cut-off (about 1e-7 of them on the float64 Gram route that serves
# float32 input, a few percent at most on the QR route), and the package
# agrees with the reference on every one of them.
CLOSE_RANK_DECISIONS = {
    (1e5, "float32"),
    (1e9, "float32"),
    (1e11, "float32"),
    (1e13, "float64"),
    (1e2, 1e4, "float32"),
    (1e5, 1e1, "float32"),
    (1e5, 1e2, "float32"),
    (1e5, 1e3, "float32"),
    (1e5, 1e4, "float32"),
    (1e8, 1e1, "float32"),
    (1e8, 1e2, "float32"),
    (1e8, 1e3, "float32"),
    (1e8, 1e4, "float32"),
}


# LogME's evidence has two local maxima in alpha / beta for one class of
# these data sets, towards which the fixed point from alpha = beta = 1 crawls
# (700 to 800 steps in 60 digits); the package stops iterating after 200 steps
# and bisects the derivative's sign, which lands on the other maximum: 4e-2 off
# at 1e3 (a higher evidence) and 6e-3 at 1e9 (a lower one). Not rounding:
# with the iteration let run to convergence the package matches the reference
# to 3e-14 there; letting it run longer everywhere breaks the supremum cases
# of tests/metrics/test_logme.py, so the iteration itself needs a better rule.
LOGME_OTHER_MAXIMUM = {1e3, 1e9}


@functools.cache
def task(cond, dtype):
    return ill_conditioned_task(cond, np.dtype(dtype))


@functools.cache
def shifted(cond, ratio, dtype):
    return shifted_task(cond, ratio, np.dtype(dtype))


@functools.cache
def reference(name, cond, dtype, ratio=None):
    """Each mpmath reference once per module run: they take most of the time.

    The plain H-score's reference applies the package's rank rule
    (doc/methods.rst, numerical rank): directions of the centred features,
    each scaled to unit norm, below ``10 eps sqrt(sum_j rho_j^2)`` count as
    zero.
    """
    X, y = task(cond, dtype) if ratio is None else shifted(cond, ratio, dtype)
    if name == "h":
        return h_score_mpmath_cutoff(X, y, equilibrate=True)
    if name == "shrunk":
        return shrunk_h_score_mpmath(X, y)
    return logme_mpmath(X, y)


def relative_error(value, exact):
    """``|value - exact| / |exact|``, or ``|value|`` where the exact value is 0."""
    return abs(value - exact) / abs(exact) if exact else abs(value)


def qr_route_score(X, y):
    stats = SufficientStatistics.from_data(X, y[:, None], [4], route="qr")
    return h_score_from_statistics(stats)[0]


def promised_bound(cond, X, y, exact):
    """1e-6 below a condition number of 1e9; beyond, the QR route's own error."""
    if cond < PROMISED_CONDITION:
        return TOLERANCE
    return max(TOLERANCE, relative_error(qr_route_score(X, y), exact))


def margin_bound(key):
    return 0.02 if key in CLOSE_RANK_DECISIONS else 0.15


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cond", CONDITION_NUMBERS)
def test_rank_decisions_of_the_test_data_are_not_borderline(cond, dtype):
    # Otherwise the rounding of the package's spectrum could flip a direction
    # across the cut-off and the comparison would measure that instead.
    assert reference("h", cond, dtype).margin > margin_bound((cond, dtype))


@pytest.mark.parametrize("cond", CONDITION_NUMBERS)
def test_float64_qr_route_error_is_below_cond_times_eps(cond):
    # A backward error of a few ulps in the centred features turns their
    # column space by an angle of up to cond * eps, and the H-score (the
    # squared norm of the centred one-hot labels projected on that space) moves
    # by as much relative to itself: no method that rounds the data to float64
    # once does better in general. Measured: up to 0.3 times cond * eps.
    X, y = task(cond, "float64")
    exact = reference("h", cond, "float64").score
    assert relative_error(qr_route_score(X, y), exact) <= max(cond, 10) * EPS64


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cond", CONDITION_NUMBERS)
def test_h_score_keeps_the_engine_promise(cond, dtype):
    # The cheapest route whose certificate holds: within 1e-6 of the exact
    # score where a Gram route can vouch for it, the QR route's error beyond.
    X, y = task(cond, dtype)
    exact = reference("h", cond, dtype).score
    bound = promised_bound(cond, X, y, exact)
    assert relative_error(h_score(X, y), exact) <= bound


@pytest.mark.parametrize(
    "cond", [c for c in CONDITION_NUMBERS if c <= FLOAT32_AS_FLOAT64_CONDITION]
)
def test_float32_input_equals_the_float64_evaluation_of_its_numbers(cond):
    # Up to 1e4 both dtypes' rank rules keep every direction of these data,
    # so the scores are the same exact quantity whatever route serves each.
    X, y = task(cond, "float32")
    as64 = h_score(X.astype(np.float64), y)
    assert relative_error(h_score(X, y), as64) <= TOLERANCE


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("ratio", OFFSET_RATIOS)
@pytest.mark.parametrize("cond", OFFSET_CONDITIONS)
def test_h_score_of_features_far_from_the_origin_keeps_the_promise(cond, ratio, dtype):
    # The shift does not change the H-score; the rank rule does read it
    # (through rho_j = sqrt(1 + ratio**2)), and so does the reference.
    X, y = shifted(cond, ratio, dtype)
    exact = reference("h", cond, dtype, ratio)
    assert exact.margin > margin_bound((cond, ratio, dtype))
    bound = promised_bound(cond, X, y, exact.score)
    assert relative_error(h_score(X, y), exact.score) <= bound


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cond", CONDITION_NUMBERS)
def test_regularised_h_score_error_is_bounded_by_the_shrunk_condition(cond, dtype):
    X, y = task(cond, dtype)
    exact = reference("shrunk", cond, dtype)
    # The coefficient only sets the bound: scikit-learn's is accurate enough.
    alpha = LedoitWolf().fit(X.astype(np.float64)).shrinkage_
    # Sigma_a's eigenvalues are (1 - a) lambda + a nu with nu >= lambda_max / k,
    # so its condition number is at most 1 + k (1 - a) / a however ill-conditioned
    # the features are, and solving with it loses no more than that times eps.
    # (At cond 1 the coefficient is 1 and the exact score 0.)
    shrunk_cond = 1 + N_FEATURES * (1 - alpha) / alpha
    bound = shrunk_cond * EPS64
    assert relative_error(h_score(X, y, shrinkage="ledoit_wolf"), exact) <= bound


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "cond",
    [
        pytest.param(
            cond,
            marks=pytest.mark.xfail(
                strict=True,
                reason="the package's LogME bisects to another local maximum of "
                "the evidence after 200 fixed-point steps",
            ),
        )
        if cond in LOGME_OTHER_MAXIMUM
        else cond
        for cond in CONDITION_NUMBERS
    ],
)
def test_logme_error_stays_at_rounding_level(cond, dtype):
    # LogME never inverts the features' small directions: direction i enters
    # through log(1 + s_i / t) and z_i**2 / (1 + s_i / t), t = alpha / beta,
    # whose derivatives in s_i are at most 1 / (t + s_i), and the evidence is
    # stationary in alpha and beta. An eigenvalue error of eps * sqrt(s_i s_1)
    # (the SVD of the square-root factor) or eps * s_1 (the float64 Gram
    # matrix) then moves the score by at most ~1e-11 relative on these data
    # (s_1 / t <= 1e9); pinned at 1e-10, measured <= 1e-12.
    X, y = task(cond, dtype)
    exact = reference("logme", cond, dtype)
    assert relative_error(logme_score(X, y), exact) <= 1e-10
