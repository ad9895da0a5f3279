"""The benchmark suite still runs: a smoke test at its quick shapes."""

import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.mark.skipif(not RUN.exists(), reason="benchmarks/ is not in this checkout")
def test_quick_benchmark_agrees_with_the_straightforward_implementations():
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--only", "entropy", "leep"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    checks = [line for line in result.stdout.splitlines() if "check:" in line]
    assert len(checks) == 2
    for line in checks:
        difference = float(line.rsplit(" ", 1)[1])
        assert difference < 1e-12, line
