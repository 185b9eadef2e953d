"""The worker side of collection: everything here runs in pool threads.

Each job calls provider code and turns whatever it raises into a `CoverageEntry`: this
module holds the one job boundary (`except Exception`) of the engine. Jobs talk to the
coordinating thread only through `Jobs.messages` and the batch slots.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Generator, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from cloudcensus.providers.base import CollectionTask, Provider, ProviderError, Scope
from cloudcensus.scanner.collect.contract import UnitKey
from cloudcensus.scanner.coverage import (
    ANY,
    MAX_MESSAGE_CHARS,
    CoverageEntry,
    CoverageStatus,
    ErrorKind,
    shorten_message,
)
from cloudcensus.scanner.inventory import Resource

__all__ = ["STOPPED", "Aborted", "Batch", "Jobs", "Listed", "ProviderState", "TaskJob", "unit"]

logger = logging.getLogger("cloudcensus.scanner.collect")

#: What a malformed payload raises inside `normalise` (pydantic's ValidationError is a
#: ValueError). Anything else is a bug or an SDK failure and fails the whole unit.
_MALFORMED = (LookupError, TypeError, ValueError, AttributeError)
_ID_KEYS = ("id", "Id", "ID", "arn", "Arn", "ARN", "name", "Name")
_ID_SUFFIXES = ("Arn", "ARN", "Id", "Identifier")
_PULL_CHUNK = 8
_POLL_S = 0.1
STOPPED = "not collected: the scan was stopped first"


class Aborted(Exception):
    """The coordinator gave up (sink error): workers stop at their next hand-over."""


@dataclass
class ProviderState:
    provider: Provider
    iterator: Iterator[Scope] | None = None
    pulling: bool = False
    exhausted: bool = False


@dataclass
class TaskJob:
    provider: Provider
    task: CollectionTask
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float | None = None
    finished: bool = False
    delivered: int = 0

    @property
    def key(self) -> UnitKey:
        return (self.task.provider, self.task.account, self.task.region, self.task.collector)


@dataclass
class Batch:
    job: TaskJob
    resources: list[Resource]


@dataclass
class Listed:
    """What a `scopes()` pull or a `tasks(scope)` call returned, and its failure if any."""

    items: list[Any]
    exhausted: bool = True
    failure: CoverageEntry | None = None


def unit(
    key: UnitKey, status: CoverageStatus, kind: ErrorKind | None = None, message: str = ""
) -> CoverageEntry:
    """The coverage entry of one unit. Every message the engine records passes here and
    is cut to one short line, whatever the provider's classifier returned."""
    errors = int(status is CoverageStatus.FAILED and message != STOPPED)
    fields = dict(zip(("provider", "account", "region", "collector"), key, strict=True))
    short = shorten_message(message) or None
    details = {"status": status, "error_kind": kind, "message": short, "errors": errors}
    return CoverageEntry.model_validate(fields | details)


def _failure(provider: Provider, key: UnitKey, exc: Exception) -> CoverageEntry:
    """The job boundary's verdict on a provider exception: classified, logged, recorded."""
    kind, message = _classify(provider, exc)
    level = logging.ERROR if kind is ErrorKind.UNEXPECTED else logging.WARNING
    logger.log(level, "%s failed (%s)", "/".join(key), kind.value, exc_info=exc)
    return unit(key, CoverageStatus.FAILED, kind, message)


def _classify(provider: Provider, exc: Exception) -> tuple[ErrorKind, str]:
    if isinstance(exc, ProviderError):
        return exc.kind, str(exc)
    try:
        return provider.classify(exc)
    except Exception:  # a failing classifier must not lose the original error
        logger.exception("%s.classify raised on %s", provider.name, type(exc).__name__)
        return ErrorKind.UNEXPECTED, f"unclassified {type(exc).__name__}"


def _item_id(raw: Any) -> str | None:
    if not isinstance(raw, Mapping):
        return None
    for key, value in raw.items():
        named = key in _ID_KEYS or (isinstance(key, str) and key.endswith(_ID_SUFFIXES))
        if named and isinstance(value, str | int) and value != "":
            return str(value)[:200]
    return None


