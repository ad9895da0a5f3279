"""Streaming accumulators: metrics scored chunk by chunk, with mergeable state.

Each accumulator keeps only the engine's statistics (features) or a contingency
table (labels), aligned by label value as new classes arrive, so that
``partial_fit`` over chunks, joblib workers and Dask blocks all reduce to the
same merge and the same final formula as the in-memory functions. The
accumulation (``partial_fit``, ``merge``) is the engine's
(:mod:`sktransfer._engine._accumulators`); the classes here add the metric a
caller names and the formulas that score the state.
"""

from sktransfer._compat import validate_parameter_constraints
from sktransfer._engine import (
    FeatureAccumulator,
    LabelAccumulator,
    ProbabilityAccumulator,
    check_classes_seen,
    check_fitted,
    in_base,
)
from sktransfer.metrics._entropy import _BASE_CONSTRAINT, conditional_entropy_seen
from sktransfer.metrics._registry import resolve_metric

# The accumulator of each input kind, for the error of a metric of another.
_ACCUMULATORS = {
    "features": "FeatureStatistics",
    "labels": "LabelStatistics",
    "probabilities": "ProbabilityStatistics",
}


def _streaming_metric(metric, input):
    """The registered metric ``metric`` of ``input`` kind that streams."""
    accumulator = _ACCUMULATORS[input]
    validate_parameter_constraints(
        {"metric": [str]}, {"metric": metric}, caller_name=f"{accumulator}.score"
    )
    found = resolve_metric(metric)
    if not found.streams:
        reason = found.cannot_stream or (
            "it is not a function of the statistics engine's state"
        )
        raise ValueError(
            f"metric {found.name!r} cannot be computed by streaming: {reason}"
        )
    return resolve_metric(
        found,
        input,
        hint={
            kind: f"{accumulator} does not accumulate them; use {other}"
            for kind, other in _ACCUMULATORS.items()
        },
    )


class FeatureStatistics(FeatureAccumulator):
    """Accumulate features and class labels chunk by chunk, then score them.

    Holds the engine's sufficient statistics of all chunks seen (sample count,
    mean, the centred scatter, class counts and class means, fourth moments of
    row norms) and, when ``metric`` is a GBC, the per-feature variances of
    each class: memory ``O(n_features^2 + n_classes * n_features)`` however
    many chunks. Classes are discovered as they arrive. :meth:`score` gives
    the value of the in-memory function on all the data for ``"h_score"``,
    ``"regularized_h_score"`` and ``"logme"``, and for ``"gbc"`` and
    ``"gbc_spherical"`` from an accumulator built for one of them.

    Parameters
    ----------
    metric : str, default="h_score"
        The registered metric :meth:`score` computes when given none.
    route : {"gram32", "gram64", "qr"}, default=None
        How the engine forms the scatter of each chunk (see the user guide's
        page on numerical robustness). Statistics of many chunks cannot read
        the data again, so the route is fixed up front: by default the float32
        Gram route for float32 input ("gram64" when ``metric`` is LogME, which
        needs it) and the float64 Gram route otherwise. When the route's
        rounding could move a score by more than its tolerance, :meth:`score`
        raises :class:`~sktransfer.PrecisionError` instead of returning it;
        accumulate again with a more exact route.

    Attributes
    ----------
    n_samples_seen_ : int
        Number of samples accumulated.
    n_features_in_ : int
        Number of features, fixed by the first chunk.
    classes_ : ndarray of shape (n_classes,)
        The sorted classes seen so far.
    statistics_ : SufficientStatistics
        The engine's statistics of all samples seen, with classes in the order
        of ``classes_``.
    class_moments_ : tuple of ndarray
        ``(counts, means, variances)`` of each class's features, of shapes
        ``(n_classes,)``, ``(n_classes, n_features)`` and the same; only when
        ``metric`` is ``"gbc"`` or ``"gbc_spherical"``.

    See Also
    --------
    LabelStatistics : The same for the conditional entropy of two labelings.
    ProbabilityStatistics : The same for a source's class probabilities.
    h_score : The in-memory H-score.

    Notes
    -----
    Chunks are summarised by :meth:`SufficientStatistics.from_data` and merged
    by its pairwise (Chan et al.) update, the class arrays first padded to the
    union of the classes, so the result equals the in-memory function up to
    rounding; the class variances merge by the same update, class by class.
    Metrics that are not functions of these statistics cannot stream and
    :meth:`score` says why: NLEEP (a mixture model) and TransRate (a full
    covariance per class, ``n_classes`` times the memory bound).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.metrics import FeatureStatistics, h_score
    >>> X, y = load_iris(return_X_y=True)
    >>> stats = FeatureStatistics()
    >>> for start in range(0, 150, 40):
    ...     stats = stats.partial_fit(X[start:start + 40], y[start:start + 40])
    >>> round(stats.score(), 4), round(h_score(X, y), 4)
    (1.1919, 1.1919)
    >>> round(stats.score(metric="logme"), 4)
    -0.1601
    """

    def __init__(self, metric="h_score", route=None):
        self.metric = metric
        self.route = route
        self.n_samples_seen_ = 0

    def partial_fit(self, X, y):
        """Add a chunk of samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features of the chunk, of any real dtype.
        y : array-like of shape (n_samples,)
            Class labels of the chunk; classes not seen before are added.

        Returns
        -------
        self : FeatureStatistics
            The accumulator.
        """
        return super().partial_fit(X, y)

    def _keeps_class_moments(self):
        found = self._metric()
        return found is not None and found.class_moments is not None

    def _default_route(self, float32):
        found = self._metric()
        gram32 = found is None or found.gram32
        return "gram32" if float32 and gram32 else "gram64"

    def _metric(self):
        try:
            return resolve_metric(self.metric, "features")
        except ValueError:
            return None  # score() names the problem

    def merge(self, other):
        """The accumulator of the samples of two accumulators, for parallel chunks.

        Parameters
        ----------
        other : FeatureStatistics
            An accumulator of other samples with the same features.

        Returns
        -------
        merged : FeatureStatistics
            A new accumulator; neither input changes.
        """
        return super().merge(other)

    def score(self, metric=None):
        """The metric of all samples seen, as the in-memory function gives it.

        Parameters
        ----------
        metric : str, default=None
            A registered feature metric that streams: one whose
            :class:`Metric` record has a ``statistics`` path (``"h_score"``,
            ``"regularized_h_score"``, ``"logme"``) or a ``class_moments`` path
            (``"gbc"``, from an accumulator built for it). None uses
            :attr:`metric`.

        Returns
        -------
        score : float
            Greater is better.
        """
        found = _streaming_metric(self.metric if metric is None else metric, "features")
        if found.class_moments is not None:
            check_fitted(self)
            if not hasattr(self, "class_moments_"):
                raise ValueError(
                    f"metric {found.name!r} needs the variances of each class, "
                    "which an accumulator gathers only when built for a metric "
                    "that reads them (they cost a second look at each chunk); "
                    f"use FeatureStatistics(metric={found.name!r})"
                )
            check_classes_seen(self, f"{found.name} needs at least two classes")
            return float(found.class_moments(self.class_moments_))
        check_fitted(self)
        check_classes_seen(self, f"{found.name} needs at least two classes")
        return float(found.statistics(self.statistics_)[0])


