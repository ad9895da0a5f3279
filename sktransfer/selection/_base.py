"""What the two selectors share: the target check, scoring and ranking.

:class:`~sktransfer.SourceSelector` (estimator sources) and
:class:`~sktransfer.ColumnGroupSelector` (groups of columns of X) differ in
what a source is and what ``transform`` returns. Both reduce a fit to named
outputs on the target samples, candidates of up to ``max_order`` of them,
their scores and a ranking, which this mixin computes once for both, with the
functions of ``_candidates`` that :func:`~sktransfer.selection.rank_sources`
also uses.
"""

from numbers import Integral

from sklearn.utils.parallel import delayed
from sklearn.utils.validation import check_is_fitted

from sktransfer._compat import Interval, output_container
from sktransfer._parallel import threaded
from sktransfer._validation import encode_labels, label_array, label_value
from sktransfer.metrics import resolve_metric
from sktransfer.selection._candidates import (
    SEPARATOR,
    check_n_select,
    check_names,
    check_outputs,
    combinations,
    ranking_table,
    score_outputs,
)


def check_target(y):
    """The target labels as one column, refused with a single class."""
    classes, _ = encode_labels(y)
    if classes[0].size < 2:
        raise ValueError(
            f"y has only one class ({label_value(classes[0][0])!r}); ranking "
            "sources needs a target with at least two classes"
        )
    return label_array(y).reshape(-1)


def named_pairs(items, *, argument, kinds):
    """Names and objects of a list of (name, object) pairs, checked.

    ``kinds`` says what the pairs hold, for the messages:
    ``"(name, transformer)"``, say.
    """
    if len(items) == 0:
        raise ValueError(
            f"{argument} is an empty list; pass {kinds} pairs to score and rank"
        )
    for item in items:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValueError(
                f"{argument} must be a list of {kinds} pairs; got {item!r}"
            )
    names = [name for name, _ in items]
    check_names(names, argument=argument)
    return names, [obj for _, obj in items]


class CandidateRankingMixin:
    """Scores and ranks candidates of named sources; sets the fitted ranking.

    The estimator has the parameters ``scoring``, ``n_select``, ``max_order``
    and ``n_jobs``, whose constraints are :attr:`_ranking_constraints`.
    """

    _ranking_constraints: dict = {
        "scoring": [str, callable],
        "n_select": [Interval(Integral, 1, None, closed="left")],
        "max_order": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def _metric(self):
        """The registered metric named by ``scoring``; None for a callable."""
        return (
            None
            if callable(self.scoring)
            else resolve_metric(self.scoring, argument="scoring")
        )

    def _rank(self, names, outputs, y, metric, *, candidate, X):
        """Score every candidate of the named sources and rank them.

        ``outputs`` are the sources' outputs on X, read by ``metric``; with a
        scorer callable (``metric`` None), ``candidate(combination)`` is the
        estimator it is given, with X. Sets ``scores_``, ``ranking_`` and
        ``selected_``. Returns the indices of the sources in the selected
        candidates, in the sources' order, and the outputs as the metric read
        them (checked; as given with a callable).
        """
        candidates = combinations(len(names), self.max_order)
        check_n_select(self.n_select, len(candidates), len(names), self.max_order)
        if metric is not None:
            n_samples = y.shape[0]
            outputs = check_outputs(outputs, names, metric.input, n_samples)
            scores = score_outputs(
                outputs, names, y, metric, self.max_order, self.n_jobs
            )
        else:
            scores = threaded(
                (delayed(self.scoring)(candidate(c), X, y) for c in candidates),
                self.n_jobs,
            )
            scores = dict(zip(candidates, map(float, scores), strict=True))
        self._ranking_table, ranked = ranking_table(names, scores)
        self.scores_ = {
            SEPARATOR.join(names[g] for g in c): float(s) for c, s in scores.items()
        }
        self.ranking_ = list(self._ranking_table["source"])
        self.selected_ = self.ranking_[: self.n_select]
        return sorted(set().union(*ranked[: self.n_select])), outputs

    @property
    def ranking_table_(self):
        """Every candidate, its score and rank, best first (see Attributes)."""
        check_is_fitted(self)
        container = output_container(self)
        if container == "pandas":
            import pandas as pd

            return pd.DataFrame(self._ranking_table)
        if container == "polars":
            import polars as pl

            return pl.DataFrame(self._ranking_table)
        return dict(self._ranking_table)
