"""OSC API collectors for compute and block storage: VMs, BSU volumes, snapshots, OMIs.

Payloads are the items of `ReadVms`, `ReadVolumes`, `ReadSnapshots` and `ReadImages`
as the API returns them (paged with `ResultsPerPage`/`NextPageToken`). Snapshots and
OMIs are read with the account's own id as owner filter: public ones of other accounts
are not this account's inventory. A snapshot is public when its
`PermissionsToCreateVolume.GlobalPermission` is true.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.outscale.resource import UNKNOWN_ENCRYPTION, osc_resource, tag_dict
from cloudcensus.providers.outscale.spec import OutscaleClients, OutscaleCollector, OutscaleContext
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "COLLECTORS",
    "normalise_image",
    "normalise_snapshot",
    "normalise_vm",
    "normalise_volume",
]

Raw = dict[str, Any]


def fetch_vms(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    yield from clients.osc.pages("ReadVms", "Vms")


def fetch_volumes(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    yield from clients.osc.pages("ReadVolumes", "Volumes")


def fetch_snapshots(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    own = {"AccountIds": [ctx.account]}
    snapshots = clients.osc.pages("ReadSnapshots", "Snapshots", Filters=own)
    yield from (
        s for s in snapshots if not isinstance(s, dict) or s.get("AccountId") in (None, ctx.account)
    )


def fetch_images(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    own = {"AccountIds": [ctx.account]}
    images = clients.osc.pages("ReadImages", "Images", Filters=own)
    yield from (
        i for i in images if not isinstance(i, dict) or i.get("AccountId") in (None, ctx.account)
    )


def _name(raw: Raw, tags: dict[str, str], fallback: str | None = None) -> str | None:
    return tags.get("Name") or fallback


def normalise_vm(raw: Raw, ctx: OutscaleContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    addresses = {raw.get("PublicIp")}
    addresses |= {(nic.get("LinkPublicIp") or {}).get("PublicIp") for nic in raw.get("Nics") or []}
    public_ips = sorted(a for a in addresses if a)
    return osc_resource(
        ctx,
        type_="compute.instance",
        native_type="osc.Vm",
        id_=ctx.urn("vm", raw["VmId"]),
        raw=raw,
        tags=tags,
        name=_name(raw, tags, raw["VmId"]),
        created=raw.get("CreationDate"),
        properties={
            "state": raw.get("State"),
            "instance_type": raw.get("VmType"),
            "image": raw.get("ImageId"),
            "public_ips": public_ips,
            "public": bool(public_ips),
            "security_groups": [g["SecurityGroupId"] for g in raw.get("SecurityGroups") or []],
            "network": raw.get("NetId"),
        },
    )


def normalise_volume(raw: Raw, ctx: OutscaleContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    links = raw.get("LinkedVolumes") or []
    return osc_resource(
        ctx,
        type_="storage.volume",
        native_type="osc.Volume",
        id_=ctx.urn("volume", raw["VolumeId"]),
        raw=raw,
        tags=tags,
        name=_name(raw, tags, raw["VolumeId"]),
        created=raw.get("CreationDate"),
        properties={
            **UNKNOWN_ENCRYPTION,
            "size_gb": raw.get("Size"),
            "state": raw.get("State"),
            "attached_to": [link["VmId"] for link in links if link.get("VmId")],
        },
    )


def normalise_snapshot(raw: Raw, ctx: OutscaleContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    permissions = raw.get("PermissionsToCreateVolume")
    public = None if permissions is None else bool(permissions.get("GlobalPermission"))
    return osc_resource(
        ctx,
        type_="storage.snapshot",
        native_type="osc.Snapshot",
        id_=ctx.urn("snapshot", raw["SnapshotId"]),
        raw=raw,
        tags=tags,
        name=_name(raw, tags, raw.get("Description") or raw["SnapshotId"]),
        created=raw.get("CreationDate"),
        properties={
            **UNKNOWN_ENCRYPTION,
            "public": public,
            "source_volume": raw.get("VolumeId"),
        },
    )


def normalise_image(raw: Raw, ctx: OutscaleContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    return osc_resource(
        ctx,
        type_="other",
        native_type="osc.Image",
        id_=ctx.urn("image", raw["ImageId"]),
        raw=raw,
        tags=tags,
        name=_name(raw, tags, raw.get("ImageName") or raw["ImageId"]),
        created=raw.get("CreationDate"),
        properties={},
    )


COLLECTORS: tuple[OutscaleCollector, ...] = (
    OutscaleCollector("osc.vms", fetch_vms, normalise_vm),
    OutscaleCollector("osc.volumes", fetch_volumes, normalise_volume),
    OutscaleCollector("osc.snapshots", fetch_snapshots, normalise_snapshot),
    OutscaleCollector("osc.images", fetch_images, normalise_image),
)
