"""The agent's work, run on one worker thread: a scan, or a push of what is pending.

A scan cycle is what `cloudcensus scan` does, without a terminal: load the policy (the
explanation files may have changed since yesterday, and an explanation may have
expired), build the providers (fresh credentials), collect, evaluate, record and queue
the scan (`pipeline.run_scan`), refresh the metrics, push, and write the report files
when `out` is configured. The whole cycle is the job boundary of the daemon: whatever
it raises is logged with its traceback and counted, and the agent waits for the next
run. The store is opened per cycle, on the worker thread that uses it.

During a shutdown the push makes one attempt per request: a retry that would wait
(backoff, `Retry-After`) abandons it instead, and the request timeout is cut to the
grace period left. What was not delivered stays in the outbox for the next start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from cloudcensus.policies.findings import Status
from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.providers.registry import ProviderUnavailable
from cloudcensus.scanner.agent.metrics import AgentMetrics
from cloudcensus.scanner.agent.shutdown import Shutdown
from cloudcensus.scanner.agent.state import AgentState
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import CoverageEntry, ErrorKind
from cloudcensus.scanner.logsetup import clear_log_context, set_log_context
from cloudcensus.scanner.outputs import write_scan_outputs
from cloudcensus.scanner.pipeline import (
    Policy,
    ScanResult,
    build_providers,
    load_policy,
    run_scan,
)
from cloudcensus.scanner.push import PushConfigError, Pusher, build_client
from cloudcensus.scanner.schedule import Clock
from cloudcensus.scanner.store import ScanRecord, Store

__all__ = ["CycleResult", "TrackedStore", "Worker", "last_successful_scan"]

logger = logging.getLogger("cloudcensus.agent")

_SUCCESS = ("complete", "partial")
#: The shortest request timeout of a push during shutdown.
_MIN_TIMEOUT_S = 0.5


class _PushAbandoned(Exception):
    """A retry would have waited during shutdown: the push stops, nothing is lost."""


class TrackedStore(Store):
    """A `Store` that puts the id of the scan it begins into the log context."""

    def begin_scan(
        self,
        providers: Sequence[str],
        *,
        agent_version: str | None = None,
        started: datetime | None = None,
    ) -> int:
        scan_id = super().begin_scan(providers, agent_version=agent_version, started=started)
        set_log_context(scan_id=scan_id)
        return scan_id


def _interrupted(coverage: Sequence[CoverageEntry]) -> int:
    return sum(1 for entry in coverage if entry.error_kind is ErrorKind.INTERRUPTED)


def last_successful_scan(store: Store) -> ScanRecord | None:
    """The newest finished scan (complete, or partial with ordinary gaps) that was not
    cut short by a shutdown: the one the schedule and /readyz count."""
    for record in store.last_complete_scans(store.retention):
        if not _interrupted(store.coverage(record.id)):
            return record
    return None


@dataclass(frozen=True)
class CycleResult:
    """What one cycle did: the scan's outcome (complete, partial, failed, interrupted,
    error; None for a push-only cycle), and whether anything is left to deliver."""

    status: str | None
    scan_id: int | None = None
    pending: int = 0


class Worker:
    """Runs cycles with the agent's settings; one at a time, on the worker thread."""

    def __init__(
        self,
        settings: AgentSettings,
        *,
        config_name: str,
        push: bool,
        shutdown: Shutdown,
        state: AgentState,
        metrics: AgentMetrics,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self._policy: Policy | None = None
        self._policy_day = clock().date()
        self._config_name = config_name
        self._push_enabled = push and settings.registry is not None
        self._shutdown = shutdown
        self._state = state
        self._metrics = metrics
        self._clock = clock

    def preload(self, policy: Policy) -> None:
        """Use `policy`, just loaded by the caller's checks, for a first scan the same
        day (rather than loading it twice at start); every later scan loads its own, so
        a changed or expired explanation counts from the next scan on."""
        self._policy, self._policy_day = policy, self._clock().date()

    def _open(self) -> Store:
        return TrackedStore.open(self.settings.store_path, retention=self.settings.retention_scans)

    def scan(self, run: str | None = None) -> CycleResult:
        """One scan cycle (see the module doc); never raises. `run`: the run id of a
        shard's scan (default: the configured `run_id`)."""
        now, began = self._clock(), time.monotonic()
        status, scan_id, pending = "error", None, 0
        self._metrics.scan_running.set(1)
        try:
            policy, self._policy = self._policy, None
            if policy is None or self._policy_day != now.date():
                policy = load_policy(self.settings, now.date(), self._config_name)
            providers = build_providers(self.settings)
            self._state.config_problem(None)
            stop = self._shutdown.stop
            with self._open() as store:
                result = run_scan(self.settings, providers, store, policy, now, stop=stop, run=run)
                scan_id = result.scan_id
                status = "interrupted" if result.stopped else result.status.value
                self._metrics.load_scan(store, scan_id)
                self._report(result, status, time.monotonic() - began)
                self._push(store)
                pending = self._metrics.load_outbox(store)
                write_scan_outputs(store, result, self.settings.out, self.settings.formats)
        except (PolicyLoadError, ProviderUnavailable) as error:
            self._state.config_problem(f"the policy or the providers cannot be loaded: {error}")
            logger.error("scan not started: %s", error)
        except Exception:  # the job boundary: logged, counted, the agent carries on
            logger.exception("the scan cycle failed")
        finally:
            duration = time.monotonic() - began
            if scan_id is not None:
                self._metrics.scan_duration.observe(duration)
            self._metrics.scans.labels(status=status).inc()
            if status in _SUCCESS:
                self._state.scan_succeeded(now)
            self._metrics.set_last_success(self._state.last_success)
            self._metrics.scan_running.set(0)
            clear_log_context("scan_id")
        return CycleResult(status, scan_id, pending)

    def push(self) -> CycleResult:
        """Deliver what is pending (at start, after a restart); never raises."""
        pending = 0
        try:
            with self._open() as store:
                self._push(store)
                pending = self._metrics.load_outbox(store)
            logger.info("%d scan(s) still pending delivery", pending, extra={"pending": pending})
        except Exception:  # the job boundary
            logger.exception("the push failed")
        return CycleResult(None, pending=pending)

    def _report(self, result: ScanResult, status: str, duration: float) -> None:
        failing = result.tally.count(Status.FAIL)
        gaps = sum(1 for entry in result.coverage if entry.status.value != "complete")
        resources = sum(entry.resources for entry in result.coverage)
        facts = {
            "status": status,
            "duration_s": round(duration, 1),
            "resources": resources,
            "findings": result.tally.total,
            "failing": failing,
            "gaps": gaps,
        }
        if result.shard is not None:
            facts |= {"shard": str(result.shard), "run": result.run}
        logger.info(
            "scan %d %s in %.0fs: %d resources, %d findings (%d failing), %d coverage gaps",
            result.scan_id,
            status,
            duration,
            resources,
            result.tally.total,
            failing,
            gaps,
            extra=facts,
        )
        if result.stopped:
            logger.warning(
                "scan %d was cut short by the shutdown: recorded as %s, %d unit(s) not "
                "collected (coverage says which); the next start scans again",
                result.scan_id,
                result.status.value,
                _interrupted(result.coverage),
            )

    def _push(self, store: Store) -> None:
        registry = self.settings.registry
        if registry is None or not self._push_enabled:
            return
        try:
            client = build_client(registry)
        except PushConfigError as error:
            self._state.config_problem(str(error))
            logger.error("cannot push: %s", error)
            self._metrics.count_push(None)
            return
        with client:
            remaining = self._shutdown.remaining()
            if remaining is not None:
                limit = max(_MIN_TIMEOUT_S, min(registry.timeout_s, remaining))
                client.timeout = httpx.Timeout(limit)
            pusher = Pusher(
                client,
                store,
                max_retries=registry.max_retries,
                concurrency=registry.concurrency,
                sleep=self._wait,
            )
            try:
                report = pusher.push()
            except _PushAbandoned:
                logger.warning("push abandoned by the shutdown; the next start delivers it")
                self._metrics.count_push(None)
                return
        self._metrics.count_push(report)

    def _wait(self, seconds: float) -> None:
        """The pusher's sleep: interrupted (and the push abandoned) by a shutdown."""
        if self._shutdown.requested or self._shutdown.stop.wait(seconds):
            raise _PushAbandoned
