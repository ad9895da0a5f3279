"""The benchmark suite still runs: a smoke test of every group at its quick shapes."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sktransfer.metrics import get_metric, get_scorer_names

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
GROUPS = {
    "hscore",
    "entropy",
    "leep",
    "streaming",
    "parallel",
    "combinations",
    "large",
    "suite",
    "wide",
    "sparse",
    "embeddings",
}
# Results that must agree to rounding (the rest of the checks: to 1e-6).
EXACT = ("conditional_entropy vs", "leep_score vs", "LabelStatistics vs")


@pytest.mark.skipif(not RUN.exists(), reason="benchmarks/ is not in this checkout")
def test_quick_benchmark_runs_every_group_and_prints_every_target(tmp_path):
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--figure", str(tmp_path / "s.png")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    out = result.stdout

    ran = set(re.findall(r"^== .* \[(\w+): took \d+ s\]$", out, flags=re.MULTILINE))
    assert ran == GROUPS
    assert "log-log slope in m" in out  # the scaling sweep

    checks = [
        line.split("check: ", 1)[1] for line in out.splitlines() if "check:" in line
    ]
    assert len(checks) >= 10
    for check in checks:
        difference = float(check.rsplit(" ", 1)[1])  # "not compared" fails here
        assert difference < (1e-12 if check.startswith(EXACT) else 1e-6), check

    targets = out.split("\n== Targets", 1)[1].split("\nTotal ", 1)[0]
    verdicts = [
        line.strip()
        for line in targets.splitlines()
        if re.search(r" (PASS|MISS)( \(.*\))?$", line)
    ]
    for text in (
        "h_score / one X.T @ X",
        "h_score float64 / X.T @ X float64",
        "large: h_score / one X.T @ X",
        "large: straightforward / h_score",
        "nleep_score / one X.T @ X",
        "FeatureStatistics / h_score",
    ):
        assert any(line.startswith(text) for line in verdicts), text
    feature_metrics = [
        name for name in get_scorer_names() if get_metric(name).input == "features"
    ]
    for group in ("wide", "sparse"):
        cases = {line.split()[0] for line in verdicts if line.startswith(group + ".")}
        assert cases == {f"{group}.{name}" for name in feature_metrics}
