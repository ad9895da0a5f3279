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

import collections
import math
import numbers
import re
import time
import warnings
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import entropy
from sklearn.frozen import FrozenEstimator

from sktransfer import (
    ColumnGroupSelector,
    CurriculumBuilder,
    LabelStatistics,
    SourceSelector,
    _limits,
)
from sktransfer.curriculum import second_order_transferability
from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics import (
    conditional_entropy,
    h_score,
    leep_score,
    nleep_score,
    pixelwise_h_score,
    score_combinations,
    task_hardness,
)
from sktransfer.metrics._hscore import TOLERANCE
from sktransfer.selection import rank_sources
from tests.entry_points import ENTRIES, N_CLASSES, Given, make_problem
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


# Integers on both sides of int64's range: numpy makes a list of them float64,
# which merges the last three.
_HUGE_MIXED = (-1, 2**63, 2**63 + 1, 2**63 + 2)


def _huge_mixed_sign(L):
    return [_HUGE_MIXED[code] for code in L.tolist()]


def _objects(values):
    labels = np.empty(len(values), dtype=object)
    labels[:] = values
    return labels


def _frozensets(L):
    return _objects([frozenset({code}) for code in L.tolist()])


class _Subset(numbers.Number):
    """A number-like label ordered by inclusion, a partial order."""

    def __init__(self, members):
        self.members = frozenset(members)

    def __eq__(self, other):
        return isinstance(other, _Subset) and self.members == other.members

    def __lt__(self, other):
        return self.members < other.members

    def __gt__(self, other):
        return self.members > other.members

    def __hash__(self):
        return hash(self.members)

    def __repr__(self):
        return f"_Subset({set(self.members)})"


def _partially_ordered(L):
    return _objects([_Subset({code}) for code in L.tolist()])


def _decimal_nan(L):
    labels = _objects([Decimal(code) for code in L.tolist()])
    labels[2] = Decimal("NaN")
    return labels


def _missing_boolean(L):
    labels = pd.array(L == L[0], dtype="boolean")
    labels[2] = pd.NA
    return labels


def _missing_string(L):
    labels = pd.array(np.char.add("class", L.astype(str)), dtype="string")
    labels[2] = pd.NA
    return labels


def _nullable(M, key, missing=False):
    """M as a DataFrame of pandas' nullable Float64, with pd.NA if ``missing``."""
    frame = pd.DataFrame(M, dtype="Float64")
    if missing:
        frame.iloc[3, 1] = pd.NA
    return frame


def _float16_rounded_up(M, key):
    """Probabilities in float16, each one unit in the last place too large, as
    a float16 softmax may round them: rows sum to 1 + 2**-10."""
    P = np.asarray(M, dtype=np.float16)
    return np.where(P > 0, np.nextafter(P, np.float16(1)), P)


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
    # Squares beyond the float maximum.
    _matrix_case("scaled_1e154", lambda M, k: M * 1e154, SCALED),
    _matrix_case("nullable_float64", _nullable, SAME),
    _matrix_case(
        "nullable_missing", lambda M, k: _nullable(M, k, missing=True), MATRIX_ERROR
    ),
    _matrix_case("float16_rounded_up", _float16_rounded_up, FINITE, keys=("P",)),
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
    # Distinct classes that numpy's conversions or sorts would merge.
    _label_case("huge_mixed_sign", _huge_mixed_sign, SAME),
    _label_case("near_float_max", lambda L: (L + 1) * 4e307, SAME),
    _label_case("frozensets", _frozensets, Raises(TypeError, "labels")),
    _label_case("partially_ordered", _partially_ordered, Raises(TypeError, "labels")),
    _label_case("decimal_nan", _decimal_nan, LABEL_ERROR),
    _label_case("missing_boolean", _missing_boolean, LABEL_ERROR),
    _label_case("missing_string", _missing_string, LABEL_ERROR),
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
SCALE = ("scaled_tiny", "scaled_huge", "scaled_1e154")
FEATURE_VALUES = ("constant_column", "duplicated_column", "collinear_column", *SCALE)


