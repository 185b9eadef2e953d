"""Microsoft Azure, through Resource Graph and ARM (every subscription, any Azure cloud)."""

from cloudcensus.providers.azure.provider import AzureProvider

__all__ = ["AzureProvider"]
