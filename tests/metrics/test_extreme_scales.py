"""Scale-free metrics at the edges of float64's range, and TransRate's sign.

The H-score (plain and shrunk), GBC, NLEEP and the normalised H-score do not
change when every feature is multiplied by one constant. Their sums of squares
and fourth powers must not underflow or overflow on the way: at any scale
float64 can hold, the score is the score at unit scale.
"""

import numpy as np
import pytest

from sktransfer.metrics import (
    gbc_score,
    h_score,
    nleep_score,
    normalized_h_score,
    transrate_score,
)

SCALE_FREE = {
    "h_score": h_score,
    "h_score(shrinkage=0.1)": lambda X, y: h_score(X, y, shrinkage=0.1),
    "h_score(ledoit_wolf)": lambda X, y: h_score(X, y, shrinkage="ledoit_wolf"),
    "h_score(oas)": lambda X, y: h_score(X, y, shrinkage="oas"),
    "gbc_score": gbc_score,
    "nleep_score": lambda X, y: nleep_score(X, y, random_state=0),
    "normalized_h_score": normalized_h_score,
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    return rng.standard_normal((200, 5)) + y[:, None], y


@pytest.mark.parametrize("scale", [2.0**-1000, 1e-300, 1e-170, 1e150, 1e200, 1e300])
@pytest.mark.parametrize("metric", SCALE_FREE)
def test_scale_free_metrics_hold_at_extreme_scales(data, metric, scale):
    X, y = data
    score = SCALE_FREE[metric]
    assert score(X * scale, y) == pytest.approx(score(X, y), rel=1e-10)


@pytest.mark.parametrize("metric", SCALE_FREE)
def test_subnormal_features_score_as_their_normal_multiples(data, metric):
    X, y = data
    # Subnormal numbers carry fewer bits: the same numbers, scaled up exactly.
    tiny = X * 2.0**-1060
    assert np.all(np.abs(tiny) < np.finfo(np.float64).tiny)
    exact = np.ldexp(tiny, 1060)
    score = SCALE_FREE[metric]
    assert score(tiny, y) == pytest.approx(score(exact, y), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_features_far_from_unit_scale(data, dtype):
    X, y = data
    for scale in (1e-30, 1e30):
        scaled = (X * scale).astype(dtype)
        unit = (scaled.astype(np.float64) / scale).astype(np.float64)
        assert h_score(scaled, y) == pytest.approx(h_score(unit, y), rel=1e-6)


def test_transrate_is_never_negative():
    # Features at 1e-10 with equal class and total rates: the difference of
    # two equal terms rounded to -3.9e-31 before ties were taken as zero.
    rng = np.random.default_rng(0)
    found_tie = False
    for _ in range(300):
        n, k = rng.integers(4, 40), rng.integers(1, 6)
        y = rng.integers(0, 3, n)
        if np.unique(y).size < 2:
            continue
        X = rng.standard_normal((n, k)) * 10.0 ** rng.uniform(-14, 2)
        if rng.random() < 0.3:
            X = np.repeat(X[:1], n, axis=0)
        if rng.random() < 0.3:
            X[:, 0] = y
        score = transrate_score(X, y)
        assert score >= 0.0
        found_tie |= score == 0.0
    assert found_tie
