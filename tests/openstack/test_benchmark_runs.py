"""The OpenStack benchmark stays runnable as documented (a tiny run; no timing asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_openstack_benchmark_runs_as_a_module() -> None:
    command = ["-m", "benchmarks.openstack", "--servers", "40", "--subset", "20", "--repeat", "1"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "(a) provider, 3 collectors" in result.stdout
    assert "88 resources in" in result.stdout  # 40 servers + 40 ports + 8 floating IPs
    assert "openstacksdk Resource objects" in result.stdout
    assert "ratio" in result.stdout
