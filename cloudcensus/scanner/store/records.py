"""Plain records the store hands out, and its errors."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["ScanRecord", "ScanStatus", "StoreError", "UnknownScan"]


class StoreError(Exception):
    """The store cannot be opened or used as asked (the message names the path or scan)."""


class UnknownScan(StoreError):
    """No scan with that id (never existed, or pruned by retention)."""


class ScanStatus(StrEnum):
    RUNNING = "running"  # begun, not finished (or the process died: never swept from)
    COMPLETE = "complete"  # finished, every unit read completely
    PARTIAL = "partial"  # finished, with coverage gaps (drift handles them per unit)
    FAILED = "failed"  # the run itself failed; its data is not a usable snapshot


@dataclass(frozen=True)
class ScanRecord:
    """One row of `scans`."""

    id: int
    started: datetime
    finished: datetime | None
    status: ScanStatus
    agent_version: str
    providers: tuple[str, ...]
    summary: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ScanRecord:
        return cls(
            id=int(row["id"]),
            started=datetime.fromisoformat(row["started"]),
            finished=datetime.fromisoformat(row["finished"]) if row["finished"] else None,
            status=ScanStatus(row["status"]),
            agent_version=row["agent_version"],
            providers=tuple(json.loads(row["providers"])),
            summary=json.loads(row["summary"]) if row["summary"] else None,
        )
