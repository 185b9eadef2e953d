"""The outbox in the store: written with the scan, ordered, durable, never lost to retention."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cloudcensus.scanner.store import (
    SCHEMA_VERSION,
    Outbox,
    OutboxItem,
    ScanStatus,
    Store,
    StoreError,
)
from cloudcensus.scanner.store.schema import MIGRATIONS

from .conftest import finished_scan


def kinds(outbox: Outbox, scan_id: int) -> list[str]:
    rows = outbox_rows(outbox, scan_id)
    return [row[1] for row in rows]


def outbox_rows(outbox: Outbox, scan_id: int) -> list[tuple[int, str, int]]:
    conn = outbox._conn
    return [
        (row[0], row[1], row[2])
        for row in conn.execute(
            "SELECT seq, kind, records FROM outbox_items WHERE scan_id = ? ORDER BY seq",
            (scan_id,),
        )
    ]


def test_a_store_of_the_first_release_gains_the_outbox(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.close()
    with Store.open(path) as store:
        version = store.connection.execute("SELECT version FROM schema_version").fetchone()[0]
        assert version == SCHEMA_VERSION == 2
        assert Outbox(store).scans() == []


def test_finishing_a_scan_writes_its_items_in_delivery_order(store: Store) -> None:
    scan = finished_scan(store, 10, batch_size=4)
    outbox = Outbox(store)
    assert outbox_rows(outbox, scan) == [
        (1, "open", 0),
        (2, "findings", 4),
        (3, "findings", 4),
        (4, "findings", 2),
        (5, "explanations", 0),
        (6, "complete", 0),
    ]
    [queued] = outbox.scans()
    assert (queued.scan_id, queued.items, queued.pending_records) == (scan, 6, 10)
    assert queued.pending
    assert queued.error is None


def test_a_failing_outbox_write_leaves_the_scan_unfinished(store: Store) -> None:
    scan = store.begin_scan(["aws"])

    def broken(conn: sqlite3.Connection) -> None:
        Outbox.add_scan(conn, scan, "uid-1", [OutboxItem("open", "k1", b"x")])
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.finish_scan(scan, ScanStatus.COMPLETE, outbox=broken)
    assert store.scan(scan).status is ScanStatus.RUNNING
    assert Outbox(store).scans() == []


def test_pending_items_survive_a_restart_and_come_back_in_order(tmp_path: Path) -> None:
    path = tmp_path / "cloudcensus.sqlite"
    with Store.open(path) as store:
        scan = finished_scan(store, 5, batch_size=2)
        outbox = Outbox(store)
        first = outbox.next_item(scan)
        assert first is not None
        assert first.kind == "open"
        outbox.record_attempt(first)
        assert outbox.mark_delivered(first) is False
    with Store.open(path) as store:
        outbox = Outbox(store)
        seen = []
        while (item := outbox.next_item(scan)) is not None:
            seen.append((item.seq, item.kind))
            last = outbox.mark_delivered(item)
        assert seen == [
            (2, "findings"),
            (3, "findings"),
            (4, "findings"),
            (5, "explanations"),
            (6, "complete"),
        ]
        assert last is True
        [done] = outbox.scans()
        assert done.delivered is not None
        assert done.delivered_items == 6
        assert outbox.scans(pending_only=True) == []


def test_retention_never_drops_undelivered_items(store: Store) -> None:
    store.retention = 1
    old = finished_scan(store, 3)
    newer = finished_scan(store, 3)
    assert [s.id for s in store.scans()] == [newer]  # the scan rows of `old` are pruned
    outbox = Outbox(store)
    assert [s.scan_id for s in outbox.scans(pending_only=True)] == [old, newer]
    assert outbox.prune() == 0
    while (item := outbox.next_item(old)) is not None:
        outbox.mark_delivered(item)
    assert outbox.prune() == 1  # delivered and gone from `scans`: dropped
    assert [s.scan_id for s in outbox.scans()] == [newer]


def test_a_scan_is_queued_once(store: Store) -> None:
    scan = finished_scan(store, 1)
    with pytest.raises(StoreError, match="outbox"):
        Outbox(store).enqueue(scan, "another-uid", [OutboxItem("open", "k", b"")])
    assert len(Outbox(store).scans()) == 1


def test_an_error_is_recorded_and_cleared_by_the_next_delivery(store: Store) -> None:
    scan = finished_scan(store, 1)
    outbox = Outbox(store)
    outbox.record_error(scan, "open #1 refused: HTTP 413")
    assert outbox.scans()[0].error == "open #1 refused: HTTP 413"
    item = outbox.next_item(scan)
    assert item is not None
    outbox.mark_delivered(item)
    assert outbox.scans()[0].error is None
