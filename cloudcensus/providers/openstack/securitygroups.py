"""Neutron security groups -> `network.security_group`, rules in the shared ingress shape.

A Neutron rule allows traffic in one `direction` for one `ethertype`. Its source is
`remote_ip_prefix`; when that is null and no remote group is named, the rule admits
every address of its ethertype (`0.0.0.0/0` for IPv4, `::/0` for IPv6). A rule naming a
remote group admits that group's members: kept as source `sg:<group id>` (and a remote
address group as `ag:<id>`), so it is visible but never mistaken for the internet. A
null protocol is every protocol (`all`, ports null); ICMP's "ports" are its type and
code, so they are null too; protocol numbers are named (6 tcp, 17 udp, 1 and 58 icmp).

`attached` says whether a port of the project uses the group: `fetch` reads the ports'
security groups once per region (only those two fields), and leaves it `null` when the
ports cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openstack.exceptions import ForbiddenException

from cloudcensus.providers.openstack.resource import (
    ENRICHED,
    created_at,
    enriched,
    openstack_resource,
    owned,
    tag_dict,
)
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_security_groups", "neutron_rules", "normalise_security_group"]

Raw = dict[str, Any]
_PROTOCOLS = {
    "6": "tcp",
    "17": "udp",
    "1": "icmp",
    "58": "icmp",
    "icmpv6": "icmp",
    "ipv6-icmp": "icmp",
    "any": "all",
}
_EVERYWHERE = {"IPv4": "0.0.0.0/0", "IPv6": "::/0"}


def _source(rule: Raw) -> str | None:
    if rule.get("remote_ip_prefix"):
        return str(rule["remote_ip_prefix"])
    if rule.get("remote_group_id"):
        return f"sg:{rule['remote_group_id']}"
    if rule.get("remote_address_group_id"):
        return f"ag:{rule['remote_address_group_id']}"
    return _EVERYWHERE.get(str(rule.get("ethertype") or "IPv4"))


def neutron_rules(rules: list[Raw], direction: str) -> list[dict[str, Any]]:
    """The rules of one direction in the shared shape (see the module doc)."""
    shaped: list[dict[str, Any]] = []
    for rule in rules:
        if rule.get("direction") != direction:
            continue
        code = rule.get("protocol")
        protocol = "all" if code is None else _PROTOCOLS.get(str(code).lower(), str(code).lower())
        from_port = to_port = None
        if protocol in ("tcp", "udp"):
            from_port, to_port = rule.get("port_range_min"), rule.get("port_range_max")
            if from_port is not None and to_port is None:
                to_port = from_port
        source = _source(rule)
        if source is None:
            raise ValueError(f"rule {rule.get('id')}: unknown ethertype {rule.get('ethertype')!r}")
        shaped.append(
            {"protocol": protocol, "from_port": from_port, "to_port": to_port, "source": source}
        )
    return shaped


def fetch_security_groups(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    api = apis("network")
    used: set[str] = set()
    readable = True
    try:
        for port in api.linked("/ports", "ports", {"fields": ["id", "security_groups"]}):
            used.update(str(g) for g in port.get("security_groups") or [])
    except ForbiddenException:
        readable = False
    for group in api.linked("/security-groups", "security_groups"):
        attached = str(group.get("id")) in used if readable else None
        yield {**group, ENRICHED: {"attached": attached}}


def normalise_security_group(raw: Raw, ctx: OpenStackContext) -> Resource | None:
    if not owned(raw, ctx.project):
        return None
    rules = list(raw.get("security_group_rules") or [])
    return openstack_resource(
        ctx,
        type_="network.security_group",
        native_type="OS::Neutron::SecurityGroup",
        kind="security-group",
        native_id=str(raw["id"]),
        raw=raw,
        tags=tag_dict(None, raw.get("tags")),
        name=raw.get("name"),
        created=created_at(raw.get("created_at")),
        properties={
            "ingress": neutron_rules(rules, "ingress"),
            "egress": neutron_rules(rules, "egress"),
            "network": None,  # Neutron groups belong to the project, not to a network
            "attached": enriched(raw).get("attached"),
        },
    )


COLLECTORS = (
    OpenStackCollector(
        "neutron.security_groups",
        "network",
        fetch_security_groups,
        normalise_security_group,
        ("OS::Neutron::SecurityGroup",),
    ),
)
