"""ColumnGroupSelector: keep the groups of columns of X that transfer best."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from sktransfer._compat import fit_context
from sktransfer._limits import check_candidates
from sktransfer.selection._base import (
    CandidateRankingMixin,
    check_target,
    named_pairs,
)


class ColumnGroupSelector(SelectorMixin, CandidateRankingMixin, BaseEstimator):
    """Keep the groups of columns of X that transfer best to the target task.

    A feature selector, as :class:`~sklearn.feature_selection.SelectKBest`
    is, whose units are named groups of columns of one wide table (the
    columns of one source of features, say, or one region of an image)
    rather than single columns. ``fit`` scores every group on the target data
    (and, with ``max_order`` above 1, every combination of groups on their
    columns side by side), ranks the candidates and keeps the ``n_select``
    best; ``transform`` returns the columns of X in the kept groups.

    Parameters
    ----------
    groups : list of (str, columns) tuples, default=None
        The candidate groups, by name: the columns of each as a column index,
        a list of indices, a slice, a boolean mask, or column names of a
        DataFrame. None makes each column of X a group named after it (its
        name in a DataFrame, ``x0, x1, ...`` otherwise). Names must be
        distinct and must not contain ``"+"``.
    scoring : str or callable, default="h_score"
        How a candidate is scored, greater is better: the name of a
        registered metric of features (see
        :func:`~sktransfer.metrics.get_scorer_names`), or a scorer callable
        ``scorer(estimator, X, y)`` such as :class:`~sktransfer.HScoreScorer`,
        which receives a fitted transformer selecting the candidate's columns,
        and X.
    n_select : int, default=1
        Number of best candidates to keep. At most the number of candidates.
    max_order : int, default=1
        Also score every combination of up to this many groups, on their
        columns side by side. The candidates are counted before any is
        scored, and more than 1,000,000 are refused (a ``ValueError`` naming
        the count).
    n_jobs : int, default=None
        Number of jobs scoring candidates in parallel. ``None`` means 1
        unless in a :func:`joblib.parallel_config` context; ``-1`` uses all
        processors.

    Attributes
    ----------
    groups_ : list of (str, ndarray) tuples
        The name and column indices of each group.
    scores_ : dict of str to float
        The score of every candidate; a combination is named by its groups'
        names joined with ``"+"``, e.g. ``"top+bottom"``.
    ranking_ : list of str
        The candidates' names, best first.
    ranking_table_ : dict of ndarray or DataFrame
        One row per candidate, best first: ``"source"`` (its name),
        ``"score"``, ``"rank"`` (1 for the best; ties keep single groups
        first, then the groups' order) and ``"order"`` (its number of
        groups). A DataFrame when the transform output is pandas (see
        :meth:`set_output`), a dict of equal-length arrays otherwise.
    selected_ : list of str
        The names of the ``n_select`` best candidates.
    selected_groups_ : list of str
        The groups in the selected candidates, in the order of ``groups``;
        :meth:`transform` keeps their columns.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    SourceSelector : The same ranking over estimator sources.
    rank_sources : The same ranking from outputs already computed.
    sklearn.feature_selection.SelectKBest : Keeps the best single columns.

    Notes
    -----
    As any feature selector, the transform keeps columns of X in their order
    in X, under their names in X (:meth:`get_feature_names_out`), and a
    column in two selected groups once; :meth:`get_support` gives the mask of
    the kept columns and :meth:`inverse_transform` puts them back in place.

    Scoring a group by its columns' transferability is Definition 4 of Bao
    et al. (2019) applied to the features a group holds. For the H-score and
    other metrics of the engine's statistics, all combinations are scored
    from one pass over the groups' columns. The plain H-score of a
    combination is never below that of any of its groups, so with
    ``max_order`` above 1 combinations lead the ranking; compare candidates
    of one size (the ``"order"`` column of :attr:`ranking_table_`).

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and
       L. Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sktransfer import ColumnGroupSelector
    >>> X, y = load_digits(return_X_y=True)
    >>> rows = [(f"row{i}", slice(8 * i, 8 * i + 8)) for i in range(8)]
    >>> selector = ColumnGroupSelector(rows, n_select=2).fit(X, y)
    >>> selector.selected_
    ['row5', 'row4']
    >>> round(selector.scores_["row5"], 2)
    1.99
    >>> selector.transform(X).shape
    (1797, 16)
    >>> selector.get_feature_names_out()[:3]
    array(['x32', 'x33', 'x34'], dtype=object)
    """

    _parameter_constraints: dict = {
        "groups": [list, None],
        **CandidateRankingMixin._ranking_constraints,
    }

    def __init__(
        self, groups=None, *, scoring="h_score", n_select=1, max_order=1, n_jobs=None
    ):
        self.groups = groups
        self.scoring = scoring
        self.n_select = n_select
        self.max_order = max_order
        self.n_jobs = n_jobs

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Score every candidate on the target data and select the best.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The target samples.
        y : array-like of shape (n_samples,)
            Class labels of the target task.

        Returns
        -------
        self : ColumnGroupSelector
            The fitted selector.
        """
        metric = self._metric()
        given = y
        try:
            X, y = validate_data(self, X, y, accept_sparse="csr", dtype="numeric")
        except (TypeError, ValueError) as exc:
            # Missing labels (NaN, Decimal("NaN"), pd.NA) are ours to name;
            # the rest (complex data, say) scikit-learn's.
            if given is not None:
                try:
                    check_target(given)
                except ValueError as ours:
                    raise ours from None
                except TypeError:
                    pass
            raise exc
        # The labels as given: scikit-learn's check makes a list such as
        # [-1, 2**63, 2**63 + 1] float64, which merges the last two.
        y = check_target(given)
        n_groups = X.shape[1] if self.groups is None else len(self.groups)
        check_candidates(n_groups, self.max_order)  # before slicing X
        names, groups = self._resolve_groups(X.shape[1])
        if metric is not None and metric.input != "features":
            raise ValueError(
                f"scoring={self.scoring!r} reads the {metric.input} of "
                "classifier sources, but column groups are features; use a "
                "metric of features such as 'h_score', or SourceSelector with "
                "classifier sources"
            )
        chosen, _ = self._rank(
            names,
            None if metric is None else [X[:, g] for g in groups],
            y,
            metric,
            candidate=lambda c: ColumnGroup(np.concatenate([groups[g] for g in c])),
            X=X,
        )
        self.groups_ = list(zip(names, groups, strict=True))
        self.selected_groups_ = [names[g] for g in chosen]
        return self

    def _resolve_groups(self, n_features):
        """Names and column indices of the groups."""
        feature_names = getattr(self, "feature_names_in_", None)
        if self.groups is None:
            names = (
                [str(f) for f in feature_names]
                if feature_names is not None
                else [f"x{j}" for j in range(n_features)]
            )
            return names, [np.array([j]) for j in range(n_features)]
        names, specs = named_pairs(
            self.groups, argument="groups", kinds="(name, columns)"
        )
        groups = [
            resolve_columns(name, spec, n_features, feature_names)
            for name, spec in zip(names, specs, strict=True)
        ]
        return names, groups

    def _get_support_mask(self):
        check_is_fitted(self)
        mask = np.zeros(self.n_features_in_, dtype=bool)
        selected = set(self.selected_groups_)
        for name, columns in self.groups_:
            if name in selected:
                mask[columns] = True
        return mask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def resolve_columns(name, spec, n_features, feature_names):
    """Indices of the columns of X that a column group names."""
    where = f"group {name!r}"
    if isinstance(spec, slice):
        indices = np.arange(n_features)[spec]
    else:
        values = np.asarray([spec] if np.ndim(spec) == 0 else spec)
        if values.dtype.kind in "US" or values.dtype == object:
            if feature_names is None:
                raise ValueError(
                    f"{where} names columns {list(values)[:3]}, but X has no "
                    "column names; fit on a DataFrame or give column indices"
                )
            lookup = {feature: i for i, feature in enumerate(feature_names)}
            missing = [v for v in values if v not in lookup]
            if missing:
                raise ValueError(
                    f"{where} names columns {missing} that X does not have"
                )
            indices = np.array([lookup[v] for v in values], dtype=np.intp)
        elif values.dtype == bool:
            if values.shape != (n_features,):
                raise ValueError(
                    f"{where} is a boolean mask of shape {values.shape}; it needs "
                    f"one entry per column of X ({n_features})"
                )
            indices = np.flatnonzero(values)
        elif values.dtype.kind in "iu":
            indices = values.astype(np.intp).ravel()
            bad = indices[(indices < -n_features) | (indices >= n_features)]
            if bad.size:
                raise ValueError(
                    f"{where} has column indices {bad.tolist()} outside X's "
                    f"{n_features} columns"
                )
            indices = indices % n_features
        else:
            raise ValueError(
                f"{where} must be column indices, a slice, a boolean mask or column "
                f"names; got {spec!r}"
            )
    if indices.size == 0:
        raise ValueError(f"{where} selects no column; every group needs one")
    return indices


class ColumnGroup(TransformerMixin, BaseEstimator):
    """A fitted transformer returning some columns of X, for scorer callables."""

    def __init__(self, columns=None):
        self.columns = columns

    def fit(self, X=None, y=None):
        return self

    def transform(self, X):
        return X[:, self.columns]

    def __sklearn_is_fitted__(self):
        return True
