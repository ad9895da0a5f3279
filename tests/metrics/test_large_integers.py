"""Integer features beyond float64's exact range (issue: timestamps near 1.7e18).

The metrics that do not change when a constant is added to a feature must score
such features as they score the same numbers less a constant, exactly: a cast
to float64 first would round them to multiples of 256 and erase their spread.
"""

import numpy as np
import pytest

from sktransfer._validation import exact_float_features
from sktransfer.metrics import (
    gbc_score,
    h_score,
    nleep_score,
    pixelwise_h_score,
    transrate_score,
)
from tests.reference import h_score_reference

NANOSECONDS = 1_700_000_000_000_000_000


@pytest.fixture(scope="module")
def timestamps():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    # Spreads of a few thousand nanoseconds: below float64's spacing there.
    spread = rng.integers(0, 5_000, (300, 4)) + 700 * y[:, None]
    return spread, y


METRICS = {
    "h_score": h_score,
    "transrate_score": transrate_score,
    "gbc_score": gbc_score,
    "nleep_score": lambda X, y: nleep_score(X, y, random_state=0),
}


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
@pytest.mark.parametrize("metric", METRICS)
def test_large_integers_score_as_their_exact_differences(timestamps, metric, dtype):
    spread, y = timestamps
    base = NANOSECONDS if dtype is np.int64 else 2**64 - 2**40
    X = (np.array(base, dtype=dtype) + spread.astype(dtype)).astype(dtype)
    assert np.abs(X.astype(np.float64) - float(base)).max() < 2**14  # rounded
    score = METRICS[metric](X, y)
    expected = METRICS[metric](spread.astype(np.float64), y)
    assert score == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_the_h_score_of_timestamps_equals_its_definition(timestamps):
    spread, y = timestamps
    X = NANOSECONDS + spread
    # Without the exact shift, the cast keeps only multiples of 256.
    assert h_score(X, y) == pytest.approx(h_score_reference(spread, y), rel=1e-10)
    assert h_score_reference(X.astype(np.float64), y) < 0.5 * h_score(X, y)


def test_pixelwise_h_score_of_large_integers(timestamps):
    spread, _ = timestamps
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 2, (spread.shape[0], 2, 2, 1)) * 255.0
    targets[:, 0, 0, 0] = np.where(spread[:, 0] > 2_500, 255.0, 0.0)
    exact = pixelwise_h_score(spread.astype(np.float64), targets, random_state=0)
    shifted = pixelwise_h_score(NANOSECONDS + spread, targets, random_state=0)
    np.testing.assert_allclose(shifted[0], exact[0], rtol=1e-12, atol=1e-12)


def test_exact_float_features_shifts_only_what_float64_cannot_hold():
    small = np.arange(6, dtype=np.int64).reshape(3, 2)
    assert exact_float_features(small)[1] is None
    assert exact_float_features(small)[0] is small
    values = np.array([[2**62 + 1], [2**62 + 3]], dtype=np.int64)
    shifted, offset = exact_float_features(values)
    # The middle, rounded to a float64 value (here 2**62, spacing 1,024).
    assert offset[0] == float(2**62 + 2) == 2.0**62
    assert [int(offset[0]) + int(v) for v in shifted[:, 0]] == [2**62 + 1, 2**62 + 3]
    np.testing.assert_array_equal(np.diff(shifted[:, 0]), [2.0])
    # A range beyond int64 falls back to float64, to a relative 2**-53.
    extremes = np.array([[-(2**63)], [2**63 - 1]], dtype=np.int64)
    shifted, _ = exact_float_features(extremes)
    np.testing.assert_allclose(np.diff(shifted[:, 0]), [2.0**64], rtol=1e-15)
    # A given offset shifts a chunk of the same stream alike.
    chunk, same = exact_float_features(values[:1], offset)
    assert same is offset and chunk[0, 0] == 1.0
