"""The engine benchmark stays runnable as documented (a tiny run; no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_benchmark_runs_as_a_script() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/engine.py", "--resources", "200", "--accounts", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for measure in ("(a) engine, full packs, verdicts", "(b) engine, full packs, end to end"):
        assert measure in result.stdout
    assert "memo hit rate" in result.stdout
    assert "ratio engine/Python" in result.stdout
    assert "same verdicts in both" in result.stdout  # the run exits non-zero otherwise
