"""The sources of a SourceSelector: parsed, fitted, and read on the samples.

Sources are estimators: transformers, or classifiers for metrics of labels and
probabilities; ``"drop"`` or None leaves one out. Unfitted estimators are
cloned and fitted in parallel; a :class:`~sklearn.frozen.FrozenEstimator` is
used as it is and never refitted. (Groups of columns of X are the sources of
:class:`~sktransfer.ColumnGroupSelector`, in ``_column_groups``.)
"""

from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from sktransfer._parallel import threaded
from sktransfer.metrics import get_scorer_names
from sktransfer.selection._base import named_pairs
from sktransfer.selection._candidates import concatenate

# What a metric reads of a source, by the metric's input kind.
METHODS = {
    "features": "transform",
    "labels": "predict",
    "probabilities": "predict_proba",
}


def is_estimator(obj):
    return hasattr(obj, "fit") and not isinstance(obj, type)


def parse_sources(sources, reserved):
    """Names and estimators of the sources left in, checked.

    A source set to ``"drop"`` or None is left out, as in scikit-learn's
    compositions; ``reserved`` are the selector's parameter names, which a
    source name would shadow in ``set_params``.
    """
    names, objects = named_pairs(sources, argument="sources", kinds="(name, estimator)")
    for name in names:
        if "__" in name:
            raise ValueError(
                f"sources name {name!r} contains '__', which set_params uses to "
                "reach a source's parameters; rename the source"
            )
    clashes = sorted(set(names) & set(reserved))
    if clashes:
        raise ValueError(
            f"sources names {clashes} are also parameters of SourceSelector; "
            "rename those sources"
        )
    for name, obj in zip(names, objects, strict=True):
        if not is_dropped(obj) and not is_estimator(obj):
            raise ValueError(
                f"source {name!r} ({type(obj).__name__}) is not an estimator: "
                "sources are (name, estimator) pairs, or (name, 'drop') to leave "
                "one out. To select groups of columns of X, use ColumnGroupSelector"
            )
    kept = [(n, o) for n, o in zip(names, objects, strict=True) if not is_dropped(o)]
    if not kept:
        raise ValueError(
            "every source is 'drop' or None; leave at least one estimator to score"
        )
    return [n for n, _ in kept], [o for _, o in kept]


def is_dropped(obj):
    """A source left out: ``"drop"`` or None, as in scikit-learn's compositions."""
    return obj is None or (isinstance(obj, str) and obj == "drop")


def fit_sources(names, estimators, X, y, kind, n_jobs, verbose, scoring=None):
    """Fit every unfitted source on (X, y) and read each one's output on X.

    Unfitted sources are cloned and fitted in parallel jobs, which also read
    their output; frozen ones are only read, in threads (they may be large
    pretrained models, not worth copying to worker processes). ``kind`` is the
    input kind of the metric, or None to read no output; ``scoring`` names the
    metric in messages.
    """
    method = None if kind is None else METHODS[kind]
    for name, estimator in zip(names, estimators, strict=True):
        if isinstance(estimator, FrozenEstimator):
            try:
                check_is_fitted(estimator)
            except NotFittedError:
                raise NotFittedError(
                    f"source {name!r} is a FrozenEstimator around an unfitted "
                    "estimator; fit it before freezing it"
                ) from None
        if method is not None and not hasattr(estimator, method):
            raise ValueError(_missing_method_message(name, estimator, kind, scoring))
    frozen = [isinstance(e, FrozenEstimator) for e in estimators]
    fitted = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(_fit_and_read)(clone(e), X, y, method)
        for e, f in zip(estimators, frozen, strict=True)
        if not f
    )
    read = threaded(
        (
            delayed(_read)(e, X, method)
            for e, f in zip(estimators, frozen, strict=True)
            if f
        ),
        n_jobs,
        verbose=verbose,
    )
    fitted, read = iter(fitted), iter(read)
    pairs = [next(read) if f else next(fitted) for f in frozen]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _missing_method_message(name, estimator, kind, scoring):
    """Why a source cannot be read by the metric, and the ways out."""
    method = METHODS[kind]
    metric = "the metric" if scoring is None else f"scoring={scoring!r}"
    what = {"features": "features", "labels": "predicted labels"}.get(
        kind, "class probabilities"
    )
    message = (
        f"{metric} reads the {what} of each source through {method}, which "
        f"source {name!r} ({type(estimator).__name__}) does not have"
    )
    # Metrics of the outputs the source does have: never the one in use, whose
    # kind the source lacks.
    others = [
        f"of {other} ({', '.join(get_scorer_names(input=other))})"
        for other in ("probabilities", "labels", "features")
        if other != kind and hasattr(estimator, METHODS[other])
    ]
    if kind == "features":
        ways = (
            "give a transformer of the features beneath it instead, such as a "
            "FunctionTransformer that returns one of its hidden layers (as the "
            "layer-selection example of the gallery does)"
        )
        if others:
            ways += f", or score the source itself with a metric {' or '.join(others)}"
        return f"{message}. To score it, {ways}"
    if others:
        ways = f"score it with a metric {' or '.join(others)}"
    else:
        ways = f"give a source that has {method}"
    return (
        f"{message}. Metrics of {what} need a classifier trained for a source "
        f"task; {ways}"
    )


def _fit_and_read(estimator, X, y, method):
    estimator.fit(X, y)
    return _read(estimator, X, method)


def _read(estimator, X, method):
    return estimator, None if method is None else getattr(estimator, method)(X)


def transform_or_proba(name, estimator, X):
    """What a selected source passes on: its transform, or a classifier's
    class probabilities."""
    for method in ("transform", "predict_proba"):
        if hasattr(estimator, method):
            return getattr(estimator, method)(X)
    raise AttributeError(
        f"source {name!r} ({type(estimator).__name__}) has neither transform nor "
        "predict_proba, so SourceSelector cannot pass its features on"
    )


def source_feature_names(name, estimator, n_features):
    """``name__feature`` names of a source's features."""
    features = None
    if hasattr(estimator, "transform"):
        if hasattr(estimator, "get_feature_names_out"):
            features = estimator.get_feature_names_out()
    elif hasattr(estimator, "classes_"):
        features = [f"proba_{c}" for c in estimator.classes_]
    if features is None:
        if n_features is None:
            raise AttributeError(
                f"source {name!r} ({type(estimator).__name__}) does not provide "
                "get_feature_names_out"
            )
        features = [f"x{i}" for i in range(n_features)]
    return [f"{name}__{feature}" for feature in features]


class Concatenation(TransformerMixin, BaseEstimator):
    """Fitted sources side by side, as one transformer, for scorer callables."""

    def __init__(self, sources=None):
        self.sources = sources

    def fit(self, X=None, y=None):
        return self

    def transform(self, X):
        parts = [transform_or_proba(n, e, X) for n, e in self.sources]
        return concatenate(parts)

    def __sklearn_is_fitted__(self):
        return True


def check_row_counts(names, outputs, n_samples):
    for name, output in zip(names, outputs, strict=True):
        if output is None:
            continue
        rows = output.shape[0] if hasattr(output, "shape") else len(output)
        if rows != n_samples:
            raise ValueError(
                f"source {name!r} returned {rows} rows for the {n_samples} samples "
                "of X; every source must return one row per sample"
            )
