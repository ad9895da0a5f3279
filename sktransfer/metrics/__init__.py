"""Transferability metrics: plain functions of features and labels, and scorers.

Functions take features first, ``metric(X, y)``; label-only metrics take the
target labels first, ``metric(y, z)``. Scorers wrap them for scikit-learn's
``scoring=``.
"""

from sktransfer.metrics._combinations import (
    combination_scores as combination_scores,  # for selection and curriculum
)
from sktransfer.metrics._combinations import score_combinations
from sktransfer.metrics._entropy import (
    conditional_entropy,
    soft_conditional_entropy,
    task_hardness,
)
from sktransfer.metrics._entropy import (
    label_entropies as label_entropies,  # for curriculum
)
from sktransfer.metrics._gbc import GBCScorer, gbc_score
from sktransfer.metrics._hscore import h_score
from sktransfer.metrics._leep import LEEPScorer, NLEEPScorer, leep_score, nleep_score
from sktransfer.metrics._logme import LogMEScorer, logme_score
from sktransfer.metrics._optimal import (
    NormalizedHScoreScorer,
    ace,
    divergence_transition_matrix,
    normalized_h_score,
    optimal_h_score,
)
from sktransfer.metrics._pixelwise import pixelwise_h_score
from sktransfer.metrics._registry import (
    Metric,
    get_metric,
    get_scorer,
    get_scorer_names,
    register_metric,
    unregister_metric,
)
from sktransfer.metrics._registry import (
    resolve_metric as resolve_metric,  # for selection and curriculum
)
from sktransfer.metrics._scorer import ConditionalEntropyScorer, HScoreScorer
from sktransfer.metrics._streaming import (
    FeatureStatistics,
    LabelStatistics,
    ProbabilityStatistics,
)
from sktransfer.metrics._transfer_classifier import TransferClassifier
from sktransfer.metrics._transrate import TransRateScorer, transrate_score

__all__ = [
    "ConditionalEntropyScorer",
    "FeatureStatistics",
    "GBCScorer",
    "HScoreScorer",
    "LEEPScorer",
    "LabelStatistics",
    "LogMEScorer",
    "Metric",
    "NLEEPScorer",
    "NormalizedHScoreScorer",
    "ProbabilityStatistics",
    "TransRateScorer",
    "TransferClassifier",
    "ace",
    "conditional_entropy",
    "divergence_transition_matrix",
    "gbc_score",
    "get_metric",
    "get_scorer",
    "get_scorer_names",
    "h_score",
    "leep_score",
    "logme_score",
    "nleep_score",
    "normalized_h_score",
    "optimal_h_score",
    "pixelwise_h_score",
    "register_metric",
    "unregister_metric",
    "score_combinations",
    "soft_conditional_entropy",
    "task_hardness",
    "transrate_score",
]
