"""One registry of transferability metrics by name, for every consumer.

``SourceSelector(scoring="h_score")``, ``CurriculumBuilder(metric=...)`` and the
command line all look names up here, so a metric registered once is available
everywhere, with one error message for an unknown name.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sktransfer.metrics._entropy import conditional_entropy, soft_conditional_entropy
from sktransfer.metrics._gbc import GBCScorer, gbc_score
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


@dataclass(frozen=True)
class Metric:
    """A registered transferability metric; every score is greater-is-better.

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
        pass over the data.

    See Also
    --------
    get_metric : Look a metric up by name.

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


_METRICS: dict[str, Metric] = {}


def register_metric(metric):
    """Add a metric to the registry under its name.

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
    get_metric : Look a metric up by name.

    Examples
    --------
    >>> from sktransfer.metrics import Metric, get_scorer_names, register_metric
    >>> "h_score" in get_scorer_names()
    True
    """
    if metric.input not in _INPUTS:
        raise ValueError(f"metric input must be one of {_INPUTS}; got {metric.input!r}")
    if metric.name in _METRICS:
        raise ValueError(f"a metric named {metric.name!r} is already registered")
    _METRICS[metric.name] = metric
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


register_metric(
    Metric(
        name="h_score",
        input="features",
        score=h_score,
        scorer=HScoreScorer,
        description="H-score (Bao et al. 2019)",
        statistics=h_score_from_statistics,
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
    )
)
register_metric(
    Metric(
        name="neg_conditional_entropy",
        input="labels",
        score=lambda z, y: 0.0 - conditional_entropy(y, z),  # not -0.0
        scorer=ConditionalEntropyScorer,
        description="negative conditional entropy -H(Y|Z) (Tran et al. 2019)",
    )
)

register_metric(
    Metric(
        name="soft_neg_conditional_entropy",
        input="probabilities",
        score=lambda proba, y: 0.0 - soft_conditional_entropy(y, proba),
        scorer=lambda: ConditionalEntropyScorer(soft=True),
        description="negative conditional entropy of soft source predictions",
    )
)
register_metric(
    Metric(
        name="leep",
        input="probabilities",
        score=lambda proba, y: leep_score(y, proba),
        scorer=LEEPScorer,
        description="log expected empirical prediction (Nguyen et al. 2020)",
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
    )
)
register_metric(
    Metric(
        name="gbc",
        input="features",
        score=gbc_score,
        scorer=GBCScorer,
        description="GBC, diagonal Gaussian class overlap (Pandy et al. 2022)",
    )
)
register_metric(
    Metric(
        name="gbc_spherical",
        input="features",
        score=lambda X, y: gbc_score(X, y, gaussian="spherical"),
        scorer=lambda: GBCScorer(gaussian="spherical"),
        description="GBC, spherical Gaussian class overlap (Pandy et al. 2022)",
    )
)
