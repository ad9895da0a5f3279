"""sktransfer: how well will a representation or a source task transfer?

Scores computed from data alone, without fine-tuning, for scikit-learn users.
"""

from sktransfer.curriculum import CurriculumBuilder, transferability_matrix
from sktransfer.exceptions import FewSamplesWarning, PrecisionError
from sktransfer.metrics import (
    ConditionalEntropyScorer,
    FeatureStatistics,
    GBCScorer,
    HScoreScorer,
    LabelStatistics,
    LEEPScorer,
    LogMEScorer,
    NormalizedHScoreScorer,
    ProbabilityStatistics,
    TransferClassifier,
    TransRateScorer,
    conditional_entropy,
    gbc_score,
    h_score,
    leep_score,
    logme_score,
    normalized_h_score,
    pixelwise_h_score,
    task_hardness,
    transrate_score,
)
from sktransfer.selection import ColumnGroupSelector, SourceSelector, rank_sources

__version__ = "0.1.0.dev0"

__all__ = [
    "ColumnGroupSelector",
    "ConditionalEntropyScorer",
    "CurriculumBuilder",
    "FeatureStatistics",
    "FewSamplesWarning",
    "GBCScorer",
    "HScoreScorer",
    "LEEPScorer",
    "LabelStatistics",
    "LogMEScorer",
    "NormalizedHScoreScorer",
    "PrecisionError",
    "ProbabilityStatistics",
    "SourceSelector",
    "TransRateScorer",
    "TransferClassifier",
    "conditional_entropy",
    "gbc_score",
    "h_score",
    "leep_score",
    "logme_score",
    "normalized_h_score",
    "pixelwise_h_score",
    "rank_sources",
    "task_hardness",
    "transferability_matrix",
    "transrate_score",
]
