"""The outbox: what each finished scan must deliver to the registry, durable in the store.

Contract:

- A scan's items are written in one transaction (the one that finishes the scan, see
  `Store.finish_scan(outbox=...)`), before any push: a registry outage or a crash
  after the scan loses nothing.
- Items are handed out in `seq` order per scan; `next_item` gives the first undelivered
  one (after a given `seq`, for a pusher with several items in flight), so a push
  interrupted anywhere resumes exactly where it stopped. The pusher may deliver a scan's
  `findings` items out of order (the registry accepts them so); an item delivered is
  never handed out again.
- A delivered item is marked (`delivered`), never deleted while undelivered; retention
  of `scans` does not touch the outbox. `prune` drops only fully delivered scans that
  retention already removed from `scans`.
- The body is stored gzip-compressed and sent as stored: a retry carries the very bytes
  and idempotency key of the first attempt, which is what makes replays harmless.
- `error` on a scan says why its delivery last stopped (a refused batch, the registry
  unreachable); it is cleared when that scan's next item is delivered.

This module knows nothing about the wire format; `scanner/push` builds the items.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cloudcensus.scanner.store.records import StoreError
from cloudcensus.scanner.store.store import Store

__all__ = ["Outbox", "OutboxItem", "OutboxScan", "PendingItem"]


@dataclass(frozen=True)
class OutboxItem:
    """One request to deliver: its kind (the push module maps it to a path), its
    idempotency key, the gzip-compressed JSON body and how many records it carries."""

    kind: str
    idempotency_key: str
    body: bytes
    records: int = 0


@dataclass(frozen=True)
class PendingItem:
    """An undelivered item as read back from the outbox."""

    id: int
    scan_id: int
    scan_uid: str
    seq: int
    kind: str
    idempotency_key: str
    body: bytes
    records: int
    attempts: int


@dataclass(frozen=True)
class OutboxScan:
    """Delivery state of one scan."""

    scan_id: int
    scan_uid: str
    created: datetime
    items: int
    delivered_items: int
    pending_records: int
    delivered: datetime | None
    attempted: datetime | None
    error: str | None

    @property
    def pending(self) -> bool:
        return self.delivered is None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_SCAN_SELECT = """
SELECT s.*,
    (SELECT count(*) FROM outbox_items i WHERE i.scan_id = s.scan_id
        AND i.delivered IS NOT NULL) AS delivered_items,
    (SELECT coalesce(sum(records), 0) FROM outbox_items i WHERE i.scan_id = s.scan_id
        AND i.delivered IS NULL) AS pending_records