def _malformed_message(task: CollectionTask, raw: Any, exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):  # pydantic ValidationError: locations and messages, not inputs
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors()[:3])
    elif isinstance(exc, KeyError):
        detail = f"missing key {exc.args[0]!r}" if exc.args else "missing key"
    else:
        detail = str(exc)[:200]
    item = _item_id(raw)
    where = f"item {item}" if item else "an item without id"
    return f"{task.collector}: {where} could not be normalised ({type(exc).__name__}: {detail})"


class Jobs:
    """The jobs of one run, sharing the hand-over points with the coordinator."""

    def __init__(self, batch_size: int, slots: int) -> None:
        self.messages: queue.SimpleQueue[Batch | Future[Any]] = queue.SimpleQueue()
        self.slots = threading.BoundedSemaphore(slots)  # batches waiting for the sink
        self.abort = threading.Event()
        self._batch_size = batch_size

    def pull(self, state: ProviderState) -> Listed:
        provider = state.provider
        try:
            if state.iterator is None:
                state.iterator = iter(provider.scopes())
            scopes = list(itertools.islice(state.iterator, _PULL_CHUNK))
        except Exception as exc:  # noqa: BLE001 - recorded as a provider-wide gap
            return Listed([], failure=_failure(provider, (provider.name, ANY, ANY, ANY), exc))
        return Listed(scopes, exhausted=len(scopes) < _PULL_CHUNK)

    def plan(self, provider: Provider, scope: Scope) -> Listed:
        jobs: list[TaskJob] = []
        try:  # tasks listed before a failure still run: what they read is real
            jobs.extend(TaskJob(provider, task) for task in provider.tasks(scope))
        except Exception as exc:  # noqa: BLE001 - recorded as an account-wide gap
            key = (provider.name, scope.account, ANY, ANY)
            return Listed(jobs, failure=_failure(provider, key, exc))
        return Listed(jobs)

    def hand_over(self, job: TaskJob, resources: list[Resource]) -> None:
        if not resources:
            return
        while not self.slots.acquire(timeout=_POLL_S):
            if self.abort.is_set():
                raise Aborted
        self.messages.put(Batch(job, resources))

    def run_task(self, job: TaskJob) -> CoverageEntry | None:
        """Run one task; None when it was cancelled (its unit is recorded already)."""
        job.started = time.monotonic()
        task, batch, malformed = job.task, list[Resource](), list[str]()
        items: Iterator[Any] = iter(())
        try:
            items = iter(task.fetch())
            for raw in items:
                if job.cancelled.is_set():
                    return None
                try:
                    resource = task.normalise(raw)
                except _MALFORMED as exc:
                    malformed.append(_malformed_message(task, raw, exc))
                    logger.warning("%s", malformed[-1], exc_info=len(malformed) == 1)
                    continue
                if resource is not None:
                    batch.append(resource)
                if len(batch) >= self._batch_size:
                    self.hand_over(job, batch)
                    batch = []
        except Aborted:
            return None
        except Exception as exc:  # noqa: BLE001 - the unit is recorded as FAILED
            self.hand_over(job, batch)  # what was read before the failure is real
            failure = _failure(job.provider, job.key, exc)
            return failure.model_copy(update={"errors": len(malformed) + 1})
        finally:
            if isinstance(items, Generator):
                items.close()  # a fetch's own `finally` (closing a client) runs now
        self.hand_over(job, batch)
        if not malformed:
            return unit(job.key, CoverageStatus.COMPLETE)
        more = f" (and {len(malformed) - 1} more)" if len(malformed) > 1 else ""
        first = shorten_message(malformed[0], MAX_MESSAGE_CHARS - len(more))
        entry = unit(job.key, CoverageStatus.PARTIAL, ErrorKind.MALFORMED, first + more)
        return entry.model_copy(update={"errors": len(malformed)})
