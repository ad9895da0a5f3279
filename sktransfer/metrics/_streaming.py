"""Streaming accumulators: metrics scored chunk by chunk, with mergeable state.

Each accumulator keeps only the engine's statistics (features) or a contingency
table (labels), aligned by label value as new classes arrive, so that
``partial_fit`` over chunks, joblib workers and Dask blocks all reduce to the
same merge and the same final formula as the in-memory functions.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints

from sktransfer._statistics import ROUTES, SufficientStatistics
from sktransfer._validation import (
    check_features,
    class_positions,
    encode_labels,
    input_epsilon,
    label_value,
    union_classes,
)
from sktransfer.metrics._entropy import (
    _BASE_CONSTRAINT,
    _entropy_sum,
    check_probabilities,
    contingency_table,
    soft_contingency_table,
)
from sktransfer.metrics._entropy import _in_base as _entropy_in_base
from sktransfer.metrics._gbc import (
    _class_moments,
    gbc_from_moments,
    merge_class_moments,
)
from sktransfer.metrics._registry import get_metric

# GBC reads per-class variances, which an accumulator gathers besides the
# engine's statistics only when built for GBC: they cost another look at each
# chunk, most of the time of a streamed H-score.
_GBC_METRICS = {"gbc": "diagonal", "gbc_spherical": "spherical"}

# Why a registered metric has no streaming form.
_CANNOT_STREAM = {
    "nleep": (
        "it fits a Gaussian mixture model to the features, which is not a "
        "function of mergeable statistics"
    ),
    "transrate": (
        "it needs the second moments of each class, which the statistics "
        "engine does not keep"
    ),
    "leep": (
        "each sample's term log sum_z P(y_i|z) theta_iz needs P(y|z) of the whole "
        "data, so it is not a function of statistics gathered in one pass; "
        "call leep_score on the data instead"
    ),
}


def _streaming_metric(metric, input, accumulator):
    """The registered metric ``metric`` of ``input`` kind, or a clear error."""
    validate_parameter_constraints(
        {"metric": [str]}, {"metric": metric}, caller_name=f"{accumulator}.score"
    )
    found = get_metric(metric)
    if found.name in _CANNOT_STREAM:
        raise ValueError(
            f"metric {metric!r} cannot be computed by streaming: "
            f"{_CANNOT_STREAM[found.name]}"
        )
    if found.input != input:
        other = {
            "features": "FeatureStatistics",
            "labels": "LabelStatistics",
            "probabilities": "ProbabilityStatistics",
        }[found.input]
        raise ValueError(
            f"metric {metric!r} reads source {found.input}, which {accumulator} "
            f"does not accumulate; use {other}"
        )
    return found


def _label_family(classes):
    """'string' or 'number': label kinds that must not mix across chunks."""
    if classes.dtype.kind in "US":
        return "string"
    if classes.dtype.kind == "O":
        return "string" if isinstance(classes[0], str | bytes) else "number"
    return "number"


def _chunk_labels(y, known, *, name, n_samples=None, rows="X"):
    """Classes of all chunks so far, and the chunk's codes among them."""
    (chunk_classes,), codes = encode_labels(y, name=name)
    if n_samples is not None and codes.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {codes.shape[0]} labels but {rows} has {n_samples} rows; "
            "they must describe the same samples, one label per row"
        )
    if known is None:
        return chunk_classes, codes[:, 0]
    if _label_family(chunk_classes) != _label_family(known):
        raise TypeError(
            f"{name} holds {_label_family(chunk_classes)} labels but earlier "
            f"chunks held {_label_family(known)} labels; use one type for all "
            "labels"
        )
    classes = union_classes(known, chunk_classes)
    return classes, class_positions(classes, chunk_classes)[codes[:, 0]]


def _positions(classes, subset):
    """Indices of the sorted ``subset`` within the sorted ``classes``."""
    return class_positions(classes, subset)


def _check_fitted(accumulator):
    if accumulator.n_samples_seen_ == 0:
        raise NotFittedError(
            f"this {type(accumulator).__name__} has seen no data yet; call "
            "partial_fit with a chunk first"
        )


