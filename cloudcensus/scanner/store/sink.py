"""The bridge from the collection engine to the store: one scan's `ResourceSink`."""

from __future__ import annotations

from collections.abc import Sequence

from cloudcensus.scanner.collect import UnitKey
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource
from cloudcensus.scanner.store.store import Store

__all__ = ["StoreSink"]


class StoreSink:
    """Writes what `collect` hands over into scan `scan_id` (one transaction per batch)."""

    def __init__(self, store: Store, scan_id: int) -> None:
        self.store = store
        self.scan_id = scan_id

    def add(self, key: UnitKey, resources: Sequence[Resource]) -> None:
        self.store.add_resources(self.scan_id, key, resources)

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.store.add_coverage(self.scan_id, entries)
