"""Serve a fake Azure tenant until standard input closes (benchmarks, manual runs).

    python -m cloudcensus.providers.azure.fake --estate bench --resources 50000

prints one JSON line (`url`, `ca_path`, `environment`, `settings`) once it listens, so
the parent can point a provider at it; the server then runs in this process, off the
scanner's interpreter lock, until its standard input reaches end of file.
"""

from __future__ import annotations

import argparse
import json
import sys

from cloudcensus.providers.azure.fake.estates import bench_tenant, demo_tenant
from cloudcensus.providers.azure.fake.server import FakeAzure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloudcensus.providers.azure.fake")
    parser.add_argument("--estate", choices=("demo", "bench"), default="demo")
    parser.add_argument("--resources", type=int, default=50_000, help="bench estate size")
    parser.add_argument("--subscriptions", type=int, default=10, help="bench subscriptions")
    args = parser.parse_args(argv)
    if args.estate == "bench":
        tenant = bench_tenant(args.resources, args.subscriptions)
    else:
        tenant = demo_tenant()
    with FakeAzure(tenant) as fake:
        ready = {
            "url": fake.url,
            "ca_path": str(fake.ca_path),
            "environment": fake.environment(),
            "settings": fake.provider_settings(),
        }
        print(json.dumps(ready), flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