def _check_two_classes(classes, metric):
    if classes.size < 2:
        raise ValueError(
            f"y has a single class ({label_value(classes[0])!r}) in the chunks seen; "
            f"{metric} needs at least two classes"
        )


class FeatureStatistics:
    """Accumulate features and class labels chunk by chunk, then score them.

    Holds the engine's sufficient statistics of all chunks seen (sample count,
    mean, the centred scatter, class counts and class means, fourth moments of
    row norms) and, when ``metric`` is a GBC, the per-feature variances of
    each class: memory ``O(n_features^2 + n_classes * n_features)`` however
    many chunks. Classes are discovered as they arrive. :meth:`score` gives
    the value of the in-memory function on all the data for ``"h_score"``,
    ``"regularized_h_score"`` and ``"logme"``, and for ``"gbc"`` and
    ``"gbc_spherical"`` from an accumulator built for one of them.

    Parameters
    ----------
    metric : str, default="h_score"
        The registered metric :meth:`score` computes when given none.
    route : {"gram32", "gram64", "qr"}, default=None
        How the engine forms the scatter of each chunk (see the user guide's
        page on numerical robustness). Statistics of many chunks cannot read
        the data again, so the route is fixed up front: by default the float32
        Gram route for float32 input ("gram64" when ``metric`` is LogME, which
        needs it) and the float64 Gram route otherwise. When the route's
        rounding could move a score by more than its tolerance, :meth:`score`
        raises :class:`~sktransfer.PrecisionError` instead of returning it;
        accumulate again with a more exact route.

    Attributes
    ----------
    n_samples_seen_ : int
        Number of samples accumulated.
    n_features_in_ : int
        Number of features, fixed by the first chunk.
    classes_ : ndarray of shape (n_classes,)
        The sorted classes seen so far.
    statistics_ : SufficientStatistics
        The engine's statistics of all samples seen, with classes in the order
        of ``classes_``.
    class_moments_ : tuple of ndarray
        ``(counts, means, variances)`` of each class's features, of shapes
        ``(n_classes,)``, ``(n_classes, n_features)`` and the same; only when
        ``metric`` is ``"gbc"`` or ``"gbc_spherical"``.

    See Also
    --------
    LabelStatistics : The same for the conditional entropy of two labelings.
    ProbabilityStatistics : The same for a source's class probabilities.
    h_score : The in-memory H-score.

    Notes
    -----
    Chunks are summarised by :meth:`SufficientStatistics.from_data` and merged
    by its pairwise (Chan et al.) update, the class arrays first padded to the
    union of the classes, so the result equals the in-memory function up to
    rounding; the class variances merge by the same update, class by class.
    Metrics that are not functions of these statistics cannot stream and
    :meth:`score` says why: NLEEP (a mixture model) and TransRate (a full
    covariance per class, ``n_classes`` times the memory bound).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import FeatureStatistics, h_score
    >>> X, y = load_iris(return_X_y=True)
    >>> stats = FeatureStatistics()
    >>> for start in range(0, 150, 40):
    ...     stats = stats.partial_fit(X[start:start + 40], y[start:start + 40])
    >>> round(stats.score(), 4), round(h_score(X, y), 4)
    (1.1919, 1.1919)
    >>> round(stats.score(metric="logme"), 4)
    -0.1601
    """

    def __init__(self, metric="h_score", route=None):
        self.metric = metric
        self.route = route
        self.n_samples_seen_ = 0

    def partial_fit(self, X, y):
        """Add a chunk of samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features of the chunk, of any real dtype.
        y : array-like of shape (n_samples,)
            Class labels of the chunk; classes not seen before are added.

        Returns
        -------
        self : FeatureStatistics
            The accumulator.
        """
        X = check_features(X)
        if self.n_samples_seen_ and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features but earlier chunks had "
                f"{self.n_features_in_}; every chunk must have the same features"
            )
        validate_parameter_constraints(
            {"route": [None, StrOptions(set(ROUTES))]},
            {"route": self.route},
            caller_name="FeatureStatistics",
        )
        known = self.classes_ if self.n_samples_seen_ else None
        classes, codes = _chunk_labels(y, known, name="y", n_samples=X.shape[0])
        route = self.route
        if route is None:  # LogME never takes the float32 route
            float32 = input_epsilon(X.dtype) >= np.finfo(np.float32).eps
            route = "gram32" if float32 and self.metric != "logme" else "gram64"
        chunk = SufficientStatistics.from_data(
            X, codes[:, None], (classes.size,), route=route
        )
        if self.metric in _GBC_METRICS:
            moments = _class_moments(X, codes, classes.size)
            if self.n_samples_seen_:
                moments = merge_class_moments(
                    _pad_moments(self.class_moments_, self.classes_, classes), moments
                )
            self.class_moments_ = moments
        if self.n_samples_seen_:
            chunk = _pad_classes(self.statistics_, self.classes_, classes).merge(chunk)
        self.statistics_, self.classes_ = chunk, classes
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = chunk.n_samples
        return self

    def merge(self, other):
        """The accumulator of the samples of two accumulators, for parallel chunks.

        Parameters
        ----------
        other : FeatureStatistics
            An accumulator of other samples with the same features.

        Returns
        -------
        merged : FeatureStatistics
            A new accumulator; neither input changes.
        """
        return _merged(self, other)

    def _combine(self, other, merged):
        if other.n_features_in_ != self.n_features_in_:
            raise ValueError(
                f"cannot merge statistics of {self.n_features_in_} and "
                f"{other.n_features_in_} features"
            )
        classes = merged.classes_
        merged.statistics_ = _pad_classes(
            self.statistics_, self.classes_, classes
        ).merge(_pad_classes(other.statistics_, other.classes_, classes))
        merged.n_features_in_ = self.n_features_in_
        if hasattr(self, "class_moments_") and hasattr(other, "class_moments_"):
            merged.class_moments_ = merge_class_moments(
                _pad_moments(self.class_moments_, self.classes_, classes),
                _pad_moments(other.class_moments_, other.classes_, classes),
            )

    def score(self, metric=None):
        """The metric of all samples seen, as the in-memory function gives it.

        Parameters
        ----------
        metric : str, default=None
            A registered feature metric with a statistics path: ``"h_score"``,
            ``"regularized_h_score"`` or ``"logme"``. None uses :attr:`metric`.

        Returns
        -------
        score : float
            Greater is better.
        """
        found = _streaming_metric(
            self.metric if metric is None else metric, "features", "FeatureStatistics"
        )
        if found.name in _GBC_METRICS:
            _check_fitted(self)
            if not hasattr(self, "class_moments_"):
                raise ValueError(
                    f"metric {found.name!r} needs the variances of each class, "
                    "which an accumulator gathers only when its metric is "
                    "'gbc' or 'gbc_spherical' (they cost a second look at each "
                    f"chunk); use FeatureStatistics(metric={found.name!r})"
                )
            _check_two_classes(self.classes_, found.name)
            gaussian = _GBC_METRICS[found.name]
            return float(gbc_from_moments(self.class_moments_, gaussian))
        if found.statistics is None:
            raise ValueError(
                f"metric {found.name!r} cannot be computed by streaming: it is not "
                "a function of the statistics engine's moments"
            )
        _check_fitted(self)
        _check_two_classes(self.classes_, found.name)
        return float(found.statistics(self.statistics_)[0])


