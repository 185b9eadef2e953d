"""Serve a fake Cloud Asset API from its own process (the benchmark).

`python -m cloudcensus.providers.gcp.fake --synthetic 50000 --projects 10` builds the
synthetic organisation, listens on a free loopback port, prints `READY <endpoint>` on
stdout and serves until it is terminated. A separate process keeps the server off the
scanner's GIL, as a real API is.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from cloudcensus.providers.gcp.fake.server import FakeAssetServer
from cloudcensus.providers.gcp.fake.synthetic import synthetic_organization


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=50_000, help="resources to serve")
    parser.add_argument("--projects", type=int, default=10, help="projects to spread them over")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    args = parser.parse_args(argv)
    org = synthetic_organization(args.synthetic, args.projects)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    server = FakeAssetServer(org).start(args.port)
    try:
        print(f"READY {server.endpoint}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
