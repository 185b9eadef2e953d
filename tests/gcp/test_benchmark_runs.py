"""The GCP benchmark stays runnable as documented (a tiny run; no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gcp_benchmark_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.gcp", "--resources", "300", "--projects", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for measure in ("(a) baseline", "(b) provider end to end", "(c) in memory"):
        assert measure in result.stdout
    assert ", 0 gaps; ratio to baseline" in result.stdout
