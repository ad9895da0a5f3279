"""sktransfer: how well will a representation or a source task transfer?

Scores computed from data alone, without fine-tuning, for scikit-learn users.
"""

from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics import (
    ConditionalEntropyScorer,
    HScoreScorer,
    conditional_entropy,
    h_score,
    normalized_h_score,
    task_hardness,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "ConditionalEntropyScorer",
    "FewSamplesWarning",
    "HScoreScorer",
    "conditional_entropy",
    "h_score",
    "normalized_h_score",
    "task_hardness",
]
