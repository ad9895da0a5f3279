"""Every public entry point on every kind of bad or unusual input.

A table of cases times the table of entry points of ``tests/entry_points.py``.
Each pair either gives a documented finite result, checked against the same
entry point on the equivalent clean float64 input (same values as float64,
integer codes for labels) or against a reference, or raises a ValueError or
TypeError whose message names the offending argument. No entry point may
return NaN or infinity, warn of invalid arithmetic, or fail deep inside numpy.

The default expectation of a case is in ``CASES``; an entry point's documented
departures from it (a metric that is not scale invariant, an estimator whose
inputs scikit-learn validates, ...) are in ``EXPECTED``.
"""

import math
import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import entropy

from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics._hscore import TOLERANCE
from tests.entry_points import ENTRIES, N_CLASSES, make_problem
from tests.reference import h_score_reference

BASE = make_problem()
# "same" results agree with the clean float64 input within the engine's
# promise: each route is certified to within TOLERANCE of the exact score of
# its numbers (the float32 Gram route for float32 input, say, and the float64
# one for the float64 copy), so the two agree to twice that.
RTOL = 2 * TOLERANCE
N_MANY = 100_000

pytestmark = [
    pytest.mark.filterwarnings("error::RuntimeWarning"),
    # scikit-learn's own type_of_target casts NaN to int before it says so.
    pytest.mark.filterwarnings(
        "ignore:invalid value encountered in cast:RuntimeWarning:sklearn"
    ),
    # ... and warns that 10^5 classes in 10^5 samples may be a regression target.
    pytest.mark.filterwarnings("ignore:The number of unique classes:UserWarning"),
]


# Expectations.
SAME, FINITE = "same", "finite"


@dataclass(frozen=True)
class Raises:
    """A ValueError or TypeError naming the argument of ``role``: the
    "matrix", the "labels" a case changed, the "target" labels, or "any" of
    them; ``match`` replaces the argument name (scikit-learn's messages)."""

    error: type
    role: str
    match: str | None = None


@dataclass(frozen=True)
class Reference:
    """A documented value, ``value(problem)``."""

    value: object
    rtol: float = 1e-9


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class XFail:
    """A known bug in a module being edited elsewhere; ``expect`` is right."""

    reason: str
    expect: object
    run: bool = True


MATRIX_ERROR = Raises(ValueError, "matrix")
LABEL_ERROR = Raises(ValueError, "labels")


# Cases. Each changes one input of a problem, the matrix ("X" or "P") or the
# labels ("y" or "z") an entry point names, or the whole problem; ``clean``
# gives the equivalent clean input when it is not the original one.
@dataclass(frozen=True)
class Case:
    name: str
    role: str  # "matrix", "labels" or "problem"
    perturb: object  # (problem, key) -> (problem, equivalent clean problem)
    expect: object  # the default; a dict by matrix key for matrix cases
    keys: tuple = ("X", "P")


def _with(problem, **changes):
    return {**problem, **changes}


def _matrix_case(name, make, expect, *, keys=("X", "P"), clean=None):
    def perturb(problem, key):
        equivalent = None
        if clean is not None:
            equivalent = _with(problem, **{key: clean(problem[key], key)})
        return _with(problem, **{key: make(problem[key], key)}), equivalent

    return Case(name, "matrix", perturb, expect, keys)


def _label_case(name, make, expect, *, clean=None):
    def perturb(problem, key):
        labels = np.asarray(problem[key])
        equivalent = None if clean is None else _with(problem, **{key: clean(labels)})
        return _with(problem, **{key: make(labels)}), equivalent

    return Case(name, "labels", perturb, expect)


def _problem_case(name, make, expect):
    return Case(
        name, "problem", lambda problem, key: (make(problem, key), None), expect
    )


def _rows(problem, rows):
    return {key: np.asarray(value)[rows] for key, value in problem.items()}


def _set(M, value):
    M = np.array(M, dtype=np.float64)
    M[3, 1] = value
    return M


def _ragged(M):
    rows = [list(row) for row in np.asarray(M)]
    rows[0] = rows[0][:-1]
    return rows


def _read_only(value):
    value = np.array(value)
    value.flags.writeable = False
    return value


