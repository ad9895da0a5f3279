"""The accumulation half of the streaming classes: ``partial_fit`` and ``merge``.

Each accumulator keeps only mergeable state: the feature moments (and, when
asked, the class moments) of :class:`FeatureAccumulator`, the contingency
table of :class:`LabelAccumulator`, the soft one of
:class:`ProbabilityAccumulator`. Classes are discovered as chunks arrive and
every class array is aligned by label value, so that ``partial_fit`` over
chunks, joblib workers and Dask blocks all reduce to the same merge. What a
state is scored by (the formulas) lives with the metrics.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from sktransfer._compat import StrOptions, validate_parameter_constraints
from sktransfer._engine._class_moments import class_moments, merge_class_moments
from sktransfer._engine._moments import ROUTES, SufficientStatistics
from sktransfer._engine._tables import (
    check_probabilities,
    contingency_table,
    soft_contingency_table,
)
from sktransfer._validation import (
    check_features,
    check_paired_labels,
    check_two_classes,
    class_positions,
    encode_labels,
    input_epsilon,
    union_classes,
)


def label_family(classes):
    """'string' or 'number': label kinds that must not mix across chunks."""
    if classes.dtype.kind in "US":
        return "string"
    if classes.dtype.kind == "O":
        return "string" if isinstance(classes[0], str | bytes) else "number"
    return "number"


def chunk_labels(y, known, *, name, n_samples=None, rows="X"):
    """Classes of all chunks so far, and the chunk's codes among them."""
    (chunk_classes,), codes = encode_labels(y, name=name)
    if n_samples is not None and codes.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {codes.shape[0]} labels but {rows} has {n_samples} rows; "
            "they must describe the same samples, one label per row"
        )
    if known is None:
        return chunk_classes, codes[:, 0]
    if label_family(chunk_classes) != label_family(known):
        raise TypeError(
            f"{name} holds {label_family(chunk_classes)} labels but earlier "
            f"chunks held {label_family(known)} labels; use one type for all "
            "labels"
        )
    classes = union_classes(known, chunk_classes)
    return classes, class_positions(classes, chunk_classes)[codes[:, 0]]


def check_fitted(accumulator):
    """Refuse to score an accumulator that has seen no data."""
    if accumulator.n_samples_seen_ == 0:
        raise NotFittedError(
            f"this {type(accumulator).__name__} has seen no data yet; call "
            "partial_fit with a chunk first"
        )


def check_classes_seen(accumulator, needs):
    """Refuse to score the chunks seen when they hold a single target class."""
    check_two_classes(accumulator.classes_, needs, where=" in the chunks seen")


def pad_moments(moments, classes, all_classes):
    """Class moments ``(counts, means, variances)`` spread over ``all_classes``."""
    if classes.size == all_classes.size:
        return moments
    where = class_positions(all_classes, classes)
    padded = []
    for array in moments:
        spread = np.zeros((all_classes.size, *array.shape[1:]))
        spread[where] = array
        padded.append(spread)
    return tuple(padded)


def pad_classes(stats, classes, all_classes):
    """``stats`` with its class arrays spread over the larger ``all_classes``."""
    if classes.size == all_classes.size:
        return stats
    where = class_positions(all_classes, classes)
    counts = np.zeros(all_classes.size, dtype=np.int64)
    counts[where] = stats.class_counts
    deviations = np.zeros((all_classes.size, stats.n_features))
    deviations[where] = stats.class_deviations
    return stats.with_classes(counts, deviations, (all_classes.size,))


def spread_table(table, rows, all_rows, columns, all_columns):
    """A sparse table re-indexed to larger sorted row and column classes."""
    coo = sp.coo_array(table)
    return sp.csr_array(
        (
            coo.data,
            (
                class_positions(all_rows, rows)[coo.row],
                class_positions(all_columns, columns)[coo.col],
            ),
        ),
        shape=(all_rows.size, all_columns.size),
    )


def _check_same_kind(accumulator, other):
    if type(other) is not type(accumulator):
        raise TypeError(
            f"can only merge a {type(accumulator).__name__} with another; got "
            f"{type(other).__name__}"
        )


def _check_same_family(a, b):
    if label_family(a) != label_family(b):
        raise TypeError(
            f"cannot merge {label_family(a)} labels with {label_family(b)} "
            "labels; use one type for all labels"
        )


def _check_same_width(what, width, other, unit):
    if other != width:
        raise ValueError(f"cannot merge {what} of {width} and {other} {unit}")


def _parameters(accumulator):
    """The constructor's parameters of an accumulator: its unfitted attributes."""
    return {k: v for k, v in vars(accumulator).items() if not k.endswith("_")}


def _copy(accumulator, **params):
    copy = object.__new__(type(accumulator))
    copy.__dict__.update(accumulator.__dict__)
    copy.__dict__.update(params)
    return copy


class _Accumulator:
    """What every accumulator's merge shares; each ``_combine`` adds the rest."""

    n_samples_seen_ = 0

    def merge(self, other):
        """The accumulator of the samples of two accumulators, for parallel chunks.

        Both inputs stay untouched; an empty side is neutral; the target
        classes of the result are the union of both sides'. An empty left
        side keeps its parameters but the right side's ``route``.
        """
        _check_same_kind(self, other)
        if not other.n_samples_seen_:
            return _copy(self)
        params = _parameters(self)
        if not self.n_samples_seen_:
            params.pop("route", None)
            return _copy(other, **params)
        _check_same_family(self.classes_, other.classes_)
        merged = object.__new__(type(self))
        merged.__dict__.update(params)
        merged.classes_ = union_classes(self.classes_, other.classes_)
        merged.n_samples_seen_ = self.n_samples_seen_ + other.n_samples_seen_
        self._combine(other, merged)
        return merged


