"""SourceSelector: keep the sources that transfer best to the target task."""

from numbers import Integral

import numpy as np
from sklearn.base import MetaEstimatorMixin, TransformerMixin, _fit_context
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.parallel import delayed
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sktransfer._limits import check_candidates
from sktransfer._parallel import threaded
from sktransfer._validation import encode_labels, label_array, label_value
from sktransfer.selection._candidates import (
    check_n_select,
    check_outputs,
    combinations,
    concatenate,
    ranking_table,
    resolve_metric,
    score_outputs,
)
from sktransfer.selection._sources import (
    ColumnGroup,
    Concatenation,
    candidate_name,
    check_row_counts,
    fit_sources,
    is_estimator,
    parse_sources,
    resolve_columns,
    source_feature_names,
    source_features,
)


class SourceSelector(TransformerMixin, MetaEstimatorMixin, _BaseComposition):
    """Rank candidate sources by transferability and pass on the best ones' features.

    A transformer for the first step of a pipeline when several sources of
    features could serve a target task: pretrained feature extractors, layers
    of one network, fitted transformers, or groups of columns of one wide
    table. ``fit`` scores every source on the target data (and, with
    ``max_order`` above 1, every combination of sources on their features side
    by side), ranks the candidates and keeps the ``n_select`` best;
    ``transform`` returns the kept sources' features concatenated.

    Parameters
    ----------
    sources : list of (str, estimator) or (str, columns) tuples, default=None
        The candidate sources, by name. Either estimators: transformers, or
        classifiers for metrics of labels or probabilities. An estimator is
        cloned and fitted on the target data, in parallel with the others,
        unless it is wrapped in :class:`~sklearn.frozen.FrozenEstimator`,
        which marks a prefit source that is never refitted. Or groups of
        columns of X: a column index, a list of indices, a slice, a boolean
        mask, or column names of a DataFrame. None makes each column of X a
        source named after it. Names must be distinct and contain neither
        ``"__"`` nor ``"+"``.
    scoring : str or callable, default="h_score"
        How a candidate is scored, greater is better: the name of a
        registered metric (see :func:`~sktransfer.metrics.get_scorer_names`;
        a metric of ``"labels"`` or ``"probabilities"`` reads classifier
        sources through ``predict`` or ``predict_proba``), or a scorer
        callable ``scorer(estimator, X, y)`` such as
        :class:`~sktransfer.HScoreScorer`, which receives a source (a
        combination as one transformer concatenating its sources' features,
        a column group as a transformer selecting its columns) and X.
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
    sources_ : list of (str, estimator) or (str, ndarray) tuples
        The fitted sources (the frozen ones as given), or the column indices
        of each group.
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
    """

    _parameter_constraints: dict = {
        "sources": [list, None],
        "scoring": [str, callable],
        "n_select": [Interval(Integral, 1, None, closed="left")],
        "max_order": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        sources=None,
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
        if self.sources is None:
            return []
        return [
            item[1]
            for item in self.sources
            if isinstance(item, tuple | list) and len(item) == 2
            if is_estimator(item[1])
        ]

    def _column_mode(self):
        return not self._estimators()

    def fit(self, X, y):
        """Score every candidate on the target data and select the best.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The target samples, as the sources take them (any input for
            estimator sources, numbers for column groups).
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

    @_fit_context(prefer_skip_nested_validation=False)
    def _fit(self, X, y, *, transform):
        """Fit; with ``transform``, return the selected sources' features."""
        metric = None if callable(self.scoring) else resolve_metric(self.scoring)
        if self._column_mode():
            given = y
            try:
                X, y = validate_data(self, X, y, accept_sparse="csr", dtype="numeric")
            except (TypeError, ValueError) as exc:
                # Missing labels (NaN, Decimal("NaN"), pd.NA) are ours to name;
                # the rest (complex data, say) scikit-learn's.
                if given is not None:
                    try:
                        self._check_target(given)
                    except ValueError as ours:
                        raise ours from None
                    except TypeError:
                        pass
                raise exc
            # The labels as given: scikit-learn's check makes a list such as
            # [-1, 2**63, 2**63 + 1] float64, which merges the last two.
            y = self._check_target(given)
            n_sources = X.shape[1] if self.sources is None else len(self.sources)
            check_candidates(n_sources, self.max_order)  # before slicing X
            names, outputs, sources = self._column_sources(X)
            kind = "features"
            if metric is not None and metric.input != "features":
                raise ValueError(
                    f"scoring={self.scoring!r} reads the {metric.input} of "
                    "classifier sources, but column groups are features; use a "
                    "metric of features such as 'h_score', or classifier sources"
                )
        else:
            X, y = validate_data(self, X, y, skip_check_array=True)
            check_consistent_length(X, y)
            # NaN, None and no labels at all in y are reported by _check_target,
            # naming y.
            check_array(
                y,
                ensure_2d=False,
                dtype=None,
                ensure_all_finite=False,
                ensure_min_samples=0,
            )
            y = self._check_target(y)
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
            sources = list(zip(names, estimators, strict=True))
        n_samples = y.shape[0]
        check_row_counts(names, outputs, n_samples)
        candidates = combinations(len(names), self.max_order)
        check_n_select(self.n_select, len(candidates), len(names), self.max_order)

        if metric is not None:
            outputs = check_outputs(outputs, names, metric.input, n_samples)
            scores = score_outputs(
                outputs, names, y, metric, self.max_order, self.n_jobs
            )
        else:
            scores = self._score_with_scorer(sources, candidates, X, y)

        self.sources_ = sources
        # How transform reads X, fixed at fit even if the parameters change.
        self._by_columns = self._column_mode()
        self._each_column = self.sources is None
        self._ranking_table, ranked = ranking_table(names, scores)
        self.scores_ = {candidate_name(names, c): float(s) for c, s in scores.items()}
        self.ranking_ = list(self._ranking_table["source"])
        self.selected_ = self.ranking_[: self.n_select]
        chosen = set().union(*ranked[: self.n_select])
        self.selected_sources_ = [names[g] for g in sorted(chosen)]
        self._widths = {}
        if kind == "features":
            self._widths = {
                name: output.shape[1]
                for name, output in zip(names, outputs, strict=True)
            }
        if not transform:
            return None
        if kind == "features" and not self._by_columns:
            parts = [outputs[names.index(name)] for name in self.selected_sources_]
            return concatenate(parts)
        return self._transform(X)

    def _column_sources(self, X):
        """Names, blocks and (name, indices) pairs of the column groups."""
        n_features = X.shape[1]
        feature_names = getattr(self, "feature_names_in_", None)
        if self.sources is None:
            names = (
                [str(f) for f in feature_names]
                if feature_names is not None
                else [f"x{j}" for j in range(n_features)]
            )
            groups = [np.array([j]) for j in range(n_features)]
        else:
            names, specs = parse_sources(self.sources, self.get_params(deep=False))
            groups = [
                resolve_columns(name, spec, n_features, feature_names)
                for name, spec in zip(names, specs, strict=True)
            ]
        blocks = [X[:, g] for g in groups]
        return names, blocks, list(zip(names, groups, strict=True))

    def _check_target(self, y):
        classes, _ = encode_labels(y)
        if classes[0].size < 2:
            raise ValueError(
                f"y has only one class ({label_value(classes[0][0])!r}); ranking "
                "sources needs a target with at least two classes"
            )
        return label_array(y).reshape(-1)

    def _score_with_scorer(self, sources, candidates, X, y):
        def candidate(combination):
            if self._column_mode():
                columns = np.concatenate([sources[g][1] for g in combination])
                return ColumnGroup(columns)
            if len(combination) == 1:
                return sources[combination[0]][1]
            return Concatenation([sources[g] for g in combination])

        scores = threaded(
            (delayed(self.scoring)(candidate(c), X, y) for c in candidates), self.n_jobs
        )
        return dict(zip(candidates, map(float, scores), strict=True))

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
            source's ``transform``, or a classifier's ``predict_proba``; the
            selected columns for column groups.
        """
        check_is_fitted(self)
        if self._by_columns:
            X = validate_data(
                self, X, reset=False, accept_sparse="csr", dtype="numeric"
            )
        # Estimator sources check X themselves, as in a FeatureUnion: they know
        # what input they take (numbers, text, ...).
        return self._transform(X)

    def _transform(self, X):
        selected = [s for s in self.sources_ if s[0] in self.selected_sources_]
        if self._by_columns:
            return X[:, np.concatenate([columns for _, columns in selected])]
        return concatenate([source_features(n, e, X) for n, e in selected])

    def get_feature_names_out(self, input_features=None):
        """Names of the features :meth:`transform` returns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input features, for column groups; by default
            ``feature_names_in_``, or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``<source>__<feature>`` for each selected source's features; for
            column groups ``<group>__<column>``, and the column names alone
            when each column is a source (``sources=None``).
        """
        check_is_fitted(self)
        selected = [s for s in self.sources_ if s[0] in self.selected_sources_]
        if self._by_columns:
            inputs = _check_feature_names_in(self, input_features)
            if self._each_column:
                return np.asarray(
                    [inputs[c] for _, columns in selected for c in columns],
                    dtype=object,
                )
            return np.asarray(
                [f"{n}__{inputs[c]}" for n, columns in selected for c in columns],
                dtype=object,
            )
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

    @property
    def ranking_table_(self):
        """Every candidate, its score and rank, best first (see Attributes)."""
        check_is_fitted(self)
        container = _get_output_config("transform", self)["dense"]
        if container == "pandas":
            import pandas as pd

            return pd.DataFrame(self._ranking_table)
        if container == "polars":
            import polars as pl

            return pl.DataFrame(self._ranking_table)
        return dict(self._ranking_table)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        if self._column_mode():
            tags.input_tags.sparse = True
            tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        else:
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
