"""Scaleway, through its REST API (credentials from the scaleway SDK) and Object Storage."""

from cloudcensus.providers.scaleway.provider import ScalewayProvider

__all__ = ["ScalewayProvider"]
