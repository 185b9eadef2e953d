"""Binding a provider's collector to one scope's clients and context: a `CollectionTask`.

Every provider describes a collector the same way (a name, a `fetch(clients, ctx)` that
only calls the SDK, a pure `normalise(raw, ctx)`) with its own clients and context
types; `bind_task` closes both halves over one account's clients and one unit's
context, so the collection engine calls them without arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from cloudcensus.providers.base import CollectionTask
from cloudcensus.scanner.inventory import Resource

__all__ = ["Collector", "bind_task"]

Clients = TypeVar("Clients", contravariant=True)
Context = TypeVar("Context", contravariant=True)


class Collector(Protocol[Clients, Context]):
    """What a provider's collector record holds (`AwsCollector`, `AzureCollector`, ...)."""

    @property
    def name(self) -> str:
        """The coverage key, e.g. 'ec2.instances'."""
        ...

    @property
    def fetch(self) -> Callable[[Clients, Context], Iterable[Any]]: ...

    @property
    def normalise(self) -> Callable[[Any, Context], Resource | None]: ...


def bind_task(
    collector: Collector[Clients, Context],
    clients: Clients,
    ctx: Context,
    *,
    provider: str,
    account: str,
    region: str,
) -> CollectionTask:
    """The task that runs `collector` with `clients` in `ctx`, for (account, region)."""

    def fetch() -> Iterable[Any]:
        return collector.fetch(clients, ctx)

    def normalise(raw: Any) -> Resource | None:
        return collector.normalise(raw, ctx)

    return CollectionTask(provider, account, region, collector.name, fetch, normalise)
