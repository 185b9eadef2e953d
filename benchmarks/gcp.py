"""GCP inventory throughput: resources/s normalised from a fake Cloud Asset API.

Run: `python -m benchmarks.gcp [--resources 50000] [--projects 10] [--repeat 3]`.

The project's fake Cloud Asset Inventory (`cloudcensus.providers.gcp.fake`) serves a
synthetic organisation from its own process on loopback. Measured in the same run:

- (a) baseline: the pages the provider reads (the same ListAssets and SearchAllResources
  calls, same page sizes), fetched over HTTP and JSON-decoded, one after the other;
- (b) end to end: the real `GcpProvider` through the collection engine (project
  discovery, IAM policies, resources, organisation policies, the `other` sweep), every
  resource normalised into a `Resource`; resources/s and the ratio to (a);
- (c) in memory, without HTTP: the same page bytes JSON-decoded alone, then decoded and
  normalised by the provider's own fetch and models: the cost of normalisation itself.

The provider's quota limiter is set out of the way (a real scan is bounded by the
ListAssets quota, 100 calls/min by default, not by normalisation).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from cloudcensus.demo.process import LocalServer
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.gcp.assets import dispatcher, fetch_assets, fetch_others
from cloudcensus.providers.gcp.client import AssetPage
from cloudcensus.providers.gcp.locations import Locator
from cloudcensus.providers.gcp.models import ALL_MODELS, MODELLED_TYPES
from cloudcensus.providers.gcp.orgpolicy import OrgPolicyReader
from cloudcensus.providers.gcp.other import READ_MASK, other_normaliser
from cloudcensus.providers.gcp.provider import PROJECT_TYPE, GcpProvider
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.providers.gcp.spec import GcpContext
from cloudcensus.scanner.collect import collect
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource

__all__ = ["main"]

ORG = "organizations/123456789012"
_POLICY_TYPES = sorted({m.asset_type for m in ALL_MODELS if m.policies is not None})
_NODE_TYPE = {
    "folders": "cloudresourcemanager.googleapis.com/Folder",
    "organizations": "cloudresourcemanager.googleapis.com/Organization",
}


class FakeProcess(LocalServer):
    """`python -m cloudcensus.providers.gcp.fake` serving the synthetic organisation."""

    def __init__(self, resources: int, projects: int) -> None:
        self._args = ["--synthetic", str(resources), "--projects", str(projects)]
        self.endpoint = ""

    def start(self) -> FakeProcess:
        command = [sys.executable, "-m", "cloudcensus.providers.gcp.fake", *self._args]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=False)
        assert self._process.stdout is not None
        line = self._process.stdout.readline().decode().strip()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"the fake API did not start: {line!r}")
        self.endpoint = line.split(" ", 1)[1]
        return self


class _Counter:
    def __init__(self) -> None:
        self.resources = 0
        self.gaps: list[CoverageEntry] = []

    def add(self, key: Any, resources: Sequence[Resource]) -> None:
        self.resources += len(resources)

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.gaps.extend(e for e in entries if e.status.value != "complete")


def _calls(projects: Sequence[str], ancestors: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    """The calls the provider makes (path, query), page tokens aside."""
    list_types = sorted(MODELLED_TYPES)
    calls: list[tuple[str, dict[str, Any]]] = [
        (f"{ORG}/assets", {"contentType": "RESOURCE", "assetTypes": [PROJECT_TYPE]})
    ]
    for project in projects:
        parent = f"projects/{project}"
        calls += [
            (f"{parent}/assets", {"contentType": "IAM_POLICY", "assetTypes": _POLICY_TYPES}),
            (f"{parent}/assets", {"contentType": "RESOURCE", "assetTypes": list_types}),
            (f"{parent}/assets", {"contentType": "ORG_POLICY", "assetTypes": [PROJECT_TYPE]}),
            (f"{parent}:searchAllResources", {"readMask": READ_MASK, "pageSize": 500}),
        ]
    for node in ancestors:
        types = [_NODE_TYPE[node.split("/", 1)[0]]]
        calls += [
            (f"{node}/assets", {"contentType": c, "assetTypes": types})
            for c in ("ORG_POLICY", "IAM_POLICY")
        ]
    return calls


def _baseline(
    endpoint: str, calls: Sequence[tuple[str, dict[str, Any]]]
) -> tuple[float, int, dict[tuple[str, str], list[bytes]]]:
    """(seconds, items, page bytes by (path, content type)): fetch + json.loads only."""
    pages: dict[tuple[str, str], list[bytes]] = {}
    items = 0
    started = time.perf_counter()
    with requests.Session() as session:
        for path, query in calls:
            params = {"pageSize": 1000, **query}
            while True:
                response = session.get(f"{endpoint}/v1/{path}", params=params, timeout=60)
                response.raise_for_status()
                body = json.loads(response.content)
                pages.setdefault((path, str(query.get("contentType"))), []).append(response.content)
                items += len(body.get("assets") or body.get("results") or [])
                token = body.get("nextPageToken")
                if not token:
                    break
                params = {**params, "pageToken": token}
    return time.perf_counter() - started, items, pages


def _end_to_end(endpoint: str, workers: int) -> tuple[float, int, int]:
    settings = GcpSettings(
        organization=ORG.split("/")[1],
        credentials="anonymous",
        api_endpoint=endpoint,
        list_assets_per_minute=10**9,
        search_per_minute=10**9,
        concurrency=workers,
    )
    provider = GcpProvider(settings)
    sink = _Counter()
    started = time.perf_counter()
    collect([provider], sink, workers=workers)
    return time.perf_counter() - started, sink.resources, len(sink.gaps)


class _MemoryReader:
    """The recorded pages, served to the provider's own fetch without HTTP."""

    def __init__(self, pages: dict[tuple[str, str], list[bytes]]) -> None:
        self._pages = pages

    def list_assets(
        self, parent: str, content_type: str, asset_types: Sequence[str] = ()
    ) -> Iterator[AssetPage]:
        for raw in self._pages.get((f"{parent}/assets", content_type), []):
            body = json.loads(raw)
            yield AssetPage(body.get("assets", []), body.get("readTime"))

    def search_resources(
        self, scope: str, asset_types: Sequence[str] = (), read_mask: str | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        for raw in self._pages.get((f"{scope}:searchAllResources", "None"), []):
            yield json.loads(raw).get("results", [])


def _in_memory(
    pages: dict[tuple[str, str], list[bytes]], projects: Sequence[str]
) -> tuple[float, float, int]:
    """(json.loads seconds, decode+normalise seconds, resources) without HTTP."""
    started = time.perf_counter()
    for raws in pages.values():
        for raw in raws:
            json.loads(raw)
    decoded = time.perf_counter() - started
    reader = _MemoryReader(pages)
    org_policies = OrgPolicyReader(
        lambda parent, content, types: (
            asset for page in reader.list_assets(parent, content, types) for asset in page.assets
        )
    )
    catalogue = load_catalogue("cloudcensus.providers.gcp")
    locator = Locator(catalogue, "google", None)
    resources = 0
    started = time.perf_counter()
    for project in projects:
        ctx = GcpContext(project, "google", catalogue, locator)
        normalise = dispatcher(ctx, ALL_MODELS)
        for payload in fetch_assets(reader, ctx, ALL_MODELS, org_policies):
            resources += normalise(payload) is not None
        other = other_normaliser(ctx, MODELLED_TYPES)
        for result in fetch_others(reader, ctx):
            resources += other(result) is not None
    return decoded, time.perf_counter() - started, resources


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8, help="collection engine workers")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each measure")
    args = parser.parse_args(argv)
    projects = [f"synthetic-{i:03d}" for i in range(args.projects)]
    calls = _calls(projects, ["folders/900", ORG])
    print(f"{args.resources} resources, {args.projects} projects, {len(calls)} listings")
    with FakeProcess(args.resources, args.projects) as fake:
        _end_to_end(fake.endpoint, args.workers)  # warm-up: the fake builds its answers
        runs = []
        for _ in range(args.repeat):
            base = _baseline(fake.endpoint, calls)
            full = _end_to_end(fake.endpoint, args.workers)
            runs.append((base, full))
        (b_seconds, items, pages), _ = min(runs, key=lambda run: run[0][0])
        e_seconds, resources, gaps = min((run[1] for run in runs), key=lambda r: r[0])
        print(
            f"(a) baseline, HTTP + json.loads: {items} items in {b_seconds:.2f} s = "
            f"{resources / b_seconds:,.0f} resources/s"
        )
        print(
            f"(b) provider end to end ({args.workers} workers): {resources} resources in "
            f"{e_seconds:.2f} s = {resources / e_seconds:,.0f} resources/s, {gaps} gaps; "
            f"ratio to baseline {b_seconds / e_seconds:.2f}"
        )
        decoded, normalised, counted = min(
            (_in_memory(pages, projects) for _ in range(args.repeat)),
            key=lambda r: r[1],
        )
    print(
        f"(c) in memory: json.loads {decoded:.2f} s; decode + normalise {counted} resources "
        f"in {normalised:.2f} s = {counted / normalised:,.0f} resources/s; "
        f"ratio to json.loads {decoded / normalised:.2f}"
    )
    if gaps:
        sys.exit("the provider reported coverage gaps: the figures are not comparable")


if __name__ == "__main__":
    main()
