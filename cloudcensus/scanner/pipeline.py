"""The scan pipeline: collect into the store, evaluate per account, finish the scan.

One scan is the unit of storage, of reporting and of "resolved". `run_scan` does, in
order: begin the scan; stream every provider's resources into the store (the collection
engine calls the store's sink, batch by batch); evaluate each provider+account scope
from the store, so memory holds one account's resources at a time, never the estate;
store the findings; finish the scan (`complete`, `partial` when any unit has a gap,
`failed` when nothing could be read or the run itself broke). When a registry is
configured, the transaction that finishes the scan also writes its push items to the
outbox (`scanner/push/items.py`): the push itself comes later, from the CLI, and a
registry outage can only delay it. A run that broke is not queued: it has no findings.

A scope that was not read completely is evaluated on its last known inventory (the
store carries it forward as stale): its findings stay as they were instead of looking
resolved because a role could not be assumed tonight.

With a `shard` configured, the providers are wrapped so that only this shard's scopes
are listed (`scanner/shard.py`); the scan records its shard and run in its summary,
refuses a store holding another shard's scans, and a shard that owns no scope at all
is complete, not failed.

`run_evaluate` is the same evaluation path over a saved `inventory.jsonl` (collect once,
evaluate many times): the file is loaded into a throw-away store as a scan of its own.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import cast

from pydantic import BaseModel, ValidationError

from cloudcensus import __version__
from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.explanation_usage import ExplanationReport
from cloudcensus.policies.explanations import ExplanationSet, load_explanations
from cloudcensus.policies.findings import Status
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.policies.rules import RuleSet
from cloudcensus.providers.base import Provider
from cloudcensus.providers.registry import load_provider_class
from cloudcensus.scanner.collect import CollectProgress, collect
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.push.items import enqueue_scan
from cloudcensus.scanner.report import FindingTally
from cloudcensus.scanner.shard import (
    SUMMARY_KEY,
    Shard,
    check_store,
    shard_counts,
    shard_providers,
    shard_record,
)
from cloudcensus.scanner.store.drift import Diff, diff
from cloudcensus.scanner.store.records import ScanStatus
from cloudcensus.scanner.store.sink import StoreSink
from cloudcensus.scanner.store.store import Store

__all__ = [
    "EVALUATE_COLLECTOR",
    "InventoryFileError",
    "Policy",
    "ScanResult",
    "build_providers",
    "evaluate_scan",
    "load_policy",
    "read_inventory",
    "run_evaluate",
    "run_scan",
]

logger = logging.getLogger(__name__)

#: Collector name of the units `run_evaluate` records for a loaded inventory file.
EVALUATE_COLLECTOR = "inventory-file"
_BATCH = 500


class InventoryFileError(Exception):
    """An inventory file cannot be read or a line is not a resource (names file:line)."""


@dataclass(frozen=True)
class Policy:
    """The rules (parameters resolved) and the explanations one run evaluates with."""

    ruleset: RuleSet
    explanations: ExplanationSet | None


@dataclass
class ScanResult:
    """What one scan (or one evaluation) produced; its data is in the store."""

    scan_id: int
    status: ScanStatus
    tally: FindingTally
    coverage: list[CoverageEntry] = field(default_factory=list)
    explanations: ExplanationReport | None = None
    drift: Diff | None = None  # against the previous finished scan, when there is one
    stopped: bool = False
    shard: Shard | None = None  # the share of the estate this scan read (None: all of it)
    run: str | None = None  # the run its shard belongs to (None: a lone scan)


def load_policy(settings: AgentSettings, today: date, config_name: str = "configuration") -> Policy:
    """Load and validate the configured rules, profile, parameters and explanations.

    Raises a `PolicyLoadError` subclass listing every problem, before anything is scanned.
    """
    ruleset = resolve_params(
        load_rules(settings.rules), settings.profile, settings.params, source_name=config_name
    )
    explanations = None
    if settings.explanations:
        explanations = load_explanations(
            settings.explanations,
            ruleset,
            today=today,
            max_validity_days=settings.max_explanation_validity_days,
        )
    return Policy(ruleset, explanations)


def run_scan(
    settings: AgentSettings,
    providers: Sequence[Provider],
    store: Store,
    policy: Policy,
    now: datetime,
    progress: CollectProgress | None = None,
    stop: threading.Event | None = None,
    run: str | None = None,
) -> ScanResult:
    """Collect, evaluate and record one scan (see the module doc for the order).

    `run` is the run id of a shard's scan (default: `settings.run_id`). Raises
    `ShardMismatch` before anything is recorded when the store holds another shard.
    """
    shard, run = settings.shard, run or settings.run_id
    check_store(store, shard)
    scan_id = store.begin_scan([p.name for p in providers], started=now)
    previous = store.previous_scan(scan_id)
    logger.info("scan %d: collecting %s", scan_id, ", ".join(p.name for p in providers))
    if shard is not None:
        logger.info("scan %d: shard %s of run %s", scan_id, shard, run or "(none)")
    scoped = shard_providers(providers, shard)
    try:
        summary = collect(
            scoped,
            StoreSink(store, scan_id),
            workers=settings.workers,
            task_timeout_s=settings.task_timeout_s,
            progress=progress,
            stop=stop,
        )
        coverage = store.coverage(scan_id)
        status = _scan_status(coverage, stopped=summary.stopped, sharded=shard is not None)
        tally, report = evaluate_scan(store, scan_id, policy, now, include_stale=True)
    except BaseException:
        store.finish_scan(scan_id, ScanStatus.FAILED, {"error": "the scan did not finish"})
        raise
    push = settings.registry

    def queue(conn: sqlite3.Connection) -> None:
        if push is not None:
            explanations = policy.explanations
            size = push.batch_size
            items = enqueue_scan(
                store, conn, scan_id, batch_size=size, explanations=explanations, report=report
            )
            logger.info("scan %d: %d item(s) queued for the registry", scan_id, items)

    record = _summary(tally, coverage)
    if shard is not None:
        record[SUMMARY_KEY] = shard_record(shard, run)
        owned, skipped = shard_counts(scoped)
        logger.info(
            "scan %d: shard %s read %d scope(s), left %d to the other shards",
            scan_id,
            shard,
            owned,
            skipped,
        )
    store.finish_scan(scan_id, status, record, outbox=queue)
    logger.info("scan %d %s: %d findings", scan_id, status.value, tally.total)
    drift = None
    if previous is not None and status is not ScanStatus.FAILED:
        drift = diff(store, previous.id, scan_id)
    return ScanResult(
        scan_id=scan_id,
        status=status,
        tally=tally,
        coverage=coverage,
        explanations=report,
        drift=drift,
        stopped=summary.stopped,
        shard=shard,
        run=run if shard is not None else None,
    )


def _scan_status(
    coverage: Sequence[CoverageEntry], *, stopped: bool, sharded: bool = False
) -> ScanStatus:
    """complete: every unit read; partial: some gaps; failed: nothing read at all.

    A shard may own no scope at all (fewer accounts than shards): with nothing to read
    and nothing failed, it is complete."""
    if sharded and not coverage and not stopped:
        return ScanStatus.COMPLETE
    if not any(entry.status is not CoverageStatus.FAILED for entry in coverage):
        return ScanStatus.FAILED
    if stopped or any(entry.status is not CoverageStatus.COMPLETE for entry in coverage):
        return ScanStatus.PARTIAL
    return ScanStatus.COMPLETE


def _summary(tally: FindingTally, coverage: Sequence[CoverageEntry]) -> dict[str, object]:
    """The small record kept on the scan row (the registry and `scans` listings read it)."""
    return {
        "findings": {status.value: tally.count(status) for status in Status},
        "coverage": {s.value: n for s, n in Counter(e.status for e in coverage).items()},
        "resources": sum(e.resources for e in coverage),
    }


def _scopes(
    store: Store, scan_id: int, include_stale: bool
) -> Iterator[tuple[tuple[str, str], list[Resource]]]:
    """Each provider+account scope with its resources: fresh ones from this scan, plus
    (include_stale) the last known ones of units this scan could not read."""
    stale: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    if include_stale:
        for resource in store.stale_resources(scan_id):
            stale[resource.provider, resource.account].append(resource)
    keys = sorted({*store.accounts(scan_id), *stale})
    for provider, account in keys:
        fresh = list(store.resources(scan_id, provider, account))
        seen = {resource.id for resource in fresh}
        old = [r for r in stale.pop((provider, account), []) if r.id not in seen]
        yield (provider, account), fresh + old


def evaluate_scan(
    store: Store, scan_id: int, policy: Policy, now: datetime, *, include_stale: bool = False
) -> tuple[FindingTally, ExplanationReport | None]:
    """Evaluate every scope of a scan from the store and store its findings."""
    evaluator = Evaluator(policy.ruleset, policy.explanations)
    tally = FindingTally()
    for (provider, account), resources in _scopes(store, scan_id, include_stale):
        findings = evaluator.evaluate_scope(resources, now)
        store.add_findings(scan_id, tally.track(findings))
        logger.debug(
            "%s/%s: %d resources, %d findings", provider, account, len(resources), len(findings)
        )
    return tally, evaluator.explanation_report()


def read_inventory(path: Path) -> Iterator[tuple[int, Resource]]:
    """(line number, resource) of an `inventory.jsonl`; raises `InventoryFileError`."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise InventoryFileError(f"{path}: cannot read: {error.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, Resource.model_validate_json(line)
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                where = ".".join(map(str, first["loc"])) or "line"
                raise InventoryFileError(
                    f"{path}:{number}: not a resource ({where}: {first['msg']})"
                ) from None


def run_evaluate(inventory: Path, store: Store, policy: Policy, now: datetime) -> ScanResult:
    """Evaluate a saved inventory: load it as a scan of `store`, then evaluate that scan.

    Use a throw-away store (the CLI uses a temporary directory): the loaded scan is not a
    collection and must not become the previous scan of the agent's next real scan.
    """
    batches: dict[tuple[str, str, str], list[Resource]] = defaultdict(list)
    providers: set[str] = set()
    scan_id = store.begin_scan(["inventory"], agent_version=__version__, started=now)
    for _, resource in read_inventory(inventory):
        key = (resource.provider, resource.account, resource.region)
        providers.add(resource.provider)
        batches[key].append(resource)
        if len(batches[key]) >= _BATCH:
            store.add_resources(scan_id, (*key, EVALUATE_COLLECTOR), batches.pop(key))
    for key, resources in batches.items():
        store.add_resources(scan_id, (*key, EVALUATE_COLLECTOR), resources)
    tally, report = evaluate_scan(store, scan_id, policy, now)
    store.finish_scan(scan_id, ScanStatus.COMPLETE, {"inventory": str(inventory)})
    logger.info("evaluated %s (%s)", inventory, ", ".join(sorted(providers)) or "empty")
    return ScanResult(scan_id=scan_id, status=ScanStatus.COMPLETE, tally=tally, explanations=report)


def build_providers(settings: AgentSettings) -> list[Provider]:
    """One provider object per configured provider, each built with its own settings.

    Raises `ProviderUnavailable` (unknown name, SDK extra missing): fatal, because the
    user asked for that provider.
    """
    built: list[Provider] = []
    for name, section in settings.provider_settings().items():
        factory = cast(Callable[[BaseModel], Provider], load_provider_class(name))
        built.append(factory(section))
    return built
