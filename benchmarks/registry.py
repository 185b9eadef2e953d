"""Registry ingest throughput and read latency, against a real registry process.

Run:
    python -m benchmarks.registry ingest [--findings 100000] [--database-url URL]
        [--batch-size N] [--concurrency N]
    python -m benchmarks.registry read [--findings 1000000] [--database-url URL]

`--database-url` names a PostgreSQL server (e.g. postgresql+psycopg://postgres@127.0.0.1/
postgres): a database `cloudcensus_bench_<random>` is created on it and dropped at the
end. Without it, SQLite in a temporary directory. Findings are OCSF events of the engine
on the synthetic estate (about 2.5 KB each), copied with distinct uids
(`benchmarks.push.event_copies`).

ingest: the findings as gzip batches of `--batch-size` (default the agent's, 2,500; the
agent's bodies), POSTed one after the
other (`--concurrency N`: N at a time, as the agent's pusher does with 3), for two
scans: the first creates every finding, the second (a night later) updates every one.
Baseline, same run: the database's own bulk load of what the first scan stores
(PostgreSQL COPY; SQLite executemany): the rows into a copy of `findings` with the same
indexes, and the gzip bodies into a copy of `event_batches`; the report gives ingest as
a fraction of it.

read (PostgreSQL): `--findings` findings of one institution (and 1 % as many of another)
are loaded by COPY, as one completed scan each, with the counts the ingest path would
keep and the statistics autovacuum would gather; then each API call is timed (median and
90th percentile of `--runs`): the summary, the first page of open findings, a cursor
page half-way, filters on status and severity, on rule and account, and text filters
(frequent, and rare: one resource's findings), a finding's detail (its event read from
its stored batch) and the OCSF export filtered on rule and account (928 findings from 48
stored batches at 1,000,000); and, when the registry serves pages, the
institution page and the findings page filtered the same ways. Baseline, same run:
`GET /api/v1/institutions` (authentication and one small query).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import create_engine, make_url, text

from benchmarks.push import database, event_copies, event_pool
from benchmarks.registryrows import (
    STARTED,
    Texts,
    batch_bodies,
    bulk_load,
    drop_text_index,
    row,
    seed,
)
from cloudcensus.scanner.pushconfig import DEFAULT_BATCH_SIZE
from tests.registry.server import Registry, Tenant, serve

__all__ = ["main"]


def _scan(
    agent: httpx.Client, bodies: list[tuple[str, bytes]], started: datetime, concurrency: int
) -> float:
    """Seconds to deliver one scan: open, every batch (`concurrency` at a time), complete."""
    scan = uuid.uuid4()
    begin = time.perf_counter()
    agent.post("/api/v1/scans", json={"scan_uid": str(scan), "agent_version": "bench",
                                      "started": started.isoformat(), "providers": ["aws"]}
               ).raise_for_status()  # fmt: skip
    path = f"/api/v1/scans/{scan}/findings"

    def send(batch: tuple[str, bytes]) -> int:
        uid, body = batch
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
                   "Idempotency-Key": uid}  # fmt: skip
        answer = agent.post(path, content=body, headers=headers)
        answer.raise_for_status()
        accepted: int = answer.json()["accepted"]
        return accepted

    with ThreadPoolExecutor(concurrency) as pool:
        count = sum(pool.map(send, bodies))
    done = agent.post(f"/api/v1/scans/{scan}/complete", json={
        "finished": (started + timedelta(minutes=30)).isoformat(), "status": "complete",
        "findings": count, "coverage": []})  # fmt: skip
    done.raise_for_status()
    return time.perf_counter() - begin


def ingest(args: argparse.Namespace, root: Path) -> None:
    pool = event_pool(min(args.findings, 5000))
    events = list(event_copies(pool, args.findings))
    bodies = batch_bodies(events, args.batch_size)
    gzipped = sum(len(b) for _, b in bodies)
    with database(args.database_url, root) as url, serve(url, root / "registry.log") as reg:
        tenant = reg.tenant()
        if args.without_text_index:
            drop_text_index(url)
        with reg.client(tenant.agent) as agent:
            agent.timeout = httpx.Timeout(300)
            first = _scan(agent, bodies, STARTED, args.concurrency)
            later = STARTED + timedelta(days=1)  # a night later
            second = _scan(agent, bodies, later, args.concurrency)
        texts, size = Texts(), args.batch_size
        rows = [row(e, 1, 1, None, (n // size + 1, n % size), texts) for n, e in enumerate(events)]
        baseline = bulk_load(url, rows, [body for _, body in bodies], texts.written())
        backend = make_url(url).get_backend_name()
    n = args.findings
    index = ""
    if backend == "postgresql":
        index = ", without the text index" if args.without_text_index else ", with the text index"
    print(f"{n} findings in {len(bodies)} batches of {args.batch_size} "
          f"({gzipped / len(bodies) / 1e6:.2f} MB gzip each, {gzipped / n:.0f} B per finding), "
          f"registry on {backend}{index}")  # fmt: skip
    if args.concurrency > 1:
        print(f"{args.concurrency} batches in flight at once")
    print(f"first scan (inserts): {first:7.2f} s = {n / first:9,.0f} findings/s")
    print(f"second scan (updates): {second:6.2f} s = {n / second:9,.0f} findings/s")
    print(f"baseline, bulk load of the same rows: {baseline:.2f} s = {n / baseline:,.0f} rows/s")
    print(f"ingest = {baseline / first:.2f} (inserts), {baseline / second:.2f} (updates) of it")


# --- read --------------------------------------------------------------------------------


def _timed(client: httpx.Client, path: str, params: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        answer = client.get(path, params=params)
        times.append(time.perf_counter() - begin)
        answer.raise_for_status()
    return sorted(times)


def _uid(pool: list[dict[str, Any]], number: int) -> str:
    """The finding uid of copy `number` (as loaded by `seed`)."""
    uid: str = next(event_copies(pool, 1, start=number))["finding_info"]["uid"]
    return uid


def _rare(pool: list[dict[str, Any]]) -> str:
    """A text only the findings of one resource contain (copy 150 of a pool resource)."""
    return f"{pool[17]['resources'][0]['uid']}/150"


def _calls(
    reg: Registry, tenant: Tenant, pool: list[dict[str, Any]], count: int
) -> list[tuple[str, str, dict[str, str]]]:
    """(label, path, params) of each measured call (`count` findings loaded)."""
    name = tenant.name
    detail = f"/api/v1/findings/{_uid(pool, count // 2 + 17)}"
    rare = _rare(pool)
    half = base64.urlsafe_b64encode(b"500000").decode()
    findings = "/api/v1/findings"
    return [
        ("summary", f"/api/v1/institutions/{name}/summary", {}),
        ("findings, first page", findings, {"institution": name}),
        ("findings, cursor page half-way", findings, {"institution": name, "cursor": half}),
        ("findings, status=fail severity=high", findings,
         {"institution": name, "status": "fail", "severity": "high"}),
        ("findings, rule + account", findings,
         {"institution": name, "rule": "BASE-ENC-01", "account": "100000000007"}),
        ("findings, text (frequent)", findings, {"institution": name, "text": "encrypt"}),
        ("findings, text (rare: one resource)", findings, {"institution": name, "text": rare}),
        ("finding detail (event from its batch)", detail, {"institution": name}),
        ("export OCSF, rule + account", "/api/v1/exports/findings.ocsf.jsonl",
         {"institution": name, "rule": "BASE-ENC-01", "account": "100000000007"}),
    ]  # fmt: skip


def _web_login(client: httpx.Client, token: str) -> bool:
    """A session cookie for the registry's pages (when it has them)."""
    form = client.get("/login")
    csrf = client.cookies.get("cc_login_csrf")
    if form.status_code != 200 or csrf is None:
        return False
    answer = client.post(
        "/login",
        content=f"token={token}&csrf={csrf}&next=/".encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": str(client.base_url),
        },
    )
    return answer.status_code in (200, 303)


