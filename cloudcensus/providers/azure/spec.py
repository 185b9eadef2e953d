"""The shape of one Azure collector, shared by every resource module.

A collector pairs a `fetch` (Resource Graph rows and ARM reads only, yields raw rows)
with a pure `normalise` (row -> `Resource`, no I/O). `fetch` reaches Azure only through
`Sources`: the subscription's Resource Graph rows for a query (shared with other small
subscriptions by `GraphBatches`) and the authenticated ARM reader.

`read_detail` is the one way a fetch reads a per-resource ARM detail: a refused or
missing detail (403, 404) leaves the value None and names the call in the row's
`cloudcensus.errors`, so the normalised property becomes null (unknown), never a silent
false; anything else (throttled past retries, 5xx) fails the collector, where the
engine records it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from cloudcensus.providers.azure.clients import ArmReader
from cloudcensus.providers.azure.errors import ArmError
from cloudcensus.providers.azure.resource import ENRICHMENT, AzureContext, Raw
from cloudcensus.scanner.inventory import Resource

__all__ = ["AzureCollector", "Sources", "read_detail", "read_list"]


class Sources(Protocol):
    """Where a fetch reads one subscription."""

    @property
    def arm(self) -> ArmReader:
        """The authenticated ARM reader."""
        ...

    def rows(self, query: str) -> Iterable[Raw]:
        """The subscription's Resource Graph rows for `query`."""
        ...


@dataclass(frozen=True)
class AzureCollector:
    name: str  # coverage key, e.g. 'graph.resources'
    fetch: Callable[[Sources, AzureContext], Iterable[Raw]]
    normalise: Callable[[Raw, AzureContext], Resource | None]


def _note(raw: Raw, label: str, error: ArmError) -> None:
    extra = raw.setdefault(ENRICHMENT, {})
    extra.setdefault("errors", {})[label] = error.code or str(error.status)


def read_detail(raw: Raw, label: str, call: Callable[[], Any]) -> Any:
    """One detail read for `raw`: its answer, or None (+ `cloudcensus.errors[label]`)."""
    try:
        return call()
    except ArmError as exc:
        if exc.status in (401, 403, 404):
            _note(raw, label, exc)
            return None
        raise


def read_list(raw: Raw, label: str, arm: ArmReader, path: str, api: str) -> list[Raw] | None:
    """Every item of an ARM list under `path`, or None when refused (see `read_detail`)."""
    result: list[Raw] | None = read_detail(raw, label, lambda: list(arm.list(path, api)))
    return result
