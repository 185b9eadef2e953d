"""Instance security groups (per zone), each with its rules.

A Scaleway security group has a default policy per direction (`accept` or `drop`) and
ordered rules that `accept` or `drop` traffic. The shared ingress shape lists what is
let in: every `accept` rule, plus, when the default inbound policy is `accept`, an
implicit rule admitting everything from anywhere (`0.0.0.0/0` and `::/0`), because that
is what such a group does with traffic no rule matches. `drop` rules are not subtracted
(their order relative to accepts is not modelled): exposure may be over-reported, never
hidden. Raw payload: the group as listed, plus `rules` from its rules listing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.scaleway.resource import scw_id, scw_resource, tag_dict
from cloudcensus.providers.scaleway.spec import ScalewayClients, ScalewayCollector, ScalewayContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_security_groups", "normalise_security_group", "rules_of"]

Raw = dict[str, Any]

_PROTOCOLS = {"TCP": "tcp", "UDP": "udp", "ICMP": "icmp", "ANY": "all"}
_ANYWHERE = ("0.0.0.0/0", "::/0")


def fetch_security_groups(clients: ScalewayClients, ctx: ScalewayContext) -> Iterator[Raw]:
    base = f"/instance/v1/zones/{ctx.location}/security_groups"
    groups = clients.api.pages(base, "security_groups", {"project": ctx.project}, style="per_page")
    for group in groups:
        if not isinstance(group, dict) or "id" not in group:
            yield group  # normalise records it as malformed
            continue
        rules = clients.api.pages(f"{base}/{group['id']}/rules", "rules", style="per_page")
        yield {**group, "rules": list(rules)}


def _rule(rule: Raw) -> dict[str, Any]:
    protocol = _PROTOCOLS.get(str(rule.get("protocol", "ANY")).upper(), "all")
    low, high = rule.get("dest_port_from"), rule.get("dest_port_to")
    if protocol in ("all", "icmp") or low is None:
        low = high = None
    elif high is None:
        high = low
    return {"protocol": protocol, "from_port": low, "to_port": high, "source": rule["ip_range"]}


def rules_of(raw: Raw, direction: str) -> list[dict[str, Any]]:
    """The accepted traffic of one direction ('inbound' or 'outbound') in the shared shape."""
    rules = [
        _rule(r)
        for r in raw.get("rules") or []
        if r.get("direction") == direction and r.get("action") == "accept"
    ]
    if raw.get(f"{direction}_default_policy") == "accept":
        rules += [
            {"protocol": "all", "from_port": None, "to_port": None, "source": cidr}
            for cidr in _ANYWHERE
        ]
    return rules


def normalise_security_group(raw: Raw, ctx: ScalewayContext) -> Resource:
    servers = raw.get("servers")
    return scw_resource(
        ctx,
        type_="network.security_group",
        native_type="instance.security_group",
        id_=scw_id(ctx.location, "instance_security_group", raw["id"]),
        raw=raw,
        tags=tag_dict(raw.get("tags")),
        name=raw.get("name"),
        created=raw.get("creation_date"),
        properties={
            "ingress": rules_of(raw, "inbound"),
            "egress": rules_of(raw, "outbound"),
            "network": None,
            "attached": None if servers is None else bool(servers),
        },
    )


COLLECTORS: tuple[ScalewayCollector, ...] = (
    ScalewayCollector(
        "instance.security_groups", "zone", fetch_security_groups, normalise_security_group
    ),
)
