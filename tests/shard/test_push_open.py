"""What a finished scan's `open` item tells the registry of its shard: the shard and run
the store recorded, the scan uid as the run of a shard scanned without a run id, and
nothing at all for a whole-estate scan (an older registry reads that body unchanged)."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.scanner.push.items import KIND_OPEN, build_items
from cloudcensus.scanner.shard import SUMMARY_KEY, Shard, shard_record
from cloudcensus.scanner.store import ScanStatus, Store
from cloudcensus.wire import v1

STARTED = datetime(2026, 3, 14, 1, 0, tzinfo=UTC)


def _open_body(tmp_path: Path, summary: dict[str, Any]) -> tuple[uuid.UUID, dict[str, Any]]:
    scan_uid = uuid.uuid4()
    with Store.open(tmp_path / "store.sqlite") as store:
        scan = store.begin_scan(["aws"], started=STARTED)
        store.finish_scan(scan, ScanStatus.COMPLETE, summary)
        first = next(iter(build_items(store, scan, scan_uid)))
    assert first.kind == KIND_OPEN
    body: dict[str, Any] = json.loads(gzip.decompress(first.body))
    v1.ScanOpen.model_validate(body)  # what the registry validates
    return scan_uid, body


@pytest.mark.parametrize(
    ("run", "expected_run"), [("cloudcensus-agent-29501234", "cloudcensus-agent-29501234"),
                              (None, "scan uid")]
)  # fmt: skip
def test_a_shard_scan_opens_with_its_shard_and_run(
    tmp_path: Path, run: str | None, expected_run: str
) -> None:
    summary = {SUMMARY_KEY: shard_record(Shard(index=2, count=3), run)}
    scan_uid, body = _open_body(tmp_path, summary)
    run_sent = str(scan_uid) if expected_run == "scan uid" else expected_run
    assert body["shard"] == {"index": 2, "count": 3, "run": run_sent}


def test_a_whole_estate_scan_opens_without_a_shard(tmp_path: Path) -> None:
    _, body = _open_body(tmp_path, {})
    assert "shard" not in body
    assert set(body) == {"scan_uid", "agent_version", "started", "providers"}