FROM outbox_scans s
"""


class Outbox:
    """The outbox tables of one `Store` (same connection, same thread)."""

    def __init__(self, store: Store) -> None:
        self._conn = store.connection
        self._transaction = store.transaction

    @staticmethod
    def add_scan(
        conn: sqlite3.Connection,
        scan_id: int,
        scan_uid: str,
        items: Iterable[OutboxItem],
        now: datetime | None = None,
    ) -> int:
        """Write a scan's items, in order, inside the caller's open transaction.

        Returns how many were written. A scan can be added once (`StoreError` otherwise).
        """
        created = (now or datetime.now(UTC)).isoformat()
        try:
            conn.execute(
                "INSERT INTO outbox_scans (scan_id, scan_uid, created, items) VALUES (?,?,?,0)",
                (scan_id, scan_uid, created),
            )
            seq = 0
            for seq, item in enumerate(items, start=1):
                conn.execute(
                    "INSERT INTO outbox_items (scan_id, seq, kind, idempotency_key, records, "
                    "body) VALUES (?,?,?,?,?,?)",
                    (scan_id, seq, item.kind, item.idempotency_key, item.records, item.body),
                )
            conn.execute(
                "UPDATE outbox_scans SET items = ?, delivered = ? WHERE scan_id = ?",
                (seq, None if seq else created, scan_id),
            )
        except sqlite3.IntegrityError as error:
            raise StoreError(f"scan {scan_id} cannot be added to the outbox: {error}") from error
        return seq

    def enqueue(
        self,
        scan_id: int,
        scan_uid: str,
        items: Iterable[OutboxItem],
        now: datetime | None = None,
    ) -> int:
        """`add_scan` in a transaction of its own."""
        with self._transaction() as conn:
            return self.add_scan(conn, scan_id, scan_uid, items, now)

    def scans(self, *, pending_only: bool = False, limit: int | None = None) -> list[OutboxScan]:
        """Scans in the outbox, oldest first (delivery order)."""
        where = "WHERE s.delivered IS NULL" if pending_only else ""
        rows = self._conn.execute(
            f"{_SCAN_SELECT} {where} ORDER BY s.scan_id LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [
            OutboxScan(
                scan_id=row["scan_id"],
                scan_uid=row["scan_uid"],
                created=datetime.fromisoformat(row["created"]),
                items=row["items"],
                delivered_items=row["delivered_items"],
                pending_records=row["pending_records"],
                delivered=_when(row["delivered"]),
                attempted=_when(row["attempted"]),
                error=row["error"],
            )
            for row in rows
        ]

    def next_item(self, scan_id: int, after: int = 0) -> PendingItem | None:
        """The first undelivered item of a scan with a `seq` above `after`, or None."""
        row = self._conn.execute(
            "SELECT i.*, s.scan_uid FROM outbox_items i JOIN outbox_scans s USING (scan_id) "
            "WHERE i.scan_id = ? AND i.seq > ? AND i.delivered IS NULL ORDER BY i.seq LIMIT 1",
            (scan_id, after),
        ).fetchone()
        if row is None:
            return None
        return PendingItem(
            id=row["id"],
            scan_id=row["scan_id"],
            scan_uid=row["scan_uid"],
            seq=row["seq"],
            kind=row["kind"],
            idempotency_key=row["idempotency_key"],
            body=bytes(row["body"]),
            records=row["records"],
            attempts=row["attempts"],
        )

    def record_attempt(
        self, item: PendingItem, now: datetime | None = None, *, count: int = 1
    ) -> None:
        """Count `count` sends of `item` (before it is sent: a crash mid-send still counts;
        a pusher sending from worker threads adds a batch's retries once it settled)."""
        when = (now or datetime.now(UTC)).isoformat()
        with self._transaction() as conn:
            conn.execute(
                "UPDATE outbox_items SET attempts = attempts + ? WHERE id = ?", (count, item.id)
            )
            conn.execute(
                "UPDATE outbox_scans SET attempted = ? WHERE scan_id = ?", (when, item.scan_id)
            )

    def mark_delivered(self, item: PendingItem, now: datetime | None = None) -> bool:
        """Mark `item` delivered; returns True when it was its scan's last pending one."""
        when = (now or datetime.now(UTC)).isoformat()
        with self._transaction() as conn:
            conn.execute(
                "UPDATE outbox_items SET delivered = ? WHERE id = ? AND delivered IS NULL",
                (when, item.id),
            )
            left = conn.execute(
                "SELECT count(*) FROM outbox_items WHERE scan_id = ? AND delivered IS NULL",
                (item.scan_id,),
            ).fetchone()[0]
            conn.execute(
                "UPDATE outbox_scans SET error = NULL, delivered = ? WHERE scan_id = ?",
                (when if left == 0 else None, item.scan_id),
            )
        return bool(left == 0)

    def record_error(self, scan_id: int, reason: str) -> None:
        """Remember why delivery of `scan_id` stopped (shown by `cloudcensus push`)."""
        with self._transaction() as conn:
            conn.execute("UPDATE outbox_scans SET error = ? WHERE scan_id = ?", (reason, scan_id))

    def prune(self) -> int:
        """Drop fully delivered scans whose scan retention already removed; returns how many."""
        with self._transaction() as conn:
            return conn.execute(
                "DELETE FROM outbox_scans WHERE delivered IS NOT NULL "
                "AND scan_id NOT IN (SELECT id FROM scans)"
            ).rowcount
