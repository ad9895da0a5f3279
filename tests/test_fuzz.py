"""Fuzzing the file readers and the metric functions with hypothesis.

The long, bounded run (about three minutes on two cores, 3000 examples per
target)::

    SKTRANSFER_FUZZ=1 python -m pytest tests/test_fuzz.py -q

``SKTRANSFER_FUZZ=<n>`` with ``n > 1`` draws ``n`` examples per target instead
of the default 3000. Without the variable the same tests draw a few examples
each, as part of the normal suite.

The contracts:

* ``sktransfer._io``: arbitrary bytes, and valid files damaged at random, under
  a ``.npy``, ``.npz`` or ``.csv`` name, are either read (as plain arrays) or
  refused with ``InputFileError`` naming the file; nothing else is raised and
  no warning is emitted, since the command line must print one line. Pickles
  with a payload are in ``tests/test_cli_hostile.py``.
* The metric functions: arbitrary arrays (NaN, infinities, extreme values,
  subnormal float16 and float32 values, empty and odd shapes, every dtype)
  give a finite float (or array of them) or raise a plain ``ValueError`` or
  ``TypeError`` with a message. Any other exception type (``IndexError``,
  ``ZeroDivisionError``, ``LinAlgError``, ...) is a bug, and so are NaN or
  infinity returned and a numpy ``RuntimeWarning`` on the way to a value: a
  NaN or overflow was made and may hide in it. Float64 values are drawn within
  ``[SMALLEST, LARGEST]`` in magnitude (or 0, NaN, infinite), where the
  whole suite works (GBC's squared distances still underflow below about
  1e-154); the tests at the end pin the engine beyond that range.
* Never a hang: each example must finish within ``EXAMPLE_SECONDS``.
"""

import collections
import contextlib
import io
import math
import os
import signal
import tempfile
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer._io import InputFileError, read_feature_sources, read_label_table
from sktransfer.exceptions import FewSamplesWarning
from sktransfer.metrics import (
    FeatureStatistics,
    LabelStatistics,
    conditional_entropy,
    gbc_score,
    h_score,
    leep_score,
    logme_score,
    nleep_score,
    normalized_h_score,
    optimal_h_score,
    pixelwise_h_score,
    soft_conditional_entropy,
    task_hardness,
    transrate_score,
)

_FUZZ = os.environ.get("SKTRANSFER_FUZZ", "")
FUZZING = _FUZZ not in ("", "0")
EXAMPLES = (
    (int(_FUZZ) if _FUZZ.isdigit() and int(_FUZZ) > 1 else 3000) if FUZZING else 50
)
# An example slower than this is a hang: the inputs are at most a few dozen rows.
EXAMPLE_SECONDS = 30

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class Hang(Exception):
    """An example ran longer than EXAMPLE_SECONDS."""


