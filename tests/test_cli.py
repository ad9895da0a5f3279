import glob
import io
import json
import shlex
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

from sktransfer import (
    CurriculumBuilder,
    conditional_entropy,
    h_score,
    normalized_h_score,
    task_hardness,
    transferability_matrix,
)
from sktransfer.cli import main
from sktransfer.metrics import get_scorer_names


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
    y = np.load(folder / "labels.npy")
    for row in result["rows"]:
        F = np.load(folder / "features" / f"{row['representation']}.npy")
        assert F.shape[0] == y.shape[0]
        assert h_score(F, y) == pytest.approx(row["h_score"], rel=1e-12)
    # The task table holds the same samples, in the same order.
    tasks = folder / "tasks.csv"
    assert tasks.read_text().startswith("digit,parity,")
    table = np.loadtxt(tasks, delimiter=",", skiprows=1, dtype=int)
    np.testing.assert_array_equal(table[:, 0], y)
    np.testing.assert_array_equal(table[:, 1], y % 2)
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    assert result["plots"] == [
        str(folder / "h_score_vs_accuracy.png"),
        str(folder / "curriculum.png"),
    ]
    for plot in result["plots"]:
        height, width, _ = imread(plot).shape
        # Readable: names in 10-point type at 150 dpi (the demo's were 438 x 251).
        assert width >= 700 and height >= 500


def test_demo_curriculum_leaves_the_digit_out_on_the_files_samples(demo):
    result, folder = demo
    names = (folder / "tasks.csv").read_text().splitlines()[0].split(",")
    table = np.loadtxt(folder / "tasks.csv", delimiter=",", skiprows=1, dtype=int)
    builder = CurriculumBuilder(normalize=True, task_names=names[1:]).fit(table[:, 1:])
    assert result["curriculum"]["roots"] == ["has_loop"] == list(builder.roots_)
    assert result["curriculum"]["order"] == list(builder.order_)


@pytest.fixture(scope="module")
def demo_table(tmp_path_factory):
    """The demo's table output, in a folder whose name needs quoting."""
    folder = tmp_path_factory.mktemp("demo table") / "out"
    status, out, err = run_cli("demo", "--output-dir", folder)
    assert status == 0, err
    return out, folder


def suggested_commands(out):
    """The commands the demo suggests, as lists of arguments after `sktransfer`."""
    lines = out.splitlines()
    start = lines.index(
        "Try, to get the table and the curriculum above from those files:"
    )
    commands = []
    for line in lines[start + 1 :]:
        assert line.startswith("  sktransfer "), line
        words = shlex.split(line)[1:]
        # What the shell would do with a glob: expand it, sorted.
        commands.append(
            [arg for word in words for arg in (sorted(glob.glob(word)) or [word])]
        )
    return commands


def test_every_command_the_demo_suggests_reproduces_what_it_showed(demo_table):
    out, folder = demo_table
    lines = out.splitlines()
    shown_table = [line.split() for line in lines[1 : lines.index("")]]
    commands = suggested_commands(out)
    assert sorted(command[0] for command in commands) == ["curriculum", "rank"]
    for command in commands:
        status, printed, err = run_cli(*command)
        assert status == 0, err
        printed = printed.splitlines()
        if command[0] == "rank":
            # Every representation, in the demo's order, with its H-score as shown.
            assert printed[0].split() == ["rank", "source", "h_score"]
            ranked = [line.split() for line in printed[1:]]
            assert [row[1:] for row in ranked] == [
                [row[0], row[2]] for row in shown_table
            ]
            assert len(ranked) == 8
        else:
            # The curriculum, its metric and every edge, line for line.
            start = lines.index(printed[0])
            assert lines[start : start + len(printed)] == printed
            assert printed[1] == "has_loop" and len(printed) == 6


def test_the_demo_task_table_serves_rank_for_any_task(demo):
    _, folder = demo
    status, out, err = run_cli(
        "rank",
        folder / "features" / "pca_8.npy",
        "--labels",
        folder / "tasks.csv",
        "--task",
        "parity",
        "--format",
        "json",
    )
    assert status == 0, err
    (row,) = json.loads(out)["rows"]
    F = np.load(folder / "features" / "pca_8.npy")
    y = np.load(folder / "labels.npy")
    assert row["score"] == pytest.approx(h_score(F, y % 2), rel=1e-12)


