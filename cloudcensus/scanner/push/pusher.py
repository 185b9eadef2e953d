"""Delivering the outbox to the registry: in order, idempotent, patient, never lossy.

`Pusher(client, store).push()` walks the pending scans oldest first and, within a scan,
its items in order (`Outbox.next_item`), sending each stored gzip body as is with its
idempotency key, and marking it delivered on a 2xx. The `open` item goes first, alone;
then up to `concurrency` (default 3) `findings` batches are in flight at once, on worker
threads sharing the client's connection pool (the registry accepts a scan's batches in
any order and parses one while it writes another); `explanations` and `complete` go
only once every batch before them is delivered. The store is only touched from the
calling thread. What can go wrong, and what happens:

- connection errors, timeouts, 429 and 5xx: retried up to `max_retries` times, waiting
  `Retry-After` when the registry sends one, else exponential backoff with full jitter
  (a uniform draw in [0, min(backoff_max_s, backoff_base_s * 2**attempt)]). Still failing,
  or asked to wait longer than `retry_after_max_s`: the run stops (`stopped` says why);
  every undelivered item stays pending for the next run.
- 401/403: the token is refused; every scan would be refused alike, so the run stops.
- any other 4xx (404, 409, 413, 422, ...): that scan stops, its items are kept, the
  reason is recorded on it (`cloudcensus push` shows it) and the next scan is tried. The
  next run tries the scan again (the registry may have been fixed or upgraded).
- either way, no further batch of that scan is started; batches already in flight
  finish (those accepted are marked delivered) or stop retrying and stay pending.

An item whose response was lost (connection reset after the registry stored it) is sent
again with the same key and body; the registry answers it as a replay, so every item
counts exactly once. Time is injected (`sleep`, `random`), so tests never sleep. The
client carries the token; nothing here logs headers.
"""

from __future__ import annotations

import logging
import random as _random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from cloudcensus.scanner.push.items import (
    KIND_COMPLETE,
    KIND_EXPLANATIONS,
    KIND_FINDINGS,
    KIND_OPEN,
)
from cloudcensus.scanner.store.outbox import Outbox, OutboxScan, PendingItem
from cloudcensus.scanner.store.store import Store
from cloudcensus.wire import v1

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DeliveryRefused",
    "PushReport",
    "Pusher",
    "RegistryUnavailable",
    "ScanDelivery",
    "retry_after_s",
]

logger = logging.getLogger(__name__)

#: Item kind -> (HTTP method, path template with {scan_uid}).
_ROUTES: dict[str, tuple[str, str]] = {
    KIND_OPEN: ("POST", v1.SCANS_PATH),
    KIND_FINDINGS: ("POST", v1.FINDINGS_PATH),
    KIND_EXPLANATIONS: ("PUT", v1.EXPLANATIONS_PATH),
    KIND_COMPLETE: ("POST", v1.COMPLETE_PATH),
}
_DETAIL_CHARS = 300
#: `findings` batches of a scan in flight at once (see the module doc).
DEFAULT_CONCURRENCY = 3


class DeliveryRefused(Exception):
    """The registry refused an item (a 4xx other than 429): that scan stops."""


class RegistryUnavailable(Exception):
    """The registry cannot take anything now (unreachable, overloaded, token refused)."""


class _Abandoned(Exception):
    """A batch in flight stopped retrying because another one failed: it stays pending."""


@dataclass(frozen=True)
class _Outcome:
    """How a batch sent by a worker ended: attempts made, and the failure if any."""

    attempts: int
    failure: Exception | None


@dataclass
class _ScanRun:
    """What the delivery of one scan has done so far in this run."""

    items: int = 0
    records: int = 0
    error: str | None = None
    stop: bool = False  # the whole run stops (registry unavailable)


@dataclass(frozen=True)
class ScanDelivery:
    """What one run did for one scan."""

    scan_id: int
    scan_uid: str
    delivered_items: int  # in this run
    delivered_records: int  # findings events, in this run
    done: bool  # every item of the scan is now delivered
    error: str | None = None


