"""Run the real provider through the real collection engine into a list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cloudcensus.providers.azure import AzureProvider
from cloudcensus.providers.azure.settings import AzureSettings
from cloudcensus.scanner.collect import UnitKey, collect
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from cloudcensus.scanner.inventory import Resource

__all__ = ["Collected", "collect_azure"]


@dataclass
class Collected:
    resources: list[Resource] = field(default_factory=list)
    coverage: list[CoverageEntry] = field(default_factory=list)

    def add(self, key: UnitKey, resources: Sequence[Resource]) -> None:
        self.resources.extend(resources)

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.coverage.extend(entries)

    def named(self, name: str) -> Resource:
        [found] = [r for r in self.resources if r.name == name]
        return found

    def unit(self, account: str, collector: str) -> CoverageEntry:
        [entry] = [e for e in self.coverage if e.account == account and e.collector == collector]
        return entry

    @property
    def gaps(self) -> list[CoverageEntry]:
        return [e for e in self.coverage if e.status is not CoverageStatus.COMPLETE]


def collect_azure(settings: AzureSettings, provider: AzureProvider | None = None) -> Collected:
    collected = Collected()
    collect([provider or AzureProvider(settings)], collected, workers=4)
    return collected
