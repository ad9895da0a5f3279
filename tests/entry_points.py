"""Every public entry point as an adapter over one small problem.

Shared by the tests of input validation, of no mutation and of determinism. A
problem is a dict of inputs on the same samples: features ``X``, a second,
never perturbed, feature block ``X2``, target labels ``y``, source labels
``z`` and source class probabilities ``P`` (dyadic, so exact in float16). An
:class:`Entry` calls one public function or estimator on a problem and returns
its result as a flat float array.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.frozen import FrozenEstimator
from sklearn.naive_bayes import GaussianNB

from sktransfer import (
    ColumnGroupSelector,
    CurriculumBuilder,
    FeatureStatistics,
    LabelStatistics,
    ProbabilityStatistics,
    SourceSelector,
    TransferClassifier,
    transferability_matrix,
)
from sktransfer.curriculum import second_order_transferability
from sktransfer.evaluation import measured_transfer
from sktransfer.metrics import (
    ace,
    conditional_entropy,
    divergence_transition_matrix,
    gbc_score,
    get_metric,
    get_scorer,
    get_scorer_names,
    h_score,
    leep_score,
    logme_score,
    nleep_score,
    normalized_h_score,
    optimal_h_score,
    pixelwise_h_score,
    score_combinations,
    soft_conditional_entropy,
    task_hardness,
    transrate_score,
)
from sktransfer.selection import rank_sources

N_SAMPLES, N_FEATURES, N_CLASSES, N_SOURCE_CLASSES = 40, 4, 3, 4
# Source probabilities: 1/2 on the source label and 1/4, 1/8, 1/8 on the next.
_DYADIC = np.array([0.5, 0.25, 0.125, 0.125])


def make_problem(
    n_samples=N_SAMPLES, n_features=N_FEATURES, n_classes=N_CLASSES, *, seed=0
):
    """A seeded task: class-shifted Gaussian features and noisy source labels."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    centres = rng.standard_normal((n_classes, n_features))
    X = rng.standard_normal((n_samples, n_features)) + centres[y]
    X2 = rng.standard_normal((n_samples, 2)) + centres[y, :1]
    z = (y + rng.integers(0, 2, n_samples)) % N_SOURCE_CLASSES
    shift = (np.arange(N_SOURCE_CLASSES)[None, :] - z[:, None]) % N_SOURCE_CLASSES
    return {"X": X, "X2": X2, "y": y, "z": z, "P": _DYADIC[shift]}


class Identity(TransformerMixin, BaseEstimator):
    """A fitted representation that returns its input as given."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X

    def __sklearn_is_fitted__(self):
        return True


class Given(ClassifierMixin, TransformerMixin, BaseEstimator):
    """A fitted source whose features, labels or probabilities are given."""

    def __init__(self, features=None, labels=None, proba=None):
        self.features = features
        self.labels = labels
        self.proba = proba

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return self.features

    def predict(self, X):
        return self.labels

    def predict_proba(self, X):
        return self.proba

    def __sklearn_is_fitted__(self):
        return True


class Passthrough(ClassifierMixin, BaseEstimator):
    """A fitted source classifier whose class probabilities are its input."""

    def fit(self, X, y=None):
        return self

    def predict_proba(self, X):
        return X

    def predict(self, X):
        return np.argmax(np.asarray(X), axis=1)

    def __sklearn_is_fitted__(self):
        return True


@dataclass(frozen=True)
class Entry:
    """A public entry point called on a problem.

    ``matrix`` is the problem key the matrix cases perturb (``"X"`` for
    features, ``"P"`` for class probabilities, None when the entry reads no
    matrix) and ``labels`` the key the label cases perturb (the target ``y``
    or the source ``z``). The ``*_arg`` are regular expressions for the
    argument names an error message about the matrix, those labels and the
    target must contain; ``other_arg``, when given, names a further argument
    (the source labels ``x`` of a label metric), which an error about all of
    them may name instead. ``n_jobs`` marks the entries whose call takes
    ``n_jobs``, ``random_state`` those whose call takes ``random_state``.
    """

    name: str
    family: str
    call: object
    matrix: str | None
    labels: str | None
    matrix_arg: str = "X"
    labels_arg: str = "y"
    target_arg: str = "y"
    other_arg: str | None = None
    n_jobs: bool = False
    random_state: bool = False

    def __call__(self, problem, **kwargs):
        return flat(self.call(problem, **kwargs))

    def __repr__(self):
        return self.name


def flat(result):
    """A result of any entry as a flat float64 array."""
    if isinstance(result, tuple):
        return np.concatenate([flat(part) for part in result])
    if isinstance(result, dict):
        return np.concatenate([flat(result[key]) for key in sorted(result, key=str)])
    return np.asarray(result, dtype=np.float64).ravel()


def _table(table):
    """The scores of a ranking table, in order of the candidates' names."""
    order = np.argsort(np.asarray(table["source"], dtype=str), kind="stable")
    return np.asarray(table["score"], dtype=np.float64)[order]


