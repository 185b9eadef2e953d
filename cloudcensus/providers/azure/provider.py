"""The Azure provider: subscriptions as scopes, one task per collector and subscription.

Scopes are the subscriptions the identity sees (`subscriptions.list`), the configured
list, or those under a management group (Resource Graph `resourcecontainers`), each with
its tenant; the whole list is read before the first scope is handed out, because
Resource Graph batching (`GraphBatches`) groups subscriptions across the list.

For one subscription, `tasks` first reads the subscription itself through ARM: a
subscription the identity may not read (403 `AuthorizationFailed`, or not found) is an
account-wide coverage gap, never an empty inventory (Resource Graph silently leaves out
what it may not read). The cloud's locations (with their paired regions) are read once
per run. Every task reads the whole subscription (Azure resources are global to it:
their region is a property, not an endpoint), so each unit's region is `global`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from azure.core.exceptions import HttpResponseError
from pydantic import BaseModel

from cloudcensus.providers.azure.clients import ArmReader, AzureClients
from cloudcensus.providers.azure.collectors import ALL_COLLECTORS
from cloudcensus.providers.azure.errors import ArmError, classify_error
from cloudcensus.providers.azure.graph import GraphBatches, query_rows, type_query
from cloudcensus.providers.azure.resource import AzureContext, Raw
from cloudcensus.providers.azure.settings import AzureSettings
from cloudcensus.providers.azure.spec import AzureCollector
from cloudcensus.providers.base import CollectionTask, ProviderError, Scope
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.tasks import bind_task
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import GLOBAL_REGION

__all__ = ["AzureProvider"]

logger = logging.getLogger(__name__)
_NAME = "azure"
_SUBSCRIPTIONS_QUERY = type_query(
    include=("microsoft.resources/subscriptions",), table="resourcecontainers"
)


@dataclass(frozen=True)
class _Locations:
    paired: dict[str, str]
    names: dict[str, str]
    physical: tuple[str, ...]


@dataclass(frozen=True)
class _Sources:
    """`spec.Sources` of one subscription."""

    arm: ArmReader
    batches: GraphBatches
    subscription: str

    def rows(self, query: str) -> Iterable[Raw]:
        return self.batches.rows(query, self.subscription)


class AzureProvider:
    """Scans Azure subscriptions through Resource Graph and ARM."""

    name: ClassVar[str] = _NAME
    settings_model: ClassVar[type[BaseModel]] = AzureSettings

    def __init__(
        self, settings: AzureSettings, *, collectors: Iterable[AzureCollector] | None = None
    ) -> None:
        """`collectors` narrows the collection (tests, the benchmark)."""
        self.settings = settings
        self._collectors = tuple(ALL_COLLECTORS if collectors is None else collectors)
        self._catalogue = load_catalogue("cloudcensus.providers.azure")
        self._lock = threading.Lock()
        self._clients: AzureClients | None = None
        self._batches: GraphBatches | None = None
        self._locations: _Locations | None = None
        self._tenants: dict[str, str | None] = {}

    @property
    def clients(self) -> AzureClients:
        """The run's SDK clients, built on first use."""
        with self._lock:
            if self._clients is None:
                self._clients = AzureClients(self.settings)
            return self._clients

    @property
    def batches(self) -> GraphBatches:
        if self._batches is None:  # scopes() sets it; tasks() for a lone scope too
            with self._lock:
                self._batches = self._batches or self._new_batches([])
        return self._batches

    def _new_batches(self, subscriptions: list[str]) -> GraphBatches:
        return GraphBatches(
            self.clients.graph,
            subscriptions,
            page_size=self.settings.page_size,
            per_query=self.settings.subscriptions_per_query,
        )

    # -- scopes -----------------------------------------------------------------------

    def scopes(self) -> Iterator[Scope]:
        """The subscriptions to scan, all listed before the first is yielded."""
        found = list(self._listed())
        wanted = self.settings.tenant_id
        excluded = {s.lower() for s in self.settings.exclude_subscriptions}
        chosen = [
            s
            for s in found
            if s["id"].lower() not in excluded and (not wanted or s["tenant"] in (None, wanted))
        ]
        batches = self._new_batches([s["id"] for s in chosen])
        offering = self.clients.cloud.offering
        with self._lock:
            self._batches = batches
            self._tenants.update({s["id"]: s["tenant"] for s in chosen})
        for sub in chosen:
            details = {"tenant": sub["tenant"] or "", "state": sub["state"] or ""}
            yield Scope(_NAME, sub["id"], offering, name=sub["name"], details=details)

    def _listed(self) -> Iterator[dict[str, Any]]:
        if self.settings.subscriptions:
            for sub in self.settings.subscriptions:
                yield {"id": sub, "name": None, "tenant": self.settings.tenant_id, "state": None}
            return
        if self.settings.management_group:
            rows = query_rows(
                self.clients.graph,
                _SUBSCRIPTIONS_QUERY,
                self.settings.page_size,
                management_groups=[self.settings.management_group],
            )
            for row in rows:
                props = row.get("properties") or {}
                yield {
                    "id": str(row["subscriptionId"]),
                    "name": row.get("name"),
                    "tenant": row.get("tenantId"),
                    "state": props.get("state"),
                }
            return
        for found in self.clients.subscriptions.subscriptions.list():
            state = str(getattr(found.state, "value", found.state) or "")
            if state.lower() == "deleted":
                continue
            yield {
                "id": str(found.subscription_id),
                "name": found.display_name,
                "tenant": found.tenant_id,
                "state": state or None,
            }

    # -- tasks ------------------------------------------------------------------------

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        """Every collection task of one subscription. Raises when it cannot be read."""
        clients = self.clients
        try:
            clients.subscriptions.subscriptions.get(scope.account)
            locations = self._read_locations(scope.account)
        except (ArmError, HttpResponseError) as exc:
            kind, message = self.classify(exc)
            raise ProviderError(kind, f"subscription {scope.account}: {message}") from exc
        ctx = AzureContext(
            subscription=scope.account,
            offering=scope.offering,
            catalogue=self._catalogue,
            tenant=scope.details.get("tenant") or self._tenants.get(scope.account),
            paired=locations.paired,
            names=locations.names,
            regions=locations.physical,
            location_policies=tuple(self.settings.location_policies),
        )
        sources = _Sources(clients.arm, self.batches, scope.account)
        return [_task(c, sources, ctx) for c in self._collectors]

    def _read_locations(self, subscription: str) -> _Locations:
        if self._locations is not None:
            return self._locations
        paired: dict[str, str] = {}
        names: dict[str, str] = {}
        physical: list[str] = []
        for item in self.clients.subscriptions.subscriptions.list_locations(subscription):
            name = str(item.name).lower()
            names[name] = name
            for label in (item.display_name, item.regional_display_name):
                if label:
                    names[label.lower()] = name
            meta = item.metadata
            pairs = (meta.paired_region if meta else None) or []
            if pairs and pairs[0].name:
                paired[name] = pairs[0].name.lower()
            kind = getattr(meta.region_type, "value", meta.region_type) if meta else None
            if str(kind or "").lower() == "physical":
                physical.append(name)
        locations = _Locations(paired, names, tuple(sorted(physical)))
        with self._lock:
            self._locations = locations
        return locations

    # -- errors -----------------------------------------------------------------------

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        """Kind and secret-free message of any error raised by this provider's code."""
        return classify_error(error)


def _task(collector: AzureCollector, sources: _Sources, ctx: AzureContext) -> CollectionTask:
    """Bind one collector to one subscription's sources and context."""
    return bind_task(
        collector, sources, ctx, provider=_NAME, account=ctx.subscription, region=GLOBAL_REGION
    )