def _pages(tenant: Tenant, rare: str) -> list[tuple[str, str, dict[str, str]]]:
    findings = "/findings"
    return [
        ("page: institution (summary)", f"/institutions/{tenant.name}", {}),
        ("page: findings, status=fail severity=high", findings,
         {"institution": tenant.name, "status": "fail", "severity": "high"}),
        ("page: findings, text (rare)", findings, {"institution": tenant.name, "text": rare}),
    ]  # fmt: skip


def read(args: argparse.Namespace, root: Path) -> None:
    pool = event_pool(5000)
    with database(args.database_url, root) as url:
        with serve(url, root / "registry.log") as reg:  # migrates; then loaded below
            bench, other = reg.tenant(), reg.tenant()
        engine = create_engine(url)
        with engine.connect() as connection:
            ids = {name: id_ for name, id_ in connection.execute(
                text("SELECT name, id FROM institutions"))}  # fmt: skip
        engine.dispose()
        begin = time.perf_counter()
        seed(url, pool, {ids[bench.name]: args.findings, ids[other.name]: args.findings // 100})
        print(f"loaded {args.findings + args.findings // 100} findings in "
              f"{time.perf_counter() - begin:.0f} s")  # fmt: skip
        with serve(url, root / "registry.log") as reg:
            reg = Registry(reg.url, reg.admin)
            with reg.client(bench.reader) as reader:
                reader.timeout = httpx.Timeout(60)
                baseline = _timed(reader, "/api/v1/institutions", {}, args.runs)
                calls = _calls(reg, bench, pool, args.findings)
                results = [(label, _timed(reader, path, params, args.runs))
                           for label, path, params in calls]  # fmt: skip
            with httpx.Client(base_url=reg.url, timeout=60) as browser:
                if _web_login(browser, bench.reader):
                    results += [(label, _timed(browser, path, params, args.runs))
                                for label, path, params in _pages(bench, _rare(pool))]  # fmt: skip
                else:
                    print("pages: not measured (this registry has no login page)")
    base = statistics.median(baseline)
    print(f"{args.findings} findings of one institution, {args.runs} runs each; baseline "
          f"GET /api/v1/institutions median {base * 1000:.1f} ms")  # fmt: skip
    for label, times in results:
        median, p90 = statistics.median(times), times[int(len(times) * 0.9) - 1]
        print(f"{label:40} median {median * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  "
              f"= {median / base:5.1f} x baseline")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measure", choices=["ingest", "read"])
    parser.add_argument("--findings", type=int)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"ingest: findings per batch (default {DEFAULT_BATCH_SIZE}, the agent's)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=1, help="ingest: batches in flight at once"
    )
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument(
        "--without-text-index",
        action="store_true",
        help="drop the trigram index of the text filter first (PostgreSQL)",
    )
    args = parser.parse_args(argv)
    if args.measure == "read" and args.database_url is None:
        parser.error("read loads PostgreSQL by COPY: give --database-url")
    if args.findings is None:
        args.findings = 100_000 if args.measure == "ingest" else 1_000_000
    with tempfile.TemporaryDirectory(prefix="cc-registry-bench-") as tmp:
        (ingest if args.measure == "ingest" else read)(args, Path(tmp))


if __name__ == "__main__":
    main()
