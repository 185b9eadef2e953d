"""Cinder volumes, snapshots and backups -> `storage.volume`, `storage.snapshot`,
`storage.backup`.

Whether a volume is encrypted comes from the volume's own `encrypted` field, which Cinder
derives from its volume type's encryption spec. Where a cloud omits that field, `fetch`
reads the type's encryption spec (`/types/{id}/encryption`); most clouds allow that to
admins only, and then `encrypted` is `null` (unknown), never `false`. Snapshots and
backups are encrypted exactly when their source volume is (Cinder copies the volume's
key), so their fetch reads the volumes of the region once, and only when there is
something to look up. Cinder creates and keeps those keys itself (in the project's
Barbican): `key_management` is `provider`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openstack.exceptions import ForbiddenException, NotFoundException

from cloudcensus.providers.openstack.pages import ServiceApi
from cloudcensus.providers.openstack.resource import (
    ENRICHED,
    created_at,
    enriched,
    openstack_resource,
    tag_dict,
)
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "COLLECTORS",
    "fetch_backups",
    "fetch_snapshots",
    "fetch_volumes",
    "normalise_backup",
    "normalise_snapshot",
    "normalise_volume",
]

Raw = dict[str, Any]
_MICROVERSION = "3.64"  # encryption_key_id on volumes and backups


def _encryption(encrypted: bool | None, key_id: Any) -> dict[str, Any]:
    return {
        "encrypted": encrypted,
        "key_id": str(key_id) if encrypted and key_id else None,
        "key_management": "provider" if encrypted else None,
    }


class _TypeEncryption:
    """Volume type -> encrypted (True/False), or None when the spec is unreadable."""

    def __init__(self, api: ServiceApi) -> None:
        self._api = api
        self._by_name: dict[str, str] | None = None
        self._known: dict[str, bool | None] = {}

    def _type_id(self, volume: Raw) -> str | None:
        if volume.get("volume_type_id"):
            return str(volume["volume_type_id"])
        if self._by_name is None:
            types = self._api.json("/types").get("volume_types", [])
            self._by_name = {str(t.get("name")): str(t.get("id")) for t in types}
        return self._by_name.get(str(volume.get("volume_type")))

    def __call__(self, volume: Raw) -> bool | None:
        type_id = self._type_id(volume)
        if type_id is None:
            return None
        if type_id not in self._known:
            try:
                spec = self._api.json(f"/types/{type_id}/encryption")
                self._known[type_id] = bool(spec.get("encryption_id") or spec.get("provider"))
            except (ForbiddenException, NotFoundException):
                self._known[type_id] = None
        return self._known[type_id]


def fetch_volumes(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    api = apis("block-storage")
    by_type = _TypeEncryption(api)
    version = api.max_microversion(_MICROVERSION)
    for volume in api.linked("/volumes/detail", "volumes", microversion=version):
        if isinstance(volume.get("encrypted"), bool):
            yield volume
        else:
            yield {**volume, ENRICHED: {"type_encrypted": by_type(volume)}}


def _cinder_resource(
    raw: Raw, ctx: OpenStackContext, type_: str, kind: str, properties: dict[str, Any]
) -> Resource:
    """A Cinder item's record: `OS::Cinder::<Kind>`, its metadata as tags."""
    return openstack_resource(
        ctx,
        type_=type_,
        native_type=f"OS::Cinder::{kind.capitalize()}",
        kind=kind,
        native_id=str(raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("metadata")),
        name=raw.get("name"),
        created=created_at(raw.get("created_at")),
        properties=properties,
    )


def normalise_volume(raw: Raw, ctx: OpenStackContext) -> Resource:
    encrypted = raw.get("encrypted")
    if not isinstance(encrypted, bool):
        encrypted = enriched(raw).get("type_encrypted")
    attachments = raw.get("attachments") or []
    return _cinder_resource(
        raw,
        ctx,
        "storage.volume",
        "volume",
        {
            **_encryption(encrypted, raw.get("encryption_key_id")),
            "size_gb": raw.get("size"),
            "state": raw.get("status"),
            "attached_to": sorted(str(a["server_id"]) for a in attachments if a.get("server_id")),
        },
    )


def _copies(apis: Apis, path: str, key: str, *, microversion: bool) -> Iterator[Raw]:
    """Snapshots or backups with their source volume's encryption; volumes read lazily."""
    api = apis("block-storage")
    version = api.max_microversion(_MICROVERSION) if microversion else None
    volumes: dict[str, Raw] | None = None
    by_type = _TypeEncryption(api)
    for item in api.linked(path, key, microversion=version):
        if volumes is None:
            volumes = {str(v["id"]): v for v in api.linked("/volumes/detail", "volumes")}
        source = volumes.get(str(item.get("volume_id")))
        encrypted: bool | None = None
        if source is not None:
            value = source.get("encrypted")
            encrypted = value if isinstance(value, bool) else by_type(source)
        yield {**item, ENRICHED: {"source_encrypted": encrypted}}


def fetch_snapshots(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    yield from _copies(apis, "/snapshots/detail", "snapshots", microversion=False)


def normalise_snapshot(raw: Raw, ctx: OpenStackContext) -> Resource:
    return _cinder_resource(
        raw,
        ctx,
        "storage.snapshot",
        "snapshot",
        {
            **_encryption(enriched(raw).get("source_encrypted"), None),
            "public": False,  # Cinder has no public snapshots (Glance images are elsewhere)
            "source_volume": raw.get("volume_id"),
        },
    )


def fetch_backups(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    yield from _copies(apis, "/backups/detail", "backups", microversion=True)


def normalise_backup(raw: Raw, ctx: OpenStackContext) -> Resource:
    encrypted = enriched(raw).get("source_encrypted")
    if raw.get("encryption_key_id"):
        encrypted = True
    return _cinder_resource(
        raw,
        ctx,
        "storage.backup",
        "backup",
        {
            **_encryption(encrypted, raw.get("encryption_key_id")),
            "source_volume": raw.get("volume_id"),
            "state": raw.get("status"),
        },
    )


COLLECTORS = (
    OpenStackCollector(
        "cinder.volumes", "block-storage", fetch_volumes, normalise_volume, ("OS::Cinder::Volume",)
    ),
    OpenStackCollector(
        "cinder.snapshots",
        "block-storage",
        fetch_snapshots,
        normalise_snapshot,
        ("OS::Cinder::Snapshot",),
    ),
    OpenStackCollector(
        "cinder.backups", "block-storage", fetch_backups, normalise_backup, ("OS::Cinder::Backup",)
    ),
)