def test_demo_without_matplotlib_says_how_to_get_the_plots(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    status, out, err = run_cli("demo", "--output-dir", tmp_path)
    assert status == 0, err
    assert "Plots skipped: drawing the demo's plots needs matplotlib" in out
    assert 'pip install "sktransfer[plot]"' in out
    assert not list(tmp_path.glob("*.png"))


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
    # The CSV has every column of the JSON rows, "order" included.
    assert lines[0] == "rank,source,score,order"
    assert lines[1].startswith("1,pca_8+pool_4x4,") and lines[1].endswith(",2")
    assert [line.rsplit(",", 1)[1] for line in lines[2:]] == ["1", "1"]


def test_rank_table_writes_every_score_with_the_same_digits(demo):
    _, folder = demo
    files = sorted((folder / "features").glob("*.npy"))
    for metric in ("h_score", "logme"):
        status, out, _ = run_cli(
            "rank", *files, "--labels", folder / "labels.npy", "--metric", metric
        )
        assert status == 0
        scores = [line.split()[-1] for line in out.splitlines()[1:]]
        assert {len(score.lstrip("-").split(".")[1]) for score in scores} == {4}


def test_rank_by_the_normalized_h_score(demo):
    _, folder = demo
    files = sorted((folder / "features").glob("*.npy"))
    y = np.load(folder / "labels.npy")
    status, out, err = run_cli(
        "rank",
        *files,
        "--labels",
        folder / "labels.npy",
        "--metric",
        "normalized_h_score",
        "--format",
        "json",
    )
    assert status == 0, err
    for row in json.loads(out)["rows"]:
        F = np.load(folder / "features" / f"{row['source']}.npy")
        assert row["score"] == pytest.approx(normalized_h_score(F, y), rel=1e-12)
        assert row["score"] == pytest.approx(h_score(F, y) / 9, rel=1e-12)


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
    result = json.loads(out)
    assert result["metric"] == "neg_conditional_entropy"
    expected = transferability_matrix(table)
    got = np.array([[row[name] for name in names] for row in result["rows"]])
    np.testing.assert_allclose(got, expected, rtol=1e-12)

    plot = tmp_path / "tree.png"
    status, out, _ = run_cli("curriculum", tasks, "--normalize", "--plot", plot)
    assert status == 0
    assert out.splitlines()[1] == "digit"  # the digit determines every task
    if plot.exists():
        assert plot.stat().st_size > 0


def test_relate_names_its_metric_above_the_matrix(demo):
    _, folder = demo
    for argv, words in [
        ([], "Scores by neg_conditional_entropy: -H(target | source) in nats"),
        (["--normalize"], "Scores by neg_conditional_entropy (normalised): 1 - H"),
    ]:
        status, out, _ = run_cli("relate", folder / "tasks.csv", *argv)
        assert status == 0
        title, header = out.splitlines()[:2]
        assert title.startswith(words) and "rows are sources" in title
        assert header.split()[:3] == ["source", "\\", "target"]


def test_curriculum_prints_the_real_edge_scores(demo):
    # Without --normalize the scores are -H(child | parent) in nats: printed as
    # they are, four decimals each, not rounded away.
    _, folder = demo
    names = (folder / "tasks.csv").read_text().splitlines()[0].split(",")
    table = np.loadtxt(folder / "tasks.csv", delimiter=",", skiprows=1, dtype=int)
    status, out, _ = run_cli("curriculum", folder / "tasks.csv", "--exclude", "digit")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Scores by neg_conditional_entropy: -H(target")
    parents = {}
    for line in lines[1:]:
        depth = (len(line) - len(line.lstrip())) // 2
        task = line.split()[0]
        parents[depth] = task
        if depth == 0:
            continue
        parent = parents[depth - 1]
        child, parent_labels = (
            table[:, names.index(task)],
            table[:, names.index(parent)],
        )
        expected = -conditional_entropy(child, parent_labels)
        assert expected < -0.3  # none of these tasks determines another
        assert line.split()[1] == f"({expected:.4f})"
    assert len(lines) == 6


def test_label_commands_choose_their_tasks(demo):
    _, folder = demo
    tasks = folder / "tasks.csv"
    status, out, _ = run_cli(
        "hardness", tasks, "--tasks", "mod_3,parity", "--format", "json"
    )
    assert status == 0
    assert [row["task"] for row in json.loads(out)["rows"]] == ["mod_3", "parity"]
    status, out, _ = run_cli(
        "relate", tasks, "--tasks", "has_loop,parity", "--format", "json"
    )
    assert status == 0
    rows = json.loads(out)["rows"]
    assert [row["source"] for row in rows] == ["has_loop", "parity"]
    assert set(rows[0]) == {"source", "has_loop", "parity"}
    status, out, _ = run_cli(
        "curriculum", tasks, "--exclude", "digit,mod_3", "--format", "json"
    )
    assert status == 0
    assert sorted(json.loads(out)["order"]) == [
        "at_least_5",
        "has_loop",
        "is_prime",
        "parity",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hardness", "--tasks", "parity,nope"], "--tasks names 'nope', which"),
        (["relate", "--exclude", "digita"], "--exclude names 'digita', which"),
        (["relate", "--tasks", "parity"], "has 1 task after --tasks: parity;"),
        (
            [
                "hardness",
                "--exclude",
                "digit,parity,at_least_5,mod_3,is_prime,has_loop",
            ],
            "has 0 tasks after --exclude; keep at least one",
        ),
    ],
)
def test_choosing_tasks_that_are_not_there_is_refused(demo, argv, message):
    _, folder = demo
    status, out, err = run_cli(argv[0], folder / "tasks.csv", *argv[1:])
    assert status == 1 and out == ""
    assert message in err and "tasks.csv" in err


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
        ["hardness", "y.csv", "--tasks", "a", "--exclude", "b"],
        ["relate", "y.csv", "--tasks", "a,,b"],
        ["curriculum", "y.csv", "--tasks", "a,b,a"],
        ["curriculum", "y.csv", "--plot", ""],
        ["curriculum", "y.csv", "--plot", "."],
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


def test_help_describes_every_command_and_lists_the_metrics():
    for command in ("hardness", "relate", "curriculum"):
        status, out, _ = run_subprocess(command, "--help")
        assert status == 0
        description = out.split("\n\n")[1]
        assert description.startswith("The "), out
    status, out, _ = run_subprocess("rank", "--help")
    flat = " ".join(out.split())
    assert ", ".join(get_scorer_names(input="features")) in flat
    status, out, _ = run_subprocess("curriculum", "--help")
    flat = " ".join(out.split())
    assert "neg_conditional_entropy" in flat
    assert (
        "-H(target | source) in nats, at most 0; with --normalize, a share in [0, 1]"
        in flat
    )


def test_an_empty_plot_path_writes_nothing(demo, tmp_path, monkeypatch):
    _, folder = demo
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli("curriculum", folder / "tasks.csv", "--plot", "")
    assert status == 2 and out == ""
    assert "--plot: expected the path of an image file" in err
    assert "empty path" in err
    assert list(tmp_path.iterdir()) == []


def test_curriculum_plot_without_matplotlib_says_what_to_install(demo, monkeypatch):
    _, folder = demo
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    status, out, err = run_cli("curriculum", folder / "tasks.csv", "--plot", "t.png")
    assert status == 1 and out == ""
    assert err.startswith("sktransfer: error: curriculum --plot needs matplotlib")
    assert 'pip install "sktransfer[plot]"' in err


@pytest.mark.parametrize(
    "argv", [["rank", "{d}", "--labels", "y.npy"], ["hardness", "{d}"]]
)
def test_a_directory_given_as_a_file_says_so(tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    np.save("y.npy", np.arange(10) % 2)
    (tmp_path / "features").mkdir()
    status, out, err = run_cli(*(arg.format(d="features") for arg in argv))
    assert status == 1 and out == ""
    assert "features: is a directory, not a regular file; pass the files in it" in err
    assert "(none)" not in err


@pytest.mark.parametrize(
    ("cells", "task", "line", "what"),
    [
        ("a,b\nx,1\n,2\ny,1\n", "a", 3, "a blank cell"),
        ("a,b\nx,1\n\ny,NA\nz,2\n", "b", 4, "'NA', a missing value"),
        ("a,b\nx,1\ny, \nz,2\n", "b", 3, "a blank cell"),
    ],
)
@pytest.mark.parametrize("command", ["hardness", "relate", "curriculum"])
def test_a_missing_label_in_a_table_is_refused_by_task_and_line(
    tmp_path, monkeypatch, cells, task, line, what, command
):
    # Blank cells and NA never become a class, as NaN is refused in Python.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tasks.csv").write_text(cells)
    status, out, err = run_cli(command, "tasks.csv")
    assert status == 1 and out == ""
    assert f"task {task!r} has no label on line {line} (data row" in err
    assert what in err


def test_nan_in_a_label_array_is_refused_by_task_and_row(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.savez("tasks.npz", a=np.array([0.0, 1.0, 0.0]), b=np.array([0.0, np.nan, 1.0]))
    status, out, err = run_cli("hardness", "tasks.npz")
    assert status == 1
    assert "task 'b' has no label in row 2 (NaN)" in err


def test_a_pandas_feature_csv_with_its_numbered_header_is_read(tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 100)
    X = rng.standard_normal((100, 3)) + y[:, None]
    pd.DataFrame(X).to_csv("floats.csv", index=False)
    np.save("y.npy", y)
    status, out, err = run_cli(
        "rank", "floats.csv", "--labels", "y.npy", "--format", "json"
    )
    assert status == 0, err
    (row,) = json.loads(out)["rows"]
    assert row["score"] == pytest.approx(h_score(X, y), rel=1e-12)


def test_a_numbered_header_above_integers_is_explained(tmp_path, monkeypatch):
    # Above integer columns a header 0,1,2 reads like data; the row count
    # then differs by one, and the error says why.
    pd = pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.integers(0, 5, (100, 3))).to_csv("counts.csv", index=False)
    np.save("y.npy", rng.integers(0, 3, 100))
    status, out, err = run_cli("rank", "counts.csv", "--labels", "y.npy")
    assert status == 1 and out == ""
    assert "counts.csv has 101 rows but y.npy labels 100 samples" in err
    assert "its first row, 0,1,2, looks like the column names pandas writes" in err
    assert "header=False" in err