@contextlib.contextmanager
def time_limit(seconds=EXAMPLE_SECONDS):
    """Raise Hang in the running example once ``seconds`` have passed."""
    if not hasattr(signal, "setitimer"):  # not on Windows: no bound there
        yield
        return

    def expire(signum, frame):
        raise Hang(f"the example took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# The readers -------------------------------------------------------------------


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npz(arrays, compressed):
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


small_arrays = npst.arrays(
    dtype=st.one_of(
        npst.boolean_dtypes(),
        npst.integer_dtypes(),
        npst.floating_dtypes(),
        npst.unicode_string_dtypes(max_len=3),
    ),
    shape=npst.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
)


@st.composite
def npy_headers(draw):
    """A ``.npy`` file whose header literal is assembled from odd parts."""
    descr = draw(
        st.sampled_from(
            [
                "'<f8'",
                "'>i4'",
                "'|b1'",
                "'<U3'",
                "'|O'",
                "'|V0'",
                "'<U0'",
                "'0i8'",
                "'<c16'",
                "[('a', '<f8')]",
                "[('a', '|O')]",
                "5",
                "None",
                "'<f8', 'x': 1",
            ]
        )
    )
    sides = draw(st.lists(st.integers(-2, 2**40), max_size=3))
    shape = "(" + "".join(f"{side}, " for side in sides) + ")"
    shape = draw(st.sampled_from([shape, "None", "'(2, 2)'", "(2.5,)", "(2L, 3L)"]))
    order = draw(st.sampled_from(["False", "True", "0", "'no'"]))
    header = f"{{'descr': {descr}, 'fortran_order': {order}, 'shape': {shape}, }}"
    header = header.encode("latin-1").ljust(draw(st.integers(0, 200))) + b"\n"
    version = draw(
        st.sampled_from([b"\x01\x00", b"\x02\x00", b"\x03\x00", b"\x09\x09"])
    )
    size = len(header).to_bytes(2 if version == b"\x01\x00" else 4, "little")
    return b"\x93NUMPY" + version + size + header + draw(st.binary(max_size=64))


csv_text = st.lists(
    st.sampled_from(
        list("0123456789,,,\n\n\r\"' -+.eE") + ["nan", "inf", "a", "\x00", "\ufeff"]
    ),
    max_size=120,
).map(lambda tokens: "".join(tokens).encode("utf-8"))


@st.composite
def damaged(draw, content):
    """``content`` with bytes flipped, cut, inserted or appended."""
    data = bytearray(draw(content))
    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[where : where + draw(st.integers(1, 16))]
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[where:]
    return bytes(data)


npy_files = st.one_of(small_arrays.map(_npy), npy_headers())
npz_files = st.builds(
    _npz,
    st.dictionaries(
        st.sampled_from(["a", "b", "c/d", "e.npy"]), small_arrays, max_size=3
    ),
    st.booleans(),
)
FILE_CONTENTS = {
    ".npy": st.one_of(st.binary(max_size=300), damaged(npy_files)),
    ".npz": st.one_of(
        st.binary(max_size=300),
        damaged(npz_files),
        st.builds(
            lambda members: _zip(members),
            st.dictionaries(
                st.sampled_from(["a.npy", "b.npy", "c.txt"]),
                st.one_of(npy_files, st.binary(max_size=100)),
                max_size=3,
            ),
        ),
    ),
    ".csv": st.one_of(st.binary(max_size=300), csv_text, damaged(csv_text)),
}


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _read_both_ways(path):
    """Read ``path`` as features and as a label table; refusals are fine."""
    for read in (lambda: read_feature_sources([path]), lambda: read_label_table(path)):
        try:
            result = read()
        except InputFileError as exc:
            assert str(path) in str(exc)
            continue
        if isinstance(result, dict):
            for array in result.values():
                assert array.ndim == 2 and not array.dtype.hasobject
        else:
            names, columns = result
            assert len(names) == len(columns)
            assert all(not np.asarray(c).dtype.hasobject for c in columns)


@FUZZ_SETTINGS
@given(suffix=st.sampled_from(sorted(FILE_CONTENTS)), data=st.data())
def test_readers_read_or_refuse_any_bytes(suffix, data):
    content = data.draw(FILE_CONTENTS[suffix])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(content)
        with time_limit(), warnings.catch_warnings():
            warnings.simplefilter("error")
            _read_both_ways(path)


# The metrics ---------------------------------------------------------------------


# Float64 magnitudes every metric takes. Beyond them GBC's squared distances
# underflow, and the engine's norm moments overflow (the tests at the end pin
# that it then scores or refuses cleanly); float16, float32 and integers lie
# inside.
LARGEST, SMALLEST = 1e75, 1e-150


def _in_range(value):
    return 0.0 if abs(value) < SMALLEST else value


def _elements(dtype):
    """Every value of ``dtype``, float64 (either byte order) within the range."""
    if dtype.kind != "f" or dtype.itemsize < 8:
        return None
    return st.one_of(
        st.floats(-LARGEST, LARGEST).map(_in_range),
        st.sampled_from([np.nan, np.inf, -np.inf]),
    )


def _any_dtype():
    return st.one_of(
        npst.floating_dtypes(),
        npst.integer_dtypes(),
        npst.unsigned_integer_dtypes(),
        npst.boolean_dtypes(),
        npst.complex_number_dtypes(),
        npst.datetime64_dtypes(),
        npst.unicode_string_dtypes(max_len=3),
        npst.byte_string_dtypes(max_len=3),
    )


@st.composite
def any_arrays(draw, shape):
    dtype = draw(_any_dtype() if shape is None else _numeric_dtype())
    if shape is None:
        shape = draw(npst.array_shapes(min_dims=0, max_dims=3, min_side=0))
    return draw(npst.arrays(dtype, shape, elements=_elements(dtype)))


def _numeric_dtype():
    return st.one_of(
        st.just(np.dtype(np.float64)),
        npst.floating_dtypes(),
        npst.integer_dtypes(),
        npst.boolean_dtypes(),
    )


@st.composite
def feature_matrices(draw, n_samples):
    """Mostly ``n_samples x k`` numbers of any dtype and value; sometimes anything."""
    if draw(st.integers(0, 9)) == 0:  # any shape, any dtype
        return draw(any_arrays(None))
    shape = (n_samples, draw(st.integers(1, 5)))
    if draw(st.booleans()):  # every value the dtype has
        return draw(any_arrays(shape))
    # mostly tame values, a few special ones
    X = draw(
        npst.arrays(
            np.float64,
            shape,
            elements=st.floats(-100, 100).map(_in_range),
            fill=st.nothing(),
        )
    )
    specials = [np.nan, np.inf, -np.inf, LARGEST, -LARGEST, SMALLEST, 0.0]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, shape[0] - 1))
        column = draw(st.integers(0, shape[1] - 1))
        X[row, column] = draw(st.sampled_from(specials))
    dtype = draw(npst.floating_dtypes())
    with np.errstate(over="ignore"):
        return X.astype(dtype)


