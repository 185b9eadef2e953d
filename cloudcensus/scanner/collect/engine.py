"""The coordinating side of collection: scheduling, hand-over to the sink, deadlines, stop.

`stop` is any `threading.Event`: set, nothing new starts and running tasks finish. A
`StopSignal` can also be `interrupt()`ed: running tasks are then abandoned at once, as
a timeout abandons one (each unit recorded FAILED/INTERRUPTED with what it delivered),
so a process asked to shut down records its scan within a grace period.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from cloudcensus.providers.base import Provider, Scope
from cloudcensus.scanner.collect.contract import (
    CollectProgress,
    CollectSummary,
    NullProgress,
    ResourceSink,
)
from cloudcensus.scanner.collect.jobs import (
    STOPPED,
    Batch,
    Jobs,
    Listed,
    ProviderState,
    TaskJob,
    unit,
)
from cloudcensus.scanner.coverage import ANY, CoverageEntry, CoverageStatus, ErrorKind

__all__ = ["StopSignal", "collect"]

_MAX_PLANNING = 2
_POLL_S = 0.1
_ENTRIES_PER_FLUSH = 100
_INTERRUPTED = "interrupted: the scan was stopped while this unit was being collected"


class StopSignal(threading.Event):
    """A `stop` for `collect`: `set()` stops new work, `interrupt()` also abandons the
    tasks still running (their threads stop at their next item)."""

    def __init__(self) -> None:
        super().__init__()
        self._interrupted = threading.Event()

    def interrupt(self) -> None:
        self._interrupted.set()
        self.set()

    @property
    def interrupted(self) -> bool:
        return self._interrupted.is_set()


def collect(
    providers: Sequence[Provider],
    sink: ResourceSink,
    *,
    workers: int = 8,
    task_timeout_s: float | None = None,
    batch_size: int = 500,
    progress: CollectProgress | None = None,
    stop: threading.Event | None = None,
) -> CollectSummary:
    """Collect every resource of every scope of `providers` into `sink`.

    The contract (threads, memory, coverage, timeouts, stop) is in `cloudcensus.scanner.collect`.
    """
    if workers < 1 or batch_size < 1:
        raise ValueError("workers and batch_size must be at least 1")
    engine = Engine(providers, sink, workers, task_timeout_s, batch_size)
    return engine.run(progress or NullProgress(), stop or threading.Event())


class Engine:
    """One collection run, driven from the calling thread. Only `self._jobs` (its queue,
    batch slots and abort flag) and the job objects are shared with worker threads."""

    def __init__(
        self,
        providers: Sequence[Provider],
        sink: ResourceSink,
        workers: int,
        timeout: float | None,
        batch_size: int,
    ) -> None:
        self._states = [ProviderState(p) for p in providers]
        self._sink, self._workers, self._timeout = sink, workers, timeout
        self._jobs = Jobs(batch_size, slots=2 * workers)
        self._progress: CollectProgress = NullProgress()
        self._scopes: deque[tuple[Provider, Scope]] = deque()
        self._ready: deque[TaskJob] = deque()
        self._handlers: dict[Future[Any], Callable[[Any], None]] = {}
        self._running: list[TaskJob] = []
        self._planning: list[tuple[Provider, Scope]] = []
        self._entries: list[CoverageEntry] = []
        self._summary = CollectSummary()

    def run(self, progress: CollectProgress, stop: threading.Event) -> CollectSummary:
        self._progress = progress
        # Spare threads let the scan go on while timed-out tasks still hold theirs.
        pool = ThreadPoolExecutor(max_workers=2 * self._workers, thread_name_prefix="collect")
        try:
            while True:
                self._summary.stopped = self._summary.stopped or stop.is_set()
                if isinstance(stop, StopSignal) and stop.interrupted:
                    self._abandon_running()
                    break
                if not self._summary.stopped:
                    self._schedule(pool)
                if self._inflight() == 0 and (self._summary.stopped or self._idle()):
                    break
                self._wait_and_handle()
            self._record_unfinished()
            self._flush_entries()
            return self._summary
        finally:
            self._jobs.abort.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def _idle(self) -> bool:
        return not self._ready and not self._scopes and all(s.exhausted for s in self._states)

    def _inflight(self) -> int:
        return len(self._handlers) - sum(1 for job in self._running if job.finished)

    def _schedule(self, pool: ThreadPoolExecutor) -> None:
        """Keep `workers` jobs running: finish listed tasks first, list the next account's
        tasks when few are left, and pull more scopes only when few are waiting."""
        while self._inflight() < self._workers:
            planning = len(self._planning) < _MAX_PLANNING
            if self._scopes and planning and len(self._ready) < self._workers:
                provider, scope = self._scopes.popleft()
                self._planning.append((provider, scope))
                job: Callable[[], Any] = partial(self._jobs.plan, provider, scope)
                handler: Callable[[Any], None] = partial(self._planned, provider, scope)
            elif self._ready:
                task = self._ready.popleft()
                self._running.append(task)
                job, handler = partial(self._jobs.run_task, task), partial(self._task_ended, task)
            elif len(self._scopes) < self._workers and (state := self._next_to_pull()):
                state.pulling = True
                job, handler = partial(self._jobs.pull, state), partial(self._pulled, state)
            else:
                return
            future = pool.submit(job)
            self._handlers[future] = handler
            future.add_done_callback(self._jobs.messages.put)

    def _next_to_pull(self) -> ProviderState | None:
        return next((s for s in self._states if not s.exhausted and not s.pulling), None)

    def _wait_and_handle(self) -> None:
        try:
            message = self._jobs.messages.get(timeout=_POLL_S)
        except queue.Empty:
            message = None
        if isinstance(message, Batch):
            self._jobs.slots.release()
            self._deliver(message)
        elif message is not None:
            self._handlers.pop(message)(message.result())  # jobs record provider errors
        now = time.monotonic()
        for job in self._running:
            late = self._timeout and job.started and now - job.started > self._timeout
            if late and not job.finished:
                job.cancelled.set()
                self._finish_task(job, self._timed_out(job))

    def _deliver(self, batch: Batch) -> None:
        job = batch.job
        if job.finished:  # timed out: the unit is already recorded, late data is dropped
            return
        self._sink.add(job.key, batch.resources)
        job.delivered += len(batch.resources)
        self._summary.resources += len(batch.resources)
        self._progress.resources_collected(len(batch.resources))

    def _pulled(self, state: ProviderState, result: Listed) -> None:
        state.pulling, state.exhausted = False, result.exhausted
        self._scopes.extend((state.provider, scope) for scope in result.items)
        if result.items:
            self._progress.scopes_found(state.provider.name, len(result.items))
        if result.failure:
            self._record(result.failure)

    def _planned(self, provider: Provider, scope: Scope, result: Listed) -> None:
        self._planning.remove((provider, scope))
        self._ready.extend(result.items)
        self._progress.tasks_planned(scope, len(result.items))
        if result.failure:
            self._record(result.failure)

    def _task_ended(self, job: TaskJob, entry: CoverageEntry | None) -> None:
        self._running.remove(job)
        if entry is not None and not job.finished:
            self._finish_task(job, entry)

    def _finish_task(self, job: TaskJob, entry: CoverageEntry) -> None:
        job.finished = True
        duration = round(time.monotonic() - job.started, 3) if job.started else 0.0
        self._record(entry.model_copy(update={"resources": job.delivered, "duration_s": duration}))

    def _timed_out(self, job: TaskJob) -> CoverageEntry:
        message = f"{job.task.collector}: no result within {self._timeout:g}s"
        return unit(job.key, CoverageStatus.FAILED, ErrorKind.TIMEOUT, message)

    def _abandon_running(self) -> None:
        """After an interrupt: running tasks and account listings are given up now."""
        for job in self._running:
            if not job.finished:
                job.cancelled.set()
                entry = unit(job.key, CoverageStatus.FAILED, ErrorKind.INTERRUPTED, _INTERRUPTED)
                self._finish_task(job, entry.model_copy(update={"errors": 0}))
        for provider, scope in self._planning:
            key = (provider.name, scope.account, ANY, ANY)
            self._record(unit(key, CoverageStatus.FAILED, ErrorKind.INTERRUPTED, STOPPED))
        self._planning.clear()

    def _record_unfinished(self) -> None:
        """After a stop: what was never run gets a FAILED entry, so nothing is swept."""
        keys = [job.key for job in self._ready]
        keys += [(provider.name, scope.account, ANY, ANY) for provider, scope in self._scopes]
        keys += [(s.provider.name, ANY, ANY, ANY) for s in self._states if not s.exhausted]
        for key in keys:
            self._record(unit(key, CoverageStatus.FAILED, ErrorKind.INTERRUPTED, STOPPED))
        self._ready.clear()
        self._scopes.clear()

    def _record(self, entry: CoverageEntry) -> None:
        summary = self._summary
        summary.units += 1
        summary.errors += entry.errors
        summary.statuses[entry.status.value] += 1
        if entry.status is not CoverageStatus.COMPLETE:
            summary.gaps.append(entry)
        self._entries.append(entry)
        if len(self._entries) >= _ENTRIES_PER_FLUSH:
            self._flush_entries()
        self._progress.unit_done(entry)

    def _flush_entries(self) -> None:
        if self._entries:
            self._sink.add_coverage(self._entries)
            self._entries = []
