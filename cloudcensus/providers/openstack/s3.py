"""Buckets of a cloud's S3-compatible object storage -> `storage.bucket`.

Two kinds of clouds (`profiles.S3_OFFERS`, or the cloud's `s3` settings):

- its S3 buckets are a product of their own (OVHcloud's Object Storage since 2023, at
  `https://s3.<region>.io.cloud.ovh.net`): `s3.buckets` lists them once per S3 region
  (GRA11 and GRA7 are both served by GRA) as resources of their own, kind `bucket`,
  beside the Swift containers;
- its S3 API shows the Swift containers (Infomaniak: Swift's s3api; Cleura: Ceph
  radosgw): no bucket of its own is listed, so nothing is counted twice;
  `objectstore.fetch_containers` adds the S3 view to each container instead
  (`s3_view`), because a grant made through S3 (a public-read ACL, a bucket policy)
  never shows in the Swift ACL.

The bucket reads and their normalisation are shared with Scaleway and OUTSCALE
(`cloudcensus/providers/s3compat.py`). A bucket whose location is another S3 region of
the catalog is read there. One whose location names no such region (or cannot be read)
is read by the first of the project's S3 tasks to list it (`S3Endpoint.claim`): never
dropped, never counted twice, whether an endpoint lists every bucket or its own only. It
keeps the region its location names (in the catalogue's spelling when the offering has
that region), else the reading one's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from cloudcensus.providers import s3compat
from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.openstack.resource import created_at, openstack_resource
from cloudcensus.providers.openstack.spec import S3, Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_buckets", "normalise_bucket", "s3_view"]

Raw = dict[str, Any]


def fetch_buckets(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    endpoint = apis.s3()
    for raw in s3compat.fetch_buckets(endpoint.client, ctx.region, ctx.s3_regions):
        location = str(raw.get("Location") or "")
        if location.lower() == ctx.region.lower() or endpoint.claim(str(raw["Name"])):
            yield raw


def _region(raw: Raw, ctx: OpenStackContext) -> str:
    """The bucket's region in the catalogue's spelling: where it says it is."""
    location = str(raw.get("Location") or "")
    if not location or location.lower() == ctx.region.lower():
        return ctx.region
    catalogue = ctx.profile.catalogue
    names = catalogue.offering_regions(ctx.profile.offering) if catalogue else []
    return next((name for name in names if name.lower() == location.lower()), location)


def _created(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return created_at(value)


def normalise_bucket(raw: Raw, ctx: OpenStackContext) -> Resource:
    return openstack_resource(
        ctx,
        type_="storage.bucket",
        native_type="OS::S3::Bucket",
        kind="bucket",
        native_id=str(raw["Name"]),
        raw=raw,
        tags=s3compat.bucket_tags(raw),
        name=str(raw["Name"]),
        created=_created(raw.get("CreationDate")),
        region=_region(raw, ctx),
        properties=s3compat.bucket_properties(raw),
    )


def s3_view(apis: Apis, names: list[str]) -> Iterator[tuple[str, Raw | None, str | None]]:
    """(container, its S3 view or None when S3 does not know it, why it is unknown).

    A failure to reach S3 (no keys, boto3 missing) or a call that fails makes that
    container's view unknown, never the Swift listing's failure.
    """
    try:
        client = apis.s3().client
    except ProviderError as error:
        for name in names:
            yield name, None, str(error)
        return
    from botocore.exceptions import BotoCoreError, ClientError

    for name in names:
        try:
            yield name, s3compat.read_bucket(client, name), None
        except (BotoCoreError, ClientError) as error:
            yield name, None, f"{type(error).__name__}: {error}"


COLLECTORS = (
    OpenStackCollector("s3.buckets", S3, fetch_buckets, normalise_bucket, ("OS::S3::Bucket",)),
)
