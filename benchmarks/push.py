"""Push throughput: a finished scan's findings queued in the outbox and delivered to a
real registry process on loopback.

Run: `python -m benchmarks.push [--findings 100000] [--database-url URL] [--concurrency N]`.

The findings are the engine's on the engine benchmark's synthetic estate (real rules,
evidence and messages, about 2.5 KB of OCSF JSON each), stored in an agent store with
their resources as a scan would leave them. Timed, in this order, exactly as the agent
runs them:

1. queue: `Store.finish_scan` with the outbox items of the scan (`enqueue_scan`:
   read the findings and tags back, OCSF, JSON, gzip, one transaction);
2. deliver: `Pusher.push()` through `build_client` to the registry (a `cloudcensus
   registry serve` process; SQLite in a temporary directory, or the PostgreSQL
   database of `--database-url`), until the registry has completed the scan.

Before 2, the same outbox is delivered once to a sink (a loopback HTTP/1.1 server in a
process of its own that reads each request and answers 200 at once), then marked
undelivered again: the agent's own delivery cost, whatever the registry's ingest speed.
`--concurrency` sets the batches in flight at once (default: the agent's).

The baseline, in the same run on the same findings: mapping them to OCSF and encoding
them as JSON and gzip in memory (`finding_to_ocsf`, `to_json`, gzip at the agent's
level), the least any agent must do before sending; the report gives queue + deliver
as a multiple of it. The run checks that the registry holds every finding once.
The findings helpers (`engine_findings`, `event_pool`, `event_copies`) are shared with
`benchmarks/registry.py`.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from isal import igzip
from pydantic_core import to_json
from sqlalchemy import make_url

from benchmarks.estate import synthetic_inventory
from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.findings import Finding
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.scanner.config import PushSettings
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.push import Pusher, build_client, enqueue_scan
from cloudcensus.scanner.push.items import GZIP_LEVEL
from cloudcensus.scanner.push.pusher import DEFAULT_CONCURRENCY
from cloudcensus.scanner.pushconfig import DEFAULT_BATCH_SIZE
from cloudcensus.scanner.report.ocsf import finding_to_ocsf
from cloudcensus.scanner.store import ScanStatus, Store
from tests.registry.server import serve

__all__ = ["EVALUATED", "database", "engine_findings", "event_copies", "event_pool", "main"]

EVALUATED = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
_FINDINGS_PER_RESOURCE = 5.4


def engine_findings(count: int, accounts: int = 10) -> tuple[list[list[Resource]], list[Finding]]:
    """The estate's scopes (as many as needed) and the first `count` findings of the
    built-in packs (`be-federal` profile) on the engine benchmark's synthetic estate."""
    rules = resolve_params(load_rules(["sovereignty", "baseline"]), "be-federal")
    scopes = synthetic_inventory(int(count / _FINDINGS_PER_RESOURCE) + 200, accounts)
    evaluator = Evaluator(rules)
    used: list[list[Resource]] = []
    findings: list[Finding] = []
    for scope in scopes:
        used.append(scope)
        findings += evaluator.evaluate_scope(scope, EVALUATED)
        if len(findings) >= count:
            return used, findings[:count]
    raise RuntimeError(f"the estate gave {len(findings)} findings, not {count}")


def event_pool(size: int) -> list[dict[str, Any]]:
    """`size` OCSF events of engine findings, with their resources' tags."""
    scopes, findings = engine_findings(size)
    tags = {r.id: r.tags for scope in scopes for r in scope if r.tags}
    return [finding_to_ocsf(f, tags=tags.get(f.resource_id)) for f in findings]


def event_copies(
    pool: Sequence[dict[str, Any]], count: int, *, start: int = 0
) -> Iterator[dict[str, Any]]:
    """`count` distinct events (copies `start`, `start + 1`, ...) cycling through `pool`:
    each has its own finding uid and resource id, accounts spread 50 times wider."""
    for number in range(start, start + count):
        base = pool[number % len(pool)]
        copy = number // len(pool)
        account = f"{int(base['cloud']['account']['uid']) + copy % 50:012d}"
        resource = {**base["resources"][0], "uid": f"{base['resources'][0]['uid']}/{copy}"}
        yield {
            **base,
            "finding_info": {
                **base["finding_info"],
                "uid": hashlib.blake2b(b"%d" % number, digest_size=16).hexdigest(),
            },
            "resources": [resource],
            "cloud": {**base["cloud"], "account": {**base["cloud"]["account"], "uid": account}},
        }


@contextmanager
def database(server: str | None, root: Path) -> Iterator[str]:
    """A fresh database: PostgreSQL on `server` (dropped after), else a SQLite file."""
    if server is None:
        yield f"sqlite:///{root / 'registry.db'}"
        return
    name = f"cloudcensus_bench_{secrets.token_hex(4)}"
    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _stored_scan(store: Store, count: int) -> int:
    """A scan of `count` engine findings, collected and evaluated but not yet finished."""
    scopes, findings = engine_findings(count)
    scan = store.begin_scan(["aws"], started=EVALUATED)
    coverage = []
    for scope in scopes:
        account = scope[0].account
        store.add_resources(scan, ("aws", account, "all", "all"), scope)
        coverage.append(
            CoverageEntry(
                provider="aws",
                account=account,
                region="all",
                collector="all",
                status=CoverageStatus.COMPLETE,
                resources=len(scope),
            )
        )
    store.add_coverage(scan, coverage)
    store.add_findings(scan, findings)
    return scan


