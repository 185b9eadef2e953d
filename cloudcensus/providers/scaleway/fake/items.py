"""Builders of Scaleway API items in the documented shapes: projects and zoned products.

Each builder returns one JSON object as the Scaleway API lists it (field names and value
types of the API reference for instance/v1, block/v1alpha1, rdb/v1, k8s/v1,
iam/v1alpha1, account/v3 and vpc/v2). Ids are UUIDs derived from a readable name, so an
estate is the same on every run. Sizes are bytes; timestamps ISO-8601 UTC.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = [
    "CREATED",
    "Item",
    "block_snapshot",
    "block_volume",
    "ip",
    "project",
    "security_group",
    "server",
    "sg_rule",
    "tag_list",
    "uid",
    "volume",
]

Item = dict[str, Any]
GB = 10**9
CREATED = "2025-03-01T09:00:00.000000+00:00"


def uid(name: str) -> str:
    """A stable UUID for a readable name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"scaleway-fake:{name}"))


def tag_list(tags: dict[str, str] | None) -> list[str]:
    return [f"{k}={v}" if v else k for k, v in (tags or {}).items()]


def project(project_id: str, name: str, organization: str) -> Item:
    return {
        "id": project_id,
        "name": name,
        "organization_id": organization,
        "description": "",
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def server(
    name: str,
    project_id: str,
    zone: str,
    *,
    public_ip: str | None = None,
    state: str = "running",
    security_group: str | None = None,
    private_network: str | None = None,
    tags: dict[str, str] | None = None,
) -> Item:
    ips = (
        []
        if public_ip is None
        else [
            {
                "id": uid(f"{name}-ip"),
                "address": public_ip,
                "gateway": "62.210.0.1",
                "netmask": "32",
                "family": "inet",
                "dynamic": False,
                "provisioning_mode": "dhcp",
                "tags": [],
                "ipam_id": uid(f"{name}-ipam"),
                "state": "attached",
            }
        ]
    )
    nics = (
        []
        if private_network is None
        else [
            {
                "id": uid(f"{name}-nic"),
                "private_network_id": private_network,
                "server_id": uid(name),
                "mac_address": "02:00:00:00:00:01",
                "state": "available",
                "tags": [],
            }
        ]
    )
    return {
        "id": uid(name),
        "name": name,
        "organization": project_id,
        "project": project_id,
        "tags": tag_list(tags),
        "commercial_type": "PRO2-XS",
        "state": state,
        "public_ips": ips,
        "public_ip": ips[0] if ips else None,
        "image": {"id": uid("ubuntu-noble"), "name": "Ubuntu 24.04 Noble Numbat"},
        "security_group": None if security_group is None else {"id": security_group, "name": "sg"},
        "private_nics": nics,
        "zone": zone,
        "creation_date": CREATED,
        "modification_date": CREATED,
        "arch": "x86_64",
        "boot_type": "local",
        "dynamic_ip_required": False,
        "protected": False,
        "hostname": name,
        "volumes": {},
    }


def ip(
    name: str, address: str, project_id: str, zone: str, *, server_id: str | None = None
) -> Item:
    return {
        "id": uid(name),
        "address": address,
        "organization": project_id,
        "project": project_id,
        "tags": [],
        "type": "routed_ipv4",
        "state": "attached" if server_id else "detached",
        "prefix": f"{address}/32",
        "ipam_id": uid(f"{name}-ipam"),
        "zone": zone,
        "reverse": None,
        "server": None if server_id is None else {"id": server_id, "name": "server"},
    }


def volume(
    name: str,
    project_id: str,
    zone: str,
    *,
    size_gb: int = 20,
    server_id: str | None = None,
    volume_type: str = "l_ssd",
    tags: dict[str, str] | None = None,
) -> Item:
    return {
        "id": uid(name),
        "name": name,
        "size": size_gb * GB,
        "volume_type": volume_type,
        "organization": project_id,
        "project": project_id,
        "tags": tag_list(tags),
        "state": "available",
        "zone": zone,
        "creation_date": CREATED,
        "modification_date": CREATED,
        "export_uri": None,
        "server": None if server_id is None else {"id": server_id, "name": "server"},
    }


def security_group(
    name: str,
    project_id: str,
    zone: str,
    *,
    inbound: str = "drop",
    outbound: str = "accept",
    servers: list[str] | None = None,
) -> Item:
    return {
        "id": uid(name),
        "name": name,
        "description": "",
        "enable_default_security": True,
        "inbound_default_policy": inbound,
        "outbound_default_policy": outbound,
        "organization": project_id,
        "project": project_id,
        "tags": [],
        "project_default": False,
        "stateful": True,
        "state": "available",
        "zone": zone,
        "servers": [{"id": s, "name": "server"} for s in servers or []],
        "creation_date": CREATED,
        "modification_date": CREATED,
    }


def sg_rule(
    name: str,
    zone: str,
    *,
    ip_range: str,
    port: int | None = None,
    protocol: str = "TCP",
    direction: str = "inbound",
    action: str = "accept",
    position: int = 1,
) -> Item:
    return {
        "id": uid(name),
        "protocol": protocol,
        "direction": direction,
        "action": action,
        "ip_range": ip_range,
        "dest_port_from": port,
        "dest_port_to": None,
        "position": position,
        "editable": True,
        "zone": zone,
    }


def block_volume(
    name: str,
    project_id: str,
    zone: str,
    *,
    size_gb: int = 50,
    server_id: str | None = None,
    tags: dict[str, str] | None = None,
) -> Item:
    references = (
        []
        if server_id is None
        else [
            {
                "id": uid(f"{name}-ref"),
                "product_resource_type": "instance_server",
                "product_resource_id": server_id,
                "type": "exclusive",
                "status": "attached",
                "created_at": CREATED,
            }
        ]
    )
    return {
        "id": uid(name),
        "name": name,
        "type": "sbs_5k",
        "size": size_gb * GB,
        "project_id": project_id,
        "references": references,
        "status": "in_use" if server_id else "available",
        "tags": tag_list(tags),
        "zone": zone,
        "created_at": CREATED,
        "updated_at": CREATED,
        "parent_snapshot_id": None,
        "specs": {"class": "sbs", "perf_iops": 5000},
    }


def block_snapshot(
    name: str, project_id: str, zone: str, *, volume_id: str, tags: dict[str, str] | None = None
) -> Item:
    return {
        "id": uid(name),
        "name": name,
        "size": 50 * GB,
        "project_id": project_id,
        "references": [],
        "status": "available",
        "tags": tag_list(tags),
        "zone": zone,
        "class": "sbs",
        "parent_volume": {"id": volume_id, "name": "volume", "type": "sbs_5k", "status": "in_use"},
        "created_at": CREATED,
        "updated_at": CREATED,
    }