def _second_order(table):
    keys = [f"{t}|{s}" for t, s in zip(table["target"], table["sources"], strict=True)]
    return np.asarray(table["score"])[np.argsort(keys, kind="stable")]


def _measured(result):
    return np.concatenate([result["accuracy"], result["log_loss"]])


def _tasks(p, first, *more):
    """A table of tasks, ``first`` then the source labels, as objects so that
    each column keeps its kind of labels."""
    first = np.asarray(first, dtype=object)
    columns = [p["z"], *more]
    return np.column_stack(
        [first, *(np.asarray(c, dtype=object)[: len(first)] for c in columns)]
    )


def _parity(labels):
    """A second, clean source: the parity of the (clean) source labels."""
    return np.asarray(labels) % 2


def _feature_entries():
    return [
        Entry("h_score", "feature metric", lambda p: h_score(p["X"], p["y"]), "X", "y"),
        Entry(
            "h_score[2-D y]",
            "feature metric",
            lambda p: h_score(p["X"], _two_columns(p["y"])),
            "X",
            "y",
        ),
        Entry(
            "h_score[ledoit_wolf]",
            "feature metric",
            lambda p: h_score(p["X"], p["y"], shrinkage="ledoit_wolf"),
            "X",
            "y",
        ),
        Entry(
            "normalized_h_score",
            "feature metric",
            lambda p: normalized_h_score(p["X"], p["y"]),
            "X",
            "y",
        ),
        Entry(
            "logme_score",
            "feature metric",
            lambda p: logme_score(p["X"], p["y"]),
            "X",
            "y",
        ),
        Entry(
            "transrate_score",
            "feature metric",
            lambda p: transrate_score(p["X"], p["y"]),
            "X",
            "y",
        ),
        Entry(
            "gbc_score", "feature metric", lambda p: gbc_score(p["X"], p["y"]), "X", "y"
        ),
        Entry(
            "gbc_score[spherical]",
            "feature metric",
            lambda p: gbc_score(p["X"], p["y"], gaussian="spherical"),
            "X",
            "y",
        ),
        Entry(
            "nleep_score",
            "feature metric",
            lambda p, random_state=0: nleep_score(
                p["X"], p["y"], random_state=random_state
            ),
            "X",
            "y",
            random_state=True,
        ),
        Entry(
            "pixelwise_h_score",
            "feature metric",
            lambda p, random_state=0: pixelwise_h_score(
                p["X"], _images(p["y"]), random_state=random_state
            ),
            "X",
            "y",
            labels_arg="Y_dense",
            target_arg="Y_dense",
            random_state=True,
        ),
        Entry(
            "score_combinations",
            "feature metric",
            lambda p, n_jobs=None: score_combinations(
                [p["X"], p["X2"]], p["y"], n_jobs=n_jobs
            ),
            "X",
            "y",
            matrix_arg=r"blocks\[0\]",
            n_jobs=True,
        ),
        Entry(
            "score_combinations[logme]",
            "feature metric",
            lambda p, n_jobs=None: score_combinations(
                [p["X"], p["X2"]], p["y"], metric="logme", n_jobs=n_jobs
            ),
            "X",
            "y",
            matrix_arg=r"blocks\[0\]",
            n_jobs=True,
        ),
        Entry(
            "rank_sources",
            "selection",
            lambda p, n_jobs=None: _table(
                rank_sources(
                    {"a": p["X"], "b": p["X2"]}, p["y"], max_order=2, n_jobs=n_jobs
                )
            ),
            "X",
            "y",
            matrix_arg="source 'a'",
            n_jobs=True,
        ),
        Entry(
            "ColumnGroupSelector",
            "selection",
            lambda p, n_jobs=None: flat(
                ColumnGroupSelector(
                    [("a", [0]), ("b", [1])], max_order=2, n_jobs=n_jobs
                )
                .fit(p["X"], p["y"])
                .scores_
            ),
            "X",
            "y",
            n_jobs=True,
        ),
        Entry(
            "SourceSelector[estimators]",
            "selection",
            lambda p, n_jobs=None: flat(
                SourceSelector(
                    [("a", Identity()), ("b", FrozenEstimator(Given(p["X2"])))],
                    scoring="logme",
                    max_order=2,
                    n_jobs=n_jobs,
                )
                .fit(p["X"], p["y"])
                .scores_
            ),
            "X",
            "y",
            matrix_arg="source 'a'",
            n_jobs=True,
        ),
        Entry(
            "transferability_matrix[features]",
            "curriculum",
            lambda p, n_jobs=None: transferability_matrix(
                _tasks(p, p["y"]),
                features=[p["X"], p["X2"]],
                metric="h_score",
                n_jobs=n_jobs,
            ),
            "X",
            "y",
            matrix_arg=r"features\[0\]",
            labels_arg="Y",
            target_arg="Y",
            n_jobs=True,
        ),
        Entry(
            "second_order_transferability",
            "curriculum",
            lambda p, n_jobs=None: _second_order(
                second_order_transferability(
                    _tasks(p, p["y"], _parity(p["z"])),
                    features=[p["X"], p["X2"], np.asarray(p["X2"])[:, :1]],
                    n_jobs=n_jobs,
                )
            ),
            "X",
            "y",
            matrix_arg=r"features\[0\]",
            labels_arg="Y",
            target_arg="Y",
            n_jobs=True,
        ),
        Entry(
            "CurriculumBuilder[features]",
            "curriculum",
            lambda p, n_jobs=None: (
                CurriculumBuilder("h_score", n_jobs=n_jobs)
                .fit(_tasks(p, p["y"]), features=[p["X"], p["X2"]])
                .transferability_
            ),
            "X",
            "y",
            matrix_arg=r"features\[0\]",
            labels_arg="Y",
            target_arg="Y",
            n_jobs=True,
        ),
        Entry(
            "measured_transfer",
            "evaluation",
            lambda p, n_jobs=None: _measured(
                measured_transfer(
                    {"a": p["X"], "b": p["X2"]},
                    p["y"],
                    estimator=GaussianNB(),
                    cv=2,
                    n_jobs=n_jobs,
                )
            ),
            "X",
            "y",
            matrix_arg=r"features_by_source\['a'\]",
            n_jobs=True,
        ),
        Entry(
            "FeatureStatistics",
            "streaming",
            lambda p: FeatureStatistics().partial_fit(p["X"], p["y"]).score(),
            "X",
            "y",
        ),
        Entry(
            "FeatureStatistics[logme]",
            "streaming",
            lambda p: FeatureStatistics().partial_fit(p["X"], p["y"]).score("logme"),
            "X",
            "y",
        ),
    ]


