"""Swift containers -> `storage.bucket`.

The account listing gives names; one `HEAD` per container gives its ACLs, metadata,
versioning and sync target. A container is publicly readable when its read ACL
(`X-Container-Read`) grants a referrer (`.r:*`, or `.r:<domain>`: the Referer header is
chosen by the client, so a referrer restriction is not access control) or every
authenticated user of every project (`*:*`). Swift's encryption at rest is a cluster-wide
operator setting that no user API shows: `encrypted` is `null`. Swift has no switch like
S3's Block Public Access: `public_access_blocked` is `false`.

Where the cloud's S3 API is another door to the same containers (Infomaniak, Cleura:
`s3.py`), each container also carries its S3 view (ACL grants, bucket policy, default
encryption, versioning) under `cloudcensus.s3`: a grant made through S3 never shows in
the Swift ACL, so the container is public when either says so, and while the S3 view
could not be read (no keys, a refused call: `cloudcensus.s3_error`) a container the
Swift ACL does not open is of unknown exposure (`public: null`), never private by
default. The S3 view's default encryption replaces Swift's unknown one.

Temp-URL and container-sync keys are secrets: they are dropped from the payload and
never become tags.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from openstack.exceptions import ForbiddenException, NotFoundException

from cloudcensus.providers import s3compat
from cloudcensus.providers.openstack.resource import ENRICHED, enriched, openstack_resource
from cloudcensus.providers.openstack.s3 import s3_view
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_containers", "normalise_container", "public_grants"]

Raw = dict[str, Any]
_KEPT = ("x-container-", "x-versions-", "x-history-location", "x-storage-policy", "x-timestamp")
_SECRET_HEADERS = ("temp-url-key", "sync-key")
_META = "x-container-meta-"


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        key.lower(): value
        for key, value in headers.items()
        if key.lower().startswith(_KEPT) and not key.lower().endswith(_SECRET_HEADERS)
    }


def _shares_s3(ctx: OpenStackContext) -> bool:
    return ctx.profile.s3 is not None and ctx.profile.s3.same_containers


def _containers(apis: Apis) -> Iterator[Raw]:
    api = apis("object-store")
    endpoint = api.endpoint()
    for listing in api.names():
        name = str(listing["name"])
        try:
            response = api.request(f"{endpoint}/{quote(name, safe='')}", method="HEAD")
        except NotFoundException:
            continue  # deleted since it was listed
        except ForbiddenException:
            yield {**listing, ENRICHED: {"headers": None}}
            continue
        yield {**listing, ENRICHED: {"headers": _kept_headers(response.headers)}}


def fetch_containers(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    if not _shares_s3(ctx):
        yield from _containers(apis)
        return
    found = list(_containers(apis))
    views = s3_view(apis, [str(item["name"]) for item in found])
    for item, (_, view, error) in zip(found, views, strict=True):
        extra = {"s3": view} if error is None else {"s3": None, "s3_error": error}
        yield {**item, ENRICHED: {**item[ENRICHED], **extra}}


def public_grants(read_acl: str | None) -> list[str]:
    """The entries of a Swift read ACL that let anyone read (see the module doc)."""
    grants = []
    for entry in (read_acl or "").split(","):
        grant = entry.strip()
        if grant == "*:*" or (grant.startswith(".r:") and not grant.startswith(".r:-")):
            grants.append(grant)
    return grants


def _created(timestamp: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(timestamp), UTC) if timestamp else None
    except (ValueError, OverflowError):
        return None


def _either(*values: bool | None) -> bool | None:
    """True when any says so; else unknown when any is unknown; else False."""
    return True if True in values else (None if None in values else False)


def _swift_properties(headers: dict[str, str] | None) -> dict[str, Any]:
    readable = headers is not None
    known = headers or {}
    public = bool(public_grants(known.get("x-container-read"))) if readable else None
    versioned = (
        known.get("x-versions-enabled", "").lower() == "true"
        or "x-versions-location" in known
        or "x-history-location" in known
    )
    sync_to = known.get("x-container-sync-to")
    replicas = [{"id": sync_to, "region": None, "country": None, "eu": None, "eea": None}]
    return {
        "public": public,
        "public_via": ["acl"] if public else [],
        "public_access_block": None,
        "account_public_access_block": None,
        "public_access_blocked": False,
        "encrypted": None,
        "key_id": None,
        "key_management": None,
        "encryption_algorithm": None,
        "versioning": versioned if readable else None,
        "replicas": replicas if sync_to else [],
    }


def _with_s3_view(swift: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The Swift view completed by the S3 view of the same container (module doc)."""
    view = extra.get("s3")
    if view is None and "s3_error" not in extra and "s3" in extra:
        return swift  # the S3 API does not show this container: no S3-side grant
    if view is None:  # the S3 view could not be read
        return {**swift, "public": True if swift["public"] else None}
    s3 = s3compat.bucket_properties(view)
    via = [*swift["public_via"], *(v for v in s3["public_via"] if v not in swift["public_via"])]
    return {
        **swift,
        "public": _either(swift["public"], s3["public"]),
        "public_via": via,
        **{k: s3[k] for k in ("encrypted", "key_id", "key_management", "encryption_algorithm")},
        "versioning": _either(swift["versioning"], s3["versioning"]),
        "replicas": None if s3["replicas"] is None else [*swift["replicas"], *s3["replicas"]],
    }


def normalise_container(raw: Raw, ctx: OpenStackContext) -> Resource:
    extra = enriched(raw)
    headers: dict[str, str] | None = extra.get("headers")
    known = headers or {}
    properties = _swift_properties(headers)
    if _shares_s3(ctx):
        properties = _with_s3_view(properties, extra)
    return openstack_resource(
        ctx,
        type_="storage.bucket",
        native_type="OS::Swift::Container",
        kind="container",
        native_id=str(raw["name"]),
        raw=raw,
        tags={k[len(_META) :]: v for k, v in known.items() if k.startswith(_META)},
        name=str(raw["name"]),
        created=_created(known.get("x-timestamp")),
        properties=properties,
    )


COLLECTORS = (
    OpenStackCollector(
        "swift.containers",
        "object-store",
        fetch_containers,
        normalise_container,
        ("OS::Swift::Container",),
    ),
)
