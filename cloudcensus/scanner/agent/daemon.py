"""The agent's main thread: start, wait for a signal, shut down within the grace period.

`Agent.run()` is the daemon: it reads the store (newest successful scan, outbox
backlog), starts the schedule, scanning at once when a scheduled run was missed, and
delivering what a previous run left pending otherwise; then it waits for SIGTERM or
SIGINT. `Agent.run_once()` runs one scan cycle and returns (Kubernetes CronJobs).

Both do their work on a worker thread and keep the main thread for signals, so the
shutdown is always the same (`shutdown` module): stop taking work, let the running scan
record what it has (interrupting its tasks half-way through the grace period), push,
and return an exit code. When the grace period runs out first, `AgentExit.hard` tells
the caller to leave at once: the unfinished scan stays `running` in the store (never
used, never swept from), and the next start scans again and delivers what is pending.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from cloudcensus import __version__
from cloudcensus.scanner.agent.cycle import CycleResult, Worker, last_successful_scan
from cloudcensus.scanner.agent.metrics import AgentMetrics
from cloudcensus.scanner.agent.shutdown import Shutdown, install_signal_handlers
from cloudcensus.scanner.agent.state import AgentState
from cloudcensus.scanner.cliparts import (
    EXIT_INTERRUPTED,
    EXIT_PUSH_PENDING,
    EXIT_SCAN_FAILED,
)
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.schedule import (
    Clock,
    ScanScheduler,
    SkipReason,
    build_trigger,
    max_age,
    missed_run,
    utc_now,
)
from cloudcensus.scanner.shard import run_key
from cloudcensus.scanner.store import Store

__all__ = ["Agent", "AgentExit"]

logger = logging.getLogger("cloudcensus.agent")

_POLL_S = 0.25


@dataclass(frozen=True)
class AgentExit:
    """The exit code, and whether the process must end now (threads still busy)."""

    code: int
    hard: bool = False


class Agent:
    """One agent process: its state, metrics, worker and shutdown request."""

    def __init__(
        self,
        settings: AgentSettings,
        *,
        config_name: str = "configuration",
        push: bool = True,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.shutdown = Shutdown(settings.agent.shutdown_grace_s)
        self.metrics = AgentMetrics()
        now = clock()
        self._trigger = build_trigger(settings.schedule)
        limit = max_age(settings.schedule, self._trigger, now)
        self.state = AgentState(now, settings.store_path, limit, settings.registry)
        self.worker = Worker(
            settings,
            config_name=config_name,
            push=push,
            shutdown=self.shutdown,
            state=self.state,
            metrics=self.metrics,
            clock=clock,
        )
        self._idle = threading.Event()
        self._idle.set()
        self._cut_short = False
        self._last: CycleResult | None = None

    def load_store(self) -> int:
        """Read the store into the state and metrics; returns the pending scans."""
        with Store.open(self.settings.store_path, retention=self.settings.retention_scans) as store:
            last = last_successful_scan(store)
            newest = store.last_complete_scans(1)
            if newest:
                self.metrics.load_scan(store, newest[0].id)
            pending = self.metrics.load_outbox(store)
        self.state.set_last_success(last.started if last else None)
        self.metrics.set_last_success(self.state.last_success)
        return pending

    def _job(
        self, work: Callable[[], CycleResult], after: Callable[[], None]
    ) -> Callable[[], None]:
        """`work` as a job of the worker: skipped once a shutdown began; `after` runs
        when it is done (the next run time is known by then)."""

        def run() -> None:
            self._idle.clear()
            try:
                if self.shutdown.requested:
                    return
                self._last = work()
                self._cut_short = self._cut_short or self._last.status == "interrupted"
                after()
            finally:
                self._idle.set()

        return run

    def run(self) -> AgentExit:
        """The daemon (see the module doc). Call from the main thread."""
        restore = install_signal_handlers(self.shutdown)
        try:
            pending = self.load_store()

            def next_scan() -> None:
                when = scheduler.next_run_time()
                self.metrics.set_next_scan(when)
                if when is not None and not self.shutdown.requested:
                    logger.info("next scan at %s", when.isoformat(timespec="seconds"))

            scheduler = ScanScheduler(
                self.settings.schedule,
                self._job(self._scheduled_scan, next_scan),
                clock=self.clock,
                on_skip=self._skipped,
            )
            run_now = missed_run(self.state.last_success, scheduler.trigger, self.clock())
            if pending and not run_now:
                scheduler.submit(self._job(self.worker.push, lambda: None), "push")
            scheduler.start(run_now=run_now)
            try:
                self._started(scheduler, run_now, pending)
                while not self.shutdown.stop.wait(1.0):
                    pass
            finally:
                scheduler.shutdown()
            return self._stop()
        finally:
            restore()

    def run_key(self) -> str | None:
        """The run id of a scheduled shard scan: the scheduled time of the run it belongs
        to (the latest the schedule names, jitter left out), the same in every shard
        daemon on the same schedule; a run missed and made up at start keeps its time.
        None without a shard."""
        if self.settings.shard is None:
            return None
        scheduled = self._trigger.previous(self.clock())
        return run_key(scheduled) if scheduled is not None else None

    def _scheduled_scan(self) -> CycleResult:
        return self.worker.scan(run=self.run_key())

    def run_once(self) -> AgentExit:
        """One scan cycle with its push, then exit: 0, 3 (the scan failed), 4 (something
        is still pending delivery) or 5 (a signal cut the scan short)."""
        restore = install_signal_handlers(self.shutdown)
        try:
            self.load_store()
            self._idle.clear()
            thread = threading.Thread(target=self._job(self.worker.scan, lambda: None), name="scan")
            thread.start()
            while thread.is_alive() and not self.shutdown.requested:
                thread.join(_POLL_S)
            if self.shutdown.requested:
                return self._stop(once=True)
            return AgentExit(self._once_code())
        finally:
            restore()

    def _once_code(self) -> int:
        last = self._last
        if last is None or last.status in ("failed", "error"):
            return EXIT_SCAN_FAILED
        if last.status == "interrupted":
            return EXIT_INTERRUPTED
        return EXIT_PUSH_PENDING if last.pending else 0

    def _started(self, scheduler: ScanScheduler, run_now: bool, pending: int) -> None:
        schedule = self.settings.schedule
        when = scheduler.next_run_time()
        self.metrics.set_next_scan(when)
        logger.info(
            "agent %s started: cron %r (%s); %s",
            __version__,
            schedule.cron,
            schedule.timezone,
            "a scheduled scan was missed, scanning now"
            if run_now
            else f"next scan at {when.isoformat(timespec='seconds') if when else 'never'}",
            extra={"cron": schedule.cron, "timezone": schedule.timezone, "pending": pending},
        )

    def _skipped(self, reason: SkipReason, when: object) -> None:
        self.metrics.skipped.labels(reason=reason).inc()
        if reason == "overlap":
            logger.warning("scheduled scan of %s skipped: the previous scan still runs", when)
        else:
            logger.warning("scheduled scan of %s skipped: too late (misfire grace time)", when)

    def _stop(self, *, once: bool = False) -> AgentExit:
        """The shutdown sequence, on the main thread, after the first signal."""
        grace = self.shutdown.grace_s
        logger.info("%s received: stopping (grace period %gs)", self.shutdown.signal_name, grace)
        if not self._idle.wait(self.shutdown.interrupt_due_in()):
            logger.warning("interrupting the collection tasks still running")
            self.shutdown.stop.interrupt()
        if not self._idle.wait(self.shutdown.remaining() or 0.0):
            logger.error(
                "the grace period ran out before the scan was recorded: it is left "
                "unfinished; the next start scans again and delivers what is pending"
            )
            return AgentExit(EXIT_INTERRUPTED, hard=True)
        if self._cut_short or (once and self._last is None):
            code = EXIT_INTERRUPTED
        else:
            code = self._once_code() if once else 0
        logger.info("stopped", extra={"exit_code": code})
        return AgentExit(code)