def _pad_moments(moments, classes, all_classes):
    """Class moments ``(counts, means, variances)`` spread over ``all_classes``."""
    if classes.size == all_classes.size:
        return moments
    where = _positions(all_classes, classes)
    padded = []
    for array in moments:
        spread = np.zeros((all_classes.size, *array.shape[1:]))
        spread[where] = array
        padded.append(spread)
    return tuple(padded)


def _pad_classes(stats, classes, all_classes):
    """``stats`` with its class arrays spread over the larger ``all_classes``."""
    if classes.size == all_classes.size:
        return stats
    where = _positions(all_classes, classes)
    counts = np.zeros(all_classes.size, dtype=np.int64)
    counts[where] = stats.class_counts
    deviations = np.zeros((all_classes.size, stats.n_features))
    deviations[where] = stats.class_deviations
    return stats.with_classes(counts, deviations, (all_classes.size,))


def _check_same_kind(accumulator, other):
    if type(other) is not type(accumulator):
        raise TypeError(
            f"can only merge a {type(accumulator).__name__} with another; got "
            f"{type(other).__name__}"
        )


def _check_same_family(a, b):
    if _label_family(a) != _label_family(b):
        raise TypeError(
            f"cannot merge {_label_family(a)} labels with {_label_family(b)} "
            "labels; use one type for all labels"
        )


