"""Delivering the outbox to the registry: in order, idempotent, patient, never lossy.

`Pusher(client, store).push()` walks the pending scans oldest first and, within a scan,
its items in order (`Outbox.next_item`), sending each stored gzip body as is with its
idempotency key, and marking it delivered on a 2xx. What can go wrong, and what happens:

- connection errors, timeouts, 429 and 5xx: retried up to `max_retries` times, waiting
  `Retry-After` when the registry sends one, else exponential backoff with full jitter
  (a uniform draw in [0, min(backoff_max_s, backoff_base_s * 2**attempt)]). Still failing,
  or asked to wait longer than `retry_after_max_s`: the run stops (`stopped` says why);
  every undelivered item stays pending for the next run.
- 401/403: the token is refused; every scan would be refused alike, so the run stops.
- any other 4xx (404, 409, 413, 422, ...): that scan stops, its items are kept, the
  reason is recorded on it (`cloudcensus push` shows it) and the next scan is tried. The
  next run tries the scan again (the registry may have been fixed or upgraded).

An item whose response was lost (connection reset after the registry stored it) is sent
again with the same key and body; the registry answers it as a replay, so every item
counts exactly once. Time is injected (`sleep`, `random`), so tests never sleep. The
client carries the token; nothing here logs headers.
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

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


class DeliveryRefused(Exception):
    """The registry refused an item (a 4xx other than 429): that scan stops."""


class RegistryUnavailable(Exception):
    """The registry cannot take anything now (unreachable, overloaded, token refused)."""


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
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._client = client
        self._outbox = Outbox(store)
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.retry_after_max_s = retry_after_max_s
        self._sleep = sleep
        self._random = random

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    def push(self, scan_ids: Sequence[int] | None = None) -> PushReport:
        """Deliver every pending scan (or those of `scan_ids`), oldest first."""
        report = PushReport()
        for scan in self._outbox.scans(pending_only=True):
            if scan_ids is not None and scan.scan_id not in scan_ids:
                continue
            delivery, stopped = self._push_scan(scan)
            report.scans.append(delivery)
            if stopped:
                report.stopped = delivery.error
                break
        pruned = self._outbox.prune()
        if pruned:
            logger.debug("outbox: dropped %d delivered scan(s) retention removed", pruned)
        return report

    def _push_scan(self, scan: OutboxScan) -> tuple[ScanDelivery, bool]:
        """Deliver one scan's pending items; returns its record and whether to stop."""
        items = records = 0
        error: str | None = None
        stop = False
        while (item := self._outbox.next_item(scan.scan_id)) is not None:
            try:
                self.push_item(item)
            except DeliveryRefused as refused:
                error = str(refused)
            except RegistryUnavailable as unavailable:
                error, stop = str(unavailable), True
            if error is not None:
                self._outbox.record_error(scan.scan_id, error)
                logger.warning(
                    "scan %d: delivery stopped at %s #%d (kept for the next push): %s",
                    scan.scan_id,
                    item.kind,
                    item.seq,
                    error,
                )
                break
            self._outbox.mark_delivered(item)
            items += 1
            records += item.records
        done = error is None
        if done:
            logger.info("scan %d delivered (%d items, %d findings)", scan.scan_id, items, records)
        delivery = ScanDelivery(scan.scan_id, scan.scan_uid, items, records, done, error)
        return delivery, stop

    def push_item(self, item: PendingItem) -> httpx.Response:
        """Send one item until it is accepted; raises `DeliveryRefused` or
        `RegistryUnavailable` (see the module doc)."""
        method, template = _ROUTES[item.kind]
        path = template.format(scan_uid=item.scan_uid)
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        if item.kind == KIND_FINDINGS:
            headers[v1.IDEMPOTENCY_HEADER] = item.idempotency_key
        what = f"{item.kind} #{item.seq} of scan {item.scan_id}"
        for attempt in range(self.max_retries + 1):
            self._outbox.record_attempt(item)
            wait: float | None = None
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
                wait = retry_after_s(response)
            if attempt == self.max_retries:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            if delay > self.retry_after_max_s:
                raise RegistryUnavailable(f"{what}: registry asked to retry after {delay:.0f}s")
            logger.info("%s: %s; retrying in %.1fs", what, problem, delay)
            self._sleep(delay)
        raise RegistryUnavailable(f"{what}: {problem} (after {self.max_retries + 1} attempts)")

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2**attempt)]."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2.0**attempt)
        return float(self._random() * ceiling)
