import warnings

import numpy as np
import pytest

from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics import _pixelwise as pixelwise_module
from sktransfer.metrics import h_score, pixelwise_h_score
from tests.reference import h_score_reference


def make_pixelwise_task(seed, n_samples=300, n_features=5, shape=(4, 5), n_values=4):
    """Features and integer-valued target images, some pixels driven by X."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    height, width = shape
    driven = X @ rng.standard_normal((n_features, height * width))
    noise = rng.standard_normal((n_samples, height * width))
    weight = np.linspace(0.0, 1.0, height * width)  # pixels more and more driven
    mixed = weight * driven + (1 - weight) * noise
    levels = np.quantile(mixed, np.linspace(0, 1, n_values + 1)[1:-1], axis=0)
    Y = (mixed[None] > levels[:, None]).sum(axis=0)
    return X, Y.reshape(n_samples, height, width)


def pixelwise_reference(X, labels):
    """H-score of X for every pixel's labels, one pixel at a time; 0 if constant."""
    n_samples, height, width = labels.shape
    score_map = np.zeros((height, width))
    for i in range(height):
        for j in range(width):
            if np.unique(labels[:, i, j]).size > 1:
                score_map[i, j] = h_score_reference(X, labels[:, i, j])
    return score_map


@pytest.mark.parametrize("seed", range(3))
def test_map_is_the_h_score_of_every_pixel(seed):
    X, Y = make_pixelwise_task(seed)
    score, score_map = pixelwise_h_score(X, Y, random_state=0)
    expected = pixelwise_reference(X, Y)
    np.testing.assert_allclose(score_map, expected, rtol=1e-10, atol=1e-12)
    assert score == pytest.approx(expected.mean(), rel=1e-10)


def test_kmeans_palette_recovers_well_separated_colours():
    X, Y = make_pixelwise_task(3, n_values=3)
    rng = np.random.default_rng(0)
    blurred = 10.0 * Y + 0.01 * rng.standard_normal(Y.shape)  # three tight colours
    _, score_map = pixelwise_h_score(X, blurred, n_colors=3, random_state=0)
    np.testing.assert_allclose(score_map, pixelwise_reference(X, Y), rtol=1e-10)


def test_quantisation_uses_at_most_n_colors_classes_per_pixel():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((400, 3))
    Y = X[:, :1, None] + 0.3 * rng.standard_normal((400, 2, 3))  # continuous
    for n_colors in (2, 5, 16):
        _, score_map = pixelwise_h_score(X, Y, n_colors=n_colors, random_state=0)
        assert np.all(score_map >= -1e-12)
        assert np.all(score_map <= (n_colors - 1) + 1e-9)
    _, two = pixelwise_h_score(X, Y, n_colors=2, random_state=0)
    _, many = pixelwise_h_score(X, Y, n_colors=16, random_state=0)
    assert many.mean() > two.mean()  # a finer palette keeps more of the signal


def block_means(Y, pool):
    """Mean of each block of pixels, edge blocks smaller, by explicit loops."""
    n_samples, height, width = Y.shape
    ph, pw = pool
    rows, cols = range(0, height, ph), range(0, width, pw)
    out = np.empty((n_samples, len(rows), len(cols)))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            out[:, a, b] = Y[:, i : i + ph, j : j + pw].mean(axis=(1, 2))
    return out


@pytest.mark.parametrize("pool", [(2, 2), (2, 3), 3, (5, 1)])
def test_pooling_scores_the_mean_colour_of_each_block(pool):
    X, Y = make_pixelwise_task(5, shape=(5, 7), n_values=2)
    pair = (pool, pool) if isinstance(pool, int) else pool
    means = block_means(Y.astype(float), pair)
    score, score_map = pixelwise_h_score(X, Y, pool=pool, n_colors=40, random_state=0)
    # At most 40 distinct block means here: the palette is exact.
    assert np.unique(means).size <= 40
    expected = pixelwise_reference(X, means)
    assert score_map.shape == means.shape[1:]
    np.testing.assert_allclose(score_map, expected, rtol=1e-10, atol=1e-12)
    assert score == pytest.approx(expected.mean(), rel=1e-10)


def test_pixels_of_a_single_colour_score_zero():
    X, Y = make_pixelwise_task(6)
    Y[:, 0, :] = 3  # the top row never changes
    _, score_map = pixelwise_h_score(X, Y, random_state=0)
    assert np.all(score_map[0] == 0.0)
    score, score_map = pixelwise_h_score(X, np.ones((300, 2, 2)), random_state=0)
    assert score == 0.0 and np.all(score_map == 0.0)


def test_channels_are_colour_coordinates():
    X, Y = make_pixelwise_task(7, n_values=3)
    rgb = np.stack([Y, 2 * Y, -Y], axis=-1)
    _, grey_map = pixelwise_h_score(X, Y, random_state=0)
    _, rgb_map = pixelwise_h_score(X, rgb, random_state=0)
    np.testing.assert_allclose(rgb_map, grey_map, rtol=1e-12)


