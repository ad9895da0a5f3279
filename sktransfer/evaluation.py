"""Checking transferability scores against measured transfer.

A metric is only as good as its agreement with what transfer actually achieves.
:func:`measured_transfer` measures it: the held-out accuracy and log-loss of a
classifier retrained on each source's features (a linear probe by default).
:func:`rank_agreement` says how well a metric's scores of the sources agree with
those measurements.
"""

from collections.abc import Mapping
from numbers import Integral

import numpy as np
from scipy.stats import pearsonr, rankdata, spearmanr, weightedtau
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.parallel import Parallel, delayed

from sktransfer._compat import HasMethods, validate_params
from sktransfer._validation import check_features, check_two_classes, encode_labels

__all__ = ["measured_transfer", "rank_agreement"]


@validate_params(
    {
        "features_by_source": [Mapping, list, tuple],
        "y": ["array-like"],
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=False,
)
def measured_transfer(features_by_source, y, *, estimator=None, cv=5, n_jobs=None):
    """Held-out accuracy and log-loss of a classifier retrained on each source.

    The measured side of a transferability benchmark: for each source, a
    classifier (by default a linear probe, a standardised logistic
    regression) is trained on the source's features of the target samples
    and evaluated on held-out folds, as in the experiments of the H-score
    and conditional-entropy papers.

    Parameters
    ----------
    features_by_source : dict of str to array-like, or list of array-like
        The features each source produces for the same target samples, each
        of shape (n_samples, n_features_of_that_source); a list is named
        ``"0"``, ``"1"``, ...
    y : array-like of shape (n_samples,)
        Target labels.
    estimator : classifier, default=None
        The classifier retrained on each source, cloned for every fold; it
        needs ``predict_proba`` for the log-loss. ``None`` uses
        ``make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))``.
    cv : int, cross-validation generator or iterable, default=5
        Splitting strategy, as in :func:`~sklearn.model_selection.cross_validate`;
        an int gives stratified folds without shuffling. Every source is
        evaluated on the same folds.
    n_jobs : int, default=None
        Number of sources evaluated in parallel by joblib; ``None`` means 1
        unless in a :func:`joblib.parallel_backend` context, ``-1`` means all
        processors.

    Returns
    -------
    result : dict
        A table, one entry per source in the input order (``pandas.DataFrame
        (result)`` turns it into a data frame):

        - ``"source"``: list of str, the names of the sources;
        - ``"accuracy"``: ndarray of shape (n_sources,), the mean held-out
          accuracy over the folds;
        - ``"log_loss"``: ndarray of shape (n_sources,), the mean held-out
          log-loss (natural logarithm), lower is better.

    See Also
    --------
    rank_agreement : Agreement of a metric's scores with these measurements.

    Notes
    -----
    The features are those of frozen sources: nothing but the classifier on
    top of them is trained, so the measurements compare representations, as
    transferability metrics do. Parallelism is over sources, not folds.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sktransfer.evaluation import measured_transfer
    >>> X, y = load_iris(return_X_y=True)
    >>> result = measured_transfer({"all": X, "sepals": X[:, :2]}, y, cv=3)
    >>> result["source"]
    ['all', 'sepals']
    >>> result["accuracy"].round(3)
    array([0.967, 0.813])
    """
    names, matrices = _named_sources(features_by_source)
    (classes,), codes = encode_labels(y, name="y")
    check_two_classes(classes, "a classifier needs at least two classes")
    # The classifier reads the codes, in the order of the sorted classes: the
    # same folds and scores, whatever the labels' type (objects, huge integers).
    y = codes[:, 0]
    for name, F in zip(names, matrices, strict=True):
        if F.shape[0] != y.shape[0]:
            raise ValueError(
                f"features_by_source[{name!r}] has {F.shape[0]} rows but y has "
                f"{y.shape[0]} labels; every source must describe the same samples"
            )
    if estimator is None:
        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = _folds(cv, y, classes.size, is_classifier(estimator))
    results = Parallel(n_jobs=n_jobs)(
        delayed(cross_validate)(
            clone(estimator),
            F,
            y,
            cv=folds,
            scoring={"accuracy": "accuracy", "log_loss": "neg_log_loss"},
            error_score="raise",
        )
        for F in matrices
    )
    return {
        "source": names,
        "accuracy": np.array([r["test_accuracy"].mean() for r in results]),
        "log_loss": np.array([-r["test_log_loss"].mean() for r in results]),
    }


def _folds(cv, codes, n_classes, classifier):
    """One fixed list of folds, so that every source is tested on the same
    samples; each training part must hold every class for the log-loss."""
    try:
        folds = list(check_cv(cv, codes, classifier=classifier).split(codes, codes))
    except ValueError as exc:
        raise ValueError(f"cv={cv!r} cannot split the samples of y: {exc}") from None
    for train, _ in folds:
        seen = np.unique(codes[train]).size
        if seen < n_classes:
            counts = np.bincount(codes, minlength=n_classes)
            raise ValueError(
                f"a training fold of cv={cv!r} lacks {n_classes - seen} of the "
                f"{n_classes} classes of y (the rarest has {counts.min()} "
                "sample(s)); the held-out log-loss needs every class in training. "
                "Use fewer folds, or drop the rare classes"
            )
    return folds


def _named_sources(features_by_source):
    if isinstance(features_by_source, Mapping):
        names = [str(name) for name in features_by_source]
        values = list(features_by_source.values())
    else:
        names = [str(i) for i in range(len(features_by_source))]
        values = list(features_by_source)
    if not values:
        raise ValueError("features_by_source is empty; pass at least one source")
    # Finite too: the whole of each matrix goes to the classifier.
    matrices = [
        check_features(F, name=f"features_by_source[{name!r}]", finite=True)
        for name, F in zip(names, values, strict=True)
    ]
    return names, matrices


@validate_params(
    {"scores": ["array-like"], "measured": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def rank_agreement(scores, measured):
    r"""Agreement between a metric's scores of sources and their measured transfer.

    Parameters
    ----------
    scores : array-like of shape (n_sources,)
        A transferability score of each source, greater meaning better.
    measured : array-like of shape (n_sources,)
        The measured transfer of the same sources, greater meaning better
        (e.g. held-out accuracy; pass the negative of a log-loss).

    Returns
    -------
    agreement : dict of str to float
        - ``"pearson"``: Pearson's linear correlation;
        - ``"spearman"``: Spearman's rank correlation;
        - ``"weighted_kendall_tau"``: Vigna's weighted Kendall tau
          (:func:`scipy.stats.weightedtau` with its defaults), the usual
          figure in the transferability literature, which weighs agreement
          among the top-ranked sources most;
        - ``"dcg"``: the discounted cumulative gain of the metric's ranking,
          with the measured ranks as relevance (see Notes);
        - ``"ndcg"``: that gain divided by the gain of the measured ranking
          itself, in ``[0, 1]``, 1 when the two rankings agree.

        The three correlations lie in ``[-1, 1]``; 1 means perfect agreement.
        They are NaN when either input is constant.

    See Also
    --------
    measured_transfer : Measure the transfer of each source.

    Notes
    -----
    The discounted cumulative gain is the ranking criterion of the H-score
    paper (Bao et al. 2019, Sec. 4), which weighs the top of the ranking
    most. Sources are placed at positions ``p = 1, ..., n`` by decreasing
    score; the relevance of source ``s`` is its rank by measured transfer
    counted from the bottom, ``rel_s = rank(measured)_s - 1`` (0 for the worst
    source, ``n - 1`` for the best; tied measurements share the average rank).
    Then

    .. math::

        \mathrm{DCG} = \sum_{p=1}^n \frac{\mathrm{rel}_{s(p)}}{\log_2(p + 1)},

    where ``s(p)`` is the source at position ``p``; sources with tied scores
    share the mean discount of the positions they occupy, so the order among
    them does not matter. ``NDCG`` divides by the DCG of the sources ordered
    by ``measured`` itself.

    Examples
    --------
    >>> from sktransfer.evaluation import rank_agreement
    >>> accuracy = [0.60, 0.72, 0.70, 0.95]
    >>> agreement = rank_agreement([0.1, 0.5, 0.3, 0.9], accuracy)
    >>> agreement["spearman"], agreement["ndcg"]
    (1.0, 1.0)
    >>> reversed_ranking = rank_agreement([0.9, 0.5, 0.3, 0.1], accuracy)
    >>> round(reversed_ranking["spearman"], 4), round(reversed_ranking["ndcg"], 4)
    (-0.8, 0.6413)
    """
    scores = _check_values(scores, "scores")
    measured = _check_values(measured, "measured")
    if scores.shape != measured.shape:
        raise ValueError(
            f"scores has {scores.shape[0]} values but measured has "
            f"{measured.shape[0]}; they must rate the same sources, in the same order"
        )
    constant = np.ptp(scores) == 0 or np.ptp(measured) == 0
    if constant:
        pearson = spearman = tau = np.nan
    else:
        # [0] reads the result objects of recent SciPy and older tuples alike.
        pearson = pearsonr(scores, measured)[0]
        spearman = spearmanr(scores, measured)[0]
        tau = weightedtau(scores, measured)[0]
    relevance = rankdata(measured) - 1.0
    dcg = _dcg(relevance, scores)
    ideal = _dcg(relevance, measured)
    return {
        "pearson": float(pearson),
        "spearman": float(spearman),
        "weighted_kendall_tau": float(tau),
        "dcg": dcg,
        "ndcg": dcg / ideal if ideal > 0 else np.nan,
    }


def _dcg(relevance, order_by):
    """DCG of ``relevance`` placed by decreasing ``order_by``, ties averaged."""
    discounts = 1.0 / np.log2(np.arange(2, relevance.shape[0] + 2))
    # Positions 1..n by decreasing order_by; a group of ties occupying
    # positions a..b gives each member the mean discount over a..b.
    _, inverse, counts = np.unique(-order_by, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    group_discount = np.add.reduceat(discounts, ends - counts) / counts
    return float(np.sum(relevance * group_discount[inverse]))


def _check_values(values, name):
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D sequence of numbers") from None
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_sources,); got shape {values.shape}")
    if values.shape[0] < 2:
        raise ValueError(
            f"{name} has {values.shape[0]} value(s); agreement needs at least two "
            "sources"
        )
    if not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinity; every source needs a value")
    return values
