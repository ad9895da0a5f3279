"""Input checks shared by every public entry point.

They never copy a large feature matrix: memory-mapped and read-only arrays pass
through untouched and finiteness is checked chunk by chunk in the engine.
"""

import decimal
import math
import numbers
import sys

import numpy as np
import scipy.sparse as sp


def check_features(X, *, name="X", finite=False):
    """Return ``X`` as a 2-D numeric array (or CSR matrix) without copying it.

    With ``finite``, also refuse NaN and infinity, in one pass over the values:
    for callers that hand the whole of ``X`` on, not for the engine, which
    checks chunk by chunk as it reads.
    """
    if sp.issparse(X):
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D; got a sparse array of {X.ndim} dims")
        X = sp.csr_array(X)
    else:
        try:
            X = _pandas_numbers(X)
            X = np.asarray(X)
        except ValueError as exc:  # ragged nested sequences
            raise ValueError(
                f"{name} must be a rectangular 2-D array of numbers; {exc}"
            ) from None
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(
            f"{name} must hold real numbers; got dtype {X.dtype}. Convert it with "
            f"np.asarray({name}, dtype=float) if its values are numeric."
        )
    if np.issubdtype(X.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers; got complex dtype {X.dtype}")
    if X.ndim != 2:
        hint = (
            f" Use {name}.reshape(-1, 1) for a single feature." if X.ndim == 1 else ""
        )
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got shape {X.shape}.{hint}"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"{name} is empty (shape {X.shape}); it needs samples and features"
        )
    if finite and X.dtype.kind == "f":
        values = X.data if sp.issparse(X) else X
        if not np.isfinite(values).all():
            raise ValueError(
                f"{name} contains NaN or infinity; remove or impute them first"
            )
    return X


# Integers up to this size are exact in float64.
_EXACT_INTEGERS = 2**53
# Rows read to find the features' magnitude.
_SCALE_ROWS = 1024