def _invariant_to(*cases):
    """A metric invariant only to ``cases`` of the feature-value cases."""
    return {case: FINITE for case in FEATURE_VALUES if case not in cases}


def _h(p):
    return h_score_reference(p["X"], p["y"])


def _hardness(labels):
    return entropy(np.unique(np.asarray(labels), return_counts=True)[1])


# TransRate is not scale invariant; it refuses features whose squares over its
# eps overflow, naming X.
TRANSRATE_HUGE = {"scaled_1e154": MATRIX_ERROR}
NLEEP = {
    **_invariant_to(*SCALE),
    "many_classes": Raises(ValueError, "labels", "y has 100000 classes"),
}
GBC_MANY = Skip(
    "GBC sums over all 5 x 10^9 pairs of 10^5 classes: 12 s at 10^4 classes on one "
    "core, quadratic in them, so about 20 minutes per entry"
)
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
# A classifier's targets, checked by scikit-learn, whose message names their
# type rather than y: labels held as objects (numbers, None, frozensets, the
# integers of a list beyond int64, ...) are of an unknown type there, and
# non-integral floats or floats beyond int64 continuous, as for every
# scikit-learn classifier.
SKLEARN_TARGETS = SKLEARN_LENGTH | {
    case: Raises(ValueError, "labels", "Unknown label type")
    for case in (
        "objects",
        "none_label",
        "non_integral",
        "huge_mixed_sign",
        "near_float_max",
        "frozensets",
        "partially_ordered",
        "decimal_nan",
        "missing_boolean",
    )
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
    "transrate_score": _invariant_to("constant_column") | TRANSRATE_HUGE,
    "gbc_score": _invariant_to("constant_column", *SCALE) | {"many_classes": GBC_MANY},
    "gbc_score[spherical]": _invariant_to(*SCALE) | {"many_classes": GBC_MANY},
    "nleep_score": NLEEP,
    # The targets are images of real values, quantised into a palette; those
    # float64 cannot hold exactly (integers 2**63 apart) are refused.
    "pixelwise_h_score": {
        "huge_mixed_sign": LABEL_ERROR,
        "none_label": Raises(TypeError, "labels"),
        "decimal_nan": Raises(TypeError, "labels"),
        "missing_boolean": Raises(TypeError, "labels"),
        "missing_string": Raises(TypeError, "labels"),
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
    "ColumnGroupSelector": SKLEARN | SKLEARN_LENGTH,
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
        "scaled_1e154": Skip(
            "GaussianNB, the probe, squares the features: beyond 1e154 its "
            "variances overflow inside scikit-learn"
        ),
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
    "get_scorer('transrate')": _invariant_to("constant_column") | TRANSRATE_HUGE,
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


def _as_words(names):
    """A pattern of the argument names as words: "y" must not match inside
    "array" or "type", nor "Y" inside "Y_dense"."""
    return rf"(?<!\w)(?:{names})(?!\w)"


@pytest.mark.parametrize(
    ("names", "message", "found"),
    [
        ("y", "y contains NaN", True),
        ("y", "the labels y's classes", True),
        ("y", "every array has a type", False),
        ("Y", "Y_dense is empty", False),
        ("X|y", "X must be 2-D", True),
        (r"features\[0\]", "features[0] is empty", True),
        (r"source 'a'", "the features of source 'a' are empty", True),
    ],
)
def test_an_argument_is_matched_as_a_word(names, message, found):
    assert bool(re.search(_as_words(names), message)) is found


@pytest.mark.parametrize(("entry", "case"), _params())
def test_entry_point_gives_documented_result_or_clear_error(entry, case):
    key = entry.matrix if case.role == "matrix" else entry.labels
    problem, equivalent = case.perturb(BASE, key)
    expect = _expectation(case, entry)
    if isinstance(expect, XFail):
        expect = expect.expect
    if isinstance(expect, Raises):
        every = (entry.matrix_arg, entry.labels_arg, entry.target_arg, entry.other_arg)
        names = {
            "matrix": entry.matrix_arg,
            "labels": entry.labels_arg,
            "target": entry.target_arg,
            "any": "|".join(name for name in every if name is not None),
        }[expect.role]
        pattern = expect.match or _as_words(names)
        with pytest.raises(expect.error, match=pattern):
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


# Labels merged or split by numpy, outside the table of entry points -----------


def _conditional_entropy_by_counting(y, z):
    """H(y | z) in nats from Python's own counts of the label pairs."""
    pairs = collections.Counter(zip(y, z, strict=True))
    sources = collections.Counter(z)
    n = len(y)
    return sum(c / n * math.log(sources[b] / c) for (_, b), c in pairs.items())


def test_label_statistics_keep_int64_and_uint64_chunks_apart():
    # Classes 2**63 and 2**63 + 1 merge in float64, where np.union1d of an
    # int64 and a uint64 array computes.
    y1, z1 = np.array([-1, 0, 5, 5], dtype=np.int64), np.array([0, 1, 1, 0])
    y2 = np.array([2**63, 2**63 + 1, 5, 2**63], dtype=np.uint64)
    z2 = np.array([0, 1, 1, 1], dtype=np.uint64)
    stats = LabelStatistics().partial_fit(y1, z1).partial_fit(y2, z2)
    assert stats.classes_.tolist() == [-1, 0, 5, 2**63, 2**63 + 1]
    y = y1.tolist() + y2.tolist()
    z = z1.tolist() + z2.tolist()
    expected = _conditional_entropy_by_counting(y, z)
    assert stats.score() == pytest.approx(-expected, rel=1e-12)
    # The same classes however the chunks are merged.
    merged = (
        LabelStatistics()
        .partial_fit(y1, z1)
        .merge(LabelStatistics().partial_fit(y2, z2))
    )
    assert merged.classes_.tolist() == stats.classes_.tolist()
    assert merged.score() == pytest.approx(-expected, rel=1e-12)


def test_a_list_of_integers_beyond_int64_keeps_its_classes():
    y = [-1, 2**63, 2**63 + 1, -1, 2**63 + 1, 2**64 + 7] * 5
    z = [0, 0, 1, 1, 0, 1] * 5
    assert task_hardness(y) == pytest.approx(
        entropy(list(collections.Counter(y).values())), rel=1e-12
    )
    assert conditional_entropy(y, z) == pytest.approx(
        _conditional_entropy_by_counting(y, z), rel=1e-12
    )


def test_labels_without_a_total_order_are_refused_alike_everywhere():
    labels = [frozenset({1}), frozenset({2}), frozenset({3})] * 10
    message = "holds a frozenset.*each a string, a number or a boolean"
    X = np.random.default_rng(0).standard_normal((30, 2))
    with pytest.raises(TypeError, match=f"y {message}"):
        task_hardness(labels)
    with pytest.raises(TypeError, match=f"y {message}"):
        h_score(X, labels)
    with pytest.raises(TypeError, match=f"z {message}"):
        conditional_entropy(np.arange(30) % 2, labels)
    table = np.empty((30, 2), dtype=object)
    table[:, 0], table[:, 1] = _objects(labels), np.arange(30) % 2
    with pytest.raises(TypeError, match=f"Y column 'task0' {message}"):
        CurriculumBuilder().fit(table)
    # Numbers of a partial order pass the check of types; their sort would
    # split equal labels, which the check of the classes found refuses.
    with pytest.raises(TypeError, match="y holds labels that cannot be sorted"):
        task_hardness(_partially_ordered(np.arange(30) % 3))


@pytest.mark.parametrize(
    ("labels", "missing"),
    [
        ([Decimal(1), Decimal("NaN"), Decimal(2)], "None or NaN"),
        ([Decimal(1), Decimal("sNaN"), Decimal(2)], "None or NaN"),
        (pd.array([True, pd.NA, False], dtype="boolean"), r"pd\.NA"),
        (pd.array(["a", pd.NA, "b"], dtype="string"), r"pd\.NA"),
        (pd.Series([1, None, 2], dtype="Int64"), "NaN"),
    ],
    ids=["decimal_nan", "decimal_snan", "boolean_na", "string_na", "int64_na"],
)
def test_missing_labels_of_every_kind_are_named_missing(labels, missing):
    with pytest.raises(ValueError, match=f"y contains .*{missing}.*needs a label"):
        task_hardness(labels)


def test_decimal_labels_are_checked_like_floats():
    assert task_hardness([Decimal(1), Decimal(2), Decimal("2.0")]) == pytest.approx(
        entropy([1, 2]), rel=1e-12
    )
    with pytest.raises(ValueError, match="y has non-integer float values"):
        task_hardness([Decimal(1), Decimal("1.5")])
    with pytest.raises(ValueError, match="y contains NaN or infinity"):
        task_hardness([Decimal(1), Decimal("Infinity")])


# Probabilities in float16 ------------------------------------------------------


def test_the_row_sum_tolerance_follows_the_dtype_of_the_probabilities():
    y = np.arange(40) % 3
    P = _float16_rounded_up(BASE["P"], "P")
    off = np.abs(P.astype(np.float64).sum(axis=1) - 1.0)
    assert off.min() > np.sqrt(np.finfo(np.float32).eps)  # float32's tolerance
    assert np.isfinite(leep_score(y, P))
    # The same numbers in float64 claim a precision they do not have.
    with pytest.raises(ValueError, match=r"source_proba row 0 sums to 1\.00"):
        leep_score(y, P.astype(np.float64))
    # float16's own tolerance, the square root of its epsilon, still holds.
    far = P.astype(np.float64)
    far[0] *= 1.04
    with pytest.raises(ValueError, match="source_proba row 0 sums to"):
        leep_score(y, far.astype(np.float16))


# Scores near the float maximum in a precomputed curriculum ---------------------


@pytest.mark.parametrize("scale", [2.0**600, 2.0**-600, 1e154, -1e300])
def test_a_precomputed_curriculum_is_unchanged_by_the_scale_of_its_scores(scale):
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    M = np.random.default_rng(0).standard_normal((5, 5))
    builder = CurriculumBuilder("precomputed").fit(M * scale)
    reference = CurriculumBuilder("precomputed").fit(M * np.sign(scale))
    assert list(builder.order_) == list(reference.order_)
    assert sorted(builder.curriculum_.edges) == sorted(reference.curriculum_.edges)
    np.testing.assert_array_equal(builder.roots_, reference.roots_)
    # scipy's own linkage of the unscaled scores, heights times |scale|.
    tree = linkage(pdist((M * np.sign(scale)).T), method="average")
    np.testing.assert_array_equal(builder.linkage_[:, :2], tree[:, :2])
    np.testing.assert_allclose(
        builder.linkage_[:, 2], tree[:, 2] * abs(scale), rtol=4 * np.finfo(float).eps
    )
    means = [np.delete(row, i).mean() for i, row in enumerate(M * scale / abs(scale))]
    np.testing.assert_allclose(
        builder.source_scores_, np.array(means) * abs(scale), rtol=1e-15
    )


def test_a_precomputed_curriculum_refuses_distances_beyond_the_float_maximum():
    M = np.zeros((3, 3))
    M[0, 1], M[0, 2] = 1.5e308, -1.5e308  # columns 3e308 apart
    with pytest.raises(ValueError, match="Y holds scores so far apart"):
        CurriculumBuilder("precomputed").fit(M)


# Resource guards ---------------------------------------------------------------


@pytest.mark.parametrize(("n", "max_order"), [(10, 3), (64, 4), (64, 64), (7, 9)])
def test_candidates_are_counted_exactly(n, max_order):
    expected = sum(math.comb(n, k) for k in range(1, min(n, max_order) + 1))
    assert _limits.count_candidates(n, max_order) == expected


def _refuses_quickly(call, match):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        call()
    assert time.perf_counter() - start < 5


def test_too_many_candidates_are_refused_before_any_is_made():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 64))
    y = np.arange(30) % 3
    count = "about 1.8e\\+19 candidates"
    _refuses_quickly(
        lambda: ColumnGroupSelector(max_order=64).fit(X, y),
        f"max_order=64 over 64 sources makes {count}.*lower max_order to 4",
    )
    sources = {f"s{i}": X[:, i : i + 1] for i in range(64)}
    _refuses_quickly(
        lambda: rank_sources(sources, y, max_order=40),
        "max_order=40 over 64 sources makes about",
    )
    blocks = [X[:, i : i + 1] for i in range(64)]
    _refuses_quickly(
        lambda: score_combinations(blocks, y, max_order=5),
        "max_order=5 over 64 sources makes 8,303,632 candidates",
    )
    estimators = [(f"s{i}", FrozenEstimator(Given(X[:, i : i + 1]))) for i in range(64)]
    _refuses_quickly(
        lambda: SourceSelector(estimators, max_order=5).fit(X, y),
        "max_order=5 over 64 sources",
    )
    # One pair of sources per target and candidate: 185 * C(184, 2) of them.
    Y = rng.integers(0, 2, (20, 185))
    _refuses_quickly(
        lambda: second_order_transferability(Y, features=[X[:20]] * 185),
        "Y has 185 tasks.*3,114,660",
    )


