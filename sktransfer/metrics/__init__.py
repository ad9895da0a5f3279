"""Transferability metrics: plain functions of features and labels, and scorers.

Functions take features first, ``metric(X, y)``; label-only metrics take the
target labels first, ``metric(y, z)``. Scorers wrap them for scikit-learn's
``scoring=``.
"""

from sktransfer.metrics._entropy import conditional_entropy, task_hardness
from sktransfer.metrics._hscore import h_score
from sktransfer.metrics._optimal import (
    ace,
    divergence_transition_matrix,
    normalized_h_score,
    optimal_h_score,
)
from sktransfer.metrics._registry import (
    Metric,
    get_metric,
    get_scorer,
    get_scorer_names,
    register_metric,
)
from sktransfer.metrics._scorer import ConditionalEntropyScorer, HScoreScorer

__all__ = [
    "ConditionalEntropyScorer",
    "HScoreScorer",
    "Metric",
    "ace",
    "conditional_entropy",
    "divergence_transition_matrix",
    "get_metric",
    "get_scorer",
    "get_scorer_names",
    "h_score",
    "normalized_h_score",
    "optimal_h_score",
    "register_metric",
    "task_hardness",
]
