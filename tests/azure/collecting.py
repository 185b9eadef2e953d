"""Run the real Azure provider through the real collection engine into a list."""

from __future__ import annotations

from cloudcensus.providers.azure import AzureProvider
from cloudcensus.providers.azure.settings import AzureSettings
from tests.support.collecting import Collected, collect_into

__all__ = ["Collected", "collect_azure"]


def collect_azure(settings: AzureSettings, provider: AzureProvider | None = None) -> Collected:
    return collect_into([provider or AzureProvider(settings)], workers=4)
