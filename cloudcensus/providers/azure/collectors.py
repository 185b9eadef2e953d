"""Every Azure collector, in collection order. Add a module here to collect a type."""

from __future__ import annotations

from cloudcensus.providers.azure import keyvault, resources, sql, storage, subscription
from cloudcensus.providers.azure.spec import AzureCollector

__all__ = ["ALL_COLLECTORS"]

ALL_COLLECTORS: tuple[AzureCollector, ...] = (
    *resources.COLLECTORS,
    *storage.COLLECTORS,
    *sql.COLLECTORS,
    *keyvault.COLLECTORS,
    *subscription.COLLECTORS,
)
