"""OSC API collectors for networking: security groups, public IPs, load balancers, Nets.

Security group rules are in the shared ingress shape: one entry per (port range, CIDR)
of `InboundRules` (`OutboundRules` for egress); IP protocol `-1` is `all` (ports null),
and rules admitting other security groups (`SecurityGroupsMembers`) rather than address
ranges are not internet exposure and are left out. Whether a group is attached to a VM
or NIC is not in its payload: unknown. A load balancer is public when its
`LoadBalancerType` is `internet-facing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.outscale.resource import osc_resource, tag_dict
from cloudcensus.providers.outscale.spec import OutscaleClients, OutscaleCollector, OutscaleContext
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "COLLECTORS",
    "ingress_rules",
    "normalise_load_balancer",
    "normalise_net",
    "normalise_public_ip",
    "normalise_security_group",
]

Raw = dict[str, Any]

_PROTOCOLS = {
    "-1": "all",
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "6": "tcp",
    "17": "udp",
    "1": "icmp",
}


def fetch_security_groups(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    yield from clients.osc.pages("ReadSecurityGroups", "SecurityGroups")


def fetch_public_ips(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    yield from clients.osc.pages("ReadPublicIps", "PublicIps")


def fetch_load_balancers(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    yield from clients.osc.call("ReadLoadBalancers").get("LoadBalancers") or []


def fetch_nets(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    yield from clients.osc.pages("ReadNets", "Nets")


def ingress_rules(rules: list[Raw] | None) -> list[dict[str, Any]]:
    """OSC security group rules as the shared ingress shape."""
    result = []
    for rule in rules or []:
        protocol = _PROTOCOLS.get(str(rule.get("IpProtocol", "-1")).lower(), "all")
        low, high = rule.get("FromPortRange"), rule.get("ToPortRange")
        if protocol in ("all", "icmp") or low in (None, -1):
            low = high = None
        for cidr in rule.get("IpRanges") or []:
            result.append({"protocol": protocol, "from_port": low, "to_port": high, "source": cidr})
    return result


def normalise_security_group(raw: Raw, ctx: OutscaleContext) -> Resource:
    return osc_resource(
        ctx,
        type_="network.security_group",
        native_type="osc.SecurityGroup",
        id_=ctx.urn("security-group", raw["SecurityGroupId"]),
        raw=raw,
        tags=tag_dict(raw.get("Tags")),
        name=raw.get("SecurityGroupName"),
        properties={
            "ingress": ingress_rules(raw.get("InboundRules")),
            "egress": ingress_rules(raw.get("OutboundRules")),
            "network": raw.get("NetId"),
            "attached": None,
        },
    )


def normalise_public_ip(raw: Raw, ctx: OutscaleContext) -> Resource:
    return osc_resource(
        ctx,
        type_="network.public_ip",
        native_type="osc.PublicIp",
        id_=ctx.urn("public-ip", raw["PublicIpId"]),
        raw=raw,
        tags=tag_dict(raw.get("Tags")),
        name=raw.get("PublicIp"),
        properties={
            "address": raw.get("PublicIp"),
            "attached_to": raw.get("VmId") or raw.get("NicId") or raw.get("NatServiceId"),
        },
    )


def normalise_load_balancer(raw: Raw, ctx: OutscaleContext) -> Resource:
    scheme = raw.get("LoadBalancerType")
    return osc_resource(
        ctx,
        type_="network.load_balancer",
        native_type="osc.LoadBalancer",
        id_=ctx.urn("load-balancer", raw["LoadBalancerName"]),
        raw=raw,
        tags=tag_dict(raw.get("Tags")),
        name=raw["LoadBalancerName"],
        properties={
            "public": scheme == "internet-facing",
            "scheme": scheme,
            "kind": "classic",  # LBU balances at layer 4 and 7 behind one listener model
            "security_groups": list(raw.get("SecurityGroups") or []),
        },
    )


def normalise_net(raw: Raw, ctx: OutscaleContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    return osc_resource(
        ctx,
        type_="network.network",
        native_type="osc.Net",
        id_=ctx.urn("net", raw["NetId"]),
        raw=raw,
        tags=tags,
        name=tags.get("Name") or raw["NetId"],
        properties={
            "cidr_blocks": [raw["IpRange"]] if raw.get("IpRange") else [],
            "default": False,  # OUTSCALE creates no default Net
        },
    )


COLLECTORS: tuple[OutscaleCollector, ...] = (
    OutscaleCollector("osc.security_groups", fetch_security_groups, normalise_security_group),
    OutscaleCollector("osc.public_ips", fetch_public_ips, normalise_public_ip),
    OutscaleCollector("osc.load_balancers", fetch_load_balancers, normalise_load_balancer),
    OutscaleCollector("osc.nets", fetch_nets, normalise_net),
)
