"""Scorers: ``scorer(estimator, X, y) -> float``, greater is better.

They plug into every ``scoring=`` of scikit-learn (``cross_val_score``,
``GridSearchCV``, ...). A representation is read through ``transform`` (for a
pipeline ending in a predictor, through all steps but the last); a source
classifier is read through ``predict`` or ``predict_proba``. ``make_scorer``
has no route to ``transform``, hence small callable classes.
"""

import inspect

from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline

from sktransfer._compat import validate_parameter_constraints
from sktransfer.metrics._entropy import (
    _BASE_CONSTRAINT,
    conditional_entropy,
    soft_conditional_entropy,
)
from sktransfer.metrics._hscore import _SHRINKAGE_CONSTRAINT, h_score


class _Scorer:
    """Parameters checked when constructed, and a repr of those not at default.

    A subclass declares ``_parameter_constraints`` (scikit-learn's format) and
    stores its ``__init__`` arguments with :meth:`_set_params`.
    """

    _parameter_constraints = {}

    def _set_params(self, **params):
        validate_parameter_constraints(
            self._parameter_constraints, params, caller_name=type(self).__name__
        )
        vars(self).update(params)

    def _get_params(self):
        return {name: getattr(self, name) for name in self._parameter_constraints}

    def __repr__(self):
        signature = inspect.signature(type(self).__init__).parameters
        changed = [
            f"{name}={value!r}"
            for name, value in self._get_params().items()
            if not _is_default(value, signature[name].default)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


class _FeatureScorer(_Scorer):
    """A scorer of the representation a fitted estimator makes of ``X``.

    A subclass sets ``_metric``, a function ``metric(features, y, **params)``.
    """

    def __call__(self, estimator, X, y):
        features = _representation(estimator, X, type(self).__name__)
        return type(self)._metric(features, y, **self._get_params())


def _is_default(value, default):
    return value is default or (type(value) is type(default) and value == default)


class HScoreScorer(_FeatureScorer):
    """Score the representation an estimator produces by its H-score.

    Parameters
    ----------
    shrinkage : {None, "ledoit_wolf", "oas"} or float in [0, 1], default=None
        Passed to :func:`~sktransfer.metrics.h_score`: ``None`` for the plain
        H-score, otherwise the regularised H-score.

    See Also
    --------
    sktransfer.metrics.h_score : The metric as a function of features.
    ConditionalEntropyScorer : Score a source classifier by its labels.

    Notes
    -----
    Called as ``scorer(estimator, X, y)``, it returns ``h_score(F, y)`` with
    ``F`` the features the fitted ``estimator`` makes of ``X``:

    * ``estimator.transform(X)`` for a transformer, including a pipeline of
      transformers and a :class:`~sklearn.frozen.FrozenEstimator` around a
      pretrained extractor;
    * ``estimator[:-1].transform(X)`` for a :class:`~sklearn.pipeline.Pipeline`
      ending in a predictor (a pipeline holding only a predictor scores ``X``
      itself).

    In cross-validation the score is computed on the held-out fold, so it
    measures how well the representation learned on the training folds
    separates unseen samples.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.model_selection import cross_val_score
    >>> from sktransfer import HScoreScorer
    >>> X, y = load_digits(return_X_y=True)
    >>> scores = cross_val_score(PCA(16), X, y, scoring=HScoreScorer(), cv=3)
    >>> scores.round(2)
    array([5.3 , 5.44, 5.33])
    """

    _parameter_constraints = {"shrinkage": _SHRINKAGE_CONSTRAINT}
    _metric = staticmethod(h_score)

    def __init__(self, *, shrinkage=None):
        self._set_params(shrinkage=shrinkage)


class ConditionalEntropyScorer(_Scorer):
    """Score a source classifier by the negative conditional entropy (NCE).

    The fitted ``estimator`` is a classifier for a source task; its predicted
    labels on ``X`` are the source labels ``z``, and the score is
    ``-H(y | z)``: zero when the target labels are a function of the source
    labels, more negative the less the source tells about the target. With
    ``soft=True`` the source is read through its class probabilities instead.

    Parameters
    ----------
    base : float, default=None
        Base of the logarithm; natural logarithm (nats) when None.
    soft : bool, default=False
        Read ``estimator.predict_proba(X)`` and score the soft conditional
        entropy (:func:`~sktransfer.metrics.soft_conditional_entropy`) instead
        of the hard labels of ``estimator.predict(X)``.

    See Also
    --------
    sktransfer.metrics.conditional_entropy : The metric on label sequences.
    sktransfer.metrics.soft_conditional_entropy : The metric on probabilities.
    HScoreScorer : Score a representation instead of a classifier.

    Notes
    -----
    Tran, Nguyen and Hassner (2019) show that the log-likelihood a transferred
    classifier can reach on the target is at least the source's minus
    ``H(Y | Z)`` (their Theorem 1), so the NCE ranks source tasks by how well
    they transfer.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sktransfer import ConditionalEntropyScorer
    >>> X, y = load_iris(return_X_y=True)
    >>> source = DecisionTreeClassifier(max_depth=1).fit(X, y == 0)  # setosa?
    >>> round(ConditionalEntropyScorer()(source, X, y), 4)
    -0.4621
    >>> round(ConditionalEntropyScorer(soft=True)(source, X, y), 4)
    -0.4621
    """

    _parameter_constraints = {"base": _BASE_CONSTRAINT, "soft": ["boolean"]}

    def __init__(self, *, base=None, soft=False):
        self._set_params(base=base, soft=soft)

    def __call__(self, estimator, X, y):
        # 0.0 - h, not -h: a perfect source scores 0.0, not -0.0
        scorer = type(self).__name__
        if self.soft:
            proba = _source_output(estimator, X, "predict_proba", scorer)
            return 0.0 - soft_conditional_entropy(y, proba, base=self.base)
        labels = _source_output(estimator, X, "predict", scorer)
        return 0.0 - conditional_entropy(y, labels, base=self.base)


def _source_output(estimator, X, method, scorer):
    """``estimator.<method>(X)`` of a fitted source classifier; ``scorer`` names
    the caller in the error a transformer (or anything without ``method``) gets.
    """
    if not hasattr(estimator, method):
        raise TypeError(
            f"{scorer} scores a source classifier through its {method}: the "
            f"estimator must have a {method} method; got "
            f"{type(estimator).__name__}. A representation (a transformer) is "
            "scored by the scorers of features, such as HScoreScorer"
        )
    return getattr(estimator, method)(X)


def _representation(estimator, X, scorer):
    """The features a fitted estimator makes of ``X``; ``scorer`` names the caller."""
    if isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    if isinstance(estimator, Pipeline):
        final = estimator._final_estimator
        if final != "passthrough" and hasattr(final, "predict"):
            return estimator[:-1].transform(X) if len(estimator) > 1 else X
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    raise TypeError(
        f"{scorer} scores a representation: the estimator must have a "
        "transform method or be a Pipeline ending in a predictor; got "
        f"{type(estimator).__name__}"
    )
