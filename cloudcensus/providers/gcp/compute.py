"""Compute Engine: instances, persistent disks and VPC firewall rules.

- Instance -> `compute.instance`: `public` when a network interface has an external
  address (an IPv4 access config, even one whose ephemeral address is not assigned while
  the instance is stopped, or an external IPv6 range). `security_groups` are the
  instance's network tags: firewall rules select instances by tag (or by service
  account, kept in `raw`).
- Disk and RegionDisk -> `storage.volume`: encrypted always; CMEK from
  `diskEncryptionKey.kmsKeyName`.
- Firewall -> `network.security_group`: one ingress rule per (allowed protocol/ports,
  source range) of an enabled INGRESS rule, in the shared shape; EGRESS rules likewise
  with their destination ranges. Deny rules, and sources given only as tags or service
  accounts (traffic from inside the network), add nothing: ignoring a deny rule can only
  report more exposure, never less.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.gcp.fields import (
    PayloadError,
    opt_bool,
    opt_int,
    opt_list,
    opt_map,
    opt_str,
)
from cloudcensus.providers.gcp.resource import (
    asset_data,
    encryption,
    gcp_resource,
    labels,
    last_segment,
    strings,
)
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload
from cloudcensus.scanner.inventory import Resource

__all__ = ["MODELS", "ingress_rules"]

_WHERE = "resource.data"
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmp", "icmpv6": "icmp", "all": "all"}


def _network_path(url: str | None) -> str | None:
    """'https://www.googleapis.com/compute/v1/projects/p/global/networks/n' ->
    'projects/p/global/networks/n'."""
    if not url:
        return None
    marker = url.find("projects/")
    return url[marker:] if marker >= 0 else url


def normalise_instance(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    public_ips: list[str] = []
    exposed = False
    network: str | None = None
    for number, nic in enumerate(opt_list(data, "networkInterfaces", _WHERE) or []):
        here = f"{_WHERE}.networkInterfaces[{number}]"
        if not isinstance(nic, dict):
            raise PayloadError(f"{here}: expected an object")
        network = network or _network_path(opt_str(nic, "network", here))
        for config in opt_list(nic, "accessConfigs", here) or []:
            exposed = True
            address = opt_str(config, "natIP", here) if isinstance(config, dict) else None
            if address:
                public_ips.append(address)
        for config in opt_list(nic, "ipv6AccessConfigs", here) or []:
            exposed = True
            address = opt_str(config, "externalIpv6", here) if isinstance(config, dict) else None
            if address:
                public_ips.append(address)
    tags = opt_map(data, "tags", _WHERE) or {}
    status = opt_str(data, "status", _WHERE)
    properties = {
        "state": status.lower() if status else None,
        "instance_type": last_segment(opt_str(data, "machineType", _WHERE)),
        "image": None,  # not part of the instance's payload (its boot disk's source image)
        "public_ips": public_ips,
        "public": exposed,
        "security_groups": strings(
            opt_list(tags, "items", f"{_WHERE}.tags") or [], f"{_WHERE}.tags.items"
        ),
        "network": network,
    }
    return gcp_resource(
        payload,
        ctx,
        type_="compute.instance",
        properties=properties,
        name=opt_str(data, "name", _WHERE),
        created=opt_str(data, "creationTimestamp", _WHERE),
        tags=labels(data),
        location=opt_str(payload["asset"].get("resource") or {}, "location")
        or last_segment(opt_str(data, "zone", _WHERE)),
    )


def normalise_disk(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    key = opt_map(data, "diskEncryptionKey", _WHERE) or {}
    key_name = opt_str(key, "kmsKeyName", f"{_WHERE}.diskEncryptionKey")
    status = opt_str(data, "status", _WHERE)
    properties = {
        **encryption(key_name.split("/cryptoKeyVersions/")[0] if key_name else None),
        "size_gb": opt_int(data, "sizeGb", _WHERE),
        "state": status.lower() if status else None,
        "attached_to": strings(opt_list(data, "users", _WHERE) or [], f"{_WHERE}.users"),
    }
    zone_or_region = opt_str(data, "zone", _WHERE) or opt_str(data, "region", _WHERE)
    return gcp_resource(
        payload,
        ctx,
        type_="storage.volume",
        properties=properties,
        name=opt_str(data, "name", _WHERE),
        created=opt_str(data, "creationTimestamp", _WHERE),
        tags=labels(data),
        location=opt_str(payload["asset"].get("resource") or {}, "location")
        or last_segment(zone_or_region),
    )


def _ports(spec: dict[str, Any], where: str) -> list[tuple[int | None, int | None]]:
    ports = opt_list(spec, "ports", where)
    if not ports:
        return [(None, None)]
    ranges: list[tuple[int | None, int | None]] = []
    for number, port in enumerate(ports):
        text = str(port)
        low, _, high = text.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise PayloadError(f"{where}.ports[{number}]: not a port or port range: {text!r}")
        ranges.append((int(low), int(high or low)))
    return ranges


def ingress_rules(data: dict[str, Any], ranges_key: str) -> list[dict[str, Any]]:
    """The rules of one firewall in the shared shape (`ranges_key`: sourceRanges for
    INGRESS, destinationRanges for EGRESS); none when it is disabled."""
    if opt_bool(data, "disabled", _WHERE):
        return []
    ranges = strings(opt_list(data, ranges_key, _WHERE) or [], f"{_WHERE}.{ranges_key}")
    rules: list[dict[str, Any]] = []
    for number, spec in enumerate(opt_list(data, "allowed", _WHERE) or []):
        here = f"{_WHERE}.allowed[{number}]"
        if not isinstance(spec, dict):
            raise PayloadError(f"{here}: expected an object")
        code = (opt_str(spec, "IPProtocol", here) or "all").lower()
        protocol = _PROTOCOLS.get(code, code)
        spans = _ports(spec, here) if protocol not in ("all", "icmp") else [(None, None)]
        for source in ranges:
            for low, high in spans:
                rules.append(
                    {"protocol": protocol, "from_port": low, "to_port": high, "source": source}
                )
    return rules


def normalise_firewall(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    direction = (opt_str(data, "direction", _WHERE) or "INGRESS").upper()
    if direction not in ("INGRESS", "EGRESS"):
        raise PayloadError(f"{_WHERE}.direction: expected INGRESS or EGRESS, got {direction!r}")
    inbound = direction == "INGRESS"
    targets = (opt_list(data, "targetTags", _WHERE) or []) + (
        opt_list(data, "targetServiceAccounts", _WHERE) or []
    )
    properties = {
        "ingress": ingress_rules(data, "sourceRanges") if inbound else [],
        "egress": [] if inbound else ingress_rules(data, "destinationRanges"),
        "network": _network_path(opt_str(data, "network", _WHERE)),
        # No target: the rule applies to every instance of its network.
        "attached": True if not targets else None,
    }
    return gcp_resource(
        payload,
        ctx,
        type_="network.security_group",
        properties=properties,
        name=opt_str(data, "name", _WHERE),
        created=opt_str(data, "creationTimestamp", _WHERE),
        location="global",
    )


MODELS = (
    AssetModel("compute.instance", "compute.googleapis.com/Instance", normalise_instance),
    AssetModel("compute.disk", "compute.googleapis.com/Disk", normalise_disk),
    AssetModel("compute.region_disk", "compute.googleapis.com/RegionDisk", normalise_disk),
    AssetModel("compute.firewall", "compute.googleapis.com/Firewall", normalise_firewall),
)