class LabelStatistics(LabelAccumulator):
    """Accumulate target and source labels chunk by chunk for the conditional entropy.

    Keeps the sparse contingency table of (source label, target label) pair
    counts, with the classes of both tasks discovered as they arrive: memory
    grows with the number of non-empty cells, never with the number of chunks.

    Parameters
    ----------
    metric : str, default="neg_conditional_entropy"
        The registered label metric :meth:`score` computes when given none.

    Attributes
    ----------
    n_samples_seen_ : int
        Number of samples accumulated.
    classes_ : ndarray of shape (n_classes,)
        The sorted target classes seen so far.
    source_classes_ : ndarray of shape (n_source_classes,)
        The sorted source classes seen so far.
    table_ : scipy.sparse.csr_array of shape (n_source_classes, n_classes)
        Pair counts, as :func:`~sktransfer._engine.contingency_table`.

    See Also
    --------
    conditional_entropy : The in-memory conditional entropy.
    FeatureStatistics : The same for metrics of features.

    Examples
    --------
    >>> from sktransfer.metrics import LabelStatistics, conditional_entropy
    >>> stats = LabelStatistics()
    >>> stats = stats.partial_fit([0, 0, 1], ["a", "b", "a"])
    >>> stats = stats.partial_fit([1, 2], ["b", "c"])
    >>> round(stats.conditional_entropy(), 6)
    0.554518
    >>> round(conditional_entropy([0, 0, 1, 1, 2], ["a", "b", "a", "b", "c"]), 6)
    0.554518
    """

    def __init__(self, metric="neg_conditional_entropy"):
        self.metric = metric
        self.n_samples_seen_ = 0

    def partial_fit(self, y, z):
        """Add a chunk of samples.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Target labels of the chunk.
        z : array-like of shape (n_samples,)
            Source labels of the same samples.

        Returns
        -------
        self : LabelStatistics
            The accumulator.
        """
        return super().partial_fit(y, z)

    def merge(self, other):
        """The accumulator of the samples of two accumulators, for parallel chunks.

        Parameters
        ----------
        other : LabelStatistics
            An accumulator of other samples.

        Returns
        -------
        merged : LabelStatistics
            A new accumulator; neither input changes.
        """
        return super().merge(other)

    def conditional_entropy(self, base=None):
        """H(Y|Z) of all samples seen, as :func:`conditional_entropy` gives it.

        Parameters
        ----------
        base : float, default=None
            Base of the logarithm; None gives nats.

        Returns
        -------
        entropy : float
            Lower means a more transferable source.
        """
        return _in_base(conditional_entropy_seen(self), base)

    def score(self, metric=None):
        """The registered label metric of all samples seen; greater is better.

        Parameters
        ----------
        metric : str, default=None
            ``"neg_conditional_entropy"``; None uses :attr:`metric`.

        Returns
        -------
        score : float
            The negative conditional entropy, in nats.
        """
        found = _streaming_metric(self.metric if metric is None else metric, "labels")
        return found.table(self)


