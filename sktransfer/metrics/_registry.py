"""One registry of transferability metrics by name, for every consumer.

``SourceSelector(scoring="h_score")``, ``CurriculumBuilder(metric=...)``, the
streaming accumulators, Dask input, normalisation and the command line all
read a metric's :class:`Metric` record here, so a metric registered once is
available everywhere, with one error message for an unknown name or the wrong
kind of input. No module outside this one names a metric.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sktransfer._engine import certified_feature_score, is_dask_collection
from sktransfer.metrics._entropy import (
    conditional_entropy,
    conditional_entropy_matrix,
    conditional_entropy_seen,
    label_entropies,
    soft_conditional_entropy,
)
from sktransfer.metrics._gbc import GBCScorer, gbc_from_moments, gbc_score
from sktransfer.metrics._hscore import h_score, h_score_from_statistics
from sktransfer.metrics._leep import LEEPScorer, NLEEPScorer, leep_score, nleep_score
from sktransfer.metrics._logme import LogMEScorer, logme_from_statistics, logme_score
from sktransfer.metrics._optimal import (
    NormalizedHScoreScorer,
    normalized_h_score,
    normalized_h_score_from_statistics,
)
from sktransfer.metrics._scorer import ConditionalEntropyScorer, HScoreScorer
from sktransfer.metrics._transrate import TransRateScorer, transrate_score

_INPUTS = ("features", "labels", "probabilities")
# What a metric reads of a source, in error messages.
_READS = {
    "features": "source features",
    "labels": "source labels",
    "probabilities": "the class probabilities of a source model",
}


@dataclass(frozen=True)
class Metric:
    """A registered transferability metric: all a caller needs to know of it.

    Parameters
    ----------
    name : str
        The registry name, e.g. ``"h_score"``.
    input : {"features", "labels", "probabilities"}
        What the metric reads of a source on the target samples: features
        (``transform``), hard labels (``predict``) or class probabilities
        (``predict_proba``).
    score : callable
        ``score(source_output, y) -> float``: the score of the source's output
        on the target samples (features, labels or probabilities) for the
        target labels ``y``.
    scorer : callable
        ``scorer()`` returns a fresh scorer ``scorer(estimator, X, y)``.
    description : str
        One line for listings.
    statistics : callable or None, default=None
        ``statistics(stats) -> ndarray`` scoring every label vector of a
        :class:`~sktransfer._engine.SufficientStatistics` at once, for
        metrics of features that are functions of the engine's statistics;
        higher-order combinations and many target tasks then cost no extra
        pass over the data, and the metric streams
        (:class:`FeatureStatistics`) and reads Dask arrays (:meth:`evaluate`).
    class_moments : callable or None, default=None
        ``class_moments((counts, means, variances)) -> float`` for metrics of
        features that read per-class variances (GBC); a
        :class:`FeatureStatistics` built for such a metric gathers them.
    table : callable or None, default=None
        ``table(accumulator) -> float``: the score from the contingency table
        of a :class:`LabelStatistics` or :class:`ProbabilityStatistics`, for
        metrics of labels or probabilities that stream.
    cannot_stream : str or None, default=None
        Why the metric has no streaming form, for the error that says so.
    gram32 : bool, default=True
        Whether the metric's statistics may be accumulated by the float32
        Gram route (LogME's evidence may not).
    from_h_score : callable or None, default=None
        ``from_h_score(scores, n_classes) -> ndarray`` when the metric is a
        function of the plain H-score of each task: combinations of feature
        blocks are then scored through each block's whitening, and warned of
        over-fitting when features are many.
    normalize : callable or None, default=None
        ``normalize(scores, codes, n_classes) -> ndarray``: scores of target
        tasks divided by the optimum of each (columns of ``codes``, encoded
        labels), for ``transferability_matrix(normalize=True)``; None when
        the optimum is not known.
    task_matrix : callable or None, default=None
        ``task_matrix(codes, n_classes) -> ndarray``: for metrics of labels,
        the score of every task as the source of every other at once
        (``[i, j]`` scores source ``i`` for target ``j``), instead of one
        :attr:`score` call per pair.
    meaning : str or None, default=None
        What a score means (its scale, its units), for the titles of the
        command line's tables; :attr:`description` when None.
    normalized_meaning : str or None, default=None
        The same for scores normalised by :attr:`normalize`.
    greater_is_better : bool, default=True
        Every ranking reads scores greater-is-better, so this must be True:
        register the negation of a loss (``neg_conditional_entropy``).

    See Also
    --------
    get_metric : Look a metric up by name.
    register_metric : Add a metric to the registry.

    Examples
    --------
    >>> from sktransfer.metrics import get_metric
    >>> metric = get_metric("neg_conditional_entropy")
    >>> metric.input
    'labels'
    >>> metric.score(["a", "a", "b", "b"], [0, 0, 1, 1])
    0.0
    """

    name: str
    input: str
    score: Callable[..., float]
    scorer: Callable[[], Any]
    description: str
    statistics: Callable[..., Any] | None = None
    class_moments: Callable[..., float] | None = None
    table: Callable[..., float] | None = None
    cannot_stream: str | None = None
    gram32: bool = True
    from_h_score: Callable[..., Any] | None = None
    normalize: Callable[..., Any] | None = None
    task_matrix: Callable[..., Any] | None = None
    meaning: str | None = None
    normalized_meaning: str | None = None
    greater_is_better: bool = True

    @property
    def streams(self):
        """Whether an accumulator of chunks can give this metric."""
        return any(
            path is not None
            for path in (self.statistics, self.class_moments, self.table)
        )

    def evaluate(self, output, y):
        """The score of a source's output, in memory or of Dask arrays.

        Parameters
        ----------
        output : array-like, sparse matrix or dask.array.Array
            The source's features, labels or probabilities on the target
            samples.
        y : array-like or dask.array.Array
            The target labels.

        Returns
        -------
        score : float
            Greater is better. Dask features of a metric with a
            :attr:`statistics` path are reduced block by block by the
            engine's accumulator and never gathered whole.
        """
        if self.statistics is not None and is_dask_collection(output, y):
            return certified_feature_score(
                output,
                y,
                self.statistics,
                metric=self.name,
                route=None if self.gram32 else "gram64",
            )
        return self.score(output, y)


_METRICS: dict[str, Metric] = {}


def register_metric(metric):
    """Add a metric to the registry under its name.

    Every consumer reads the registry, so the metric is then available to
    ``SourceSelector(scoring=...)``, :func:`~sktransfer.selection.rank_sources`,
    :func:`score_combinations`,
    :func:`~sktransfer.curriculum.transferability_matrix` (with
    ``normalize=True`` when the record has ``normalize``), the streaming
    accumulators and Dask input (when it has a streaming path) and the
    command line's ``--metric``, with no other change.

    Parameters
    ----------
    metric : Metric
        The metric; its name must not be registered yet.

    Returns
    -------
    metric : Metric
        The same metric, so that a module can register and keep it in one line.

    See Also
    --------
    unregister_metric : Remove a metric from the registry.
    get_metric : Look a metric up by name.

    Examples
    --------
    >>> from sktransfer.metrics import Metric, get_scorer_names, register_metric
    >>> "h_score" in get_scorer_names()
    True
    """
    if metric.input not in _INPUTS:
        raise ValueError(f"metric input must be one of {_INPUTS}; got {metric.input!r}")
    features = metric.input == "features"
    allowed = ("statistics", "class_moments") if features else ("table",)
    for path in ("statistics", "class_moments", "table"):
        if getattr(metric, path) is not None and path not in allowed:
            raise ValueError(
                f"metric {metric.name!r} has a {path} path, which a metric of "
                f"{metric.input} cannot stream from; give it {' or '.join(allowed)}"
            )
    if not metric.greater_is_better:
        raise ValueError(
            f"metric {metric.name!r} is lower-is-better; every ranking reads scores "
            "greater-is-better, so register its negation"
        )
    if metric.name in _METRICS:
        raise ValueError(f"a metric named {metric.name!r} is already registered")
    _METRICS[metric.name] = metric
    return metric


def unregister_metric(name):
    """Remove a registered metric, for instance one a test registered.

    Parameters
    ----------
    name : str
        A name from :func:`get_scorer_names`.

    Returns
    -------
    metric : Metric
        The metric removed.

    See Also
    --------
    register_metric : Add a metric to the registry.

    Examples
    --------
    >>> from sktransfer.metrics import (
    ...     get_metric, get_scorer_names, register_metric, unregister_metric)
    >>> from dataclasses import replace
    >>> _ = register_metric(replace(get_metric("h_score"), name="my_h_score"))
    >>> unregister_metric("my_h_score").name
    'my_h_score'
    >>> "my_h_score" in get_scorer_names()
    False
    """
    metric = get_metric(name)
    del _METRICS[metric.name]
    return metric


def get_metric(name):
    """The registered metric of a name.

    Parameters
    ----------
    name : str
        A name from :func:`get_scorer_names`.

    Returns
    -------
    metric : Metric
        Its score function, scorer factory and input kind.

    See Also
    --------
    get_scorer_names : The registered names.

    Examples
    --------
    >>> from sktransfer.metrics import get_metric
    >>> get_metric("h_score").input
    'features'
    """
    try:
        return _METRICS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown metric {name!r}; the registered metrics are "
            f"{', '.join(get_scorer_names())}"
        ) from None


def resolve_metric(metric, input=_INPUTS, *, argument="metric", hint=None):
    """The :class:`Metric` of a name, a record or a callable, of an input kind.

    The one lookup behind every argument that takes a metric, with one error
    message for an unknown name and one for a metric of the wrong input.

    Parameters
    ----------
    metric : str, Metric or callable
        A registered name, a record, or ``metric(X, y)``, a metric of
        features.
    input : str or tuple of str, default=all kinds
        The kinds of input the caller can give the metric.
    argument : str, default="metric"
        The caller's argument, named in the errors.
    hint : str, dict or None, default=None
        What to do instead, appended to the error of a wrong input kind; a
        dict gives it by the metric's input kind.

    Returns
    -------
    metric : Metric
        The registered record, or one wrapping the callable.
    """
    if isinstance(input, str):
        input = (input,)
    if isinstance(metric, Metric):
        found = metric
    elif isinstance(metric, str):
        try:
            found = get_metric(metric)
        except ValueError as exc:
            raise ValueError(f"{argument}: {exc}") from None
    elif callable(metric):
        found = Metric(
            name=getattr(metric, "__name__", "metric"),
            input="features",
            score=metric,
            scorer=lambda: None,
            description="a callable metric(X, y)",
        )
    else:
        raise ValueError(
            f"{argument}: unknown metric {metric!r}; the registered metrics are "
            f"{', '.join(get_scorer_names())}"
        )
    if found.input not in input:
        accepted = " or ".join(input)
        if isinstance(hint, dict):
            hint = hint.get(found.input)
        raise ValueError(
            f"{argument} {found.name!r} reads {_READS[found.input]}, not "
            f"{accepted}" + (f"; {hint}" if hint else "")
        )
    return found


def get_scorer(scoring):
    """A scorer ``scorer(estimator, X, y)`` from a metric name or a callable.

    Parameters
    ----------
    scoring : str or callable
        A registered metric name, or any scorer callable, returned as is.

    Returns
    -------
    scorer : callable
        Greater is better.

    See Also
    --------
    get_scorer_names : The registered names.

    Examples
    --------
    >>> from sktransfer.metrics import get_scorer
    >>> get_scorer("h_score")
    HScoreScorer()
    """
    if callable(scoring):
        return scoring
    return get_metric(scoring).scorer()


def get_scorer_names(input=None):
    """Sorted names of the registered metrics.

    Parameters
    ----------
    input : {"features", "labels", "probabilities"}, default=None
        Only the metrics that read this kind of source output; all when None.

    Returns
    -------
    names : list of str
        The names, for ``scoring=`` and ``metric=`` arguments.

    See Also
    --------
    get_metric : Look a metric up by name.

    Examples
    --------
    >>> from sktransfer.metrics import get_scorer_names
    >>> get_scorer_names(input="labels")
    ['neg_conditional_entropy']
    """
    return sorted(
        name for name, metric in _METRICS.items() if input in (None, metric.input)
    )


def _over_h_score_optimum(scores, n_classes):
    # n_classes - 1: the H-score of the optimal features when the labels are
    # a function of the input, and an upper bound otherwise.
    return scores / (np.asarray(n_classes, dtype=np.float64) - 1.0)


register_metric(
    Metric(
        name="h_score",
        input="features",
        score=h_score,
        scorer=HScoreScorer,
        description="H-score (Bao et al. 2019)",
        statistics=h_score_from_statistics,
        from_h_score=lambda scores, n_classes: scores,
        normalize=lambda scores, codes, n_classes: _over_h_score_optimum(
            scores, n_classes
        ),
    )
)
register_metric(
    Metric(
        name="regularized_h_score",
        input="features",
        score=lambda X, y: h_score(X, y, shrinkage="ledoit_wolf"),
        scorer=lambda: HScoreScorer(shrinkage="ledoit_wolf"),
        description="H-score with Ledoit-Wolf shrinkage (Ibrahim et al. 2022)",
        statistics=lambda stats: h_score_from_statistics(
            stats, shrinkage="ledoit_wolf"
        ),
        normalize=lambda scores, codes, n_classes: _over_h_score_optimum(
            scores, n_classes
        ),
    )
)
register_metric(
    Metric(
        name="normalized_h_score",
        input="features",
        score=normalized_h_score,
        scorer=NormalizedHScoreScorer,
        description=(
            "normalised H-score: the H-score over n_classes - 1, in [0, 1] "
            "(Bao et al. 2019)"
        ),
        statistics=normalized_h_score_from_statistics,
        # The plain H-score over its optimum n_classes - 1, at most 1.
        from_h_score=lambda scores, n_classes: np.minimum(
            _over_h_score_optimum(scores, n_classes), 1.0
        ),
    )
)
register_metric(
    Metric(
        name="neg_conditional_entropy",
        input="labels",
        score=lambda z, y: 0.0 - conditional_entropy(y, z),  # not -0.0
        scorer=ConditionalEntropyScorer,
        description="negative conditional entropy -H(Y|Z) (Tran et al. 2019)",
        table=lambda accumulator: 0.0 - conditional_entropy_seen(accumulator),
        task_matrix=lambda codes, n_classes: (
            0.0 - conditional_entropy_matrix(codes, n_classes)
        ),
        # The optimum is 0 and the least H(Y) (Z independent of Y): the share
        # of the target's entropy the source explains, in [0, 1].
        normalize=lambda scores, codes, n_classes: (
            1.0 + scores / label_entropies(codes, n_classes)
        ),
        meaning="-H(target | source) in nats, 0 when the source determines the target",
        normalized_meaning=(
            "1 - H(target | source) / H(target), the share of the target's entropy "
            "the source explains"
        ),
    )
)

register_metric(
    Metric(
        name="soft_neg_conditional_entropy",
        input="probabilities",
        score=lambda proba, y: 0.0 - soft_conditional_entropy(y, proba),
        scorer=lambda: ConditionalEntropyScorer(soft=True),
        description="negative conditional entropy of soft source predictions",
        table=lambda accumulator: 0.0 - conditional_entropy_seen(accumulator),
    )
)
register_metric(
    Metric(
        name="leep",
        input="probabilities",
        score=lambda proba, y: leep_score(y, proba),
        scorer=LEEPScorer,
        description="log expected empirical prediction (Nguyen et al. 2020)",
        cannot_stream=(
            "each sample's term log sum_z P(y_i|z) theta_iz needs P(y|z) of the "
            "whole data, so it is not a function of statistics gathered in one "
            "pass; call leep_score on the data instead"
        ),
    )
)
register_metric(
    Metric(
        # A fixed seed, so that a name always gives the same score.
        name="nleep",
        input="features",
        score=lambda X, y: nleep_score(X, y, random_state=0),
        scorer=lambda: NLEEPScorer(random_state=0),
        description="LEEP of a Gaussian mixture on the features (Li et al. 2021)",
        cannot_stream=(
            "it fits a Gaussian mixture model to the features, which is not a "
            "function of mergeable statistics"
        ),
    )
)

register_metric(
    Metric(
        name="logme",
        input="features",
        score=logme_score,
        scorer=LogMEScorer,
        description="LogME, maximum evidence of a linear model (You et al. 2021)",
        statistics=logme_from_statistics,
        # Its evidence reads small eigenvalues through residuals that cancel.
        gram32=False,
    )
)
register_metric(
    Metric(
        # Needs per-class second moments, which the engine does not keep.
        name="transrate",
        input="features",
        score=transrate_score,
        scorer=TransRateScorer,
        description="TransRate, coding rate given the labels (Huang et al. 2022)",
        cannot_stream=(
            "it needs the second moments of each class, which the statistics "
            "engine does not keep"
        ),
    )
)
register_metric(
    Metric(
        name="gbc",
        input="features",
        score=gbc_score,
        scorer=GBCScorer,
        description="GBC, diagonal Gaussian class overlap (Pandy et al. 2022)",
        class_moments=lambda moments: gbc_from_moments(moments, "diagonal"),
    )
)
register_metric(
    Metric(
        name="gbc_spherical",
        input="features",
        score=lambda X, y: gbc_score(X, y, gaussian="spherical"),
        scorer=lambda: GBCScorer(gaussian="spherical"),
        description="GBC, spherical Gaussian class overlap (Pandy et al. 2022)",
        class_moments=lambda moments: gbc_from_moments(moments, "spherical"),
    )
)