def _reversed(labels):
    return np.asarray(labels)[::-1]


def _two_columns(labels):
    """The labels and their reverse side by side; a list stays nested lists,
    which the metric converts itself."""
    if isinstance(labels, list):
        return [list(pair) for pair in zip(labels, labels[::-1], strict=True)]
    return np.column_stack([labels, _reversed(labels)])


def _images(labels):
    """One-pixel target images of the labels; a list stays nested lists, which
    the metric converts itself."""
    if isinstance(labels, list):
        return [[[label]] for label in labels]
    return np.asarray(labels)[:, None, None]


def _scorer_call(name, kind):
    scorer = get_scorer(name)
    if kind == "features":
        return lambda p: scorer(Identity(), p["X"], p["y"])
    if kind == "labels":
        return lambda p: scorer(Given(labels=p["z"]), p["X"], p["y"])
    return lambda p: scorer(Passthrough(), p["P"], p["y"])


def _scorer_entries():
    """The scorer of every registered metric, through the registry."""
    matrices = {"features": "X", "labels": None, "probabilities": "P"}
    entries = []
    for name in get_scorer_names():
        kind = get_metric(name).input
        entries.append(
            Entry(
                f"get_scorer({name!r})",
                "scorer",
                _scorer_call(name, kind),
                matrices[kind],
                "y",
                matrix_arg="X" if kind == "features" else "source_proba",
            )
        )
    return entries