class FeatureAccumulator(_Accumulator):
    """The engine's statistics of features and class labels, chunk by chunk.

    Keeps a :class:`SufficientStatistics` with classes in the order of
    ``classes_`` and, when :meth:`_keeps_class_moments` says so, the class
    moments ``class_moments_``.
    """

    def __init__(self, route=None):
        self.route = route

    def _keeps_class_moments(self):
        """Whether to gather per-class variances too (a second look at a chunk)."""
        return False

    def _default_route(self, float32):
        """The route of chunks when ``route`` is None."""
        return "gram32" if float32 else "gram64"

    def partial_fit(self, X, y):
        """Add a chunk of samples: features ``X`` and class labels ``y``."""
        X = check_features(X)
        if self.n_samples_seen_ and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features but earlier chunks had "
                f"{self.n_features_in_}; every chunk must have the same features"
            )
        validate_parameter_constraints(
            {"route": [None, StrOptions(set(ROUTES))]},
            {"route": self.route},
            caller_name=type(self).__name__,
        )
        known = self.classes_ if self.n_samples_seen_ else None
        classes, codes = chunk_labels(y, known, name="y", n_samples=X.shape[0])
        route = self.route
        if route is None:
            float32 = input_epsilon(X.dtype) >= np.finfo(np.float32).eps
            route = self._default_route(float32)
        chunk = SufficientStatistics.from_data(
            X, codes[:, None], (classes.size,), route=route
        )
        if self._keeps_class_moments():
            moments = class_moments(X, codes, classes.size)
            if self.n_samples_seen_:
                moments = merge_class_moments(
                    pad_moments(self.class_moments_, self.classes_, classes), moments
                )
            self.class_moments_ = moments
        if self.n_samples_seen_:
            chunk = pad_classes(self.statistics_, self.classes_, classes).merge(chunk)
        self.statistics_, self.classes_ = chunk, classes
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = chunk.n_samples
        return self

    def _combine(self, other, merged):
        _check_same_width(
            "statistics", self.n_features_in_, other.n_features_in_, "features"
        )
        classes = merged.classes_
        merged.statistics_ = pad_classes(
            self.statistics_, self.classes_, classes
        ).merge(pad_classes(other.statistics_, other.classes_, classes))
        merged.n_features_in_ = self.n_features_in_
        if hasattr(self, "class_moments_") and hasattr(other, "class_moments_"):
            merged.class_moments_ = merge_class_moments(
                pad_moments(self.class_moments_, self.classes_, classes),
                pad_moments(other.class_moments_, other.classes_, classes),
            )


class LabelAccumulator(_Accumulator):
    """The sparse contingency table of target and source labels, chunk by chunk.

    ``table_[z, y]`` counts the samples of source class ``source_classes_[z]``
    and target class ``classes_[y]``.
    """

    def partial_fit(self, y, z):
        """Add a chunk of samples: target labels ``y`` and source labels ``z``."""
        fitted = self.n_samples_seen_ > 0
        y_classes, y_codes = chunk_labels(
            y, self.classes_ if fitted else None, name="y"
        )
        z_classes, z_codes = chunk_labels(
            z, self.source_classes_ if fitted else None, name="z"
        )
        check_paired_labels(y_codes.shape[0], z_codes.shape[0])
        table = contingency_table(y_codes, z_codes, y_classes.size, z_classes.size)
        if fitted:
            table = table + spread_table(
                self.table_, self.source_classes_, z_classes, self.classes_, y_classes
            )
        self.table_, self.classes_, self.source_classes_ = table, y_classes, z_classes
        self.n_samples_seen_ += y_codes.shape[0]
        return self

    def _combine(self, other, merged):
        _check_same_family(self.source_classes_, other.source_classes_)
        y_classes = merged.classes_
        z_classes = union_classes(self.source_classes_, other.source_classes_)
        merged.table_ = spread_table(
            self.table_, self.source_classes_, z_classes, self.classes_, y_classes
        ) + spread_table(
            other.table_, other.source_classes_, z_classes, other.classes_, y_classes
        )
        merged.source_classes_ = z_classes


class ProbabilityAccumulator(_Accumulator):
    """The soft contingency table of target labels and source probabilities.

    ``table_[z, y]`` sums the probability of source class ``z`` over the samples
    of target class ``classes_[y]``.
    """

    def partial_fit(self, y, source_proba):
        """Add a chunk of samples: target labels and source class probabilities."""
        proba = check_probabilities(source_proba)
        fitted = self.n_samples_seen_ > 0
        if fitted and proba.shape[1] != self.n_source_classes_:
            raise ValueError(
                f"source_proba has {proba.shape[1]} columns but earlier chunks had "
                f"{self.n_source_classes_}; every chunk must have one column per "
                "source class"
            )
        classes, codes = chunk_labels(
            y,
            self.classes_ if fitted else None,
            name="y",
            n_samples=proba.shape[0],
            rows="source_proba",
        )
        table = soft_contingency_table(codes, classes.size, proba)
        if fitted:
            table[:, class_positions(classes, self.classes_)] += self.table_
        self.table_, self.classes_ = table, classes
        self.n_source_classes_ = proba.shape[1]
        self.n_samples_seen_ += proba.shape[0]
        return self

    def _combine(self, other, merged):
        _check_same_width(
            "probabilities",
            self.n_source_classes_,
            other.n_source_classes_,
            "source classes",
        )
        classes = merged.classes_
        merged.table_ = np.zeros((self.n_source_classes_, classes.size))
        merged.table_[:, class_positions(classes, self.classes_)] += self.table_
        merged.table_[:, class_positions(classes, other.classes_)] += other.table_
        merged.n_source_classes_ = self.n_source_classes_
