"""Object Storage buckets (per region), through Scaleway's S3-compatible API.

The S3 API has no project parameter: a call acts in the API key's preferred project
unless the access key is suffixed with `@<project id>`, which is how each project's
buckets are listed (`ObjectStorageClients`). The bucket reads and the normalisation of
exposure, encryption and versioning are shared (`cloudcensus/providers/s3compat.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config

from cloudcensus.providers import s3compat
from cloudcensus.providers.scaleway.resource import scw_resource
from cloudcensus.providers.scaleway.settings import ScalewaySettings
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "ObjectStorageClients", "fetch_buckets", "normalise_bucket"]

Raw = dict[str, Any]


class ObjectStorageClients:
    """boto3 S3 clients per (region, project), created from one session under a lock
    (boto3 sessions are not thread-safe; clients are), with bounded retries and timeouts."""

    def __init__(self, access_key: str, secret_key: str, settings: ScalewaySettings) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._endpoint = settings.object_storage_endpoint
        self._config = Config(
            retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout_s,
            read_timeout=settings.read_timeout_s,
            signature_version="s3v4",
            user_agent_extra="cloudcensus",
        )
        self._lock = threading.Lock()
        self._session = boto3.session.Session()  # one session: its loaded models are shared
        self._clients: dict[tuple[str, str], Any] = {}

    def __call__(self, region: str, project: str) -> Any:
        with self._lock:
            key = (region, project)
            if key not in self._clients:
                self._clients[key] = self._session.client(
                    "s3",
                    region_name=region,
                    endpoint_url=self._endpoint.format(region=region),
                    aws_access_key_id=f"{self._access_key}@{project}",
                    aws_secret_access_key=self._secret_key,
                    config=self._config,
                )
            return self._clients[key]


def fetch_buckets(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    yield from s3compat.fetch_buckets(clients.object_storage(ctx.region, ctx.project), ctx.region)


def normalise_bucket(raw: Raw, ctx: ScalewayContext) -> Resource:
    region = raw.get("Region") or ctx.region
    return scw_resource(
        ctx,
        type_="storage.bucket",
        native_type="object_storage.bucket",
        id_=f"scaleway:{region}:bucket/{raw['Name']}",
        raw=raw,
        tags=s3compat.bucket_tags(raw),
        name=raw["Name"],
        created=raw.get("CreationDate"),
        region=region,
        properties=s3compat.bucket_properties(raw),
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector("object_storage.buckets", "region", fetch_buckets, normalise_bucket),
)