def _baseline(store: Store, scan: int) -> float:
    """Seconds to map the scan's findings (already in memory) to OCSF, JSON and gzip."""
    findings = list(store.findings(scan))
    tags = {r.id: r.tags for r in store.resources(scan) if r.tags}
    started = time.perf_counter()
    for first in range(0, len(findings), 1000):
        events = [
            to_json(finding_to_ocsf(f, tags=tags.get(f.resource_id)))
            for f in findings[first : first + 1000]
        ]
        igzip.compress(b"[" + b",".join(events) + b"]", compresslevel=GZIP_LEVEL, mtime=0)
    return time.perf_counter() - started


class _SinkHandler(BaseHTTPRequestHandler):
    """Reads each request whole and answers 200 with a small JSON body, keeping the
    connection open (HTTP/1.1), as the registry does."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, as from uvicorn

    def _accept(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PUT = _accept

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve_sink(port: Connection) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SinkHandler)
    port.send(server.server_address[1])
    server.serve_forever()


@contextmanager
def sink() -> Iterator[str]:
    """A loopback HTTP server, in a process of its own, that accepts every request at
    once; yields its URL."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_serve_sink, args=(child,), daemon=True
    )
    process.start()
    try:
        if not parent.poll(30):
            raise SystemExit("the sink did not start")
        yield f"http://127.0.0.1:{parent.recv()}"
    finally:
        process.terminate()
        process.join()


def _deliver(store: Store, url: str, token: str, batch_size: int, concurrency: int) -> float:
    """Seconds for `Pusher.push()` to deliver the outbox; fails unless all got through."""
    settings = PushSettings(url=url, token=token, batch_size=batch_size)
    started = time.perf_counter()
    with build_client(settings) as client:
        report = Pusher(client, store, concurrency=concurrency).push()
    took = time.perf_counter() - started
    if not report.complete:
        raise SystemExit(f"push incomplete: {report}")
    return took


def _undeliver(store: Store) -> None:
    """Mark the whole outbox undelivered again (benchmark only: a second delivery)."""
    with store.transaction() as conn:
        conn.execute("UPDATE outbox_items SET delivered = NULL, attempts = 0")
        conn.execute("UPDATE outbox_scans SET delivered = NULL, attempted = NULL")


def _push(
    store: Store, scan: int, url: str, token: str, batch_size: int, concurrency: int
) -> tuple[float, float, float]:
    """(queue, deliver to the sink, deliver to the registry) seconds; fails unless the
    registry completed the scan."""
    started = time.perf_counter()
    store.finish_scan(
        scan,
        ScanStatus.COMPLETE,
        outbox=lambda conn: enqueue_scan(store, conn, scan, batch_size=batch_size),
    )
    queued = time.perf_counter() - started
    with sink() as sink_url:
        to_sink = _deliver(store, sink_url, token, batch_size, concurrency)
    _undeliver(store)
    return queued, to_sink, _deliver(store, url, token, batch_size, concurrency)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"findings per batch (default {DEFAULT_BATCH_SIZE}, the agent's)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"batches in flight at once (default {DEFAULT_CONCURRENCY}, the agent's)",
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server for the registry (a database is created on it and "
        "dropped after); default: SQLite in a temporary directory",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cc-push-bench-") as tmp:
        root = Path(tmp)
        with (
            database(args.database_url, root) as url,
            Store.open(root / "agent.sqlite") as store,
            serve(url, root / "registry.log") as reg,
        ):
            tenant = reg.tenant()
            print(f"building {args.findings} findings (engine on the synthetic estate)...")
            scan = _stored_scan(store, args.findings)
            baseline = _baseline(store, scan)
            queue, to_sink, deliver = _push(
                store, scan, reg.url, tenant.agent, args.batch_size, args.concurrency
            )
            with reg.client(tenant.reader) as reader:
                summary = reader.get(f"/api/v1/institutions/{tenant.name}/summary").json()
            backend = url.split(":", 1)[0].split("+")[0]
            print(f"{args.concurrency} batch(es) in flight at once")
            _report(args.findings, backend, queue, to_sink, deliver, baseline, summary["total"])


def _report(
    count: int,
    backend: str,
    queue: float,
    to_sink: float,
    deliver: float,
    baseline: float,
    held: int,
) -> None:
    total = queue + deliver
    print(f"{count} findings pushed to a registry on {backend}")
    print(f"queue (outbox write):   {queue:6.2f} s = {count / queue:9,.0f} findings/s")
    print(f"deliver (to a sink):    {to_sink:6.2f} s = {count / to_sink:9,.0f} findings/s")
    print(f"deliver (to registry):  {deliver:6.2f} s = {count / deliver:9,.0f} findings/s")
    print(f"queue + deliver:        {total:6.2f} s = {count / total:9,.0f} findings/s")
    print(f"baseline (OCSF + JSON + gzip in memory): {baseline:.2f} s = "
          f"{count / baseline:,.0f} findings/s")  # fmt: skip
    print(f"queue + deliver = {total / baseline:.2f} x baseline, queue = {queue / baseline:.2f} x")
    print(f"registry holds {held} open findings (expected {count})")
    if held != count:
        raise SystemExit("the registry does not hold every finding exactly once")


if __name__ == "__main__":
    main()
