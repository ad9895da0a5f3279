"""Pixel-wise H-scores for dense (pixel-to-pixel) target tasks."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils import check_random_state, gen_batches

from sktransfer._compat import Interval, validate_params
from sktransfer._engine import CHUNK_BYTES, statistics_of
from sktransfer._limits import check_allocation
from sktransfer._validation import check_features, invariant_features, safe_exponent
from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics._hscore import _SHRINKAGE_CONSTRAINT, h_score_from_statistics

# The palette is fitted on at most this many (pooled) pixel values.
_MAX_FIT_PIXELS = 20_000
# Integers up to this magnitude convert to float64 exactly.
_EXACT_INT = 2**53


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "Y_dense": ["array-like"],
        "n_colors": [Interval(Integral, 2, None, closed="left")],
        "pool": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
        "shrinkage": _SHRINKAGE_CONSTRAINT,
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def pixelwise_h_score(
    X, Y_dense, *, n_colors=16, pool=None, shrinkage=None, random_state=None
):
    """H-score of features for every pixel of a dense target task.

    For a pixel-to-pixel task (depth, edges, segmentation, any image-valued
    target) Bao et al. (2019) quantise the target's pixel values into a
    palette of colours, score the source features by their H-score against
    each pixel's colour, and average over the pixels. The per-pixel map shows
    which parts of the target image the features predict.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Source features, one row per sample (one target image).
    Y_dense : array-like of shape (n_samples, height, width) or \
            (n_samples, height, width, n_channels)
        Target images of real (or boolean) values; the channels of a pixel are
        its colour coordinates.
    n_colors : int, default=16
        Size of the palette: the number of classes of each pixel.
    pool : int or (int, int), default=None
        Score super-pixels of ``pool`` (or ``pool x pool``) pixels instead of
        single pixels, for large images. Each block's colour is the mean value
        of its pixels, quantised; blocks at the bottom and right edges may be
        smaller when the image size is not a multiple of the block size.
    shrinkage : {None, "ledoit_wolf", "oas"} or float in [0, 1], default=None
        Covariance shrinkage of the features, as in
        :func:`~sktransfer.metrics.h_score`.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of the pixels the palette is fitted on and k-means.

    Returns
    -------
    score : float
        The mean of ``score_map``: the transferability to the dense task.
    score_map : ndarray of shape (height, width) or (n_block_rows, n_block_cols)
        The H-score of the features for each pixel (or block).

    Warns
    -----
    FewSamplesWarning
        When the plain H-score is asked for with at least half as many
        features as samples beyond the number of colours.

    See Also
    --------
    h_score : The H-score of features for one or more label vectors.
    sktransfer.plotting.plot_pixelwise_map : Show ``score_map`` as a heatmap.

    Notes
    -----
    The palette is fitted by :class:`~sklearn.cluster.KMeans` on at most
    20 000 pixel (or block) values of the targets, drawn at random; when the
    targets take at most ``n_colors`` distinct values there, those values are
    the palette. Every pixel of every sample is labelled by its nearest
    palette colour, so pixel ``p`` has the label vector ``c_p`` of length
    ``n_samples`` and the map is ``H(X; c_p)`` (Bao et al., Sec. 4.2).

    All pixels share one whitening of ``X``: the sufficient statistics hold
    the class means of every (pixel, colour) pair, gathered in one pass with
    one sparse-indicator product, and one GEMM projects them all. Their
    memory is ``O(n_pixels n_colors n_features)``; ``pool`` divides it by the
    block area.

    A pixel with the same colour in every sample carries no information about
    the features and scores 0.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import pixelwise_h_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> Y = np.zeros((200, 2, 2))
    >>> Y[:, 0, 0] = X[:, 0] > 0  # the top-left pixel follows the features
    >>> Y[:, 1, 1] = rng.random(200) > 0.5  # the bottom-right one does not
    >>> score, score_map = pixelwise_h_score(X, Y, random_state=0)
    >>> score_map.round(2)
    array([[0.62, 0.  ],
           [0.  , 0.02]])
    >>> round(score, 4)
    0.1613
    """
    # Unchanged by translation and scale: large integers and extreme scales
    # are brought to where float64 holds every intermediate.
    X = invariant_features(check_features(X))
    n_samples, n_features = X.shape
    Y = _check_pixelwise_targets(Y_dense, n_samples)
    blocks = _blocks(Y.shape[1:3], pool)
    rng = check_random_state(random_state)

    exponent = _safe_exponent(Y)
    palette = _fit_palette(Y, blocks, n_colors, rng, exponent)
    codes = _quantise(Y, blocks, palette, exponent)
    n_pixels = codes.shape[1]
    check_allocation(
        8 * n_pixels * palette.shape[0] * n_features,
        what=(
            f"the class means of {n_pixels} pixels x {palette.shape[0]} colours "
            f"x {n_features} features"
        ),
        remedy="pass a larger pool (blocks of pixels) or a smaller n_colors",
    )
    stats = statistics_of(X, codes, [palette.shape[0]] * n_pixels)
    if shrinkage is None and n_features >= 0.5 * (n_samples - palette.shape[0]):
        warnings.warn(
            f"X has {n_features} features for {n_samples} samples in up to "
            f"{palette.shape[0]} colours: the plain H-score of each pixel "
            "over-fits when features are this many. Pass shrinkage='ledoit_wolf' "
            "for the regularised H-score.",
            FewSamplesWarning,
            stacklevel=3,
        )
    scores = h_score_from_statistics(stats, shrinkage=shrinkage)
    scores[(codes == codes[0]).all(axis=0)] = 0.0  # one colour: no information
    score_map = scores.reshape(len(blocks[0]), len(blocks[1]))
    return float(score_map.mean()), score_map


def _check_pixelwise_targets(Y, n_samples):
    """The targets as an array of shape (n_samples, height, width, n_channels)."""
    Y = _integer_lists(Y)
    if Y.dtype == object or not (np.issubdtype(Y.dtype, np.number) or Y.dtype == bool):
        raise TypeError(f"Y_dense must hold real numbers; got dtype {Y.dtype}")
    if np.issubdtype(Y.dtype, np.complexfloating):
        raise TypeError(f"Y_dense must hold real numbers; got complex dtype {Y.dtype}")
    if Y.ndim == 3:
        Y = Y[..., None]
    if Y.ndim != 4:
        raise ValueError(
            "Y_dense must have shape (n_samples, height, width) or (n_samples, "
            f"height, width, n_channels); got shape {Y.shape}"
        )
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"Y_dense has {Y.shape[0]} target images but X has {n_samples} "
            "samples; they must have one target image per sample"
        )
    if 0 in Y.shape:
        raise ValueError(f"Y_dense is empty (shape {Y.shape})")
    if np.issubdtype(Y.dtype, np.floating) and not np.isfinite(Y).all():
        raise ValueError("Y_dense contains NaN or infinity; every pixel needs a value")
    if Y.dtype.kind in "iu" and (Y.max() > _EXACT_INT or Y.min() < -_EXACT_INT):
        # Distinct integers beyond 2**53 may round to one float64 and lose
        # their colours: shift each channel to start at 0, exactly (unsigned
        # arithmetic wraps modulo 2**64), which moves the palette with them.
        low = Y.min(axis=(0, 1, 2), keepdims=True)
        Y = Y.astype(np.uint64) - low.astype(np.uint64)
        with np.errstate(invalid="ignore"):  # beyond 2**64 - 1024: not exact
            exact = (Y.astype(np.float64).astype(np.uint64) == Y).all()
        if not exact:
            raise ValueError(
                "Y_dense has integer values that float64 cannot hold exactly, "
                "even shifted to start at 0 in each channel; map them to smaller "
                "codes first"
            )
    return Y


def _safe_exponent(Y):
    """The power of two that brings float targets far from 1 near it, or 0
    (:func:`~sktransfer._validation.safe_exponent`).

    Quantising is unchanged by scaling the targets (k-means clusters scaled
    data into scaled clusters), and scaling by a power of two is exact; it
    keeps k-means' squared distances and the blocks' sums from overflow and
    underflow, which left targets near 1e200 in one colour (a score of 0) and
    those near the float maximum to a NaN inside scikit-learn.
    """
    if Y.dtype.kind != "f":
        return 0
    return safe_exponent(max(float(Y.max()), -float(Y.min())))


def _integer_lists(Y):
    """``Y`` as an array; nested lists of integers beyond ``2**53`` exactly.

    NumPy makes such a list float64 (``[-1, 2**63]``, say), which merges
    integers that differ in their low bits. Shifted to start at 0, in Python
    integers, they become uint64 instead, for the check of integer targets.
    """
    values = np.asarray(Y)
    if hasattr(Y, "dtype") or values.dtype.kind != "f":
        return values
    objects = np.asarray(Y, dtype=object)
    if not all(isinstance(v, Integral) for v in objects.flat):
        return values  # real values: float64 is how they are read
    integers = [int(v) for v in objects.flat]
    low, high = min(integers), max(integers)
    if max(high, -low) <= _EXACT_INT:
        return values
    if high - low >= 2**64:
        raise ValueError(
            f"Y_dense has integer values {high - low} apart, which no integer "
            "dtype holds; map them to smaller codes first"
        )
    shifted = np.array([v - low for v in integers], dtype=np.uint64)
    return shifted.reshape(objects.shape)


def _blocks(image_shape, pool):
    """Start rows and start columns of the blocks of pixels scored together."""
    if pool is None:
        pool = (1, 1)
    elif isinstance(pool, Integral):
        pool = (pool, pool)
    elif not (
        len(pool) == 2
        and all(isinstance(p, Integral) and not isinstance(p, bool) for p in pool)
        and min(pool) >= 1
    ):
        raise ValueError(
            f"pool must be a positive int or a pair of positive ints; got {pool!r}"
        )
    return tuple(
        np.arange(0, size, step) for size, step in zip(image_shape, pool, strict=True)
    )


def _pooled(Y, blocks, exponent=0):
    """Mean value of every block of pixels, times ``2**exponent``: an array of
    shape (n_samples, n_blocks, n_channels)."""
    values = Y.astype(np.float64)
    if exponent:
        np.ldexp(values, exponent, out=values)
    if any(len(b) < s for b, s in zip(blocks, Y.shape[1:3], strict=True)):
        rows, cols = blocks
        values = np.add.reduceat(np.add.reduceat(values, rows, axis=1), cols, axis=2)
        heights = np.diff(np.append(rows, Y.shape[1]))
        widths = np.diff(np.append(cols, Y.shape[2]))
        values /= np.outer(heights, widths)[None, :, :, None]
    return values.reshape(Y.shape[0], -1, Y.shape[3])


def _fit_palette(Y, blocks, n_colors, rng, exponent=0):
    """Palette colours of shape (n_palette, n_channels), n_palette <= n_colors."""
    n_samples = Y.shape[0]
    n_blocks = len(blocks[0]) * len(blocks[1])
    n_images = min(n_samples, -(-_MAX_FIT_PIXELS // n_blocks))
    images = np.sort(rng.choice(n_samples, n_images, replace=False))
    values = _pooled(Y[images], blocks, exponent).reshape(-1, Y.shape[3])
    if values.shape[0] > _MAX_FIT_PIXELS:
        values = values[rng.choice(values.shape[0], _MAX_FIT_PIXELS, replace=False)]
    distinct = np.unique(values, axis=0)
    if distinct.shape[0] <= n_colors:
        return distinct
    kmeans = KMeans(n_clusters=n_colors, n_init=1, random_state=rng).fit(values)
    return kmeans.cluster_centers_


def _quantise(Y, blocks, palette, exponent=0):
    """Palette index of every block of every sample: (n_samples, n_blocks)."""
    n_samples = Y.shape[0]
    n_blocks = len(blocks[0]) * len(blocks[1])
    codes = np.empty((n_samples, n_blocks), dtype=np.intp)
    row_bytes = 8 * Y[0].size
    for rows in gen_batches(n_samples, max(CHUNK_BYTES // row_bytes, 1)):
        values = _pooled(Y[rows], blocks, exponent).reshape(-1, Y.shape[3])
        codes[rows] = pairwise_distances_argmin(values, palette).reshape(-1, n_blocks)
    return codes
