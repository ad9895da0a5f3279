"""Reading feature and label files for the command line, safely.

Only plain arrays are read: ``allow_pickle=False`` everywhere, so a pickled
``.npy`` is refused rather than executed. A ``.npy`` header is checked against
the file's size before any data is read, so a truncated file or a header that
declares a huge shape gives a one-line error instead of a large allocation.
``.npy`` features are memory-mapped, and the metrics read them in chunks.
"""

import contextlib
import csv
import itertools
import os
import re
import tokenize
import warnings
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

_FEATURE_SUFFIXES = (".npy", ".npz", ".csv")
# UTF-8 that drops a leading byte-order mark, as spreadsheets write one: kept,
# it would glue itself to the first task name or hide the first row of numbers.
_CSV_ENCODING = "utf-8-sig"
# Cells of a label table that stand for a missing label, not a class: the
# texts pandas reads as missing by default (``pandas.read_csv``'s na_values).
_MISSING = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)
# Rows below the first that are read to tell a numeric header from data.
_HEADER_PROBE_ROWS = 1000


class InputFileError(ValueError):
    """A file that cannot be read as the features or labels it should hold."""


def read_feature_sources(paths):
    """Feature matrices by source name, from ``.npy``, ``.npz`` or ``.csv`` files.

    A ``.npy`` or ``.csv`` file is one source named by the file's stem; a
    ``.npz`` file holds one source per array, named by its key (prefixed by
    the file's stem when several files are given).
    """
    sources = {}
    for path in map(Path, paths):
        suffix = _suffix(path, _FEATURE_SUFFIXES)
        if suffix == ".npz":
            arrays = _read_npz(path)
            prefix = f"{path.stem}/" if len(paths) > 1 else ""
            named = {prefix + key: array for key, array in arrays.items()}
        elif suffix == ".npy":
            named = {path.stem: _read_npy(path, mmap=True)}
        else:
            named = {path.stem: _read_numeric_csv(path)}
        for name, array in named.items():
            if name in sources:
                raise InputFileError(f"two sources are named {name!r}; rename a file")
            if array.ndim != 2:
                raise InputFileError(
                    f"{path}: source {name!r} must be a 2-D array (samples x "
                    f"features); it has shape {array.shape}"
                )
            sources[name] = array
    return sources


def read_label_table(path):
    """Task names and a label table (one column per task) from a file.

    ``.csv``: a header row of task names, then one row per sample; cells are
    kept as text unless every cell of a column is an integer. ``.npz``: one
    1-D array per task, or a single 2-D array whose columns are tasks.
    ``.npy``: a 1-D array (one task) or a 2-D array (one task per column).
    A missing label (a blank cell, a text pandas reads as missing such as
    ``NA``, or NaN) is refused by task and line, never taken for a class.
    """
    path = Path(path)
    suffix = _suffix(path, (".csv", ".npz", ".npy"))
    if suffix == ".csv":
        names, columns, lines = _read_csv_columns(path)
        _check_no_missing_labels(path, names, columns, lines)
        return names, [_integers_or_text(column) for column in columns]
    if suffix == ".npy":
        arrays = {path.stem: _read_npy(path, mmap=False)}
    else:
        arrays = _read_npz(path)
    if len(arrays) == 1 and next(iter(arrays.values())).ndim != 1:
        (array,) = arrays.values()  # one table: its columns are the tasks
        if array.ndim != 2:
            raise InputFileError(
                f"{path}: labels must be 1-D or 2-D (samples x tasks); got shape "
                f"{array.shape}"
            )
        names, columns = [f"task_{j}" for j in range(array.shape[1])], list(array.T)
        _check_no_missing_array_labels(path, names, columns)
        return names, columns
    lengths = {name: array.shape for name, array in arrays.items()}
    if any(len(shape) != 1 for shape in lengths.values()):
        raise InputFileError(
            f"{path}: each array must be one task's labels (1-D); got shapes {lengths}"
        )
    if len({shape[0] for shape in lengths.values()}) > 1:
        raise InputFileError(
            f"{path}: the tasks label different numbers of samples: {lengths}"
        )
    names, columns = list(arrays), list(arrays.values())
    _check_no_missing_array_labels(path, names, columns)
    return names, columns


def _suffix(path, allowed):
    if path.is_dir():
        raise InputFileError(
            f"{path}: is a directory, not a regular file; pass the files in it "
            f"(for instance {path / ('*' + allowed[0])})"
        )
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InputFileError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use "
            f"{', '.join(allowed)}"
        )
    if not path.is_file():
        what = "is not a regular file" if path.exists() else "no such file"
        raise InputFileError(f"{path}: {what}")
    return suffix