def _int8(M, key):
    if key == "P":  # one-hot rows: integer probabilities that sum to 1
        return np.eye(M.shape[1], dtype=np.int8)[np.argmax(M, axis=1)]
    return np.round(M * 4).astype(np.int8)


def _added(M, key, kind):
    """A column added to M, or for probabilities an unused or split class."""
    if key == "P":
        if kind == "constant_column":
            return np.hstack([M, np.zeros((M.shape[0], 1))])
        return np.hstack([M[:, :1] / 2, M[:, :1] / 2, M[:, 1:]])
    extra = {
        "constant_column": np.full((M.shape[0], 1), 3.7),
        "duplicated_column": M[:, :1],
        "collinear_column": M[:, :1] - 2.0 * M[:, 1:2],
    }[kind]
    return np.hstack([M, extra])


def _wide(M, key):
    """M with twice as many columns added as there are samples."""
    extra = 2 * M.shape[0]
    if key == "P":
        return np.hstack([M, np.zeros((M.shape[0], extra))])
    return np.hstack([M, np.random.default_rng(1).standard_normal((len(M), extra))])


def _pandas(problem, key):
    index = pd.RangeIndex(100, 100 + len(problem[key]))[::-1]
    frames = {key: pd.DataFrame(problem[key], index=index)}
    frames.update({k: pd.Series(problem[k], index=index) for k in ("y", "z")})
    return _with(problem, **frames), None


def _label_at(L, value):
    L = L.astype(object if value is None else np.float64)
    L[2] = value
    return L


def _mixed(L):
    L = L.astype(object)
    L[0] = "a"
    return L


def _many_classes(problem, key):
    """10^5 samples, each its own class in ``key``."""
    many = make_problem(N_MANY, 2, N_CLASSES, seed=3)
    many[key] = np.random.default_rng(4).permutation(N_MANY) * 7 - 5
    return many


SCALED = {"X": SAME, "P": MATRIX_ERROR}  # probabilities then do not sum to 1