def test_nleep_refuses_to_densify_sparse_features_beyond_memory():
    # 10^6 x 10^7 float64 values: 80 TB, however large the machine.
    n = 10**6
    columns = np.random.default_rng(0).integers(0, 10**7, n)
    X = sp.csr_array((np.ones(n), (np.arange(n), columns)), shape=(n, 10**7))
    y = np.arange(n) % 2
    _refuses_quickly(
        lambda: nleep_score(X, y, pca_variance=None, random_state=0),
        r"NLEEP's centred float64 copy of X \(1000000 x 10000000, sparse, "
        r"densified\) would take 72\.8 TiB.*pass pca_variance",
    )


@pytest.fixture
def small_memory(monkeypatch):
    """A machine of 1 MiB: every guard's refusal, on small inputs."""
    monkeypatch.setattr(_limits, "memory_size", lambda: 2**20)


def test_every_allocation_guard_names_its_size_and_parameter(small_memory):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 8))
    y = np.arange(400) % 4
    memory = r"more than 50% of the 1\.0 MiB of memory"
    # Each size independently: 8 bytes a value, times the shape.
    with pytest.raises(
        ValueError,
        match=rf"posterior .* 200 Gaussian components would take 640,000 bytes, "
        rf"{memory}; pass a smaller n_components",
    ):
        nleep_score(X, y, n_components=200, random_state=0)
    with pytest.raises(
        ValueError,
        match=rf"class means of 1600 pixels x 16 colours x 8 features would take "
        rf"1\.6 MiB, {memory}; pass a larger pool",
    ):
        pixelwise_h_score(X, rng.random((400, 40, 40)), random_state=0)
    with pytest.raises(
        ValueError,
        match=rf"400 target classes x 400 source classes \(the columns of "
        rf"source_proba\) would take 1\.2 MiB, {memory}; group",
    ):
        leep_score(np.arange(400), np.full((400, 400), 1 / 400))
    with pytest.raises(
        ValueError,
        match=rf"300 x 300 matrix .* would take 720,000 bytes, {memory}; pass "
        r"fewer tasks \(columns of Y\)",
    ):
        CurriculumBuilder().fit(rng.integers(0, 2, (10, 300)))
    # 43,744 candidates of up to 3 sources: 392 bytes each, by the estimate.
    with pytest.raises(
        ValueError,
        match=rf"table of 43,744 candidates would take 16\.4 MiB, {memory}; "
        "lower max_order",
    ):
        score_combinations([X[:, :1]] * 64, y, max_order=3)


@pytest.mark.skipif(
    not Path("/proc/meminfo").exists(), reason="needs Linux's /proc/meminfo"
)
def test_the_memory_size_is_at_most_the_physical_memory():
    # /proc/meminfo's MemTotal is in KiB; a container's limit may be lower.
    meminfo = Path("/proc/meminfo").read_text()
    total = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo).group(1)) * 1024
    size = _limits.memory_size()
    assert 0 < size <= total