def _read_npy(path, *, mmap):
    """A ``.npy`` array, its header checked against the file size first."""
    try:
        with open(path, "rb") as file:
            shape, dtype, offset = _npy_header(file, path)
            expected = offset + int(np.prod(shape, dtype=object)) * dtype.itemsize
            actual = os.fstat(file.fileno()).st_size
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if actual < expected:
        raise InputFileError(
            f"{path}: truncated or corrupt: its header declares shape {shape} of "
            f"{dtype} ({expected} bytes) but the file has {actual} bytes"
        )
    mode = "r" if mmap and 0 not in shape else None
    try:
        with _no_legacy_header_warning():
            return np.load(path, mmap_mode=mode, allow_pickle=False)
    except (ValueError, OSError) as exc:  # what the header cannot show: a bad read
        raise InputFileError(f"{path}: truncated or corrupt ({exc})") from None


def _npy_header(file, path):
    try:
        version = np.lib.format.read_magic(file)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        with _no_legacy_header_warning():
            shape, _, dtype = read_header(file)
    # numpy parses the header as a Python literal: garbage in it can raise any
    # of these, not only ValueError.
    except (
        ValueError,
        EOFError,
        TypeError,
        SyntaxError,
        tokenize.TokenError,
    ) as exc:
        raise InputFileError(f"{path}: not a valid .npy file ({exc})") from None
    if any(side < 0 for side in shape):
        raise InputFileError(
            f"{path}: not a valid .npy file (its header declares the shape {shape})"
        )
    # Elements of no bytes hold no data, and the size check below cannot bound
    # their number.
    if dtype.itemsize == 0:
        raise InputFileError(
            f"{path}: not a valid .npy file (its elements, of dtype {dtype}, have "
            "no bytes)"
        )
    if dtype.hasobject:
        raise InputFileError(
            f"{path}: holds Python objects (a pickle); sktransfer reads only plain "
            "numeric or text arrays and never unpickles (allow_pickle=False)"
        )
    return shape, dtype, file.tell()