def test_random_state_makes_the_palette_reproducible(monkeypatch):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((300, 4))
    Y = X[:, :1, None] * rng.standard_normal((1, 3, 3)) + rng.random((300, 3, 3))
    monkeypatch.setattr(pixelwise_module, "_MAX_FIT_PIXELS", 500)  # subsample pixels
    first = pixelwise_h_score(X, Y, random_state=1)
    again = pixelwise_h_score(X, Y, random_state=1)
    assert first[0] == again[0]
    np.testing.assert_array_equal(first[1], again[1])


def test_chunks_of_target_images_give_the_same_map(monkeypatch):
    X, Y = make_pixelwise_task(9)
    _, whole = pixelwise_h_score(X, Y, random_state=0)
    monkeypatch.setattr(pixelwise_module, "CHUNK_BYTES", 8 * 20 * 70)  # 70 images
    _, chunked = pixelwise_h_score(X, Y, random_state=0)
    np.testing.assert_array_equal(whole, chunked)


def test_float32_and_float64_features_agree():
    X, Y = make_pixelwise_task(10)
    X32 = X.astype(np.float32)
    _, map32 = pixelwise_h_score(X32, Y, random_state=0)
    _, map64 = pixelwise_h_score(X32.astype(np.float64), Y, random_state=0)
    np.testing.assert_allclose(map32, map64, rtol=1e-9, atol=1e-12)
    _, map_float_targets = pixelwise_h_score(X, Y.astype(np.float32), random_state=0)
    _, map_int_targets = pixelwise_h_score(X, Y, random_state=0)
    np.testing.assert_array_equal(map_float_targets, map_int_targets)


def test_shrinkage_is_that_of_the_h_score():
    X, Y = make_pixelwise_task(11, shape=(2, 2))
    _, score_map = pixelwise_h_score(X, Y, shrinkage="oas", random_state=0)
    expected = [h_score(X, Y[:, i, j], shrinkage="oas") for i in (0, 1) for j in (0, 1)]
    np.testing.assert_allclose(score_map.ravel(), expected, rtol=1e-10)


def test_few_samples_warn_as_the_h_score_does():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((20, 12))
    Y = rng.integers(0, 2, (20, 2, 2))
    with pytest.warns(FewSamplesWarning, match="pixel"):
        pixelwise_h_score(X, Y, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pixelwise_h_score(X, Y, shrinkage="ledoit_wolf", random_state=0)


@pytest.mark.parametrize("offset", [2**63, -(2**62)])
def test_integer_targets_beyond_float64_precision_keep_their_colours(offset):
    # 2**63 + {0, 1, 2, 3} are one float64; shifted to start at 0 they are not.
    X, Y = make_pixelwise_task(5, n_samples=100)
    dtype = np.uint64 if offset > 0 else np.int64
    shifted = Y.astype(dtype) + dtype(offset)
    expected = pixelwise_h_score(X, Y, random_state=0)[1]
    np.testing.assert_array_equal(
        pixelwise_h_score(X, shifted, random_state=0)[1], expected
    )


def test_integer_targets_float64_cannot_hold_are_refused():
    X = np.random.default_rng(0).standard_normal((6, 2))
    Y = np.zeros((6, 2, 2), dtype=np.int64)
    Y[::2] = 2**62 + 1  # 2**62 + 1 apart from 0: not a float64
    with pytest.raises(ValueError, match="Y_dense has integer values that float64"):
        pixelwise_h_score(X, Y)


@pytest.mark.parametrize(
    "Y, kwargs, error, match",
    [
        (np.zeros((6, 2)), {}, ValueError, r"shape \(n_samples, height, width\)"),
        (np.zeros((6, 2, 2, 1, 1)), {}, ValueError, "Y_dense must have shape"),
        (np.zeros((5, 2, 2)), {}, ValueError, "5 target images but X has 6"),
        (np.full((6, 2, 2), np.nan), {}, ValueError, "NaN or infinity"),
        (np.full((6, 2, 2), "a"), {}, TypeError, "real numbers"),
        (np.zeros((6, 0, 2)), {}, ValueError, "Y_dense is empty"),
        (np.zeros((6, 2, 2)), {"n_colors": 1}, ValueError, "n_colors"),
        (np.zeros((6, 2, 2)), {"pool": 0}, ValueError, "pool"),
        (np.zeros((6, 2, 2)), {"pool": (1, 0)}, ValueError, "pool must be"),
        (np.zeros((6, 2, 2)), {"pool": (1, 2, 3)}, ValueError, "pool must be"),
        (np.zeros((6, 2, 2)), {"pool": "2"}, ValueError, "pool"),
        (np.zeros((6, 2, 2)), {"shrinkage": 2.0}, ValueError, "shrinkage"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(Y, kwargs, error, match):
    X = np.random.default_rng(0).standard_normal((6, 2))
    with pytest.raises(error, match=match):
        pixelwise_h_score(X, Y, **kwargs)


def test_bad_features_are_refused():
    Y = np.zeros((3, 2, 2))
    with pytest.raises(ValueError, match="NaN or infinity"):
        pixelwise_h_score([[0.0], [np.nan], [1.0]], Y)
    with pytest.raises(ValueError, match="X must be 2-D"):
        pixelwise_h_score([0.0, 1.0, 2.0], Y)
