"""OpenStack collection speed: raw JSON pages through the provider vs openstacksdk objects.

    python -m benchmarks.openstack                       # 10,000 servers, best of 3
    python -m benchmarks.openstack --servers 2000 --repeat 1

The project's fake OpenStack runs in its own process (off this process's GIL, as a real
cloud would be) serving one project with `--servers` servers, each with its Neutron port,
and a floating IP on every fifth. Two measures, in the same run:

- (a) the provider: `OpenStackProvider` with the `nova.servers`, `neutron.ports` and
  `neutron.floating_ips` collectors, through the real collection engine (authentication,
  catalog, version discovery, every page, normalisation into `Resource` records):
  resources read and normalised per second, wall clock;
- (b) openstacksdk's per-item `Resource` objects (`conn.compute.servers(details=True)`)
  on the first `--subset` servers, and the provider's own raw pages on the same subset:
  items per second of each, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openstack
import yaml

from cloudcensus.providers.openstack import OpenStackProvider, compute, network
from cloudcensus.providers.openstack.settings import OpenStackSettings
from cloudcensus.scanner.collect import collect
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource

_CLOUD = "bench"


class _CountingSink:
    def __init__(self) -> None:
        self.resources = 0
        self.gaps: list[CoverageEntry] = []

    def add(self, key: tuple[str, str, str, str], resources: Sequence[Resource]) -> None:
        self.resources += len(resources)

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.gaps += [e for e in entries if e.status != "complete"]


def _start_fake(servers: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    command = [sys.executable, "-m", "cloudcensus.providers.openstack.fake", "bench"]
    process = subprocess.Popen(
        [*command, "--servers", str(servers)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise SystemExit("the fake OpenStack did not start")
    return process, json.loads(line)


def _provider_run(workers: int, page_size: int) -> tuple[int, float]:
    settings = OpenStackSettings.model_validate(
        {"clouds": [{"cloud": _CLOUD, "profile": "ovhcloud", "page_size": page_size}]}
    )
    collectors = (*compute.COLLECTORS, *network.COLLECTORS[2:3], *network.COLLECTORS[4:5])
    provider = OpenStackProvider(settings, collectors=collectors)
    sink = _CountingSink()
    started = time.perf_counter()
    collect([provider], sink, workers=workers, task_timeout_s=600)
    elapsed = time.perf_counter() - started
    if sink.gaps:
        raise SystemExit(f"collection had gaps: {sink.gaps}")
    return sink.resources, elapsed


def _sdk_objects(fake: dict[str, Any], subset: int, page_size: int) -> float:
    """Seconds for openstacksdk to list `subset` servers as its Resource objects."""
    conn = openstack.connect(cloud=_CLOUD)
    conn.authorize()
    conn.compute.get_endpoint()  # discovery outside the timing, as in (a)'s steady state
    started = time.perf_counter()
    for count, _server in enumerate(conn.compute.servers(details=True, limit=page_size), 1):
        if count >= subset:
            break
    return time.perf_counter() - started


def _raw_pages(subset: int, page_size: int) -> float:
    """Seconds for the provider's raw pages + normalisation on the same `subset` servers."""
    settings = OpenStackSettings.model_validate(
        {"clouds": [{"cloud": _CLOUD, "profile": "ovhcloud", "page_size": page_size}]}
    )
    provider = OpenStackProvider(settings, collectors=compute.COLLECTORS)
    [scope] = list(provider.scopes())
    [task] = provider.tasks(scope)
    started = time.perf_counter()
    for count, raw in enumerate(task.fetch(), 1):
        task.normalise(raw)
        if count >= subset:
            break
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--subset", type=int, default=1_000, help="servers for measure (b)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure (best)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args(argv)
    subset = min(args.subset, args.servers)
    process, fake = _start_fake(args.servers)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            clouds = Path(tmp) / "clouds.yaml"
            auth = {
                "auth_url": fake["auth_url"],
                "username": fake["username"],
                "password": fake["password"],
                "user_domain_name": "Default",
                "project_id": fake["project"],
            }
            entry = {"auth": auth, "identity_api_version": 3, "region_name": "GRA11"}
            clouds.write_text(yaml.safe_dump({"clouds": {_CLOUD: entry}}))
            os.environ["OS_CLIENT_CONFIG_FILE"] = str(clouds)
            print(
                f"fake OpenStack on {fake['url']}: {args.servers:,} servers, their ports, "
                f"{args.servers // 5:,} floating IPs"
            )
            runs = [_provider_run(args.workers, args.page_size) for _ in range(args.repeat)]
            count, best = min(runs, key=lambda run: run[1])
            print(
                f"(a) provider, 3 collectors, {args.workers} workers: {count:,} resources in "
                f"{best:.2f} s = {count / best:,.0f} resources/s (best of {args.repeat})"
            )
            sdk = min(_sdk_objects(fake, subset, args.page_size) for _ in range(args.repeat))
            raw = min(_raw_pages(subset, args.page_size) for _ in range(args.repeat))
            print(
                f"(b) {subset:,} servers: openstacksdk Resource objects {subset / sdk:,.0f}/s "
                f"({sdk * 1000 / subset:.2f} ms each); raw pages + normalise "
                f"{subset / raw:,.0f}/s ({raw * 1000 / subset:.3f} ms each); "
                f"ratio {sdk / raw:.0f}x"
            )
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
