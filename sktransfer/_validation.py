"""Input checks shared by every public entry point.

They never copy a large feature matrix: memory-mapped and read-only arrays pass
through untouched and finiteness is checked chunk by chunk in the engine.
"""

import numbers

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
        Any hashable labels of one kind: integers, integral floats, booleans or
        strings.
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
    try:
        values = np.asarray(y)
    except ValueError as exc:
        raise ValueError(f"{name} must be a 1-D sequence of labels; {exc}") from None
    if values.dtype.kind in "US" and not hasattr(y, "dtype"):
        # NumPy silently turns a list such as [1, "a"] into strings.
        _check_label_values(np.asarray(y, dtype=object), name)
    y = values
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
        classes.append(uniques)
    return classes, codes


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
            raise ValueError(
                f"{name} has non-integer float values, which look like a continuous "
                "target; class labels must be integers, integral floats or strings"
            )
    elif kind == "O":
        flat = y.ravel()
        if any(v is None or (isinstance(v, float) and v != v) for v in flat):
            raise ValueError(f"{name} contains None or NaN; every sample needs a label")
        kinds = {_label_kind(v) for v in flat}
        if len(kinds) > 1:
            raise TypeError(
                f"{name} mixes label types ({', '.join(sorted(kinds))}); use one type "
                "for all labels"
            )
        # Python and numpy floats among objects get the checks of a float array.
        floats = np.array(
            [v for v in flat if isinstance(v, float | np.floating)], dtype=np.float64
        )
        if floats.size:
            _check_label_values(floats, name)
    elif kind not in "biuUS":
        raise TypeError(f"{name} must hold class labels; got dtype {y.dtype}")


def label_value(value):
    """A class label as a plain Python value, for messages.

    Classes of object arrays (a pandas column of strings, say) are already
    Python objects, without the ``item`` method of numpy scalars.
    """
    return value.item() if isinstance(value, np.generic) else value


def _label_kind(value):
    if isinstance(value, str | bytes):
        return "string"
    if isinstance(value, numbers.Number):
        return "number"
    return type(value).__name__