CASES = [
    _matrix_case("nan", lambda M, k: _set(M, np.nan), MATRIX_ERROR),
    _matrix_case("posinf", lambda M, k: _set(M, np.inf), MATRIX_ERROR),
    _matrix_case("neginf", lambda M, k: _set(M, -np.inf), MATRIX_ERROR),
    _matrix_case("no_columns", lambda M, k: M[:, :0], MATRIX_ERROR),
    _matrix_case("one_d", lambda M, k: M[:, 0], MATRIX_ERROR),
    _matrix_case("three_d", lambda M, k: M[:, :, None], MATRIX_ERROR),
    _matrix_case("ragged", lambda M, k: _ragged(M), MATRIX_ERROR),
    _matrix_case("object", lambda M, k: M.astype(object), Raises(TypeError, "matrix")),
    _matrix_case(
        "complex", lambda M, k: M.astype(complex), Raises(TypeError, "matrix")
    ),
    _matrix_case(
        "float16",
        lambda M, k: M.astype(np.float16),
        SAME,
        clean=lambda M, k: M.astype(np.float16).astype(np.float64),
    ),
    _matrix_case(
        "float32",
        lambda M, k: M.astype(np.float32),
        SAME,
        clean=lambda M, k: M.astype(np.float32).astype(np.float64),
    ),
    _matrix_case(
        "int8", _int8, SAME, clean=lambda M, k: _int8(M, k).astype(np.float64)
    ),
    _matrix_case("non_contiguous", lambda M, k: np.repeat(M, 2, axis=1)[:, ::2], SAME),
    _matrix_case("fortran", lambda M, k: np.asfortranarray(M), SAME),
    _matrix_case("read_only", lambda M, k: _read_only(M), SAME),
    Case("pandas", "matrix", _pandas, SAME),
    _matrix_case("sparse", lambda M, k: sp.csr_matrix(M), SAME),
    _matrix_case("constant_column", lambda M, k: _added(M, k, "constant_column"), SAME),
    _matrix_case(
        "duplicated_column", lambda M, k: _added(M, k, "duplicated_column"), SAME
    ),
    _matrix_case(
        "collinear_column",
        lambda M, k: _added(M, k, "collinear_column"),
        SAME,
        keys=("X",),
    ),
    _matrix_case("wide", _wide, {"X": FINITE, "P": SAME}),
    _matrix_case("scaled_tiny", lambda M, k: M * 1e-30, SCALED),
    _matrix_case("scaled_huge", lambda M, k: M * 1e30, SCALED),
    _label_case("nan_label", lambda L: _label_at(L, np.nan), LABEL_ERROR),
    _label_case("none_label", lambda L: _label_at(L, None), LABEL_ERROR),
    _label_case("length_mismatch", lambda L: L[:-1], LABEL_ERROR),
    _label_case("non_integral", lambda L: L + 0.5, LABEL_ERROR),
    _label_case("mixed_types", _mixed, Raises(TypeError, "labels")),
    _label_case("one_class", lambda L: np.full_like(L, L[0]), LABEL_ERROR),
    _label_case(
        "one_class_strings",
        lambda L: pd.Series(["a"] * len(L), dtype=object),
        LABEL_ERROR,
    ),
    _label_case("strings", lambda L: np.char.add("class", L.astype(str)), SAME),
    _label_case("objects", lambda L: L.astype(object), SAME),
    _label_case(
        "booleans",
        lambda L: L == L[0],
        SAME,
        clean=lambda L: (L == L[0]).astype(np.int64),
    ),
    _label_case("negative", lambda L: L - 7, SAME),
    _label_case("huge_int64", lambda L: L.astype(np.int64) * 2**40 + 2**62, SAME),
    _label_case("huge_uint64", lambda L: L.astype(np.uint64) + 2**63, SAME),
    _label_case("integral_floats", lambda L: L.astype(np.float64), SAME),
    _label_case("list", lambda L: L.tolist(), SAME),
    _label_case(
        "series", lambda L: pd.Series(L, index=np.arange(len(L))[::-1] + 100), SAME
    ),
    _label_case("read_only_labels", _read_only, SAME),
    Case("many_classes", "labels", lambda p, k: (_many_classes(p, k), None), FINITE),
    _problem_case(
        "empty", lambda p, k: _rows(p, slice(0, 0)), Raises(ValueError, "any")
    ),
    _problem_case(
        "one_sample", lambda p, k: _rows(p, slice(0, 1)), Raises(ValueError, "target")
    ),
    _problem_case("one_per_class", lambda p, k: make_problem(6, 2, 6, seed=2), FINITE),
]


# Documented departures of each entry point from the defaults.
SCALE = ("scaled_tiny", "scaled_huge")
FEATURE_VALUES = ("constant_column", "duplicated_column", "collinear_column", *SCALE)


def _invariant_to(*cases):
    """A metric invariant only to ``cases`` of the feature-value cases."""
    return {case: FINITE for case in FEATURE_VALUES if case not in cases}


def _h(p):
    return h_score_reference(p["X"], p["y"])


def _hardness(labels):
    return entropy(np.unique(np.asarray(labels), return_counts=True)[1])


NLEEP = {
    **_invariant_to(*SCALE),
    "many_classes": Raises(ValueError, "labels", "y has 100000 classes"),
}
GBC_MANY = Skip("GBC sums over all 10^10 pairs of 10^5 classes: minutes")
LOGME_MANY = {
    "many_classes": Skip(
        "LogME takes ~10 s for 10^5 classes (each class indicator iterates to the "
        "cap of 200 steps, then bisects); logme_score checks the value"
    )
}
# scikit-learn's validation of the estimators' X (and of X against y).
SKLEARN = {
    "no_columns": Raises(ValueError, "matrix", r"0 feature\(s\)"),
    "one_d": Raises(ValueError, "matrix", "Expected 2D array"),
    "three_d": Raises(ValueError, "matrix", "dim 3"),
    "ragged": Raises(ValueError, "matrix", "inhomogeneous shape"),
    "complex": Raises(ValueError, "matrix", "Complex data not supported"),
    "object": SAME,  # numbers stored as objects are converted, as scikit-learn does
}
SKLEARN_LENGTH = {
    "length_mismatch": Raises(ValueError, "labels", "inconsistent numbers of samples")
}
# A classifier's targets, checked by scikit-learn: numbers stored as objects are
# of an unknown type there, as for every scikit-learn classifier.
SKLEARN_TARGETS = SKLEARN_LENGTH | {
    "objects": Raises(ValueError, "labels", "Unknown label type")
}
ONE_CLASS_SOURCE = ("one_class", "one_class_strings")  # documented: any number
ONE_TASK_TABLE = {"length_mismatch": None}  # one table of tasks: no mismatch
ZERO = Reference(lambda p: 0.0)
# The H-score of k >= n - 1 features is n_classes - 1 whatever the labels, and
# with one sample per class the rank of the class means' span (2 here).
H_SCORE_DOCUMENTED = {
    "wide": Reference(_h),
    "one_per_class": Reference(_h),
    "many_classes": Reference(lambda p: 2.0),
}

