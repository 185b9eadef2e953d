"""Google Cloud (and its sovereign universes, such as S3NS), through Cloud Asset Inventory."""

from cloudcensus.providers.gcp.provider import GcpProvider

__all__ = ["GcpProvider"]
