import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

from sktransfer import h_score, task_hardness, transferability_matrix
from sktransfer.cli import main


def run_cli(*argv):
    """Run the command line in-process; return its status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main([str(arg) for arg in argv])
    return status, out.getvalue(), err.getvalue()


def run_subprocess(*argv, cwd=None):
    """Run ``python -m sktransfer`` as a user would; status, stdout, stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "sktransfer", *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's JSON output and the folder of files it wrote."""
    folder = tmp_path_factory.mktemp("demo") / "out"
    status, out, err = run_cli("demo", "--output-dir", folder, "--format", "json")
    assert status == 0, err
    return json.loads(out), folder


def test_demo_ranks_representations_as_the_probe_does(demo):
    result, _ = demo
    rows = result["rows"]
    assert len(rows) == 8
    scores = [row["h_score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert result["agreement"]["spearman"] > 0.8
    assert rows[-1]["representation"] == "noise_8"


def test_demo_writes_features_labels_tasks_and_plots(demo):
    result, folder = demo
    for row in result["rows"]:
        F = np.load(folder / "features" / f"{row['representation']}.npy")
        y = np.load(folder / "labels.npy")
        assert h_score(F, y) == pytest.approx(row["h_score"], rel=1e-12)
    assert (folder / "tasks.csv").read_text().startswith("digit,parity,")
    pytest.importorskip("matplotlib")
    assert (folder / "h_score_vs_accuracy.png").stat().st_size > 0
    assert (folder / "curriculum.png").stat().st_size > 0


def test_demo_is_deterministic(demo, tmp_path):
    result, _ = demo
    status, out, _ = run_cli("demo", "--output-dir", tmp_path, "--format", "json")
    assert status == 0
    again = json.loads(out)
    assert again["rows"] == result["rows"]
    assert again["curriculum"] == result["curriculum"]


def test_rank_on_the_demo_files_matches_h_score(demo):
    result, folder = demo
    files = sorted((folder / "features").glob("*.npy"))
    status, out, err = run_cli(
        "rank", *files, "--labels", folder / "labels.npy", "--format", "json"
    )
    assert status == 0, err
    ranked = json.loads(out)["rows"]
    y = np.load(folder / "labels.npy")
    for row in ranked:
        F = np.load(folder / "features" / f"{row['source']}.npy")
        assert row["score"] == pytest.approx(h_score(F, y), rel=1e-12)
    assert [row["rank"] for row in ranked] == list(range(1, len(files) + 1))


def test_rank_with_combinations_and_csv(demo):
    _, folder = demo
    files = [folder / "features" / "pca_8.npy", folder / "features" / "pool_4x4.npy"]
    status, out, _ = run_cli(
        "rank",
        *files,
        "--labels",
        folder / "labels.npy",
        "--max-order",
        2,
        "--format",
        "csv",
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "rank,source,score"
    assert lines[1].startswith("1,pca_8+pool_4x4,")


def test_rank_reads_an_npz_with_one_array_per_source(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    a, b = rng.standard_normal((200, 3)) + y[:, None], rng.standard_normal((200, 2))
    np.savez(tmp_path / "sources.npz", good=a, bad=b)
    np.savetxt(tmp_path / "y.csv", y, fmt="%d", header="target", comments="")
    status, out, _ = run_cli(
        "rank",
        tmp_path / "sources.npz",
        "--labels",
        tmp_path / "y.csv",
        "--format",
        "json",
    )
    assert status == 0
    rows = json.loads(out)["rows"]
    assert [row["source"] for row in rows] == ["good", "bad"]
    assert rows[0]["score"] == pytest.approx(h_score(a, y))


def test_hardness_relate_and_curriculum_on_the_demo_tasks(demo, tmp_path):
    _, folder = demo
    tasks = folder / "tasks.csv"
    table = np.loadtxt(tasks, delimiter=",", skiprows=1, dtype=int)
    names = tasks.read_text().splitlines()[0].split(",")

    status, out, _ = run_cli("hardness", tasks, "--format", "json")
    assert status == 0
    hardness = {row["task"]: row["hardness"] for row in json.loads(out)["rows"]}
    for j, name in enumerate(names):
        assert hardness[name] == pytest.approx(task_hardness(table[:, j]), rel=1e-12)

    status, out, _ = run_cli("relate", tasks, "--format", "json")
    assert status == 0
    rows = json.loads(out)["rows"]
    expected = transferability_matrix(table)
    got = np.array([[row[name] for name in names] for row in rows])
    np.testing.assert_allclose(got, expected, rtol=1e-12)

    plot = tmp_path / "tree.png"
    status, out, _ = run_cli("curriculum", tasks, "--normalize", "--plot", plot)
    assert status == 0
    assert out.splitlines()[0] == "digit"  # the digit determines every task
    if plot.exists():
        assert plot.stat().st_size > 0


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["no-such-command"],
        ["demo", "--format", "yaml"],
        ["demo", "--random-state", "-1"],
        ["rank", "a.npy"],
        ["rank", "a.npy", "--labels", "y.npy", "--metric", "no_such_metric"],
        ["relate", "y.csv", "--metric", "h_score"],
    ],
)
def test_usage_errors_exit_2_with_one_line(argv):
    status, out, err = run_cli(*argv)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def write_hostile_files(folder):
    """Files a user might pass by mistake, or an attacker on purpose."""
    rng = np.random.default_rng(0)
    np.save(folder / "y.npy", rng.integers(0, 2, 10))
    np.save(folder / "ok.npy", rng.standard_normal((10, 3)))
    np.save(folder / "short.npy", rng.standard_normal((7, 3)))
    np.save(
        folder / "pickled.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True
    )
    (folder / "truncated.npy").write_bytes((folder / "ok.npy").read_bytes()[:-16])
    with open(folder / "huge.npy", "wb") as file:
        np.lib.format.write_array_header_1_0(
            file, {"descr": "<f8", "fortran_order": False, "shape": (10**9, 10**6)}
        )
        file.write(b"\0" * 64)
    (folder / "text.csv").write_text("a,b\n1,2\n3,oops\n")
    (folder / "garbage.npz").write_bytes(b"not a zip file")
    return folder


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ("missing.npy", "no such file"),
        ("pickled.npy", "pickle"),
        ("truncated.npy", "truncated"),
        ("huge.npy", "truncated or corrupt"),
        ("text.csv", "oops"),
        ("garbage.npz", "not a valid .npz"),
        ("short.npy", "7"),
        ("y.txt", "unsupported file type"),
    ],
)
def test_hostile_files_give_one_line_and_exit_1_never_a_traceback(
    tmp_path, features, message
):
    write_hostile_files(tmp_path)
    status, out, err = run_subprocess(
        "rank", features, "--labels", "y.npy", cwd=tmp_path
    )
    assert status == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert message in lines[0]


def test_python_m_sktransfer_help_lists_the_commands():
    status, out, _ = run_subprocess("--help")
    assert status == 0
    for command in ("demo", "rank", "hardness", "relate", "curriculum"):
        assert command in out
