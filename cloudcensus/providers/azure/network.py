"""Azure networking: network security groups, public IPs, NICs, virtual networks, subnets.

NSG rules become the shared ingress shape (docs/inventory.md): one entry per (port
range, source) of every Allow rule, `*` ports as null, the internet (`*`, `Internet`,
`Any`, `0.0.0.0/0`) as `0.0.0.0/0`; service tags and application security groups stay
named as Azure names them. An Allow rule that a Deny rule of higher priority (lower
number) covers whole (same or any protocol, every port, the same or any source) never
takes effect and is left out; partial overlaps are kept (a rule reports what may pass).
Default rules (`defaultSecurityRules`) are evaluated like the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cloudcensus.providers.azure.resource import (
    AzureContext,
    Raw,
    azure_resource,
    enrichment,
    parent_id,
)
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "NATIVE_TYPES",
    "ingress_rules",
    "normalise_interface",
    "normalise_network",
    "normalise_public_ip",
    "normalise_security_group",
    "normalise_subnet",
]

NSG = "Microsoft.Network/networkSecurityGroups"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
NIC = "Microsoft.Network/networkInterfaces"
VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
NATIVE_TYPES = (NSG, PUBLIC_IP, NIC, VNET, SUBNET)

_ANY_SOURCE = frozenset({"*", "internet", "any", "0.0.0.0/0", "0.0.0.0/0.0.0.0"})
_PROTOCOLS = {"*": "all", "tcp": "tcp", "udp": "udp", "icmp": "icmp"}


def _ports(rule: Mapping[str, Any], side: str) -> list[tuple[int | None, int | None]]:
    ranges = list(rule.get(f"{side}PortRanges") or [])
    if rule.get(f"{side}PortRange"):
        ranges.append(rule[f"{side}PortRange"])
    result: list[tuple[int | None, int | None]] = []
    for text in ranges or ["*"]:
        text = str(text).strip()
        if text in ("*", "0-65535"):
            result.append((None, None))
        elif "-" in text:
            low, high = text.split("-", 1)
            result.append((int(low), int(high)))
        else:
            result.append((int(text), int(text)))
    return result


def _peers(rule: Mapping[str, Any], side: str) -> list[str]:
    peers = list(rule.get(f"{side}AddressPrefixes") or [])
    if rule.get(f"{side}AddressPrefix"):
        peers.append(rule[f"{side}AddressPrefix"])
    groups = rule.get(f"{side}ApplicationSecurityGroups") or []
    peers += [str(g["id"]) for g in groups if isinstance(g, Mapping) and g.get("id")]
    return ["0.0.0.0/0" if str(p).lower() in _ANY_SOURCE else str(p) for p in peers or ["*"]]


def _covers(deny: Mapping[str, Any], allow: Mapping[str, Any]) -> bool:
    if deny["protocol"] not in ("all", allow["protocol"]):
        return False
    if deny["source"] not in ("0.0.0.0/0", allow["source"]):
        return False
    if deny["from_port"] is None:
        return True
    if allow["from_port"] is None:
        return False
    return bool(deny["from_port"] <= allow["from_port"] and allow["to_port"] <= deny["to_port"])


def ingress_rules(rules: Iterable[Mapping[str, Any]], direction: str) -> list[dict[str, Any]]:
    """The Allow rules of one direction ('Inbound'/'Outbound') in the shared shape."""
    port_side, peer_side = "destination", "source" if direction == "Inbound" else "destination"
    entries: list[tuple[int, str, dict[str, Any]]] = []
    for rule in rules:
        props = rule.get("properties", rule)
        if str(props.get("direction", "")).lower() != direction.lower():
            continue
        protocol = str(props.get("protocol") or "*").lower()
        for low, high in _ports(props, port_side):
            for peer in _peers(props, peer_side):
                entry = {
                    "protocol": _PROTOCOLS.get(protocol, protocol),
                    "from_port": low,
                    "to_port": high,
                    "source": peer,
                }
                entries.append((int(props.get("priority", 65500)), str(props["access"]), entry))
    entries.sort(key=lambda e: e[0])
    allowed: list[dict[str, Any]] = []
    for index, (_, access, entry) in enumerate(entries):
        if access.lower() != "allow":
            continue
        denied = any(a.lower() == "deny" and _covers(e, entry) for _, a, e in entries[:index])
        if not denied:
            allowed.append(entry)
    return allowed


def normalise_security_group(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    rules = [*(props.get("securityRules") or []), *(props.get("defaultSecurityRules") or [])]
    attached = bool(props.get("networkInterfaces") or props.get("subnets"))
    return azure_resource(
        ctx,
        raw,
        type_="network.security_group",
        native_type=NSG,
        properties={
            "ingress": ingress_rules(rules, "Inbound"),
            "egress": ingress_rules(rules, "Outbound"),
            "network": None,  # an NSG attaches to subnets and NICs, not to a network
            "attached": attached,
        },
    )


def normalise_public_ip(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    config = (props.get("ipConfiguration") or {}).get("id")
    attached = enrichment(raw).get("attachedTo") or (parent_id(config) if config else None)
    return azure_resource(
        ctx,
        raw,
        type_="network.public_ip",
        native_type=PUBLIC_IP,
        properties={"address": props.get("ipAddress"), "attached_to": attached},
    )


def _subnet_network(subnet_id: str | None) -> str | None:
    return parent_id(subnet_id) if subnet_id else None


def normalise_interface(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    configs = [c.get("properties") or {} for c in props.get("ipConfigurations") or []]
    subnets = [(c.get("subnet") or {}).get("id") for c in configs]
    nsg = (props.get("networkSecurityGroup") or {}).get("id")
    return azure_resource(
        ctx,
        raw,
        type_="network.interface",
        native_type=NIC,
        properties={
            "network": next((_subnet_network(s) for s in subnets if s), None),
            "addresses": [c["privateIPAddress"] for c in configs if c.get("privateIPAddress")],
            "attached_to": (props.get("virtualMachine") or {}).get("id"),
            "security_groups": [nsg] if nsg else [],
        },
    )


def normalise_network(raw: Raw, ctx: AzureContext) -> Resource:
    props = raw.get("properties") or {}
    return azure_resource(
        ctx,
        raw,
        type_="network.network",
        native_type=VNET,
        properties={
            "cidr_blocks": list((props.get("addressSpace") or {}).get("addressPrefixes") or []),
            "default": False,  # Azure creates no default virtual network
        },
    )


def normalise_subnet(raw: Raw, ctx: AzureContext) -> Resource:
    """A subnet, yielded by fetch from its network's `properties.subnets`."""
    props = raw.get("properties") or {}
    prefixes = [props["addressPrefix"]] if props.get("addressPrefix") else []
    prefixes += list(props.get("addressPrefixes") or [])
    cidr = str(prefixes[0]) if prefixes else ""
    return azure_resource(
        ctx,
        raw,
        type_="network.subnet",
        native_type=SUBNET,
        properties={
            "cidr": cidr,
            "network": parent_id(str(raw["id"])),
            "ip_version": 6 if ":" in cidr else 4,
        },
    )