# Integers on both sides of int64's range, which numpy makes float64 in a list.
HUGE_MIXED = (-1, 2**63, 2**63 + 1, 2**64 + 3)
# Label values held as objects: sets ordered by inclusion, Decimals with a NaN.
OBJECT_LABELS = [
    [frozenset({0}), frozenset({1}), frozenset({0, 1}), frozenset()],
    [Decimal(0), Decimal("NaN"), Decimal(2), Decimal("-Infinity")],
    [Decimal(0), Decimal("1.5"), Decimal(2), Decimal(3)],
    [(0,), (1,), (0, 1), ()],
]


def _objects(values):
    labels = np.empty(len(values), dtype=object)
    labels[:] = values
    return labels


@st.composite
def label_vectors(draw, n_samples):
    """Mostly ``n_samples`` class labels of any kind; sometimes anything."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(any_arrays(None))
    if choice == 1:
        return draw(
            st.lists(
                st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=2)),
                min_size=n_samples,
                max_size=n_samples,
            )
        )
    n_classes = draw(st.integers(1, 4))
    codes = draw(
        npst.arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1))
    )
    kind = draw(
        st.sampled_from(
            [
                "int",
                "str",
                "float",
                "bool",
                "2d",
                "extreme",
                "huge_list",
                "objects",
                "missing",
            ]
        )
    )
    if kind == "huge_list":  # numpy would make these float64, merging classes
        return [HUGE_MIXED[code] for code in codes.tolist()]
    if kind == "objects":  # labels without a total order, or with NaN
        values = draw(st.sampled_from(OBJECT_LABELS))
        return _objects([values[code] for code in codes.tolist()])
    if kind == "missing":  # pandas' missing values in nullable labels
        dtype = draw(st.sampled_from(["boolean", "string", "Int64"]))
        values = {"boolean": codes % 2 == 0, "string": codes.astype(str)}
        labels = pd.array(values.get(dtype, codes), dtype=dtype)
        labels[draw(st.integers(0, n_samples - 1))] = pd.NA
        return labels
    if kind == "str":
        return np.array(["ant", "bee", "cat", "dog"])[codes]
    if kind == "float":
        y = codes.astype(np.float64)
        if draw(st.booleans()):
            y[draw(st.integers(0, n_samples - 1))] = draw(
                st.sampled_from([np.nan, np.inf, 0.5, 1e300])
            )
        return y
    if kind == "bool":
        return codes % 2 == 0
    if kind == "2d":
        return np.column_stack([codes, codes[::-1]])
    if kind == "extreme":
        return np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0, -1])[codes]
    return codes


@st.composite
def probability_matrices(draw, n_samples):
    """Mostly rows that sum to 1, with special values sprinkled in."""
    if draw(st.integers(0, 4)) == 0:
        return draw(feature_matrices(n_samples))
    k = draw(st.integers(1, 4))
    mass = draw(
        npst.arrays(
            np.float64, (n_samples, k), elements=st.floats(0, 1), fill=st.nothing()
        )
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        proba = mass / mass.sum(axis=1, keepdims=True)
    for _ in range(draw(st.integers(0, 2))):
        row = draw(st.integers(0, n_samples - 1))
        proba[row, draw(st.integers(0, k - 1))] = draw(
            st.sampled_from([np.nan, np.inf, -0.5, 1e-320, 1.0 + 1e-3, 0.0])
        )
    dtype = draw(st.sampled_from([np.float64, np.float32, np.float16]))
    with np.errstate(over="ignore"):
        return proba.astype(dtype)


def _bound(metric, **kwargs):
    """``metric`` with keyword arguments bound, under the metric's name."""

    def call(*args):
        return metric(*args, **kwargs)

    options = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    call.__name__ = f"{metric.__name__}({options})"
    return call