@dataclass
class PushReport:
    """The outcome of one `push()` run."""

    scans: list[ScanDelivery] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (registry unavailable)

    @property
    def complete(self) -> bool:
        """True when nothing attempted is left pending."""
        return self.stopped is None and all(s.done for s in self.scans)


def _detail(response: httpx.Response) -> str:
    """A short, single-line excerpt of an error body (the registry's `detail`)."""
    try:
        text = response.text
    except (UnicodeDecodeError, httpx.HTTPError):
        return ""
    text = " ".join(text.split())
    return text[:_DETAIL_CHARS] + ("..." if len(text) > _DETAIL_CHARS else "")


def retry_after_s(response: httpx.Response, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds (delta-seconds or HTTP-date), None when absent or invalid."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Pusher:
    """Delivers the outbox of `store` through `client` (built by `build_client`)."""

    def __init__(
        self,
        client: httpx.Client,
        store: Store,
        *,
        max_retries: int = 6,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 60.0,
        retry_after_max_s: float = 300.0,
        concurrency: int = DEFAULT_CONCURRENCY,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self._client = client
        self._outbox = Outbox(store)
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.retry_after_max_s = retry_after_max_s
        self.concurrency = concurrency
        self._sleep = sleep
        self._random = random
        self._abandon = threading.Event()  # set: batches in flight stop retrying

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    def push(self, scan_ids: Sequence[int] | None = None) -> PushReport:
        """Deliver every pending scan (or those of `scan_ids`), oldest first."""
        report = PushReport()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="push") as pool:
            try:
                for scan in self._outbox.scans(pending_only=True):
                    if scan_ids is not None and scan.scan_id not in scan_ids:
                        continue
                    delivery, stopped = self._push_scan(scan, pool)
                    report.scans.append(delivery)
                    if stopped:
                        report.stopped = delivery.error
                        break
            finally:
                self._abandon.set()  # an exception on this thread: workers give up
        self._abandon.clear()
        pruned = self._outbox.prune()
        if pruned:
            logger.debug("outbox: dropped %d delivered scan(s) retention removed", pruned)
        return report

    def _push_scan(self, scan: OutboxScan, pool: ThreadPoolExecutor) -> tuple[ScanDelivery, bool]:
        """Deliver one scan's pending items; returns its record and whether to stop."""
        run = _ScanRun()
        flight: dict[Future[_Outcome], PendingItem] = {}
        after = 0
        self._abandon.clear()
        try:
            while run.error is None:
                item = self._outbox.next_item(scan.scan_id, after)
                if item is None:
                    break
                after = item.seq
                if item.kind == KIND_FINDINGS and self.concurrency > 1:
                    while len(flight) >= self.concurrency:
                        finished, _ = wait(flight, return_when=FIRST_COMPLETED)
                        self._settle(run, flight, finished)
                    if run.error is not None:
                        break
                    self._outbox.record_attempt(item)
                    flight[pool.submit(self._send_batch, item)] = item
                    continue
                self._settle(run, flight, list(flight))  # every batch before it first
                if run.error is not None:
                    break
                try:
                    self.push_item(item)
                except (DeliveryRefused, RegistryUnavailable) as failure:
                    self._failed(run, item, failure)
                else:
                    self._delivered(run, item)
            self._settle(run, flight, list(flight))
        except BaseException:
            self._abandon.set()  # e.g. the daemon's shutdown: record what got through
            self._settle(run, flight, list(flight))
            raise
        done = run.error is None
        if not done:  # after the batches in flight: delivering one clears a scan's error
            self._outbox.record_error(scan.scan_id, str(run.error))
        else:
            logger.info(
                "scan %d delivered (%d items, %d findings)", scan.scan_id, run.items, run.records
            )
        delivery = ScanDelivery(
            scan.scan_id, scan.scan_uid, run.items, run.records, done, run.error
        )
        return delivery, run.stop

    def _settle(
        self, run: _ScanRun, flight: dict[Future[_Outcome], PendingItem], done: Iterable[Any]
    ) -> None:
        """Record the outcome of the batches of `done` (waiting for them if need be)."""
        unexpected: BaseException | None = None
        for future in list(done):
            item = flight.pop(future)
            try:
                outcome = future.result()
            except BaseException as error:  # noqa: BLE001 - raised below, after the others
                self._abandon.set()
                unexpected = unexpected or error
                continue
            if outcome.attempts > 1:  # the first was counted before the batch was submitted
                self._outbox.record_attempt(item, count=outcome.attempts - 1)
            if outcome.failure is None:
                self._delivered(run, item)
            elif not isinstance(outcome.failure, _Abandoned):
                self._abandon.set()
                self._failed(run, item, outcome.failure)
        if unexpected is not None:
            raise unexpected

    def _delivered(self, run: _ScanRun, item: PendingItem) -> None:
        self._outbox.mark_delivered(item)
        run.items += 1
        run.records += item.records

    def _failed(self, run: _ScanRun, item: PendingItem, failure: Exception) -> None:
        """The first failure of a scan stops it (the run too, if the registry is gone);
        `_push_scan` records it on the scan once nothing is in flight."""
        if run.error is not None:
            return
        run.error, run.stop = str(failure), isinstance(failure, RegistryUnavailable)
        logger.warning(
            "scan %d: delivery stopped at %s #%d (kept for the next push): %s",
            item.scan_id,
            item.kind,
            item.seq,
            run.error,
        )

    def push_item(self, item: PendingItem) -> httpx.Response:
        """Send one item until it is accepted; raises `DeliveryRefused` or
        `RegistryUnavailable` (see the module doc). Each attempt is counted before it."""
        return self._send(item, lambda: self._outbox.record_attempt(item))

    def _send_batch(self, item: PendingItem) -> _Outcome:
        """`push_item` on a worker thread: touches no store (the caller counted the first
        attempt and records the outcome), stops retrying once `_abandon` is set."""
        attempts = 0

        def attempt() -> None:
            nonlocal attempts
            if attempts and self._abandon.is_set():
                raise _Abandoned
            attempts += 1

        try:
            self._send(item, attempt)
        except (DeliveryRefused, RegistryUnavailable, _Abandoned) as failure:
            return _Outcome(attempts, failure)
        return _Outcome(attempts, None)

    def _send(self, item: PendingItem, on_attempt: Callable[[], None]) -> httpx.Response:
        method, template = _ROUTES[item.kind]
        path = template.format(scan_uid=item.scan_uid)
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        if item.kind == KIND_FINDINGS:
            headers[v1.IDEMPOTENCY_HEADER] = item.idempotency_key
        what = f"{item.kind} #{item.seq} of scan {item.scan_id}"
        for attempt in range(self.max_retries + 1):
            on_attempt()
            wait_s: float | None = None
            try:
                response = self._client.request(method, path, content=item.body, headers=headers)
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error or 'connection failed'}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return response
                problem = f"HTTP {status} {response.reason_phrase} {_detail(response)}".strip()
                if status in (401, 403):
                    raise RegistryUnavailable(f"{what}: token refused: {problem}")
                if status != 429 and status < 500:
                    raise DeliveryRefused(f"{what} refused: {problem}")
                wait_s = retry_after_s(response)
            if attempt == self.max_retries:
                break
            delay = wait_s if wait_s is not None else self._backoff(attempt)
            if delay > self.retry_after_max_s:
                raise RegistryUnavailable(f"{what}: registry asked to retry after {delay:.0f}s")
            logger.info("%s: %s; retrying in %.1fs", what, problem, delay)
            self._sleep(delay)
        raise RegistryUnavailable(f"{what}: {problem} (after {self.max_retries + 1} attempts)")

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2.0**attempt)
        return float(self._random() * ceiling)
