"""Run real providers through the real collection engine into lists, for assertions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cloudcensus.providers.base import Provider
from cloudcensus.scanner.collect import UnitKey, collect
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource

__all__ = ["Collected", "collect_into"]


@dataclass
class Collected:
    """A collect sink: what one collection read, resources and coverage, with lookups."""

    resources: list[Resource] = field(default_factory=list)
    coverage: list[CoverageEntry] = field(default_factory=list)

    def add(self, key: UnitKey, resources: Sequence[Resource]) -> None:
        self.resources.extend(resources)

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.coverage.extend(entries)

    def named(self, type_: str, name: str) -> Resource:
        """The one resource of `type_` called `name`."""
        found = [r for r in self.resources if r.type == type_ and r.name == name]
        assert len(found) == 1, f"{type_} {name}: {[r.id for r in found]}"
        return found[0]

    def of_type(self, type_: str, account: str | None = None) -> list[Resource]:
        """The resources of `type_` (in `account` when given)."""
        return [r for r in self.resources if r.type == type_ and account in (None, r.account)]

    def entry(self, account: str, collector: str) -> CoverageEntry:
        """The one coverage entry of `collector` in `account`."""
        [found] = [e for e in self.coverage if (e.account, e.collector) == (account, collector)]
        return found

    @property
    def gaps(self) -> list[CoverageEntry]:
        """The coverage entries that are not complete."""
        return [e for e in self.coverage if e.status is not CoverageStatus.COMPLETE]

    @property
    def failed(self) -> list[CoverageEntry]:
        """The coverage entries that failed."""
        return [e for e in self.coverage if e.status is CoverageStatus.FAILED]


def collect_into(
    providers: Sequence[Provider], *, workers: int = 4, task_timeout_s: float | None = None
) -> Collected:
    """One collection of `providers` with the real engine."""
    collected = Collected()
    collect(providers, collected, workers=workers, task_timeout_s=task_timeout_s)
    return collected