EXPECTED = {
    "h_score": H_SCORE_DOCUMENTED,
    "h_score[2-D y]": {
        "wide": Reference(lambda p: [_h(p), h_score_reference(p["X"], p["y"][::-1])]),
        "many_classes": Reference(lambda p: [2.0, 2.0]),
    },
    "h_score[ledoit_wolf]": _invariant_to(*SCALE),
    "normalized_h_score": {
        "wide": Reference(lambda p: _h(p) / (N_CLASSES - 1)),
        "one_per_class": Reference(lambda p: _h(p) / 5),
        "many_classes": Reference(lambda p: 2.0 / (N_MANY - 1)),
    },
    "logme_score": _invariant_to(*SCALE),
    "transrate_score": _invariant_to("constant_column"),
    "gbc_score": _invariant_to("constant_column", *SCALE) | {"many_classes": GBC_MANY},
    "gbc_score[spherical]": _invariant_to(*SCALE) | {"many_classes": GBC_MANY},
    "nleep_score": NLEEP,
    # The targets are images of real values, quantised into a palette.
    "pixelwise_h_score": {
        "none_label": Raises(TypeError, "labels"),
        "non_integral": SAME,
        "one_class": ZERO,  # one colour in every sample: no information
        "one_class_strings": Raises(TypeError, "labels"),
        "strings": Raises(TypeError, "labels"),
        "objects": Raises(TypeError, "labels"),
        "one_sample": ZERO,
    },
    # The LogME of a pair changes when one block of it changes scale.
    "score_combinations[logme]": _invariant_to() | LOGME_MANY,
    "rank_sources": {"object": SAME},
    "SourceSelector[columns]": SKLEARN | SKLEARN_LENGTH,
    "SourceSelector[estimators]": _invariant_to()
    | SKLEARN_LENGTH
    | LOGME_MANY
    | {"object": SAME},
    # A probe of GaussianNB, which computes in the dtype it is given and
    # refuses sparse input; its variance floor is relative to the largest.
    "measured_transfer": _invariant_to("constant_column", *SCALE)
    | {
        "float16": FINITE,
        "float32": FINITE,
        "sparse": Raises(TypeError, "matrix", "[Ss]parse data"),
        "one_per_class": LABEL_ERROR,
        "many_classes": LABEL_ERROR,
    },
    "FeatureStatistics": H_SCORE_DOCUMENTED,
    "FeatureStatistics[logme]": _invariant_to(*SCALE) | LOGME_MANY,
    "get_scorer('gbc')": _invariant_to("constant_column", *SCALE)
    | {"many_classes": GBC_MANY},
    "get_scorer('gbc_spherical')": _invariant_to(*SCALE) | {"many_classes": GBC_MANY},
    "get_scorer('h_score')": H_SCORE_DOCUMENTED,
    "get_scorer('logme')": _invariant_to(*SCALE) | LOGME_MANY,
    "get_scorer('nleep')": NLEEP,
    "get_scorer('regularized_h_score')": _invariant_to(*SCALE),
    "get_scorer('transrate')": _invariant_to("constant_column"),
    "conditional_entropy[y]": {
        "many_classes": Reference(lambda p: math.log(N_MANY) - _hardness(p["z"]))
    },
    "conditional_entropy[z]": dict.fromkeys(
        ONE_CLASS_SOURCE, Reference(lambda p: _hardness(p["y"]))
    )
    | {"many_classes": ZERO},
    "task_hardness": ONE_TASK_TABLE
    | {
        "one_class": ZERO,
        "one_class_strings": ZERO,
        "one_sample": ZERO,
        "many_classes": Reference(lambda p: math.log(N_MANY)),
    },
    "optimal_h_score[x]": dict.fromkeys(ONE_CLASS_SOURCE, ZERO)
    | {"many_classes": Reference(lambda p: N_CLASSES - 1.0)},
    "LabelStatistics[y]": {
        "many_classes": Reference(lambda p: _hardness(p["z"]) - math.log(N_MANY))
    },
    "LabelStatistics[z]": dict.fromkeys(
        ONE_CLASS_SOURCE, Reference(lambda p: -_hardness(p["y"]))
    )
    | {"many_classes": ZERO},
    "rank_sources[labels]": dict.fromkeys(ONE_CLASS_SOURCE, FINITE),
    "rank_sources[proba]": {"object": SAME},
    "SourceSelector[labels]": SKLEARN_LENGTH,
    "transferability_matrix[labels]": ONE_TASK_TABLE,
    "CurriculumBuilder[labels]": ONE_TASK_TABLE,
    # A classifier of one class predicts it with probability 1.
    "TransferClassifier[hard]": SKLEARN_TARGETS
    | {"one_class": ZERO, "one_class_strings": ZERO, "one_sample": ZERO},
    "TransferClassifier[soft]": SKLEARN_TARGETS
    | {"one_class": ZERO, "one_class_strings": ZERO, "one_sample": ZERO},
}


