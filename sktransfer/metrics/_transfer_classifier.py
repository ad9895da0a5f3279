"""The zero-training transfer classifier of Tran et al. (2019), Theorem 1."""

from copy import deepcopy

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from sktransfer._compat import HasMethods, fit_context
from sktransfer._engine import (
    check_probabilities,
    contingency_table,
    probability_chunks,
    soft_contingency_table,
)
from sktransfer._validation import encode_labels, label_array, label_value
from sktransfer.metrics._leep import conditional_target_proba, mean_log_likelihood

# The source output a soft classifier reads, as named in error messages.
_SOFT = "source.predict_proba(X)"


class TransferClassifier(ClassifierMixin, BaseEstimator):
    """Predict a target task through a fitted source classifier, without training.

    The classifier of Theorem 1 of Tran et al. (2019): each source class
    ``z`` is mapped to the empirical distribution ``P(y|z)`` of the target
    labels among the training samples the source puts in that class, and a
    sample's target probabilities are those distributions averaged with the
    source's prediction for it. Fitting only counts; the source is never
    refitted. It is the baseline a retrained probe on the source's features
    must beat, and its mean log-likelihood on its training data is LEEP.

    Parameters
    ----------
    source : classifier
        A fitted classifier for the source task, with ``predict`` (and
        ``predict_proba`` when ``soft=True``). Wrap it in
        :class:`sklearn.frozen.FrozenEstimator`, so that cloning, grid search
        and cross-validation keep it fitted: :func:`~sklearn.base.clone`
        returns an unfitted copy of any other estimator.
    soft : bool, default=True
        Read the source's class probabilities (``predict_proba``) when True,
        its hard predictions (``predict``) when False.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The target classes.
    source_classes_ : ndarray of shape (n_source_classes,)
        The source classes, in the order of the rows of
        ``conditional_proba_``: the source's ``classes_`` when it has them,
        otherwise the column indices of its probabilities (``soft=True``) or
        the labels it predicted on the training data (``soft=False``).
    conditional_proba_ : ndarray of shape (n_source_classes, n_classes)
        ``P(y|z)``: row ``z`` is the distribution of the target classes
        given source class ``z``.
    class_prior_ : ndarray of shape (n_classes,)
        Frequency of each target class in the training data; the row of
        ``conditional_proba_`` of a source class that got no probability
        on the training data, and the prediction for a hard source label
        never seen in training.
    training_log_likelihood_ : float
        Mean log-likelihood of the training labels: LEEP when ``soft=True``,
        the negative conditional entropy ``-H(Y|Z)`` of the training labels
        given the source's predictions when ``soft=False``.
    n_features_in_ : int
        Number of features seen during fit, when ``X`` has a shape.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sktransfer.metrics.leep_score : Its training log-likelihood, as a metric.
    sktransfer.metrics.conditional_entropy : Its hard-label counterpart.

    Notes
    -----
    With source probabilities ``theta(x)`` (one-hot for ``soft=False``) and
    training samples ``(x_i, y_i)``,

    .. math::

        P(y, z) = \\frac{1}{n} \\sum_{i : y_i = y} \\theta(x_i)_z, \\quad
        P(y | z) = \\frac{P(y, z)}{\\sum_{y'} P(y', z)}, \\quad
        p(y | x) = \\sum_z P(y | z)\\, \\theta(x)_z.

    This is Eq. (9) of Tran, Nguyen and Hassner [1]_, the classifier whose
    log-likelihood proves their Theorem 1 (the log-likelihood of a
    retrained target classifier is at least the source's minus ``H(Y|Z)``);
    on its own training data its mean log-likelihood is the LEEP score of
    Nguyen et al. [2]_. Use it as a zero-training baseline: compare its
    held-out accuracy or log-loss with those of a classifier retrained on
    the source's features.

    References
    ----------
    .. [1] A. T. Tran, C. V. Nguyen and T. Hassner, "Transferability and
       Hardness of Supervised Classification Tasks", ICCV 2019.
    .. [2] C. V. Nguyen, T. Hassner, M. Seeger and C. Archambeau, "LEEP: A New
       Measure to Evaluate Transferability of Learned Representations", ICML
       2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from sktransfer import TransferClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> source = LogisticRegression(max_iter=2000).fit(X[:900], y[:900])
    >>> parity = y[900:] % 2  # the target task, on other samples
    >>> clf = TransferClassifier(FrozenEstimator(source))
    >>> scores = cross_val_score(clf, X[900:], parity, cv=3)
    >>> scores.round(3)
    array([0.977, 0.973, 0.953])
    """

    _parameter_constraints = {
        "source": [HasMethods(["predict"])],
        "soft": ["boolean"],
    }

    def __init__(self, source, *, soft=True):
        self.source = source
        self.soft = soft

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Estimate ``P(y|z)`` from the source's output on the training samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or any input of the source
            Training samples, passed to the source as they are.
        y : array-like of shape (n_samples,)
            Target labels.

        Returns
        -------
        self : TransferClassifier
            The fitted classifier.
        """
        self._check_source()
        # The source validates X; only its width and column names are recorded.
        validate_data(self, X, skip_check_array=True)
        # The labels exactly: numpy makes a list such as [-1, 2**63, 2**63 + 1]
        # float64, which merges the last two; label_array keeps them objects.
        y = column_or_1d(label_array(y), warn=True)
        try:
            check_classification_targets(y)
        except TypeError:
            # It sorts labels of mixed types and fails inside numpy; ours says so.
            encode_labels(y, name="y")
            raise
        check_consistent_length(X, y)
        # Also refuses what scikit-learn's checks let through: no labels at all.
        (self.classes_,), y_codes = encode_labels(y, name="y")
        y_codes = y_codes[:, 0]
        n_classes = self.classes_.shape[0]
        self.class_prior_ = np.bincount(y_codes, minlength=n_classes) / y.shape[0]
        if self.soft:
            proba = self._source_proba(X, fitting=True)
            table = soft_contingency_table(y_codes, n_classes, proba, name=_SOFT)
            self.conditional_proba_ = conditional_target_proba(table, self.class_prior_)
            log_likelihood = mean_log_likelihood(
                proba, self.conditional_proba_, y_codes
            )
        else:
            z_codes = self._source_codes(X, fitting=True)
            n_source = self.source_classes_.shape[0]
            table = contingency_table(y_codes, z_codes, n_classes, n_source)
            self.conditional_proba_ = conditional_target_proba(
                table.toarray().astype(np.float64), self.class_prior_
            )
            log_likelihood = np.mean(np.log(self.conditional_proba_[z_codes, y_codes]))
        # 0.0 + ...: a source that determines the target gives 0.0, not -0.0
        self.training_log_likelihood_ = 0.0 + float(log_likelihood)
        return self

    def predict_proba(self, X):
        """Target class probabilities: the source's, mapped through ``P(y|z)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or any input of the source
            Samples, passed to the source as they are.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``proba[i, c]`` is the probability of ``classes_[c]`` for sample
            ``i``, in float64.
        """
        check_is_fitted(self)
        # The source reads X first, so that its own input checks speak first.
        if self.soft:
            source_output = self._source_proba(X, fitting=False)
        else:
            source_output = self._source_codes(X, fitting=False)
        validate_data(self, X, skip_check_array=True, reset=False)
        if not self.soft:
            # A label the source never predicted in fit gets the last row.
            rows = np.vstack([self.conditional_proba_, self.class_prior_])
            return rows[source_output]
        blocks = [
            block @ self.conditional_proba_
            for _, block in probability_chunks(source_output, name=_SOFT)
        ]
        return np.concatenate(blocks)

    def predict(self, X):
        """The most probable target class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or any input of the source
            Samples, passed to the source as they are.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted target labels, from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The source reads X, so it decides which inputs are acceptable.
        tags.input_tags = deepcopy(get_tags(self.source).input_tags)
        return tags

    def _check_source(self):
        try:
            check_is_fitted(self.source)
        except NotFittedError:
            raise NotFittedError(
                f"source {type(self.source).__name__} is not fitted; "
                "TransferClassifier never fits it. Pass a fitted classifier "
                "wrapped in sklearn.frozen.FrozenEstimator, which clone and "
                "cross-validation keep fitted."
            ) from None
        if self.soft and not hasattr(self.source, "predict_proba"):
            raise ValueError(
                f"source {type(self.source).__name__} has no predict_proba; pass "
                "soft=False to use its hard predictions"
            )

    def _source_proba(self, X, *, fitting):
        """The source's class probabilities of X, columns in ``source_classes_``."""
        proba = check_probabilities(self.source.predict_proba(X), name=_SOFT)
        if fitting:
            classes = getattr(self.source, "classes_", None)
            n_columns = proba.shape[1]
            self.source_classes_ = (
                np.arange(n_columns) if classes is None else np.asarray(classes)
            )
        if proba.shape[1] != self.source_classes_.shape[0]:
            raise ValueError(
                f"{_SOFT} has {proba.shape[1]} columns for "
                f"{self.source_classes_.shape[0]} source classes; one column per "
                "class is needed"
            )
        return proba

    def _source_codes(self, X, *, fitting):
        """Codes of the source's predicted labels in ``source_classes_``.

        A label not among them gets the code ``len(source_classes_)``.
        """
        z = column_or_1d(self.source.predict(X))
        if fitting:
            classes = getattr(self.source, "classes_", None)
            self.source_classes_ = np.unique(z) if classes is None else classes
        classes = self.source_classes_
        order = np.argsort(classes, kind="stable")
        found = np.searchsorted(classes, z, sorter=order)
        found = order[np.minimum(found, classes.shape[0] - 1)]
        known = classes[found] == z
        if fitting and not known.all():
            unknown = z[np.argmin(known)]
            unknown = label_value(unknown)
            raise ValueError(
                f"source.predict(X) returned {unknown!r}, which is not among the "
                "source's classes_"
            )
        return np.where(known, found, classes.shape[0])
