"""The agent's local store (SQLite, WAL): scans, inventory snapshots, coverage, findings,
stale carry-forward and drift. See `store.Store` and `drift.diff`."""

from cloudcensus.scanner.store.codec import canonical_json
from cloudcensus.scanner.store.drift import Change, Diff, FieldChange, ResourceRef, diff
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
]
