"""Swift containers -> `storage.bucket`.

The account listing gives names; one `HEAD` per container gives its ACLs, metadata,
versioning and sync target. A container is publicly readable when its read ACL
(`X-Container-Read`) grants a referrer (`.r:*`, or `.r:<domain>`: the Referer header is
chosen by the client, so a referrer restriction is not access control) or every
authenticated user of every project (`*:*`). Swift's encryption at rest is a cluster-wide
operator setting that no user API shows: `encrypted` is `null`. Swift has no switch like
S3's Block Public Access: `public_access_blocked` is `false`.

Temp-URL and container-sync keys are secrets: they are dropped from the payload and
never become tags.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from openstack.exceptions import ForbiddenException, NotFoundException

from cloudcensus.providers.openstack.resource import ENRICHED, enriched, openstack_resource
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


def fetch_containers(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
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


def normalise_container(raw: Raw, ctx: OpenStackContext) -> Resource:
    headers: dict[str, str] | None = enriched(raw).get("headers")
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
        properties={
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
        },
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