def _expectation(case, entry):
    expect = EXPECTED.get(entry.name, {}).get(case.name, case.expect)
    if isinstance(expect, dict):
        expect = expect[entry.matrix or "X"]
    return expect


def _applies(case, entry):
    if case.role == "matrix":
        return entry.matrix in case.keys
    if case.role == "labels":
        return entry.labels is not None
    return True


def _params():
    params = []
    for entry in ENTRIES:
        for case in CASES:
            if not _applies(case, entry) or (
                case.name in EXPECTED.get(entry.name, {})
                and EXPECTED[entry.name][case.name] is None
            ):
                continue
            expect = _expectation(case, entry)
            marks = ()
            if isinstance(expect, Skip):
                marks = pytest.mark.skip(reason=expect.reason)
            elif isinstance(expect, XFail):
                marks = pytest.mark.xfail(
                    strict=True, run=expect.run, reason=expect.reason
                )
            params.append(
                pytest.param(entry, case, id=f"{entry.name}-{case.name}", marks=marks)
            )
    return params


def _call(entry, problem):
    with warnings.catch_warnings():
        # Documented for few samples; the value is checked all the same.
        warnings.simplefilter("ignore", FewSamplesWarning)
        return entry(problem)


@cache
def _base_result(entry_name):
    return _call(next(e for e in ENTRIES if e.name == entry_name), BASE)


@pytest.mark.parametrize(("entry", "case"), _params())
def test_entry_point_gives_documented_result_or_clear_error(entry, case):
    key = entry.matrix if case.role == "matrix" else entry.labels
    problem, equivalent = case.perturb(BASE, key)
    expect = _expectation(case, entry)
    if isinstance(expect, XFail):
        expect = expect.expect
    if isinstance(expect, Raises):
        names = {
            "matrix": entry.matrix_arg,
            "labels": entry.labels_arg,
            "target": entry.target_arg,
            "any": f"{entry.matrix_arg}|{entry.labels_arg}|{entry.target_arg}",
        }[expect.role]
        with pytest.raises(expect.error, match=expect.match or names):
            _call(entry, problem)
        return
    result = _call(entry, problem)
    assert result.size and np.isfinite(result).all(), result
    if expect == SAME:
        if equivalent is None:
            clean = _base_result(entry.name)
        else:
            clean = _call(entry, equivalent)
        np.testing.assert_allclose(result, clean, rtol=RTOL, atol=0)
    elif isinstance(expect, Reference):
        reference = np.broadcast_to(expect.value(problem), result.shape)
        np.testing.assert_allclose(result, reference, rtol=expect.rtol, atol=1e-12)
    else:
        assert expect == FINITE
