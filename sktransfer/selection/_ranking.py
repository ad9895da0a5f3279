"""Rank sources from their outputs on the target samples, without estimators."""

from numbers import Integral

from sktransfer._compat import Interval, validate_params
from sktransfer._limits import check_candidates
from sktransfer._optional import import_optional
from sktransfer.metrics import resolve_metric
from sktransfer.selection._base import check_target
from sktransfer.selection._candidates import (
    check_names,
    check_outputs,
    ranking_table,
    score_callable,
    score_outputs,
)


@validate_params(
    {
        "sources_features": [dict],
        "y": ["array-like"],
        "scoring": [str, callable],
        "max_order": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def rank_sources(
    sources_features, y, *, scoring="h_score", max_order=1, n_jobs=None, as_frame=False
):
    """Rank sources (and combinations of them) by transferability to a target task.

    For users who already hold each source's output on the target samples
    (features of a pretrained model or layer, or a source classifier's
    predictions), without estimators. Every source, and every combination of
    up to ``max_order`` sources on their concatenated outputs, is scored and
    the candidates are ranked best first.

    Parameters
    ----------
    sources_features : dict of str to array-like
        The output of each named source on the target samples, one row per
        sample: a feature matrix of shape (n_samples, n_features) for a
        metric of features, a label vector of shape (n_samples,) for a metric
        of labels (``"neg_conditional_entropy"``), or class probabilities of
        shape (n_samples, n_source_classes). Names must be distinct and must
        not contain ``"+"``, which joins the names of a combination.
    y : array-like of shape (n_samples,)
        Class labels of the target task.
    scoring : str or callable, default="h_score"
        The name of a registered metric (see
        :func:`~sktransfer.metrics.get_scorer_names`), or a callable
        ``scoring(output, y) -> float``, greater is better, which receives a
        source's output as given and a combination's outputs side by side.
    max_order : int, default=1
        Also score every combination of up to this many sources on their
        concatenated outputs (joint labels for a metric of labels). The
        candidates are counted first, and more than 1,000,000 are refused (a
        ``ValueError`` naming the count).
    n_jobs : int, default=None
        Number of jobs scoring sources in parallel (threads unless a joblib
        backend is configured). ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` uses all processors.
    as_frame : bool, default=False
        Return a :class:`pandas.DataFrame` instead of a dict of arrays (needs
        pandas: ``pip install "sktransfer[pandas]"``).

    Returns
    -------
    table : dict of ndarray or pandas.DataFrame
        One row per candidate, best first, with the columns ``"source"`` (the
        candidate's name; a combination joins its sources' names with
        ``"+"``), ``"score"``, ``"rank"`` (1 for the best; ties keep the
        candidates' order, single sources first) and ``"order"`` (the number
        of sources in the candidate).

    See Also
    --------
    SourceSelector : Fit the sources, rank them and keep the best in a
        pipeline.
    ColumnGroupSelector : Rank groups of columns of X and keep the best.
    sktransfer.metrics.h_score : The default metric.

    Notes
    -----
    Selecting a source by its score is Definition 4 of Bao et al. (2019): the
    source task whose features transfer best to the target maximises the
    H-score, since the normalising term of the transferability is common to
    all sources. Combinations (their Sec. 4.2, higher-order transfer) are
    scored on the sources' features side by side; for metrics of the
    engine's statistics the data are read once for all combinations (see
    :func:`~sktransfer.metrics.score_combinations`). Labels of a
    combination are the joint labels of its sources. Class probabilities do
    not concatenate, so metrics of probabilities take ``max_order=1``. The
    plain H-score of a combination is never below that of its sources, so
    compare candidates of one ``"order"``, or use ``"regularized_h_score"``.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.selection import rank_sources
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 300)
    >>> features = {
    ...     "noise": rng.standard_normal((300, 4)),
    ...     "signal": rng.standard_normal((300, 4)) + np.eye(3, 4)[y],
    ... }
    >>> table = rank_sources(features, y)
    >>> table["source"], table["score"].round(3)
    (array(['signal', 'noise'], dtype=object), array([0.477, 0.016]))
    >>> rank_sources(features, y, max_order=2)["source"]
    array(['noise+signal', 'signal', 'noise'], dtype=object)
    """
    names = list(sources_features)
    check_names(names, argument="sources_features")
    check_candidates(len(names), max_order)
    y = check_target(y)
    outputs = list(sources_features.values())
    if callable(scoring):
        scores = score_callable(scoring, outputs, y, max_order, n_jobs)
    else:
        metric = resolve_metric(scoring, argument="scoring")
        outputs = check_outputs(outputs, names, metric.input, y.shape[0])
        scores = score_outputs(outputs, names, y, metric, max_order, n_jobs)
    table, _ = ranking_table(names, scores)
    if as_frame:
        pd = import_optional(
            "pandas", extra="pandas", purpose="rank_sources(..., as_frame=True)"
        )
        return pd.DataFrame(table)
    return table
