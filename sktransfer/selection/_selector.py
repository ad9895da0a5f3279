"""SourceSelector: keep the estimator sources that transfer best to the target."""

import numpy as np
from sklearn.base import MetaEstimatorMixin, TransformerMixin
from sklearn.utils import get_tags
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sktransfer._compat import BaseComposition, fit_context
from sktransfer._limits import check_candidates
from sktransfer.selection._base import CandidateRankingMixin, check_target
from sktransfer.selection._candidates import concatenate
from sktransfer.selection._sources import (
    Concatenation,
    check_row_counts,
    fit_sources,
    is_dropped,
    is_estimator,
    parse_sources,
    source_feature_names,
    transform_or_proba,
)


class SourceSelector(
    TransformerMixin, MetaEstimatorMixin, CandidateRankingMixin, BaseComposition
):
    """Rank candidate sources by transferability and pass on the best ones' features.

    A transformer for the first step of a pipeline when several sources of
    features could serve a target task: pretrained feature extractors, layers
    of one network, fitted transformers, or classifiers of source tasks.
    ``fit`` scores every source on the target data (and, with
    ``max_order`` above 1, every combination of sources on their features side
    by side), ranks the candidates and keeps the ``n_select`` best;
    ``transform`` returns the kept sources' features concatenated.

    Parameters
    ----------
    sources : list of (str, estimator) tuples
        The candidate sources, by name: transformers, or classifiers for
        metrics of labels or probabilities. An estimator is cloned and fitted
        on the target data, in parallel with the others, unless it is wrapped
        in :class:`~sklearn.frozen.FrozenEstimator`, which marks a prefit
        source that is never refitted. A source set to ``"drop"`` or None is
        left out, as in scikit-learn's compositions (``set_params`` can
        switch one off by its name). Names must be distinct and contain
        neither ``"__"`` nor ``"+"``. For groups of columns of X, use
        :class:`ColumnGroupSelector`.
    scoring : str or callable, default="h_score"
        How a candidate is scored, greater is better: the name of a
        registered metric (see :func:`~sktransfer.metrics.get_scorer_names`;
        a metric of ``"labels"`` or ``"probabilities"`` reads classifier
        sources through ``predict`` or ``predict_proba``), or a scorer
        callable ``scorer(estimator, X, y)`` such as
        :class:`~sktransfer.HScoreScorer`, which receives a source (a
        combination as one transformer concatenating its sources' features)
        and X.
    n_select : int, default=1
        Number of best candidates to keep. At most the number of candidates.
    max_order : int, default=1
        Also score every combination of up to this many sources, on their
        features side by side (joint labels for a metric of labels). The
        candidates are counted before any source is fitted, and more than
        1,000,000 are refused (a ``ValueError`` naming the count).
    n_jobs : int, default=None
        Number of jobs fitting sources and scoring candidates in parallel.
        ``None`` means 1 unless in a :func:`joblib.parallel_config` context;
        ``-1`` uses all processors.
    verbose : int, default=0
        Verbosity of the parallel fitting.

    Attributes
    ----------
    sources_ : list of (str, estimator) tuples
        The fitted sources (the frozen ones as given), without those left
        out.
    scores_ : dict of str to float
        The score of every candidate; a combination is named by its sources'
        names joined with ``"+"``, e.g. ``"resnet+vit"``.
    ranking_ : list of str
        The candidates' names, best first.
    ranking_table_ : dict of ndarray or DataFrame
        One row per candidate, best first: ``"source"`` (its name),
        ``"score"``, ``"rank"`` (1 for the best; ties keep single sources
        first, then the sources' order) and ``"order"`` (its number of
        sources). A DataFrame when the transform output is pandas (see
        :meth:`set_output`), a dict of equal-length arrays otherwise.
    selected_ : list of str
        The names of the ``n_select`` best candidates.
    selected_sources_ : list of str
        The sources in the selected candidates, in the order of ``sources``:
        the ones whose features :meth:`transform` concatenates.
    n_features_in_ : int
        Number of features seen during fit (only when X has a shape).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    ColumnGroupSelector : The same ranking over groups of columns of X.
    rank_sources : The same ranking from outputs already computed.
    sktransfer.HScoreScorer : Scores one representation in cross-validation.
    sklearn.pipeline.FeatureUnion : Concatenates all sources, unranked.

    Notes
    -----
    Choosing the source task whose features transfer best is Definition 4 of
    Bao et al. (2019): with the H-score ``H(f) = tr(cov(f)^+ cov(E[f|y]))``
    the source maximising the transferability ``H(f_S) / H(f_opt)`` is the one
    maximising ``H(f_S)``, since the denominator is common to all sources.
    Their Sec. 4.2 scores higher-order transfer, combinations of sources, on
    concatenated features; for the H-score and other metrics of the engine's
    statistics, all combinations are scored from one pass over the sources'
    features side by side, without concatenating them per combination. The
    plain H-score of a combination is never below that of any of its
    sources (more features explain at least as much), so with ``max_order``
    above 1 combinations lead the ranking; compare candidates of one size
    (the ``"order"`` column of :attr:`ranking_table_`). The regularised
    H-score (``"regularized_h_score"``) inflates less with dimension but
    does not remove the advantage.

    Sources fitted here are fitted and scored on the same samples, which
    favours flexible sources; cross-validate the selector (or freeze sources
    fitted elsewhere) for an honest comparison. There is no ``prefit``
    flag: cloning, which :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_val_score` do, would silently drop
    a prefit source's fit, while a ``FrozenEstimator`` survives it.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.random_projection import GaussianRandomProjection
    >>> from sktransfer import SourceSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> selector = SourceSelector(
    ...     [
    ...         ("pca", PCA(8, random_state=0)),
    ...         ("projection", GaussianRandomProjection(8, random_state=0)),
    ...     ]
    ... )
    >>> pipe = make_pipeline(selector, StandardScaler(), LogisticRegression())
    >>> pipe = pipe.fit(X, y)
    >>> {name: round(score, 2) for name, score in selector.scores_.items()}
    {'pca': 4.06, 'projection': 2.32}
    >>> selector.selected_
    ['pca']
    >>> selector.get_feature_names_out()[:3]
    array(['pca__pca0', 'pca__pca1', 'pca__pca2'], dtype=object)
    >>> selector.set_params(max_order=2).fit(X, y).ranking_table_["source"]
    array(['pca+projection', 'pca', 'projection'], dtype=object)
    >>> selector.set_params(projection="drop").fit(X, y).ranking_
    ['pca']
    """

    _parameter_constraints: dict = {
        "sources": [list],
        **CandidateRankingMixin._ranking_constraints,
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        sources,
        *,
        scoring="h_score",
        n_select=1,
        max_order=1,
        n_jobs=None,
        verbose=0,
    ):
        self.sources = sources
        self.scoring = scoring
        self.n_select = n_select
        self.max_order = max_order
        self.n_jobs = n_jobs
        self.verbose = verbose

    def get_params(self, deep=True):
        """Get the parameters of this selector, and of its sources with ``deep``.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of the source estimators, as
            ``<source name>__<parameter>``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return self._get_params("sources", deep=deep)

    def set_params(self, **params):
        """Set the parameters of this selector or of its sources.

        Parameters
        ----------
        **params : keyword arguments
            Parameters of the selector, a source by its name (to replace it),
            or ``<source name>__<parameter>``.

        Returns
        -------
        self : SourceSelector
            This selector.
        """
        self._set_params("sources", **params)
        return self

    def _estimators(self):
        """The estimator sources (those of well-formed pairs; fit checks the rest)."""
        if not isinstance(self.sources, list):
            return []
        return [
            item[1]
            for item in self.sources
            if isinstance(item, tuple | list) and len(item) == 2
            if is_estimator(item[1]) and not is_dropped(item[1])
        ]

    def fit(self, X, y):
        """Score every candidate on the target data and select the best.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The target samples, as the sources take them (numbers, text,
            ...).
        y : array-like of shape (n_samples,)
            Class labels of the target task.

        Returns
        -------
        self : SourceSelector
            The fitted selector.
        """
        self._fit(X, y, transform=False)
        return self

    def fit_transform(self, X, y=None):
        """Fit, then return the selected sources' features on X.

        Features computed during fit are reused rather than recomputed.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The target samples.
        y : array-like of shape (n_samples,)
            Class labels of the target task.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_new)
            The selected sources' features, side by side.
        """
        return self._fit(X, y, transform=True)

    @fit_context(prefer_skip_nested_validation=False)
    def _fit(self, X, y, *, transform):
        """Fit; with ``transform``, return the selected sources' features."""
        metric = self._metric()
        X, y = validate_data(self, X, y, skip_check_array=True)
        check_consistent_length(X, y)
        # NaN, None and no labels at all in y are reported by check_target,
        # naming y.
        check_array(
            y,
            ensure_2d=False,
            dtype=None,
            ensure_all_finite=False,
            ensure_min_samples=0,
        )
        y = check_target(y)
        names, estimators = parse_sources(self.sources, self.get_params(deep=False))
        check_candidates(len(names), self.max_order)  # before fitting any
        kind = None if metric is None else metric.input
        estimators, outputs = fit_sources(
            names,
            estimators,
            X,
            y,
            kind,
            self.n_jobs,
            self.verbose,
            scoring=None if metric is None else metric.name,
        )
        check_row_counts(names, outputs, y.shape[0])
        sources = list(zip(names, estimators, strict=True))

        def candidate(combination):
            if len(combination) == 1:
                return sources[combination[0]][1]
            return Concatenation([sources[g] for g in combination])

        chosen, outputs = self._rank(
            names, outputs, y, metric, candidate=candidate, X=X
        )
        self.sources_ = sources
        self.selected_sources_ = [names[g] for g in chosen]
        self._widths = {}
        if kind == "features":
            self._widths = {
                name: output.shape[1]
                for name, output in zip(names, outputs, strict=True)
            }
        if not transform:
            return None
        if kind == "features":
            return concatenate([outputs[g] for g in chosen])
        return self._transform(X)

    def transform(self, X):
        """The selected sources' features on X, side by side.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Samples, as the sources take them.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_new)
            The features of :attr:`selected_sources_`, in that order: a
            source's ``transform``, or a classifier's ``predict_proba``.
        """
        check_is_fitted(self)
        # The sources check X themselves, as in a FeatureUnion: they know what
        # input they take (numbers, text, ...).
        return self._transform(X)

    def _transform(self, X):
        selected = [s for s in self.sources_ if s[0] in self.selected_sources_]
        return concatenate([transform_or_proba(n, e, X) for n, e in selected])

    def get_feature_names_out(self, input_features=None):
        """Names of the features :meth:`transform` returns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Unused: the names come from the sources. Present for API
            consistency.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``<source>__<feature>`` for each selected source's features.
        """
        check_is_fitted(self)
        selected = [s for s in self.sources_ if s[0] in self.selected_sources_]
        return np.asarray(
            [
                feature
                for name, estimator in selected
                for feature in source_feature_names(
                    name, estimator, self._widths.get(name)
                )
            ],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        source_tags = [get_tags(obj) for obj in self._estimators()]
        tags.input_tags.sparse = all(t.input_tags.sparse for t in source_tags)
        preserved = None
        for t in source_tags:
            kept = t.transformer_tags.preserves_dtype if t.transformer_tags else []
            preserved = (
                kept if preserved is None else [d for d in preserved if d in kept]
            )
        tags.transformer_tags.preserves_dtype = preserved or []
        return tags
