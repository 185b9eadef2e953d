"""The agent's local store (SQLite, WAL): scans, inventory snapshots, coverage, findings,
stale carry-forward, drift and the push outbox. See `store.Store`, `drift.diff` and
`outbox.Outbox`."""

from cloudcensus.scanner.store.codec import canonical_json
from cloudcensus.scanner.store.drift import Change, Diff, FieldChange, ResourceRef, diff, scan_pair
from cloudcensus.scanner.store.outbox import Outbox, OutboxItem, OutboxScan, PendingItem
from cloudcensus.scanner.store.records import ScanRecord, ScanStatus, StoreError, UnknownScan
from cloudcensus.scanner.store.schema import SCHEMA_VERSION, SchemaError
from cloudcensus.scanner.store.sink import StoreSink
from cloudcensus.scanner.store.store import DEFAULT_RETENTION, Store

__all__ = [
    "DEFAULT_RETENTION",
    "SCHEMA_VERSION",
    "Change",
    "Diff",
    "FieldChange",
    "Outbox",
    "OutboxItem",
    "OutboxScan",
    "PendingItem",
    "ResourceRef",
    "ScanRecord",
    "ScanStatus",
    "SchemaError",
    "Store",
    "StoreError",
    "StoreSink",
    "UnknownScan",
    "canonical_json",
    "diff",
    "scan_pair",
]
