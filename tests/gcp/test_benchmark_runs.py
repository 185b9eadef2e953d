"""The GCP benchmark stays runnable as documented (a tiny run; no timing asserted)."""

from __future__ import annotations

from tests.support.benchmarks import run_benchmark


def test_gcp_benchmark_runs_as_a_module() -> None:
    stdout = run_benchmark("benchmarks.gcp", "--resources", "300", "--projects", "2")
    for measure in ("(a) baseline", "(b) provider end to end", "(c) in memory"):
        assert measure in stdout
    assert ", 0 gaps; ratio to baseline" in stdout