class ProbabilityStatistics(ProbabilityAccumulator):
    """Accumulate target labels and source class probabilities chunk by chunk.

    Keeps the soft joint table (sums of source probabilities over the samples
    of each target class), a dense ``n_source_classes x n_classes`` matrix,
    with target classes discovered as they arrive. It gives the soft
    conditional entropy; LEEP cannot stream in one pass (see Notes).

    Parameters
    ----------
    metric : str, default="soft_neg_conditional_entropy"
        The registered metric :meth:`score` computes when given none.

    Attributes
    ----------
    n_samples_seen_ : int
        Number of samples accumulated.
    n_source_classes_ : int
        Number of source classes, fixed by the first chunk.
    classes_ : ndarray of shape (n_classes,)
        The sorted target classes seen so far.
    table_ : ndarray of shape (n_source_classes, n_classes)
        ``table_[z, y]``: the sum of the probability of source class ``z``
        over the samples of target class ``y``.

    See Also
    --------
    soft_conditional_entropy : The in-memory soft conditional entropy.
    LabelStatistics : The same for hard source labels.

    Notes
    -----
    LEEP averages ``log sum_z P(y_i|z) theta_iz`` over the samples, with
    ``P(y|z)`` estimated from all of them: each sample's term needs the whole
    table, so it is not a function of statistics merged in one pass, and
    ``score(metric="leep")`` raises a ValueError saying so.

    Examples
    --------
    >>> from sktransfer.metrics import ProbabilityStatistics
    >>> proba = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]]
    >>> stats = ProbabilityStatistics()
    >>> stats = stats.partial_fit([0, 0], proba[:2]).partial_fit([1, 1], proba[2:])
    >>> round(stats.soft_conditional_entropy(), 4)
    0.4628
    """

    def __init__(self, metric="soft_neg_conditional_entropy"):
        self.metric = metric
        self.n_samples_seen_ = 0

    def partial_fit(self, y, source_proba):
        """Add a chunk of samples.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Target labels of the chunk.
        source_proba : {array-like, sparse matrix} of shape (n_samples, n_z)
            Probabilities of the n_z source classes for the same samples: finite,
            non-negative, rows summing to 1.

        Returns
        -------
        self : ProbabilityStatistics
            The accumulator.
        """
        return super().partial_fit(y, source_proba)

    def merge(self, other):
        """The accumulator of the samples of two accumulators, for parallel chunks.

        Parameters
        ----------
        other : ProbabilityStatistics
            An accumulator of other samples with the same source classes.

        Returns
        -------
        merged : ProbabilityStatistics
            A new accumulator; neither input changes.
        """
        return super().merge(other)

    def soft_conditional_entropy(self, base=None):
        """The soft H(Y|Z), as :func:`soft_conditional_entropy` gives it.

        Parameters
        ----------
        base : float, default=None
            Base of the logarithm; None gives nats.

        Returns
        -------
        entropy : float
            Lower means a more transferable source.
        """
        return _in_base(conditional_entropy_seen(self), base)

    def score(self, metric=None):
        """The registered probability metric of all samples seen; greater is better.

        Parameters
        ----------
        metric : str, default=None
            ``"soft_neg_conditional_entropy"``; None uses :attr:`metric`.
            ``"leep"`` raises a ValueError: it cannot stream in one pass.

        Returns
        -------
        score : float
            The negative soft conditional entropy, in nats.
        """
        found = _streaming_metric(
            self.metric if metric is None else metric, "probabilities"
        )
        return found.table(self)


def _in_base(nats, base):
    validate_parameter_constraints(
        {"base": _BASE_CONSTRAINT}, {"base": base}, caller_name="base"
    )
    return in_base(nats, base)