def _label_entries():
    return [
        Entry(
            "conditional_entropy[y]",
            "label metric",
            lambda p: conditional_entropy(p["y"], p["z"]),
            None,
            "y",
        ),
        Entry(
            "conditional_entropy[z]",
            "label metric",
            lambda p: conditional_entropy(p["y"], p["z"]),
            None,
            "z",
            labels_arg="z",
        ),
        Entry(
            "task_hardness", "label metric", lambda p: task_hardness(p["y"]), None, "y"
        ),
        Entry(
            "optimal_h_score[x]",
            "label metric",
            lambda p: optimal_h_score(p["z"], p["y"]),
            None,
            "z",
            labels_arg="x",
        ),
        Entry(
            "optimal_h_score[y]",
            "label metric",
            lambda p: optimal_h_score(p["z"], p["y"], n_components=1),
            None,
            "y",
            other_arg="x",
        ),
        Entry(
            "divergence_transition_matrix",
            "label metric",
            lambda p: divergence_transition_matrix(p["z"], p["y"])[0],
            None,
            "y",
            other_arg="x",
        ),
        Entry(
            "ace",
            "label metric",
            lambda p, random_state=0: (
                ace(p["z"], p["y"], random_state=random_state).features
            ),
            None,
            "y",
            other_arg="x",
            random_state=True,
        ),
        Entry(
            "LabelStatistics[y]",
            "streaming",
            lambda p: LabelStatistics().partial_fit(p["y"], p["z"]).score(),
            None,
            "y",
        ),
        Entry(
            "LabelStatistics[z]",
            "streaming",
            lambda p: LabelStatistics().partial_fit(p["y"], p["z"]).score(),
            None,
            "z",
            labels_arg="z",
        ),
        Entry(
            "rank_sources[labels]",
            "selection",
            lambda p, n_jobs=None: _table(
                rank_sources(
                    {"a": p["z"], "b": _parity(p["y"])},
                    p["y"],
                    scoring="neg_conditional_entropy",
                    max_order=2,
                    n_jobs=n_jobs,
                )
            ),
            None,
            "z",
            labels_arg="source 'a'",
            n_jobs=True,
        ),
        Entry(
            "SourceSelector[labels]",
            "selection",
            lambda p, n_jobs=None: flat(
                SourceSelector(
                    [
                        ("a", FrozenEstimator(Given(labels=p["z"]))),
                        ("b", FrozenEstimator(Given(labels=_parity(p["z"])))),
                    ],
                    scoring="neg_conditional_entropy",
                    max_order=2,
                    n_jobs=n_jobs,
                )
                .fit(p["X"], p["y"])
                .scores_
            ),
            None,
            "y",
            n_jobs=True,
        ),
        Entry(
            "transferability_matrix[labels]",
            "curriculum",
            lambda p, n_jobs=None: transferability_matrix(
                _tasks(p, p["y"]), n_jobs=n_jobs
            ),
            None,
            "y",
            labels_arg="Y",
            target_arg="Y",
            n_jobs=True,
        ),
        Entry(
            "CurriculumBuilder[labels]",
            "curriculum",
            lambda p, n_jobs=None: (
                CurriculumBuilder(n_jobs=n_jobs)
                .fit(_tasks(p, p["y"], _parity(p["z"])))
                .transferability_
            ),
            None,
            "y",
            labels_arg="Y",
            target_arg="Y",
            n_jobs=True,
        ),
        Entry(
            "TransferClassifier[hard]",
            "estimator",
            lambda p: (
                TransferClassifier(FrozenEstimator(Given(labels=p["z"])), soft=False)
                .fit(p["X"], p["y"])
                .training_log_likelihood_
            ),
            None,
            "y",
        ),
    ]


def _probability_entries():
    return [
        Entry(
            "leep_score",
            "probability metric",
            lambda p: leep_score(p["y"], p["P"]),
            "P",
            "y",
            matrix_arg="source_proba",
        ),
        Entry(
            "soft_conditional_entropy",
            "probability metric",
            lambda p: soft_conditional_entropy(p["y"], p["P"]),
            "P",
            "y",
            matrix_arg="source_proba",
        ),
        Entry(
            "ProbabilityStatistics",
            "streaming",
            lambda p: ProbabilityStatistics().partial_fit(p["y"], p["P"]).score(),
            "P",
            "y",
            matrix_arg="source_proba",
        ),
        Entry(
            "rank_sources[proba]",
            "selection",
            lambda p, n_jobs=None: _table(
                rank_sources(
                    {"a": p["P"], "b": np.eye(2)[_parity(p["z"])]},
                    p["y"],
                    scoring="leep",
                    n_jobs=n_jobs,
                )
            ),
            "P",
            "y",
            matrix_arg="source 'a'",
            n_jobs=True,
        ),
        Entry(
            "TransferClassifier[soft]",
            "estimator",
            lambda p: (
                TransferClassifier(FrozenEstimator(Passthrough()))
                .fit(p["P"], p["y"])
                .training_log_likelihood_
            ),
            "P",
            "y",
            matrix_arg=r"source\.predict_proba\(X\)",
        ),
    ]


ENTRIES = [
    *_feature_entries(),
    *_scorer_entries(),
    *_label_entries(),
    *_probability_entries(),
]
