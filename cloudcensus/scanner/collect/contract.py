"""What `collect` talks to: the sink it fills, the progress it reports, the summary it returns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cloudcensus.providers.base import Scope
from cloudcensus.scanner.coverage import CoverageEntry
from cloudcensus.scanner.inventory import Resource

__all__ = ["CollectProgress", "CollectSummary", "NullProgress", "ResourceSink", "UnitKey"]

#: (provider, account, region, collector): the coverage and sweep key of a unit.
UnitKey = tuple[str, str, str, str]


class ResourceSink(Protocol):
    """Where collected data goes. Called from the thread that called `collect` only."""

    def add(self, key: UnitKey, resources: Sequence[Resource]) -> None: ...
    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None: ...


class CollectProgress(Protocol):
    """Progress events, called from the thread that called `collect` only."""

    def scopes_found(self, provider: str, count: int) -> None: ...
    def tasks_planned(self, scope: Scope, count: int) -> None: ...
    def unit_done(self, entry: CoverageEntry) -> None: ...
    def resources_collected(self, count: int) -> None: ...


class NullProgress:
    """A `CollectProgress` that ignores everything (non-interactive runs, tests)."""

    def scopes_found(self, provider: str, count: int) -> None: ...
    def tasks_planned(self, scope: Scope, count: int) -> None: ...
    def unit_done(self, entry: CoverageEntry) -> None: ...
    def resources_collected(self, count: int) -> None: ...


@dataclass
class CollectSummary:
    """Totals of one collection; the full coverage went to the sink entry by entry."""

    units: int = 0
    resources: int = 0
    errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    gaps: list[CoverageEntry] = field(default_factory=list)  # every entry not COMPLETE
    stopped: bool = False

    @property
    def complete(self) -> bool:
        """True when every unit of every scope was read completely."""
        return not self.gaps and not self.stopped
