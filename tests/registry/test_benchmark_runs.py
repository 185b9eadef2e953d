"""The push and registry benchmarks stay runnable as documented (tiny runs; no timing
asserted): the push benchmark fails unless the registry holds every finding exactly once,
the ingest benchmark sends batches of the size asked."""

from __future__ import annotations

import os

import pytest

from tests.registry.conftest import PG_ENV
from tests.support.benchmarks import run_benchmark


def test_push_benchmark_delivers_every_finding_once() -> None:
    stdout = run_benchmark("benchmarks.push", "--findings", "1200", "--batch-size", "250")
    assert "registry holds 1200 open findings (expected 1200)" in stdout
    assert "deliver (to registry):" in stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ingest_benchmark_runs_on_both_databases(backend: str) -> None:
    args = ["ingest", "--findings", "1200", "--batch-size", "400", "--concurrency", "2"]
    if backend == "postgresql":
        url = os.environ.get(PG_ENV)
        if not url:
            pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV}")
        args += ["--database-url", url]
    stdout = run_benchmark("benchmarks.registry", *args)
    assert "1200 findings in 3 batches of 400" in stdout
    assert f"registry on {backend}" in stdout
    assert "second scan (updates):" in stdout