def _merged(accumulator, other):
    """What every accumulator's merge shares; its ``_combine`` adds the rest.

    Both inputs stay untouched; an empty side is neutral; the target classes
    of the result are the union of both sides'.
    """
    _check_same_kind(accumulator, other)
    if not other.n_samples_seen_:
        return _copy(accumulator)
    if not accumulator.n_samples_seen_:
        return _copy(other, metric=accumulator.metric)
    _check_same_family(accumulator.classes_, other.classes_)
    merged = type(accumulator)(metric=accumulator.metric)
    if hasattr(accumulator, "route"):
        merged.route = accumulator.route
    merged.classes_ = union_classes(accumulator.classes_, other.classes_)
    merged.n_samples_seen_ = accumulator.n_samples_seen_ + other.n_samples_seen_
    accumulator._combine(other, merged)
    return merged


def _copy(accumulator, **params):
    copy = object.__new__(type(accumulator))
    copy.__dict__.update(accumulator.__dict__)
    copy.__dict__.update(params)
    return copy


def _spread_table(table, rows, all_rows, columns, all_columns):
    """A sparse table re-indexed to larger sorted row and column classes."""
    coo = sp.coo_array(table)
    return sp.csr_array(
        (
            coo.data,
            (
                _positions(all_rows, rows)[coo.row],
                _positions(all_columns, columns)[coo.col],
            ),
        ),
        shape=(all_rows.size, all_columns.size),
    )