def _read_npz(path):
    """All arrays of a ``.npz`` file, each member's header checked first."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if name.endswith(".npy")]
            if not members:
                raise InputFileError(f"{path}: the archive holds no arrays")
            arrays = {}
            for member in members:
                info = archive.getinfo(member)
                with archive.open(member) as file:
                    shape, dtype, offset = _npy_header(file, f"{path}:{member}")
                    expected = (
                        offset + int(np.prod(shape, dtype=object)) * dtype.itemsize
                    )
                    if info.file_size < expected:
                        raise InputFileError(
                            f"{path}: array {member[:-4]!r} is truncated or "
                            f"corrupt: its header declares shape {shape} of {dtype}"
                        )
                with archive.open(member) as file, _no_legacy_header_warning():
                    arrays[member[:-4]] = np.lib.format.read_array(
                        file, allow_pickle=False
                    )
            return arrays
    except InputFileError:
        raise
    # A damaged or unusual archive: bad deflate data (zlib.error), encrypted
    # members (RuntimeError), compression methods zipfile lacks
    # (NotImplementedError), a member shorter than its header (ValueError).
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        zlib.error,
        RuntimeError,
        NotImplementedError,
        ValueError,
    ) as exc:
        raise InputFileError(f"{path}: not a valid .npz archive ({exc})") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _read_csv_columns(path):
    """Task names, the columns of cells, and the file line of each data row."""
    try:
        with open(path, newline="", encoding=_CSV_ENCODING) as file:
            reader = csv.reader(file)
            # Blank lines are skipped; each row keeps its line in the file.
            numbered = [(reader.line_num, row) for row in reader if row]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(f"{path}: cannot read as UTF-8 CSV ({exc})") from None
    if len(numbered) < 2:
        raise InputFileError(f"{path}: needs a header row and at least one data row")
    header = [name.strip() for name in numbered[0][1]]
    lines = [line for line, _ in numbered[1:]]
    body = [row for _, row in numbered[1:]]
    repeated = sorted(name for name, n in Counter(header).items() if n > 1)
    if repeated:
        raise InputFileError(
            f"{path}: the header names task {', '.join(map(repr, repeated))} more "
            "than once; each column needs its own name"
        )
    for line, row in zip(lines, body, strict=True):
        if len(row) != len(header):
            raise InputFileError(
                f"{path}: line {line} has {len(row)} cells but the header has "
                f"{len(header)}"
            )
    return header, [list(column) for column in zip(*body, strict=True)], lines


def _check_no_missing_labels(path, names, columns, lines):
    """Refuse a blank or ``NA`` cell, which would otherwise become a class."""
    for name, column in zip(names, columns, strict=True):
        missing = [i for i, cell in enumerate(column) if cell.strip() in _MISSING]
        if missing:
            first = missing[0]
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            cell = column[first].strip()
            what = "a blank cell" if cell == "" else f"{cell!r}, a missing value"
            raise InputFileError(
                f"{path}: task {name!r} has no label on line {lines[first]} "
                f"(data row {first + 1}: {what}){more}; every sample needs a "
                "label, as the Python functions refuse NaN: fill the cells in or "
                "drop those rows"
            )


def _check_no_missing_array_labels(path, names, columns):
    """Refuse NaN, and blank or ``NA`` text, in the label arrays of a file."""
    for name, column in zip(names, columns, strict=True):
        if column.dtype.kind == "f":
            missing = np.flatnonzero(np.isnan(column))
            what = "NaN"
        elif column.dtype.kind in "US":
            markers = list(_MISSING)
            if column.dtype.kind == "S":
                markers = [marker.encode("ascii") for marker in markers]
            missing = np.flatnonzero(np.isin(np.char.strip(column), markers))
            what = "blank or NA text"
        else:
            continue
        if missing.size:
            more = f" (and {missing.size - 1} more)" if missing.size > 1 else ""
            raise InputFileError(
                f"{path}: task {name!r} has no label in row {missing[0] + 1} "
                f"({what}){more}; every sample needs a label, as the Python "
                "functions refuse NaN: fill the labels in or drop those rows"
            )


def _read_numeric_csv(path):
    """A numeric CSV table, its first row skipped when it is a header.

    The first row is a header when a cell of it is not a number, or when it
    does not read like the rows below it: integers over a column written with
    decimals all the way down, as the header ``0,1,2,...`` that
    ``pandas.DataFrame.to_csv(index=False)`` writes above float columns.
    """
    try:
        with open(path, newline="", encoding=_CSV_ENCODING) as file:
            reader = csv.reader(file)
            first = next(reader, [])
            below = list(itertools.islice(reader, _HEADER_PROBE_ROWS))
        header = 1 if first and _is_header(first, below) else 0
        with warnings.catch_warnings():
            # An empty table is reported below, in one line.
            warnings.filterwarnings("ignore", "loadtxt: input contained no data")
            values = np.loadtxt(
                path,
                delimiter=",",
                skiprows=header,
                ndmin=2,
                dtype=np.float64,
                encoding=_CSV_ENCODING,
            )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(f"{path}: cannot read as UTF-8 CSV ({exc})") from None
    except ValueError as exc:  # text in a numeric column, ragged rows
        raise InputFileError(f"{path}: {' '.join(str(exc).split())}") from None
    if values.size == 0:
        raise InputFileError(f"{path}: holds no data rows")
    return values


def _is_header(first, below):
    """Whether the first row of a numeric CSV names its columns."""
    if not all(_is_number(cell) for cell in first):
        return True
    if not all(_is_integer(cell) for cell in first):
        return False
    rows = [row for row in below if row and len(row) == len(first)]
    # A column of decimals under an integer: the row is not data like the others.
    return bool(rows) and any(
        all(_is_number(row[j]) and not _is_integer(row[j]) for row in rows)
        for j in range(len(first))
    )


def numbered_header_hint(path):
    """A hint when a CSV's first row is ``0,1,2,...``, a header read as data.

    Above integer columns such a row cannot be told from data; when the row
    count is then one more than the labels', this says why.
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return ""
    try:
        with open(path, newline="", encoding=_CSV_ENCODING) as file:
            first = next(csv.reader(file), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return ""
    cells = [cell.strip() for cell in first]
    if not cells or cells != [str(j) for j in range(len(cells))]:
        return ""
    shown = ",".join(cells[:3]) + (",..." if len(cells) > 3 else "")
    return (
        f"; its first row, {shown}, looks like the column names "
        "pandas writes (DataFrame.to_csv(index=False)) and was read as a sample: "
        "write the file with header=False, or name the columns with text"
    )


@contextlib.contextmanager
def _no_legacy_header_warning():
    """Silence numpy's note on Python 2 headers: a bad header raises anyway."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Reading `.npy` or `.npz` file required additional header"
        )
        yield


def _is_integer(text):
    return re.fullmatch(r"[+-]?[0-9]+", text.strip()) is not None


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _integers_or_text(column):
    """A CSV column as integers when every cell is one, else as text."""
    try:
        return np.array([int(cell) for cell in column])
    except ValueError:
        return np.array([cell.strip() for cell in column])
