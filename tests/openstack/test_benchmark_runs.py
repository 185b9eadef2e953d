"""The OpenStack benchmark stays runnable as documented (a tiny run; no timing asserted)."""

from __future__ import annotations

from tests.support.benchmarks import run_benchmark


def test_openstack_benchmark_runs_as_a_module() -> None:
    args = ["--servers", "40", "--subset", "20", "--repeat", "1"]
    stdout = run_benchmark("benchmarks.openstack", *args, clear_env="OS_")
    assert "(a) provider, 3 collectors" in stdout
    assert "88 resources in" in stdout  # 40 servers + 40 ports + 8 floating IPs
    assert "openstacksdk Resource objects" in stdout
    assert "ratio" in stdout
