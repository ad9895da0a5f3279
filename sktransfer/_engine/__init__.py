"""The engine: every mergeable state the metrics are functions of.

One job a module:

* ``_chunks``: the one bound on scratch memory per chunk of a pass;
* ``_moments``: feature moments (:class:`SufficientStatistics`,
  :class:`BlockStatistics`; the Gram and QR routes; the certificate);
* ``_dual``: the dual route for wide data (:class:`DualStatistics`,
  :func:`statistics_of`, the entry point of the metrics of features);
* ``_tables``: hard and soft contingency tables and the entropies of a table;
* ``_class_moments``: per-class counts, means and variances, and their merge;
* ``_accumulators``: the accumulation half of the streaming classes (label
  alignment across chunks, ``partial_fit``, ``merge``);
* ``_dask``: one reduction of any accumulator over the row blocks of Dask
  arrays.

Modules of the engine import each other by module; the rest of the package
imports the names re-exported here.
"""

from sktransfer._engine._accumulators import (
    FeatureAccumulator,
    LabelAccumulator,
    ProbabilityAccumulator,
    check_classes_seen,
    check_fitted,
)
from sktransfer._engine._chunks import CHUNK_BYTES
from sktransfer._engine._class_moments import class_moments, merge_class_moments
from sktransfer._engine._dask import (
    as_dask_array,
    certified_feature_score,
    is_dask_collection,
    reduce_blocks,
)
from sktransfer._engine._dual import DUAL_ROUTES, DualStatistics, statistics_of
from sktransfer._engine._moments import (
    ROUTES,
    BlockStatistics,
    SufficientStatistics,
    Uncertified,
    certified,
    factor_spectrum,
    gram_spectrum,
)
from sktransfer._engine._tables import (
    check_probabilities,
    conditional_entropy_of_table,
    contingency_table,
    entropy,
    entropy_sum,
    in_base,
    probability_chunks,
    soft_contingency_table,
)

__all__ = [
    "CHUNK_BYTES",
    "DUAL_ROUTES",
    "ROUTES",
    "BlockStatistics",
    "DualStatistics",
    "FeatureAccumulator",
    "LabelAccumulator",
    "ProbabilityAccumulator",
    "SufficientStatistics",
    "Uncertified",
    "as_dask_array",
    "certified",
    "certified_feature_score",
    "check_classes_seen",
    "check_fitted",
    "class_moments",
    "is_dask_collection",
    "merge_class_moments",
    "reduce_blocks",
    "check_probabilities",
    "conditional_entropy_of_table",
    "contingency_table",
    "entropy",
    "entropy_sum",
    "factor_spectrum",
    "gram_spectrum",
    "in_base",
    "probability_chunks",
    "soft_contingency_table",
    "statistics_of",
]
