"""Push throughput: a finished scan's findings queued in the outbox and delivered to a
real registry process on loopback.

Run: `python -m benchmarks.push [--findings 100000] [--database-url URL]`.

The findings are the engine's on the engine benchmark's synthetic estate (real rules,
evidence and messages, about 2.5 KB of OCSF JSON each), stored in an agent store with
their resources as a scan would leave them. Timed, in this order, exactly as the agent
runs them:

1. queue: `Store.finish_scan` with the outbox items of the scan (`enqueue_scan`:
   read the findings and tags back, OCSF, JSON, gzip, one transaction);
2. deliver: `Pusher.push()` through `build_client` to the registry (a `cloudcensus
   registry serve` process; SQLite in a temporary directory, or the PostgreSQL
   database of `--database-url`), until the registry has completed the scan.

The baseline, in the same run on the same findings: mapping them to OCSF and encoding
them as JSON and gzip in memory (`finding_to_ocsf`, `to_json`, gzip at the agent's
level), the least any agent must do before sending; the report gives queue + deliver
as a multiple of it. The run checks that the registry holds every finding once.
The findings helpers (`engine_findings`, `event_pool`, `event_copies`) are shared with
`benchmarks/registry.py`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
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
        gzip.compress(b"[" + b",".join(events) + b"]", compresslevel=GZIP_LEVEL, mtime=0)
    return time.perf_counter() - started


def _push(store: Store, scan: int, url: str, token: str, batch_size: int) -> tuple[float, float]:
    """(queue seconds, deliver seconds); fails unless the registry completed the scan."""
    started = time.perf_counter()
    store.finish_scan(
        scan,
        ScanStatus.COMPLETE,
        outbox=lambda conn: enqueue_scan(store, conn, scan, batch_size=batch_size),
    )
    queued = time.perf_counter()
    settings = PushSettings(url=url, token=token, batch_size=batch_size)
    with build_client(settings) as client:
        report = Pusher(client, store).push()
    delivered = time.perf_counter()
    if not report.complete:
        raise SystemExit(f"push incomplete: {report}")
    return queued - started, delivered - queued


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
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
            queue, deliver = _push(store, scan, reg.url, tenant.agent, args.batch_size)
            with reg.client(tenant.reader) as reader:
                summary = reader.get(f"/api/v1/institutions/{tenant.name}/summary").json()
            backend = url.split(":", 1)[0].split("+")[0]
            _report(args.findings, backend, queue, deliver, baseline, summary["total"])


def _report(
    count: int, backend: str, queue: float, deliver: float, baseline: float, held: int
) -> None:
    total = queue + deliver
    print(f"{count} findings pushed to a registry on {backend}")
    print(f"queue (outbox write):   {queue:6.2f} s = {count / queue:9,.0f} findings/s")
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
