"""OOS buckets (the account's Region), through OUTSCALE's S3-compatible endpoint.

The endpoint is the profile's `oos` endpoint (`https://oos.<region>.outscale.com` unless
the OSC config file or `OSC_ENDPOINT_OOS` says otherwise) and the keys are the profile's.
EIM does not apply to OOS: only the account's root access keys may call it, so an EIM
user's scan records the buckets as access denied (coverage), never as absent. The bucket
reads and their normalisation are shared (`cloudcensus/providers/s3compat.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config

from cloudcensus.providers import s3compat
from cloudcensus.providers.outscale.gateway import OscGateway
from cloudcensus.providers.outscale.resource import osc_resource
from cloudcensus.providers.outscale.spec import OutscaleClients, OutscaleCollector, OutscaleContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "OosClient", "fetch_buckets", "normalise_bucket"]

Raw = dict[str, Any]


class OosClient:
    """The account's boto3 S3 client on OOS, created once from the provider's session
    under the provider's lock (boto3 sessions are not thread-safe; clients are)."""

    def __init__(
        self, gateway: OscGateway, session: boto3.session.Session, lock: threading.Lock
    ) -> None:
        self._gateway = gateway
        self._session = session
        self._lock = lock
        self._client: Any = None

    def __call__(self) -> Any:
        with self._lock:
            if self._client is None:
                settings = self._gateway.settings
                config = Config(
                    retries={"mode": "standard", "total_max_attempts": settings.max_retries + 1},
                    connect_timeout=settings.connect_timeout_s,
                    read_timeout=settings.read_timeout_s,
                    signature_version="s3v4",
                    user_agent_extra="cloudcensus",
                )
                self._client = self._session.client(
                    "s3",
                    region_name=self._gateway.region,
                    endpoint_url=self._gateway.endpoint("oos"),
                    aws_access_key_id=self._gateway.access_key,
                    aws_secret_access_key=self._gateway.secret_key,
                    config=config,
                )
            return self._client


def fetch_buckets(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    yield from s3compat.fetch_buckets(clients.oos(), ctx.region)


def normalise_bucket(raw: Raw, ctx: OutscaleContext) -> Resource:
    return osc_resource(
        ctx,
        type_="storage.bucket",
        native_type="oos.Bucket",
        id_=ctx.urn("bucket", raw["Name"]),
        raw=raw,
        tags=s3compat.bucket_tags(raw),
        name=raw["Name"],
        created=raw.get("CreationDate"),
        properties=s3compat.bucket_properties(raw),
    )


COLLECTORS: tuple[OutscaleCollector, ...] = (
    OutscaleCollector("oos.buckets", fetch_buckets, normalise_bucket),
)
