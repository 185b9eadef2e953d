"""Azure inventory throughput: resources per second fetched and normalised end to end.

Run: `python -m benchmarks.azure [--resources 50000] [--subscriptions 10] [--workers 8]`.

The project's fake Azure serves a tenant of `--resources` Resource Graph rows (the
estate of `bench_tenant`: disks, NICs, VMs, NSGs, storage accounts, a few SQL servers,
flexible servers and key vaults, a long tail of other types) from a separate process,
over HTTPS on loopback, so the fake's JSON encoding does not share the scanner's
interpreter lock. Three measures, in one run:

- (a) end to end: the real `AzureProvider` through the real collection engine (sign-in,
  subscriptions, locations, Resource Graph pages, the ARM detail reads of SQL, storage
  and Key Vault, normalisation into `Resource` records); no store, no rules. With
  `--bulk-only`, only the bulk collector (no per-resource ARM reads).
- (b) baseline: the same Resource Graph queries, paged through the same SDK client, rows
  JSON-decoded and counted, nothing normalised.
- (c) normalisation alone: the rows of (b), already in memory, through the normalisers.

- (d) for reference, the pages of (b) through the SDK's typed `resources()` call, whose
  `QueryResponse` model walks every value of every row: why the provider reads pages as
  JSON through the same client's pipeline instead.

The ratio (a)/(b) says what normalising (and the detail reads) cost on top of reading.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from cloudcensus.providers.azure import AzureProvider, keyvault, resources, sql, storage
from cloudcensus.providers.azure.graph import query_rows
from cloudcensus.providers.azure.resource import AzureContext, Raw
from cloudcensus.providers.azure.settings import AzureSettings
from cloudcensus.providers.base import Scope
from cloudcensus.scanner.collect import UnitKey, collect
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource

__all__ = ["main"]

_QUERIES = (
    (resources.QUERY, resources.normalise_resource),
    (storage.QUERY, storage.normalise_account),
    (sql.QUERY, sql.normalise_sql),
    (keyvault.QUERY, keyvault.normalise_key),
)


class _Counting:
    """A collection sink that only counts."""

    def __init__(self) -> None:
        self.types: Counter[str] = Counter()
        self.gaps: list[CoverageEntry] = []

    def add(self, key: UnitKey, batch: Sequence[Resource]) -> None:
        self.types.update(r.type for r in batch)

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.gaps += [e for e in entries if e.status is not CoverageStatus.COMPLETE]


def _start_fake(resources_n: int, subscriptions: int) -> tuple[subprocess.Popen[str], Any]:
    command = [
        sys.executable,
        "-m",
        "cloudcensus.providers.azure.fake",
        "--estate",
        "bench",
        "--resources",
        str(resources_n),
        "--subscriptions",
        str(subscriptions),
    ]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise RuntimeError("the fake Azure did not start")
    return process, json.loads(line)


def _end_to_end(
    settings: AzureSettings, workers: int, bulk_only: bool
) -> tuple[float, float, _Counting]:
    sink = _Counting()
    chosen = resources.COLLECTORS if bulk_only else None
    started, cpu = time.perf_counter(), time.process_time()
    collect([AzureProvider(settings, collectors=chosen)], sink, workers=workers)
    return time.perf_counter() - started, time.process_time() - cpu, sink


def _fetch_only(settings: AzureSettings) -> tuple[float, float, list[tuple[Any, Raw, str]]]:
    provider = AzureProvider(settings)
    scopes: list[Scope] = list(provider.scopes())
    rows: list[tuple[Any, Raw, str]] = []
    started, cpu = time.perf_counter(), time.process_time()
    for scope in scopes:
        for query, normalise in _QUERIES:
            for row in query_rows(
                provider.clients.graph, query, settings.page_size, subscriptions=[scope.account]
            ):
                rows.append((normalise, row, scope.account))
    return time.perf_counter() - started, time.process_time() - cpu, rows


def _fetch_sdk_models(settings: AzureSettings) -> tuple[float, float, int]:
    """The same queries through the SDK's typed `resources()` call (`QueryResponse`)."""
    provider = AzureProvider(settings)
    scopes: list[Scope] = list(provider.scopes())
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    for scope in scopes:
        for query, _ in _QUERIES:
            token: str | None = None
            while True:
                options = QueryRequestOptions(top=settings.page_size, skip_token=token)
                request = QueryRequest(subscriptions=[scope.account], query=query, options=options)
                answer = provider.clients.graph.resources(request)
                count += len(answer.data)
                token = answer.skip_token
                if not token:
                    break
    return time.perf_counter() - started, time.process_time() - cpu, count


def _normalise_only(
    rows: list[tuple[Any, Raw, str]], settings: AzureSettings
) -> tuple[float, float]:
    provider = AzureProvider(settings)
    contexts = {
        sub: AzureContext(subscription=sub, offering="azure", catalogue=provider._catalogue)
        for sub in {sub for _, _, sub in rows}
    }
    gc.collect()
    gc.freeze()  # the rows are long-lived input, as the engine benchmark's inventory is
    started, cpu = time.perf_counter(), time.process_time()
    for normalise, row, sub in rows:
        normalise(row, contexts[sub])
    return time.perf_counter() - started, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--bulk-only",
        action="store_true",
        help="(a) with the bulk collector only: no per-resource ARM detail reads",
    )
    args = parser.parse_args(argv)
    process, ready = _start_fake(args.resources, args.subscriptions)
    try:
        os.environ.update(ready["environment"])
        settings = AzureSettings.model_validate({**ready["settings"], "max_retries": 2})
        seconds, cpu, sink = _end_to_end(settings, args.workers, args.bulk_only)
        total = sum(sink.types.values())
        print(
            f"(a) end to end: {total:,} resources in {seconds:.2f} s = "
            f"{total / seconds:,.0f} resources/s ({len(sink.gaps)} coverage gaps); "
            f"scanner CPU {cpu:.2f} s = {total / cpu:,.0f} resources per CPU-second"
        )
        print("    by type: " + ", ".join(f"{t} {n:,}" for t, n in sink.types.most_common()))
        fetch_s, fetch_cpu, rows = _fetch_only(settings)
        print(
            f"(b) baseline, the same Resource Graph pages fetched and JSON-decoded: "
            f"{len(rows):,} rows in {fetch_s:.2f} s = {len(rows) / fetch_s:,.0f} rows/s; "
            f"scanner CPU {fetch_cpu:.2f} s = {len(rows) / fetch_cpu:,.0f} rows per CPU-second"
        )
        sdk_s, sdk_cpu, sdk_rows = _fetch_sdk_models(settings)
        print(
            f"(d) the same pages through the SDK's typed QueryResponse: {sdk_rows:,} rows in "
            f"{sdk_s:.2f} s = {sdk_rows / sdk_s:,.0f} rows/s; scanner CPU {sdk_cpu:.2f} s = "
            f"{sdk_rows / sdk_cpu:,.0f} rows per CPU-second"
        )
        normalise_s, normalise_cpu = _normalise_only(rows, settings)
        print(
            f"(c) normalisation alone: {len(rows):,} rows in {normalise_s:.2f} s = "
            f"{len(rows) / normalise_s:,.0f} rows/s; CPU {normalise_cpu:.2f} s = "
            f"{len(rows) / normalise_cpu:,.0f} rows per CPU-second"
        )
        print(f"ratio (a)/(b): {(total / seconds) / (len(rows) / fetch_s):.2f}")
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)
    return 1 if sink.gaps else 0


if __name__ == "__main__":
    raise SystemExit(main())
