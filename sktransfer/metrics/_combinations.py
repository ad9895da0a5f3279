"""Scores of every combination of feature blocks, from one pass over the data."""

import itertools
import warnings
from functools import partial
from numbers import Integral

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils.parallel import delayed

from sktransfer._compat import Interval, validate_params
from sktransfer._engine import BlockStatistics, statistics_of
from sktransfer._limits import candidate_combinations
from sktransfer._parallel import threaded
from sktransfer._validation import (
    check_features,
    check_two_classes,
    encode_labels,
    input_epsilon,
    label_array,
)
from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics._hscore import _FEW_SAMPLES_RATIO, h_score_from_statistics
from sktransfer.metrics._registry import Metric, resolve_metric

# The fast path's relative error grows like m eps / lambda_min(Gamma) for the
# whitened joint Gram matrix Gamma of m blocks; beyond this bound a combination
# is computed from its own statistics.
_FAST_PATH_ERROR = 1e-11
# Margin by which the fast path's rank decision must clear the cut-off.
_RANK_MARGIN = 2.0
_FLOAT64_EPS = float(np.finfo(np.float64).eps)
_POTRF, _TRTRS = scipy.linalg.get_lapack_funcs(("potrf", "trtrs"), dtype=np.float64)


@validate_params(
    {
        "blocks": [list, tuple],
        "y": ["array-like"],
        "metric": [str, Metric, callable],
        "max_order": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def score_combinations(blocks, y, *, metric="h_score", max_order=2, n_jobs=None):
    """Score every combination of up to ``max_order`` feature blocks, concatenated.

    Each block is a feature matrix of the same samples (the output of one
    source: a layer, a pretrained model, a group of columns). A combination of
    blocks is scored on their features side by side, exactly as the metric
    scores ``np.hstack`` of them, but for metrics of the engine's statistics
    (the H-score and its regularised form) the data are read once for all
    combinations.

    Parameters
    ----------
    blocks : list of {array-like, sparse matrix} of shape (n_samples, n_features_i)
        The feature blocks, all with one row per sample; their widths may
        differ. Memory-mapped arrays are read in chunks.
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Class labels of the target task, or one column per target task.
    metric : str, Metric or callable, default="h_score"
        A registered metric of features (see
        :func:`~sktransfer.metrics.get_scorer_names` with
        ``input="features"``), a :class:`~sktransfer.metrics.Metric`, or a
        callable ``metric(X, y) -> float`` of a feature matrix and 1-D labels,
        greater is better.
    max_order : int, default=2
        Largest number of blocks in a combination; at most the number of
        blocks is used. The combinations are counted first, and more than
        1,000,000 are refused (a ``ValueError`` naming the count).
    n_jobs : int, default=None
        Number of jobs scoring combinations in parallel (threads unless a
        joblib backend is configured). ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` uses all processors.

    Returns
    -------
    scores : dict
        Maps each combination, a tuple of block indices in increasing order
        (``(2,)``, ``(0, 3)``, ...), to its score: a float when ``y`` is 1-D,
        an ndarray of shape (n_tasks,) when ``y`` is 2-D. Combinations are in
        order of size, then lexicographic.

    Warns
    -----
    FewSamplesWarning
        For the H-score, when the largest combination has at least half as
        many features as samples beyond the number of classes.

    See Also
    --------
    sktransfer.metrics.h_score : The score of one feature matrix.
    sktransfer.selection.rank_sources : Rank named sources, combinations
        included, in a table.

    Notes
    -----
    One pass over the rows gathers the statistics of all blocks side by side:
    their mean, class means and joint scatter (the Gram matrix of float32
    features in float64, or a triangular factor for float64 features), plus
    the norm moments of each block for the Ledoit-Wolf shrinkage. The
    statistics of any combination are a sub-block of these, so every
    registered metric with a statistics path costs no further pass. Metrics
    without one (and callables) are computed on the explicitly concatenated
    features of each combination, and ``y`` with several columns is then
    scored column by column.

    The plain H-score of all combinations needs no decomposition of each
    combination. Each block ``A`` is whitened once, in the unit-scaled
    coordinates where :func:`~sktransfer.metrics.h_score` makes its rank
    decision, keeping the directions above the block's cut-off: ``U_A``
    spans the block's features with orthonormal columns, and ``z_A = U_A^T
    Y`` with ``Y`` the centred one-hot labels, column ``c`` divided by
    ``sqrt(n_c)``, so that ``H(A) = ||z_A||_F^2``. For blocks ``A`` and ``B``,
    ``C = U_A^T U_B`` holds their canonical correlations as singular values,
    and the H-score of the union is

    .. math:: H(A \\cup B) = \\|z_A\\|^2 + (z_B - C^T z_A)^T
              (I - C^T C)^{-1} (z_B - C^T z_A),

    the part of the labels that ``B`` explains beyond ``A`` (a Schur
    complement). A larger combination eliminates its first block the same way
    from its whitened joint Gram matrix ``Gamma`` (identity blocks on the
    diagonal, the blocks' ``C`` off it): one Cholesky decomposition of the
    rest's Schur complement, of the size of the rest, per combination.

    The result equals the H-score of the concatenated features whenever the
    concatenation keeps exactly the blocks' kept directions. That is checked
    per combination: in the blocks' principal axes the kept part of the
    concatenation has Gram matrix ``D Gamma D`` (``D`` the blocks' kept
    singular values), so its smallest singular value clears a threshold
    ``t`` iff ``Gamma - t^2 D^-2`` is positive definite (Sylvester's law of
    inertia), which one more Cholesky decomposition decides. ``t`` is twice
    the largest rank cut-off :func:`~sktransfer.metrics.h_score` could apply
    to the concatenation, and ``Gamma`` is also required to have no
    eigenvalue below ``m eps / 1e-11`` (``m`` blocks), which bounds the
    rounding error. Otherwise (a duplicated source, a source inside
    another's span, nearly collinear sources) the combination's own
    statistics are decomposed, which is what ``h_score`` does on the
    concatenation, so the result is the same up to the rank cut-off. When a
    block has directions below its own cut-off that are not exactly null,
    the two agree to the precision of the input.

    The cost is one pass over the data that forms the Gram matrix of all
    blocks side by side, ``n_samples * n_features_total^2 / 2`` multiply-adds
    (float64, whatever the input), plus per combination a few products and
    Cholesky decompositions of the size of its blocks.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019, Sec. 4.2 (higher order transfer).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import h_score
    >>> from sktransfer.metrics import score_combinations
    >>> X, y = load_iris(return_X_y=True)
    >>> scores = score_combinations([X[:, :2], X[:, 2:]], y)
    >>> {key: round(value, 4) for key, value in scores.items()}
    {(0,): 0.9453, (1,): 1.0465, (0, 1): 1.1919}
    >>> round(h_score(X, y), 4)
    1.1919
    """
    return combination_scores(
        blocks, y, metric=metric, max_order=max_order, n_jobs=n_jobs
    )


def combination_scores(blocks, y, *, metric, max_order, n_jobs, names=None):
    """:func:`score_combinations`, with ``names`` for the blocks in messages."""
    if len(blocks) == 0:
        raise ValueError("blocks is empty; pass a list of at least one feature matrix")
    if names is None:
        names = [f"blocks[{i}]" for i in range(len(blocks))]
    blocks = [
        check_features(block, name=name)
        for block, name in zip(blocks, names, strict=True)
    ]
    n_samples = blocks[0].shape[0]
    for block, name in zip(blocks, names, strict=True):
        if block.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {block.shape[0]} rows but {names[0]} has "
                f"{n_samples}; every block must hold features of the same samples"
            )
    classes, codes = encode_labels(y, n_samples=n_samples, allow_2d=True)
    check_two_classes(classes, "scoring features needs at least two classes")
    metric = resolve_metric(
        metric,
        "features",
        hint="combinations of feature blocks need a metric of features, such as "
        "'h_score'",
    )
    n_classes = [c.size for c in classes]
    combinations = candidate_combinations(len(blocks), max_order)
    # Functions of the plain H-score share each block's whitening.
    plain = metric.from_h_score is not None
    if plain:
        _warn_if_few_samples(blocks, combinations, n_samples, max(n_classes))

    parallel = partial(threaded, n_jobs=n_jobs, progress="scoring sources")
    # Wide blocks side by side: the joint k x k scatter would dwarf the data,
    # so each combination is scored on its own, by the engine's dual route.
    wide = sum(block.shape[1] for block in blocks) > n_samples
    if metric.statistics is None or (wide and len(combinations) > len(blocks)):
        y_columns = label_array(y).reshape(n_samples, -1)
        scores = parallel(
            delayed(_score_concatenation)(metric.score, blocks, c, y_columns)
            for c in combinations
        )
    elif len(combinations) == len(blocks):  # single blocks only: no cross terms
        scores = parallel(
            delayed(_score_block)(metric.statistics, block, codes, n_classes, name)
            for block, name in zip(blocks, names, strict=True)
        )
    else:
        # The plain H-score needs no norm moments, which cost a pass of their own.
        stats = BlockStatistics.from_blocks(
            blocks, codes, n_classes, norm_moments=not plain, names=names
        )
        if plain:
            scores = _h_score_combinations(stats, combinations, parallel)
            scores = {c: metric.from_h_score(s, n_classes) for c, s in scores.items()}
            return _unpack(scores, y)
        scores = parallel(
            delayed(_score_selection)(metric.statistics, stats, c) for c in combinations
        )
    return _unpack(dict(zip(combinations, scores, strict=True)), y)


def _warn_if_few_samples(blocks, combinations, n_samples, n_classes):
    widths = [block.shape[1] for block in blocks]
    largest = max(combinations, key=lambda c: sum(widths[g] for g in c))
    n_features = sum(widths[g] for g in largest)
    if n_features >= _FEW_SAMPLES_RATIO * (n_samples - n_classes):
        warnings.warn(
            f"the combination of blocks {largest} has {n_features} features for "
            f"{n_samples} samples in {n_classes} classes: the plain H-score "
            "over-fits when features are this many. Score with the regularised "
            "H-score ('regularized_h_score'), or lower max_order.",
            FewSamplesWarning,
            stacklevel=3,
        )


def _unpack(scores, y):
    if np.ndim(y) == 2:
        return {key: np.asarray(value, dtype=float) for key, value in scores.items()}
    return {key: float(np.asarray(value).ravel()[0]) for key, value in scores.items()}


def _score_concatenation(score, blocks, combination, y_columns):
    parts = [blocks[g] for g in combination]
    X = sp.hstack(parts, format="csr") if any(map(sp.issparse, parts)) else None
    if X is None:
        X = parts[0] if len(parts) == 1 else np.hstack(parts)
    return np.array([score(X, column) for column in y_columns.T], dtype=float)


def _score_block(statistics, block, codes, n_classes, name):
    return statistics(statistics_of(block, codes, n_classes, name=name))


def _score_selection(statistics, stats, combination):
    return statistics(stats.select(combination))


class _Whitened:
    """Each block whitened once, for the H-score of every combination."""

    def __init__(self, stats):
        self.stats = stats
        self.singles, maps, z, kept_singular = [], [], [], []
        sigma_max, cut = [], []
        sqrt_counts = np.sqrt(stats.class_counts)
        centred_means = stats.centred_class_means
        for g in range(stats.n_blocks):
            single = stats.select([g])
            singular, components = single.spectrum(scaled=True)
            keep = singular > single.rank_tolerance(scaled=True)
            kept = singular[keep]
            # Whitened coordinate j of a raw centred row x: (x * scale) . v_j / s_j.
            maps.append(single.feature_scale[:, None] * components[keep].T / kept)
            z.append(maps[-1].T @ centred_means[:, stats.columns([g])].T * sqrt_counts)
            kept_singular.append(kept)
            sigma_max.append(singular[0] if singular.size else 0.0)
            cut.append(singular[~keep].max(initial=0.0))
            self.singles.append(h_score_from_statistics(single))
        self.offsets = np.concatenate([[0], np.cumsum([m.shape[1] for m in maps])])
        self.gamma = stats.mapped_gram(maps)
        self.z = np.vstack(z)
        self.kept_singular = np.concatenate(kept_singular)
        self.sigma_max = np.array(sigma_max)
        self.cut = np.array(cut)
        self.widths = stats.block_offsets[1:] - stats.block_offsets[:-1]
        self.task_offsets = np.cumsum([0, *stats.n_classes[:-1]]).astype(np.intp)

    def score(self, combination):
        """H-score of each task for a combination of blocks.

        From the whitened joint Gram matrix when that is safe, else from the
        combination's own statistics, as ``h_score`` computes it.
        """
        per_class = self._fast_per_class(combination)
        if per_class is None:
            return h_score_from_statistics(self.stats.select(combination))
        return np.add.reduceat(per_class, self.task_offsets)

    def positions(self, members):
        """Indices of the members' whitened coordinates in ``gamma``."""
        return np.concatenate(
            [np.arange(self.offsets[g], self.offsets[g + 1]) for g in members]
        )

    def _fast_per_class(self, combination):
        members = list(combination)
        # The rank cut-off h_score applies to the concatenation lies between
        # these two, as the concatenation's largest singular value does.
        eps = input_epsilon(np.result_type(*(self.stats.dtypes[g] for g in members)))
        size = max(self.stats.n_samples, int(self.widths[members].sum()))
        tol_low = self.sigma_max[members].max() * size * eps
        tol_high = np.sqrt(np.sum(self.sigma_max[members] ** 2)) * size * eps
        # Directions below the blocks' own cut-offs must stay below it.
        cut = np.sqrt(np.sum(self.cut[members] ** 2))
        if _RANK_MARGIN * cut >= tol_low:
            return None
        first = slice(self.offsets[members[0]], self.offsets[members[0] + 1])
        rest = self.positions(members[1:])
        # The concatenation's kept part is U diag(s) in the blocks' principal
        # axes, with Gram matrix diag(s) Gamma diag(s). Its smallest singular
        # value exceeds t iff Gamma - t^2 diag(s)^-2 is positive definite
        # (Sylvester); a further shift by mu bounds the rounding error by
        # eps / lambda_min(Gamma). Both Cholesky decompositions eliminate the
        # first block, whose whitened Gram matrix is the identity.
        threshold = (_RANK_MARGIN * tol_high + cut) ** 2
        mu = len(members) * _FLOAT64_EPS / _FAST_PATH_ERROR
        shift = mu + threshold / self.kept_singular**2
        if np.any(shift[first] >= 1.0):
            return None
        z_first = self.z[first]
        first_part = np.einsum("ij,ij->j", z_first, z_first)
        if rest.size == 0:
            return first_part
        coupling = self.gamma[first][:, rest]
        if len(members) == 2:
            gamma_rest = self.gamma[rest[0] : rest[-1] + 1, rest[0] : rest[-1] + 1]
        else:
            gamma_rest = self.gamma[np.ix_(rest, rest)]
        scaled = coupling / np.sqrt(1.0 - shift[first])[:, None]
        test = gamma_rest - scaled.T @ scaled
        test.flat[:: rest.size + 1] -= shift[rest]
        # Symmetric, so the transpose is the Fortran-ordered array LAPACK takes.
        _, info = _POTRF(test.T, lower=1, overwrite_a=1, clean=0)
        if info != 0:
            return None
        schur = gamma_rest - coupling.T @ coupling
        factor, info = _POTRF(schur.T, lower=1, overwrite_a=1)
        if info != 0:
            return None
        w, info = _TRTRS(factor, self.z[rest] - coupling.T @ z_first, lower=1)
        return first_part + np.einsum("ij,ij->j", w, w)


def _h_score_combinations(stats, combinations, parallel):
    whitened = _Whitened(stats)
    larger = [c for c in combinations if len(c) > 1]
    # Batches of combinations, so that a job is worth its scheduling.
    batches = np.array_split(np.arange(len(larger)), min(len(larger), 64))
    results = parallel(
        delayed(_score_batch)(whitened, [larger[i] for i in batch]) for batch in batches
    )
    scores = {(g,): whitened.singles[g] for g in range(stats.n_blocks)}
    scores.update(zip(larger, itertools.chain.from_iterable(results), strict=True))
    return {c: scores[c] for c in combinations}


def _score_batch(whitened, combinations):
    return [whitened.score(c) for c in combinations]
