"""Hostile and broken input files through every command that reads files.

Each file is one a user might pass by mistake or an attacker on purpose. Every
case must end in exit status 1 with one line on standard error, never a
traceback, and nothing in a file may ever be unpickled: the pickles here would
create a marker file if they were. ``tests/test_cli.py`` covers the basic
refusals of ``rank``; here every reading command (``rank`` for its features and
its labels, ``hardness``, ``relate``, ``curriculum``) meets the whole set,
in-process for the full cross product, and as ``python -m sktransfer`` for one
file of each kind.
"""

import builtins
import errno
import io
import json
import os
import pickle
import sys
import warnings
import zipfile

import numpy as np
import pytest

from tests.test_cli import run_cli, run_subprocess

MARKER = "UNPICKLED"


class _CreatesMarker:
    """Unpickling this opens (creates) the marker file: code execution."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npy_with_header(header, data=b""):
    """A version 1.0 ``.npy`` file with a hand-written header literal."""
    header = header.ljust(117) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def _zip(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _hostile_files(folder):
    """Write every hostile file into ``folder``; their contents by name."""
    marker = str(folder / MARKER)
    evil = np.array([_CreatesMarker(marker)], dtype=object)
    table = np.arange(30).reshape(10, 3) % 2
    table_npy = _npy_bytes(table)
    deflated = bytearray(
        _zip({"a.npy": _npy_bytes(np.ones((10, 3)))}, zipfile.ZIP_DEFLATED)
    )
    start = deflated.index(b"a.npy") + 5
    deflated[start + 4 : start + 16] = bytes(
        b ^ 0xFF for b in deflated[start + 4 : start + 16]
    )
    encrypted = bytearray(_zip({"a.npy": table_npy}))
    encrypted[6] |= 1  # the "encrypted" flag, in the local and central headers
    encrypted[encrypted.index(b"PK\x01\x02") + 8] |= 1
    files = {
        # pickles: refused, never loaded
        "pickled.npy": _npy_bytes(np.array([{"a": 1}, None], dtype=object)),
        "evil.npy": _npy_bytes(evil),
        "raw_pickle.npy": pickle.dumps(_CreatesMarker(marker)),
        "evil.npz": _zip({"a.npy": _npy_bytes(evil)}),
        "raw_pickle.npz": _zip({"a.npy": pickle.dumps(_CreatesMarker(marker))}),
        "pickle_member.npz": _zip({"a.pkl": pickle.dumps(_CreatesMarker(marker))}),
        # truncated and lying headers
        "truncated_data.npy": table_npy[:-20],
        "truncated_header.npy": table_npy[:40],
        "huge_shape.npy": _npy_with_header(
            b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, "
            b"1000000), }",
            b"\0" * 64,
        ),
        "huge_shape.npz": _zip(
            {
                "a.npy": _npy_with_header(
                    b"{'descr': '<f8', 'fortran_order': False, 'shape': "
                    b"(1000000000, 1000000), }",
                    b"\0" * 64,
                )
            }
        ),
        "negative_shape.npy": _npy_with_header(
            b"{'descr': '<f8', 'fortran_order': False, 'shape': (10, -3), }",
            b"\0" * 64,
        ),
        "garbled_header.npy": _npy_with_header(
            b"{'descr': '<f8', 'fortran_order': False, 'shape': (10L, 3L), 'x': '"
        ),
        "bad_deflate.npz": bytes(deflated),
        "encrypted.npz": bytes(encrypted),
        # text files
        "empty.csv": b"",
        "ragged.csv": b"a,b\n1,2\n3\n4,5,6\n",
        "repeated_names.csv": b"a,a\n0,1\n1,0\n",
        # binary garbage under each extension
        "garbage.csv": bytes(range(256)) * 4,
        "garbage.npy": bytes(range(255, -1, -1)) * 4,
        "garbage.npz": b"PK\x03\x04" + bytes(range(256)) * 2,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    # features only: a label table may hold text, and one header row is a name
    (folder / "text.csv").write_text("1,2\n3,oops\n")
    (folder / "header_only.csv").write_text("a,b\n")
    (folder / "directory.npy").mkdir()
    (folder / "directory.csv").mkdir()
    os.mkfifo(folder / "fifo.csv")
    # valid companions
    rng = np.random.default_rng(0)
    np.save(folder / "y.npy", rng.integers(0, 2, 10))
    np.save(folder / "ok.npy", rng.standard_normal((10, 3)))
    return folder


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return _hostile_files(tmp_path_factory.mktemp("hostile"))


# What each file's one-line error says, whatever command read it.
EXPECTED = {
    "missing.npy": "no such file",
    "missing.csv": "no such file",
    "pickled.npy": "pickle",
    "evil.npy": "pickle",
    "raw_pickle.npy": "not a valid .npy file",
    "evil.npz": "pickle",
    "raw_pickle.npz": "not a valid .npy file",
    "pickle_member.npz": "holds no arrays",
    "truncated_data.npy": "truncated or corrupt",
    "truncated_header.npy": "not a valid .npy file",
    "huge_shape.npy": "truncated or corrupt",
    "huge_shape.npz": "truncated or corrupt",
    "negative_shape.npy": "not a valid .npy file",
    "garbled_header.npy": "not a valid .npy file",
    "bad_deflate.npz": "not a valid .npz archive",
    "encrypted.npz": "not a valid .npz archive",
    "empty.csv": "",
    "ragged.csv": "",
    "repeated_names.csv": "more than once",
    "garbage.csv": "cannot read as UTF-8 CSV",
    "garbage.npy": "not a valid .npy file",
    "garbage.npz": "not a valid .npz archive",
    "text.csv": "oops",
    "header_only.csv": "no data rows",
    "directory.npy": "not a regular file",
    "directory.csv": "not a regular file",
    "fifo.csv": "not a regular file",
}
# Files that are only wrong as features (a label table may hold text, and a
# label table with two equal column names is refused, a feature table not).
FEATURES_ONLY = {"text.csv", "header_only.csv"}
LABELS_ONLY = {"repeated_names.csv"}
COMMANDS = ("rank", "rank --labels", "hardness", "relate", "curriculum")


def _argv(command, name):
    if command == "rank":
        return ["rank", name, "--labels", "y.npy"]
    if command == "rank --labels":
        return ["rank", "ok.npy", "--labels", name]
    return [command, name]


def _cases():
    for name in EXPECTED:
        for command in COMMANDS:
            reads_features = command == "rank"
            if name in FEATURES_ONLY and not reads_features:
                continue
            if name in LABELS_ONLY and reads_features:
                continue
            yield name, command


def _assert_one_line_error(status, out, err, name, folder):
    assert status == 1, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sktransfer: error: ")
    assert name in lines[0]
    assert EXPECTED[name] in lines[0]
    assert not (folder / MARKER).exists(), "a pickle in a file was executed"


@pytest.mark.parametrize(("name", "command"), list(_cases()))
def test_every_reading_command_refuses_each_hostile_file_in_one_line(
    hostile, monkeypatch, name, command
):
    monkeypatch.chdir(hostile)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run_cli(*_argv(command, name))
    assert [str(w.message) for w in caught] == []  # a warning is a second line
    _assert_one_line_error(status, out, err, name, hostile)


# One file per code path as a user runs it, each command several times: a
# subprocess also sees what the in-process runs cannot (text written to the
# file descriptor directly, warnings printed at exit, crashes).
SUBPROCESS_CASES = [
    ("evil.npy", "rank"),
    ("evil.npz", "relate"),
    ("raw_pickle.npy", "hardness"),
    ("raw_pickle.npz", "curriculum"),
    ("truncated_data.npy", "curriculum"),
    ("huge_shape.npz", "rank --labels"),
    ("garbled_header.npy", "rank"),
    ("bad_deflate.npz", "hardness"),
    ("empty.csv", "rank"),
    ("ragged.csv", "relate"),
    ("garbage.csv", "rank --labels"),
    ("fifo.csv", "curriculum"),
    ("directory.npy", "hardness"),
]


@pytest.mark.parametrize(("name", "command"), SUBPROCESS_CASES)
def test_python_m_sktransfer_refuses_hostile_files_without_a_traceback(
    hostile, name, command
):
    status, out, err = run_subprocess(*_argv(command, name), cwd=hostile)
    _assert_one_line_error(status, out, err, name, hostile)


def test_subprocess_cases_cover_every_command():
    assert {command for _, command in SUBPROCESS_CASES} == set(COMMANDS)
    assert set(SUBPROCESS_CASES) <= set(_cases())


@pytest.mark.parametrize(
    "load",
    [
        lambda folder: np.load(folder / "evil.npy", allow_pickle=True),
        lambda folder: np.load(folder / "evil.npz", allow_pickle=True)["a"],
        lambda folder: np.load(folder / "raw_pickle.npy", allow_pickle=True),
    ],
    ids=["evil.npy", "evil.npz", "raw_pickle.npy"],
)
def test_the_pickles_would_run_code_if_they_were_loaded(tmp_path, load):
    # The control for the marker checks above: the payloads do work.
    _hostile_files(tmp_path)
    assert not (tmp_path / MARKER).exists()
    load(tmp_path)
    assert (tmp_path / MARKER).exists()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["unreadable.npy", "unreadable.csv"])
def test_unreadable_files_give_one_line(tmp_path, monkeypatch, name, command):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    np.save("y.npy", rng.integers(0, 2, 10))
    np.save("ok.npy", rng.standard_normal((10, 3)))
    if name.endswith(".npy"):
        np.save(name, rng.integers(0, 2, (10, 3)))
    else:
        (tmp_path / name).write_text("a,b\n0,1\n1,0\n")
    os.chmod(name, 0)
    # Root reads files whatever their permissions (CI runs as root), so every
    # opening of the file is refused as the operating system refuses others.
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike) and os.path.basename(file) == name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    status, out, err = run_cli(*_argv(command, name))
    assert status == 1
    assert out == "" and len(err.splitlines()) == 1
    assert name in err and "cannot read" in err


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs Linux's /proc/self/mem"
)
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["io_error.npy", "io_error.csv", "io_error.npz"])
def test_a_read_that_fails_with_an_io_error_gives_one_line(
    tmp_path, monkeypatch, name, command
):
    # /proc/self/mem is a regular file that fails to read at offset 0 (EIO),
    # which stands for a failing disk or network share, even for root.
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    np.save("y.npy", rng.integers(0, 2, 10))
    np.save("ok.npy", rng.standard_normal((10, 3)))
    os.symlink("/proc/self/mem", name)
    status, out, err = run_cli(*_argv(command, name))
    assert status == 1
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"sktransfer: error: {name}: ")


# Features at the edges of float64 reach the command line cleanly ------------


def test_features_holding_both_infinities_give_only_the_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("y.npy", np.arange(10) % 2)
    X = np.arange(20.0).reshape(10, 2)
    X[:2, 1] = [np.inf, -np.inf]
    np.savetxt("infinities.csv", X, delimiter=",")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run_cli("rank", "infinities.csv", "--labels", "y.npy")
    assert status == 1 and len(err.splitlines()) == 1 and "infinity" in err
    assert [str(w.message) for w in caught] == []


def test_features_near_1e200_rank_as_their_scaled_down_copy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 40)
    X = rng.standard_normal((40, 2)) + y[:, None]
    np.save("y.npy", y)
    np.save("small.npy", X)
    np.save("huge.npy", X * 1e200)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = run_cli(
            "rank", "small.npy", "huge.npy", "--labels", "y.npy", "--format", "json"
        )
    assert status == 0, err
    assert [str(w.message) for w in caught] == []
    scores = {row["source"]: row["score"] for row in json.loads(out)["rows"]}
    assert scores["huge"] == pytest.approx(scores["small"], rel=1e-10)