class LabelStatistics:
    """Accumulate target and source labels chunk by chunk for the conditional entropy.

    Keeps the sparse contingency table of (source label, target label) pair
    counts, with the classes of both tasks discovered as they arrive: memory
    grows with the number of non-empty cells, never with the number of chunks.

    Parameters
    ----------
    metric : str, default="neg_conditional_entropy"
        The registered label metric :meth:`score` computes when given none.

    Attributes
    ----------
    n_samples_seen_ : int
        Number of samples accumulated.
    classes_ : ndarray of shape (n_classes,)
        The sorted target classes seen so far.
    source_classes_ : ndarray of shape (n_source_classes,)
        The sorted source classes seen so far.
    table_ : scipy.sparse.csr_array of shape (n_source_classes, n_classes)
        Pair counts, as :func:`~sktransfer.metrics._entropy.contingency_table`.

    See Also
    --------
    conditional_entropy : The in-memory conditional entropy.
    FeatureStatistics : The same for metrics of features.

    Examples
    --------
    >>> from sktransfer.metrics import LabelStatistics, conditional_entropy
    >>> stats = LabelStatistics()
    >>> stats = stats.partial_fit([0, 0, 1], ["a", "b", "a"])
    >>> stats = stats.partial_fit([1, 2], ["b", "c"])
    >>> round(stats.conditional_entropy(), 6)
    0.554518
    >>> round(conditional_entropy([0, 0, 1, 1, 2], ["a", "b", "a", "b", "c"]), 6)
    0.554518
    """

    def __init__(self, metric="neg_conditional_entropy"):
        self.metric = metric
        self.n_samples_seen_ = 0

    def partial_fit(self, y, z):
        """Add a chunk of samples.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Target labels of the chunk.
        z : array-like of shape (n_samples,)
            Source labels of the same samples.

        Returns
        -------
        self : LabelStatistics
            The accumulator.
        """
        fitted = self.n_samples_seen_ > 0
        y_classes, y_codes = _chunk_labels(
            y, self.classes_ if fitted else None, name="y"
        )
        z_classes, z_codes = _chunk_labels(
            z, self.source_classes_ if fitted else None, name="z"
        )
        if y_codes.shape[0] != z_codes.shape[0]:
            raise ValueError(
                f"y has {y_codes.shape[0]} labels but z has {z_codes.shape[0]}; they "
                "must label the same samples, one label each"
            )
        table = contingency_table(y_codes, z_codes, y_classes.size, z_classes.size)
        if fitted:
            table = table + _spread_table(
                self.table_, self.source_classes_, z_classes, self.classes_, y_classes
            )
        self.table_, self.classes_, self.source_classes_ = table, y_classes, z_classes
        self.n_samples_seen_ += y_codes.shape[0]
        return self

    def merge(self, other):
        """The accumulator of the samples of two accumulators, for parallel chunks.

        Parameters
        ----------
        other : LabelStatistics
            An accumulator of other samples.

        Returns
        -------
        merged : LabelStatistics
            A new accumulator; neither input changes.
        """
        return _merged(self, other)

    def _combine(self, other, merged):
        _check_same_family(self.source_classes_, other.source_classes_)
        y_classes = merged.classes_
        z_classes = union_classes(self.source_classes_, other.source_classes_)
        merged.table_ = _spread_table(
            self.table_, self.source_classes_, z_classes, self.classes_, y_classes
        ) + _spread_table(
            other.table_, other.source_classes_, z_classes, other.classes_, y_classes
        )
        merged.source_classes_ = z_classes

    def conditional_entropy(self, base=None):
        """H(Y|Z) of all samples seen, as :func:`conditional_entropy` gives it.

        Parameters
        ----------
        base : float, default=None
            Base of the logarithm; None gives nats.

        Returns
        -------
        entropy : float
            Lower means a more transferable source.
        """
        _check_fitted(self)
        _check_two_classes(self.classes_, "the conditional entropy")
        table, n = self.table_, self.n_samples_seen_
        z_counts = np.asarray(table.sum(axis=1)).ravel()
        cell_rows = np.repeat(np.arange(table.shape[0]), np.diff(table.indptr))
        nats = _entropy_sum(table.data, z_counts[cell_rows], n)
        y_counts = np.asarray(table.sum(axis=0)).ravel()
        nats = min(nats, _entropy_sum(y_counts[y_counts > 0], n, n))
        return _in_base(nats, base)

    def score(self, metric=None):
        """The registered label metric of all samples seen; greater is better.

        Parameters
        ----------
        metric : str, default=None
            ``"neg_conditional_entropy"``; None uses :attr:`metric`.

        Returns
        -------
        score : float
            The negative conditional entropy, in nats.
        """
        _streaming_metric(
            self.metric if metric is None else metric, "labels", "LabelStatistics"
        )
        return 0.0 - self.conditional_entropy()