def invariant_features(X):
    """Features as a metric unchanged by translation and global scale reads them.

    Large integers are shifted exactly (:func:`exact_float_features`), and
    features whose magnitude is extreme for their dtype (beyond about 1e30 or
    below 1e-30 in float64, 1e9 and 1e-9 in float32, judged on the first
    rows; subnormal numbers included) are multiplied by the power of two that
    brings their largest entry to about 1: exact, and no square, fourth power
    or Gram matrix of theirs can then underflow or overflow.
    """
    X, _ = exact_float_features(X)
    if X.dtype.kind not in "fc":
        return X
    values = X.data if sp.issparse(X) else X[:_SCALE_ROWS]
    with np.errstate(invalid="ignore"):
        top = float(np.max(np.abs(values), initial=0.0))
    if top == 0.0 and not sp.issparse(X):
        top = float(np.max(np.abs(X), initial=0.0))
    if not np.isfinite(top) or top == 0.0:
        return X  # the engine names non-finite values; zeros need no scaling
    exponent = int(np.frexp(top)[1])
    # Within 2**100 of 1, fourth powers (which the shrinkage reads) stay deep
    # inside float64's range; within a quarter of a narrower dtype's exponent
    # range, its squares stay inside that range (the float32 Gram route).
    if abs(exponent) <= min(100, np.finfo(X.dtype).maxexp // 4):
        return X
    if sp.issparse(X):
        X = X.copy()
        X.data = np.ldexp(X.data, -exponent)
        return X
    return np.ldexp(X, -exponent).astype(X.dtype, copy=False)


def exact_float_features(X, offset=None):
    """Integer features beyond float64's exact range, less an offset, as float64.

    A cast to float64 rounds integers of magnitude above ``2**53`` (nanosecond
    timestamps, say) to a multiple of up to 2,048, which can erase all of their
    spread. Less an integer per column, subtracted in integer arithmetic, they
    are exact in float64 wherever a column spans less than ``2**53``; metrics
    that do not change when a constant is added to a feature read them so.

    Returns ``(X, offset)``: ``X`` unchanged and ``offset`` None unless ``X``
    is a dense 64-bit integer array with entries beyond ``2**53``. ``offset``
    (float64 values that are integers) defaults to the middle of each column's
    range; pass one to shift chunks of one stream alike.
    """
    if sp.issparse(X) or X.dtype.kind not in "iu" or X.dtype.itemsize < 8:
        return X, offset
    low, high = X.min(axis=0), X.max(axis=0)
    if offset is None:
        if max(int(high.max()), -int(low.min())) <= _EXACT_INTEGERS:
            return X, None
        # The middle of each range without overflow, rounded to a float64 value.
        middle = low // 2 + high // 2 + (low % 2 + high % 2) // 2
        offset = middle.astype(np.float64)
    whole = np.array([int(value) for value in offset], dtype=object)
    spans = np.maximum(high.astype(object) - whole, whole - low.astype(object))
    info = np.iinfo(X.dtype)
    fits = all(info.min <= value <= info.max for value in whole)
    if not fits or any(span >= 2**63 for span in spans):
        # Differences beyond int64: float64 keeps them to a relative 2**-53.
        return np.subtract(X, offset, dtype=np.float64), offset
    # Wrapping integer arithmetic: the differences are below 2**63 in size, so
    # their bits, read as int64, are exact.
    differences = X - np.array(list(whole), dtype=X.dtype)
    return differences.view(np.int64).astype(np.float64), offset


def _pandas_numbers(X):
    """A DataFrame of pandas' nullable numbers as a numpy array, as scikit-learn
    reads it; anything else as it is.

    NumPy turns columns of ``Float64``, ``Int64`` or ``boolean`` dtype into
    objects. Their numbers are converted to the common numpy dtype of the
    columns, or to float64 with NaN for missing values (which the finiteness
    checks then name), as ``sklearn.utils.check_array`` does.
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "to_numpy") or np.ndim(dtypes) != 1:
        return X
    extension = [not isinstance(d, np.dtype) for d in dtypes]
    if not any(extension) or not all(
        getattr(d, "kind", "O") in "biuf" and hasattr(d, "numpy_dtype")
        for d, e in zip(dtypes, extension, strict=True)
        if e
    ):
        return X  # plain numpy columns, or text: np.asarray says what they are
    dtype = np.result_type(*(getattr(d, "numpy_dtype", d) for d in dtypes))
    if X.isna().to_numpy().any():
        dtype = np.result_type(dtype, np.float64)
    na_value = np.nan if dtype.kind == "f" else None
    return X.to_numpy(dtype=dtype, na_value=na_value)


# Values beyond 2**+-SAFE_EXPONENT in magnitude are scaled by a power of two
# before their squares are summed: below it, sums of squares over millions of
# terms neither overflow nor underflow.
SAFE_EXPONENT = 400


def safe_exponent(largest):
    """The power of two that brings values of largest magnitude ``largest``
    near 1 (``largest * 2**e`` in [0.5, 1)) if they lie beyond
    ``2**+-SAFE_EXPONENT``, else 0: scaling by it is exact, and leaves values
    in the safe range, most of them, bit for bit as they are."""
    if not largest > 0:
        return 0
    exponent = int(np.frexp(largest)[1])
    return -exponent if abs(exponent) >= SAFE_EXPONENT else 0


def input_epsilon(dtype):
    """Machine epsilon of the precision the user's features carry.

    Integers and booleans are exact, so they get float64's epsilon.
    """
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.floating):
        return float(np.finfo(dtype).eps)
    return float(np.finfo(np.float64).eps)


def encode_labels(y, *, name="y", n_samples=None, allow_2d=False):
    """Encode class labels as integer codes.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or, with ``allow_2d``, (n_samples, n_tasks)
        Labels of one kind: integers, integral floats, booleans or strings.
        Other objects (tuples, frozensets, ...) are refused: their order can
        be partial, and sorting them then finds wrong classes.
    name : str
        Argument name used in error messages.
    n_samples : int, optional
        Expected length.
    allow_2d : bool
        Accept one label vector per column.

    Returns
    -------
    classes : list of ndarray
        The sorted classes of each label vector (one entry when ``y`` is 1-D).
    codes : ndarray of shape (n_samples, n_tasks), dtype intp
        ``classes[j][codes[:, j]]`` gives back column ``j`` of ``y``.
    """
    y = label_array(y, name=name)
    if y.ndim == 2 and y.shape[1] == 1 and not allow_2d:
        y = y[:, 0]
    if y.ndim == 1:
        y = y[:, None]
    elif not (y.ndim == 2 and allow_2d):
        raise ValueError(f"{name} must be 1-D (n_samples,); got shape {y.shape}")
    if y.shape[0] == 0:
        raise ValueError(f"{name} is empty; it needs at least one label")
    if y.shape[1] == 0:
        raise ValueError(f"{name} has no label columns (shape {y.shape})")
    if n_samples is not None and y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but the features have {n_samples} "
            "samples; they must have one label per sample"
        )
    _check_label_values(y, name)
    classes, codes = [], np.empty(y.shape, dtype=np.intp)
    for j in range(y.shape[1]):
        try:
            uniques, codes[:, j] = np.unique(y[:, j], return_inverse=True)
        except TypeError:
            raise TypeError(
                f"{name} mixes label types that cannot be compared (for example "
                "strings and numbers); use one type for all labels"
            ) from None
        if uniques.dtype == object:
            _check_distinct(uniques, name)
        classes.append(uniques)
    return classes, codes


def _check_distinct(classes, name):
    """Refuse classes found twice: sorting puts equal labels side by side only
    under a total order, so a partial one splits a class."""
    try:
        distinct = len(set(classes.tolist())) == classes.size
    except TypeError:  # unhashable: equality cannot be trusted either
        distinct = False
    if not distinct:
        raise TypeError(
            f"{name} holds labels that cannot be sorted consistently (their "
            f"order is partial, or they cannot be hashed: {type(classes[0]).__name__}"
            "), so their classes cannot be found; use strings or integers"
        )


def label_array(y, *, name="y"):
    """Labels as the numpy array :func:`encode_labels` reads, every label exact.

    ``np.asarray`` silently turns a list such as ``[1, "a"]`` into strings,
    which is refused here, and one such as ``[-1, 2**63]`` into float64, which
    merges integers beyond 2**53: such a list is kept as Python integers
    (objects), which sort exactly.
    """
    try:
        values = np.asarray(y)
    except ValueError as exc:
        raise ValueError(f"{name} must be a 1-D sequence of labels; {exc}") from None
    if values.dtype.kind in "USf" and not hasattr(y, "dtype"):
        objects = np.asarray(y, dtype=object)
        if values.dtype.kind in "US":
            _check_label_values(objects, name)
        elif _has_inexact_integers(objects):
            values = objects
    return values


def _has_inexact_integers(values):
    """Whether an object array holds integers that float64 cannot hold exactly."""
    return any(
        isinstance(v, numbers.Integral) and abs(int(v)) > 2**53 for v in values.ravel()
    )


def _check_label_values(y, name):
    kind = y.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must hold class labels; got complex dtype {y.dtype}")
    if kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(
                f"{name} contains NaN or infinity; every sample needs a label"
            )
        if not np.array_equal(y, np.round(y)):
            raise _non_integral(name)
    elif kind == "O":
        _check_label_objects(y.ravel(), name)
    elif kind not in "biuUS":
        raise TypeError(f"{name} must hold class labels; got dtype {y.dtype}")


def _check_label_objects(values, name):
    """Labels held as objects: present, of one kind, integral if numbers.

    Only strings, numbers and booleans are labels: other objects (tuples,
    frozensets, dates, ...) may be ordered partially or not at all, and the
    sort that finds the classes then merges or splits them.
    """
    kinds, inexact = set(), []
    for value in values:
        kind = type(value)
        if kind is str or kind is int:  # the common cases, at once
            kinds.add("string" if kind is str else "number")
            continue
        missing = _missing_label(value)
        if missing:
            raise ValueError(f"{name} contains {missing}; every sample needs a label")
        kind = _label_kind(value)
        if kind == "complex":
            raise TypeError(
                f"{name} must hold class labels; got a complex number ({value!r})"
            )
        if kind is None:
            raise TypeError(
                f"{name} holds a {type(value).__name__} ({_short(value)}); the "
                "argument must be class labels, each a string, a number or a "
                "boolean, which sort consistently. Encode such labels as strings "
                "or integers first."
            )
        kinds.add(kind)
        if isinstance(value, numbers.Real | decimal.Decimal) and not isinstance(
            value, numbers.Integral | np.bool_
        ):
            inexact.append(value)
    if len(kinds) > 1:
        raise TypeError(
            f"{name} mixes label types ({', '.join(sorted(kinds))}); use one type "
            "for all labels"
        )
    for value in inexact:
        finite, integral = _finite_integral(value)
        if not finite:
            raise ValueError(
                f"{name} contains NaN or infinity; every sample needs a label"
            )
        if not integral:
            raise _non_integral(name)


def _non_integral(name):
    return ValueError(
        f"{name} has non-integer float values, which look like a continuous "
        "target; class labels must be integers, integral floats or strings"
    )


def _missing_label(value):
    """How a message calls a missing label (None, NaN, pd.NA), or None."""
    if value is None:
        return "None or NaN"
    if isinstance(value, decimal.Decimal):
        return "None or NaN" if value.is_nan() else None
    pandas = sys.modules.get("pandas")
    if pandas is not None and value is pandas.NA:
        return "a missing value (pd.NA)"
    if pandas is not None and value is pandas.NaT:
        return "a missing value (pd.NaT)"
    if isinstance(value, numbers.Number | np.generic):
        try:
            different = value != value  # NaN, and numpy's NaT
        except (TypeError, ValueError, ArithmeticError):
            return None
        if different is True or isinstance(different, np.bool_) and different:
            return "None or NaN"
    return None


def _label_kind(value):
    """'string', 'number' (booleans too) or 'complex'; None for any other object."""
    if isinstance(value, str | bytes):
        return "string"
    if isinstance(value, bool | np.bool_):
        return "number"
    if isinstance(value, complex | np.complexfloating):
        return "complex"
    if isinstance(value, numbers.Number):
        return "number"
    return None


def _finite_integral(value):
    """``(finite, integral)`` of a real number that is not of an integer type."""
    if isinstance(value, decimal.Decimal):
        return value.is_finite(), value.is_finite() and (
            value == value.to_integral_value()
        )
    try:
        finite = math.isfinite(value)
    except OverflowError:  # a Fraction too large for a float: finite
        finite = True
    return finite, finite and value % 1 == 0


def _short(value, width=40):
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def union_classes(a, b):
    """The sorted union of two arrays of classes, in a dtype holding both exactly.

    ``np.union1d`` of int64 and uint64 classes (chunks of one stream read from
    different files, say) computes in float64, which merges integers beyond
    2**53; here they stay integers, or Python integers when no integer dtype
    holds both.
    """
    a, b = _exact_common(np.asarray(a), np.asarray(b))
    return np.union1d(a, b)


def class_positions(classes, subset):
    """Indices of the sorted ``subset`` within the sorted ``classes``, a union
    that holds it (from :func:`union_classes`)."""
    return np.searchsorted(classes, np.asarray(subset).astype(classes.dtype))


def _exact_common(a, b):
    """``a`` and ``b`` in dtypes whose common dtype holds both exactly."""
    common = np.result_type(a.dtype, b.dtype)
    kinds = {a.dtype.kind, b.dtype.kind}
    if common.kind != "f" or kinds == {"f"}:
        return a, b
    integers = [x for x in (a, b) if x.dtype.kind in "iub" and x.size]
    low = min((int(x.min()) for x in integers), default=0)
    high = max((int(x.max()) for x in integers), default=0)
    if kinds <= set("iub"):  # int64 with uint64, which numpy takes to float64
        for dtype in (np.int64, np.uint64):
            info = np.iinfo(dtype)
            if info.min <= low and high <= info.max:
                return a.astype(dtype), b.astype(dtype)
    elif max(high, -low) <= 2**53:  # integers with floats: float64 holds them
        return a, b
    return a.astype(object), b.astype(object)


def label_value(value):
    """A class label as a plain Python value, for messages.

    Classes of object arrays (a pandas column of strings, say) are already
    Python objects, without the ``item`` method of numpy scalars.
    """
    return value.item() if isinstance(value, np.generic) else value


def check_two_classes(classes, needs, *, name="y", where=""):
    """Refuse label vectors with a single class, naming the class and the need.

    Parameters
    ----------
    classes : ndarray or list of ndarray
        The sorted classes of one label vector, or of each column of a 2-D
        ``y`` (as :func:`encode_labels` gives them); a column is named in the
        message when there are several.
    needs : str
        What needs two classes, ending the message: ``"y has a single class
        (3); {needs}"``.
    name : str, default="y"
        The argument named in the message.
    where : str, default=""
        Where the classes were seen, after the class (``" in the chunks
        seen"``).
    """
    columns = [classes] if isinstance(classes, np.ndarray) else list(classes)
    for column, column_classes in enumerate(columns):
        if column_classes.size < 2:
            at = f" in column {column}" if len(columns) > 1 else ""
            raise ValueError(
                f"{name} has a single class ({label_value(column_classes[0])!r})"
                f"{where}{at}; {needs}"
            )


def check_paired_labels(n_y, n_z):
    """Refuse target and source labelings of different lengths."""
    if n_y != n_z:
        raise ValueError(
            f"y has {n_y} labels but z has {n_z}; they must label the same "
            "samples, one label each"
        )
