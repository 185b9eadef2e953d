"""Serve a named estate of the fake OpenStack from its own process.

    python -m cloudcensus.providers.openstack.fake bench --servers 10000

Prints one JSON line (`url`, `auth_url`, `project`, `username`, `password`) once the
server listens, then serves until stdin closes or the process is terminated. The
benchmark runs the fake this way, off the scanner's GIL, as a real cloud would be.
"""

from __future__ import annotations

import argparse
import json
import sys

from cloudcensus.providers.openstack.fake.estates import bench_estate
from cloudcensus.providers.openstack.fake.http import FakeOpenStack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloudcensus.providers.openstack.fake")
    parser.add_argument("estate", choices=["bench"])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    estate = bench_estate(args.servers)
    with FakeOpenStack(estate.cloud, port=args.port) as fake:
        line = {
            "url": fake.url,
            "auth_url": fake.auth_url,
            "project": estate.project,
            "username": estate.username,
            "password": estate.password,
        }
        print(json.dumps(line), flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or terminates us)
    return 0


if __name__ == "__main__":
    sys.exit(main())
