import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest
from scipy.stats import spearmanr

from sktransfer import cli
from sktransfer.cli import digits_representations, main


def run_cli(*argv):
    """Run the command line in-process; return its status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def parse_table(text):
    """Rows (name, n_features, H-score, accuracy) and the correlation of a table."""
    table, _, footer = text.partition("\n\n")
    rows = []
    for line in table.splitlines()[1:]:
        name, n_features, score, accuracy = line.rsplit(maxsplit=3)
        rows.append((name, int(n_features), float(score), float(accuracy)))
    return rows, float(footer.split(":")[-1])


@pytest.fixture(scope="module")
def demo_table():
    status, out, err = run_cli("demo")
    assert (status, err) == (0, "")
    return out


@pytest.fixture(scope="module")
def demo_json():
    status, out, err = run_cli("demo", "--format", "json")
    assert (status, err) == (0, "")
    return out


def test_demo_table_lists_every_representation_by_decreasing_h_score(demo_table):
    assert demo_table.splitlines()[0].split() == [
        "representation",
        "n_features",
        "H-score",
        "probe",
        "accuracy",
    ]
    rows, _ = parse_table(demo_table)
    assert sorted(row[0] for row in rows) == sorted(digits_representations())
    scores = [row[2] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= row[3] <= 1 for row in rows)


def test_demo_table_h_score_ranking_agrees_with_probe_accuracy(demo_table):
    rows, printed = parse_table(demo_table)
    rho = spearmanr([row[2] for row in rows], [row[3] for row in rows]).statistic
    assert rho > 0.5
    assert printed == pytest.approx(rho, abs=1e-4)


def test_demo_json_h_score_ranking_agrees_with_probe_accuracy(demo_json):
    result = json.loads(demo_json)
    rows = result["representations"]
    assert {row["representation"] for row in rows} == set(digits_representations())
    scores = [row["h_score"] for row in rows]
    accuracies = [row["probe_accuracy"] for row in rows]
    rho = spearmanr(scores, accuracies).statistic
    assert rho > 0.5
    assert result["spearman"] == pytest.approx(rho)


def test_demo_json_agrees_with_table(demo_table, demo_json):
    table_rows, _ = parse_table(demo_table)
    json_rows = json.loads(demo_json)["representations"]
    assert [row[0] for row in table_rows] == [r["representation"] for r in json_rows]
    assert [row[1] for row in table_rows] == [r["n_features"] for r in json_rows]


def test_demo_is_deterministic(demo_json):
    assert run_cli("demo", "--format", "json") == (0, demo_json, "")


def test_demo_csv_has_a_header_and_one_row_per_representation(monkeypatch):
    rows = [
        {"representation": "a", "n_features": 2, "h_score": 1.5, "probe_accuracy": 0.5}
    ]
    monkeypatch.setattr(cli, "rank_digits_representations", lambda seed: (rows, 1.0))
    status, out, _ = run_cli("demo", "--format", "csv")
    assert status == 0
    assert out == "representation,n_features,h_score,probe_accuracy\na,2,1.5,0.5\n"


@pytest.mark.parametrize(
    "argv",
    [[], ["nonsense"], ["demo", "--format", "xml"], ["demo", "--random-state", "-1"]],
)
def test_usage_errors_exit_with_status_2(argv):
    status, out, err = run_cli(*argv)
    assert status == 2
    assert out == ""
    assert "usage: sktransfer" in err


def test_other_errors_exit_with_status_1_and_a_one_line_message(monkeypatch):
    def fail(random_state):
        raise ValueError("something went wrong\non two lines")

    monkeypatch.setattr(cli, "rank_digits_representations", fail)
    status, out, err = run_cli("demo")
    assert status == 1
    assert out == ""
    assert err == "sktransfer: error: something went wrong on two lines\n"


def test_python_m_sktransfer_help_lists_the_demo_command():
    completed = subprocess.run(
        [sys.executable, "-m", "sktransfer", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("usage: sktransfer")
    assert "demo" in completed.stdout