def _streamed_h_score(X, y):
    return FeatureStatistics().partial_fit(X, y).score()


# The metrics that read the statistics engine.
ENGINE_METRICS = [
    _bound(h_score),
    _bound(h_score, shrinkage="ledoit_wolf"),
    _bound(h_score, shrinkage="oas"),
    _bound(normalized_h_score),
    _bound(logme_score),
    _bound(transrate_score),
]
FEATURE_METRICS = [
    *ENGINE_METRICS,
    _bound(gbc_score),
    _bound(gbc_score, gaussian="spherical"),
    _streamed_h_score,
]
LABEL_METRICS = [conditional_entropy, optimal_h_score]
PROBABILITY_METRICS = [leep_score, soft_conditional_entropy]


def check_outcome(call, *args, strict=False):
    """A finite float (or array of them), or a plain ValueError/TypeError.

    A numpy RuntimeWarning on the way to a value means a NaN or an overflow was
    made and may hide in it: a failure. On the way to an error it is only noise
    on standard error: tolerated unless ``strict``.
    """
    with time_limit(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        warnings.simplefilter("ignore", FewSamplesWarning)  # legal, documented
        warnings.filterwarnings("ignore", "The H-score of X", UserWarning)
        try:
            result = call(*args)
        except (ValueError, TypeError) as exc:
            if type(exc) not in (ValueError, TypeError, InvalidParameterError):
                raise  # a subclass: LinAlgError, AxisError, ... is an accident
            assert str(exc).strip(), f"{type(exc).__name__} without a message"
            result = None
    numpy_warnings = [
        f"{w.filename}:{w.lineno}: {w.message}"
        for w in caught
        if issubclass(w.category, RuntimeWarning)
    ]
    if result is None:
        assert not (strict and numpy_warnings), numpy_warnings
        return None
    assert not numpy_warnings, numpy_warnings
    values = np.asarray(result, dtype=np.float64)
    assert np.isfinite(values).all(), f"{call.__name__} returned {result!r}"
    return result


@FUZZ_SETTINGS
@given(
    metric=st.sampled_from(FEATURE_METRICS),
    n_samples=st.integers(1, 30),
    data=st.data(),
)
def test_feature_metrics_return_a_finite_score_or_a_clear_error(
    metric, n_samples, data
):
    X = data.draw(feature_matrices(n_samples), label="X")
    y = data.draw(label_vectors(n_samples), label="y")
    check_outcome(metric, X, y)


@FUZZ_SETTINGS
@given(
    metric=st.sampled_from(LABEL_METRICS),
    n_samples=st.integers(1, 40),
    data=st.data(),
)
def test_label_metrics_return_a_finite_score_or_a_clear_error(metric, n_samples, data):
    y = data.draw(label_vectors(n_samples), label="y")
    z = data.draw(label_vectors(n_samples), label="z")
    check_outcome(metric, y, z)
    check_outcome(task_hardness, y)


@FUZZ_SETTINGS
@given(
    metric=st.sampled_from(PROBABILITY_METRICS),
    n_samples=st.integers(1, 30),
    data=st.data(),
)
def test_probability_metrics_return_a_finite_score_or_a_clear_error(
    metric, n_samples, data
):
    y = data.draw(label_vectors(n_samples), label="y")
    proba = data.draw(probability_matrices(n_samples), label="proba")
    check_outcome(metric, y, proba)


@settings(FUZZ_SETTINGS, max_examples=max(EXAMPLES // 20, 5))
@given(n_samples=st.integers(1, 30), data=st.data())
def test_nleep_returns_a_finite_score_or_a_clear_error(n_samples, data):
    # A Gaussian mixture per call: fewer examples.
    X = data.draw(feature_matrices(n_samples), label="X")
    y = data.draw(label_vectors(n_samples), label="y")
    assume(np.ndim(X) == 2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
        check_outcome(_bound(nleep_score, random_state=0), X, y)


def test_the_time_limit_stops_a_hang():
    with pytest.raises(Hang), time_limit(0.05):
        while True:
            pass


# The statistics engine outside the fuzzed range --------------------------------


@pytest.mark.parametrize("magnitude", [1e100, 1e200, 1.5e308, "both infinities"])
@pytest.mark.parametrize("metric", ENGINE_METRICS, ids=lambda m: m.__name__)
def test_features_beyond_the_engine_range_give_a_score_or_a_clear_error(
    metric, magnitude
):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 30)
    X = rng.standard_normal((30, 3)) + y[:, None]
    if magnitude == "both infinities":
        X[:2, 0] = [np.inf, -np.inf]
    else:
        X *= magnitude / 4
    check_outcome(metric, X, y, strict=True)


def test_nleep_of_constant_features_is_minus_the_target_entropy_quietly():
    y = np.arange(20) % 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        score = nleep_score(np.zeros((20, 3)), y, random_state=0)
    assert [str(w.message) for w in caught] == []
    assert score == pytest.approx(-task_hardness(y), rel=1e-12)


# Properties of labels and scales ------------------------------------------------


def _entropy_by_counting(labels):
    counts = collections.Counter(labels).values()
    n = sum(counts)
    return -sum(c / n * math.log(c / n) for c in counts)


@FUZZ_SETTINGS
@given(
    labels=st.lists(
        st.sampled_from([-(2**64), -1, 0, 2**53 + 1, 2**63, 2**63 + 1, 2**64 + 3]),
        min_size=1,
        max_size=40,
    ),
    data=st.data(),
)
def test_integer_labels_are_classes_by_equality_whatever_their_size(labels, data):
    # Python's own counts are the reference: integers beyond 2**53 must not
    # merge, as they do in the float64 numpy makes of such a list.
    assert task_hardness(labels) == pytest.approx(
        _entropy_by_counting(labels), rel=1e-12, abs=1e-15
    )
    assume(len(set(labels)) > 1)  # the conditional entropy needs two classes
    z = data.draw(st.lists(st.integers(0, 2), min_size=len(labels), max_size=40))
    z = z[: len(labels)]
    pairs = _entropy_by_counting(list(zip(labels, z, strict=True)))
    expected = pairs - _entropy_by_counting(z)  # H(y | z) = H(y, z) - H(z)
    assert conditional_entropy(labels, z) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


@FUZZ_SETTINGS
@given(
    chunks=st.lists(
        st.lists(st.integers(-(2**63), 2**64 - 1), min_size=1, max_size=8),
        min_size=1,
        max_size=4,
    )
)
def test_streamed_integer_labels_keep_their_classes_across_dtypes(chunks):
    # Each chunk in the narrowest of int64 and uint64 that holds it, as chunks
    # read from different files may come.
    stats = LabelStatistics()
    for chunk in chunks:
        dtype = np.int64 if max(chunk) < 2**63 else np.uint64
        if min(chunk) < 0 and dtype == np.uint64:
            continue
        stats.partial_fit(np.array(chunk, dtype=dtype), np.zeros(len(chunk), int))
    if stats.n_samples_seen_:
        seen = [
            v
            for chunk in chunks
            if not (min(chunk) < 0 and max(chunk) >= 2**63)
            for v in chunk
        ]
        assert [int(c) for c in stats.classes_] == sorted(set(seen))


@FUZZ_SETTINGS
@given(
    logits=npst.arrays(
        np.float16,
        st.tuples(st.integers(2, 20), st.integers(2, 40)),
        elements=st.floats(-8, 8, width=16),
    )
)
def test_a_float16_softmax_is_accepted_as_probabilities(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    proba = exp / exp.sum(axis=1, keepdims=True, dtype=np.float16)
    y = np.arange(len(proba)) % 2
    assert np.isfinite(leep_score(y, proba))
    assert np.isfinite(soft_conditional_entropy(y, proba))


@settings(FUZZ_SETTINGS, max_examples=max(EXAMPLES // 10, 5))
@given(exponent=st.integers(-1000, 1000), seed=st.integers(0, 2**16))
def test_pixelwise_scores_do_not_change_with_the_scale_of_the_targets(exponent, seed):
    # Scaling by a power of two is exact, and quantising into a palette is
    # unchanged by scale: the same map bit for bit, however far from 1.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 2))
    Y = rng.random((40, 2, 2))
    base = pixelwise_h_score(X, Y, n_colors=4, random_state=0)[1]
    scaled = pixelwise_h_score(X, np.ldexp(Y, exponent), n_colors=4, random_state=0)
    np.testing.assert_array_equal(scaled[1], base)