class ProbabilityStatistics:
    """Accumulate target labels and source class probabilities chunk by chunk.

    Keeps the soft joint table (sums of source probabilities over the samples
    of each target class), a dense ``n_source_classes x n_classes`` matrix,
    with target classes discovered as they arrive. It gives the soft
    conditional entropy; LEEP cannot stream in one pass (see Notes).

    Parameters
    ----------
    metric : str, default="soft_neg_conditional_entropy"
        The registered metric :meth:`score` computes when given none.

    Attributes
    ----------
    n_samples_seen_ : int
        Number of samples accumulated.
    n_source_classes_ : int
        Number of source classes, fixed by the first chunk.
    classes_ : ndarray of shape (n_classes,)
        The sorted target classes seen so far.
    table_ : ndarray of shape (n_source_classes, n_classes)
        ``table_[z, y]``: the sum of the probability of source class ``z``
        over the samples of target class ``y``.

    See Also
    --------
    soft_conditional_entropy : The in-memory soft conditional entropy.
    LabelStatistics : The same for hard source labels.

    Notes
    -----
    LEEP averages ``log sum_z P(y_i|z) theta_iz`` over the samples, with
    ``P(y|z)`` estimated from all of them: each sample's term needs the whole
    table, so it is not a function of statistics merged in one pass, and
    ``score(metric="leep")`` raises a ValueError saying so.

    Examples
    --------
    >>> from sktransfer.metrics import ProbabilityStatistics
    >>> proba = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]]
    >>> stats = ProbabilityStatistics()
    >>> stats = stats.partial_fit([0, 0], proba[:2]).partial_fit([1, 1], proba[2:])
    >>> round(stats.soft_conditional_entropy(), 4)
    0.4628
    """

    def __init__(self, metric="soft_neg_conditional_entropy"):
        self.metric = metric
        self.n_samples_seen_ = 0

    def partial_fit(self, y, source_proba):
        """Add a chunk of samples.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Target labels of the chunk.
        source_proba : {array-like, sparse matrix} of shape (n_samples, n_z)
            Probabilities of the n_z source classes for the same samples: finite,
            non-negative, rows summing to 1.

        Returns
        -------
        self : ProbabilityStatistics
            The accumulator.
        """
        proba = check_probabilities(source_proba)
        fitted = self.n_samples_seen_ > 0
        if fitted and proba.shape[1] != self.n_source_classes_:
            raise ValueError(
                f"source_proba has {proba.shape[1]} columns but earlier chunks had "
                f"{self.n_source_classes_}; every chunk must have one column per "
                "source class"
            )
        classes, codes = _chunk_labels(
            y,
            self.classes_ if fitted else None,
            name="y",
            n_samples=proba.shape[0],
            rows="source_proba",
        )
        table = soft_contingency_table(codes, classes.size, proba)
        if fitted:
            table[:, _positions(classes, self.classes_)] += self.table_
        self.table_, self.classes_ = table, classes
        self.n_source_classes_ = proba.shape[1]
        self.n_samples_seen_ += proba.shape[0]
        return self

    def merge(self, other):
        """The accumulator of the samples of two accumulators, for parallel chunks.

        Parameters
        ----------
        other : ProbabilityStatistics
            An accumulator of other samples with the same source classes.

        Returns
        -------
        merged : ProbabilityStatistics
            A new accumulator; neither input changes.
        """
        return _merged(self, other)

    def _combine(self, other, merged):
        if other.n_source_classes_ != self.n_source_classes_:
            raise ValueError(
                f"cannot merge probabilities of {self.n_source_classes_} and "
                f"{other.n_source_classes_} source classes"
            )
        classes = merged.classes_
        merged.table_ = np.zeros((self.n_source_classes_, classes.size))
        merged.table_[:, _positions(classes, self.classes_)] += self.table_
        merged.table_[:, _positions(classes, other.classes_)] += other.table_
        merged.n_source_classes_ = self.n_source_classes_

    def soft_conditional_entropy(self, base=None):
        """The soft H(Y|Z), as :func:`soft_conditional_entropy` gives it.

        Parameters
        ----------
        base : float, default=None
            Base of the logarithm; None gives nats.

        Returns
        -------
        entropy : float
            Lower means a more transferable source.
        """
        _check_fitted(self)
        _check_two_classes(self.classes_, "the conditional entropy")
        z_mass = self.table_.sum(axis=1)
        cells = np.nonzero(self.table_)
        nats = _entropy_sum(self.table_[cells], z_mass[cells[0]], self.n_samples_seen_)
        return _in_base(nats, base)

    def score(self, metric=None):
        """The registered probability metric of all samples seen; greater is better.

        Parameters
        ----------
        metric : str, default=None
            ``"soft_neg_conditional_entropy"``; None uses :attr:`metric`.
            ``"leep"`` raises a ValueError: it cannot stream in one pass.

        Returns
        -------
        score : float
            The negative soft conditional entropy, in nats.
        """
        _streaming_metric(
            self.metric if metric is None else metric,
            "probabilities",
            "ProbabilityStatistics",
        )
        return 0.0 - self.soft_conditional_entropy()


def _in_base(nats, base):
    validate_parameter_constraints(
        {"base": _BASE_CONSTRAINT}, {"base": base}, caller_name="base"
    )
    return _entropy_in_base(nats, base)
