"""The bulk collector: every Resource Graph row not read by a detail collector.

One query (`resources`, minus storage accounts, SQL and key vaults, which their own
collectors read with ARM details) streams the subscription's resources; each row is
normalised by the module of its type, and any type without one stays in the inventory
as `other` (its `raw` keeps the row for rules that need a native field).

Joins happen in `fetch`, in memory, without extra calls: VMs, public IPs and flexible
servers are held back until the stream ends, then yielded with what other rows say
about them (a VM's public IPs and NSGs through its NICs, the VM a public IP is attached
to, a server's read replicas). A virtual network's subnets are yielded as rows of their
own. Everything else is yielded as it arrives, so memory holds only the held-back rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudcensus.providers.azure import compute, databases, network
from cloudcensus.providers.azure.graph import type_query
from cloudcensus.providers.azure.keyvault import VAULT_TYPES
from cloudcensus.providers.azure.resource import AzureContext, Raw, azure_resource, parent_id
from cloudcensus.providers.azure.spec import AzureCollector, Sources
from cloudcensus.providers.azure.sql import SQL_TYPES
from cloudcensus.providers.azure.storage import STORAGE_TYPES
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "NORMALISERS", "fetch_resources", "normalise_resource"]

Normaliser = Callable[[Raw, AzureContext], Resource]

NORMALISERS: dict[str, Normaliser] = {
    compute.VM.lower(): compute.normalise_vm,
    compute.DISK.lower(): compute.normalise_disk,
    compute.SNAPSHOT.lower(): compute.normalise_snapshot,
    compute.AKS.lower(): compute.normalise_cluster,
    compute.SITE.lower(): compute.normalise_app,
    network.NSG.lower(): network.normalise_security_group,
    network.PUBLIC_IP.lower(): network.normalise_public_ip,
    network.NIC.lower(): network.normalise_interface,
    network.VNET.lower(): network.normalise_network,
    network.SUBNET.lower(): network.normalise_subnet,
    **{kind: databases.normalise_flexible_server for kind in databases.ENGINES},
}

QUERY = type_query(exclude=(*STORAGE_TYPES, *SQL_TYPES, *VAULT_TYPES))
_VM = compute.VM.lower()
_PIP = network.PUBLIC_IP.lower()
_NIC = network.NIC.lower()
_VNET = network.VNET.lower()


@dataclass
class _Joins:
    """What rows say about other rows, collected while streaming."""

    held: list[Raw] = field(default_factory=list)  # VMs, public IPs, flexible servers
    nic_vm: dict[str, str] = field(default_factory=dict)
    vm_nics: dict[str, list[Raw]] = field(default_factory=dict)
    pip_address: dict[str, str | None] = field(default_factory=dict)
    replicas: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def see(self, row: Raw, kind: str) -> None:
        props = row.get("properties") or {}
        if kind == _NIC:
            vm = (props.get("virtualMachine") or {}).get("id")
            if vm:
                self.nic_vm[str(row["id"]).lower()] = str(vm)
                self.vm_nics.setdefault(str(vm).lower(), []).append(row)
        elif kind == _PIP:
            self.pip_address[str(row["id"]).lower()] = props.get("ipAddress")
        elif kind in databases.ENGINES and props.get("sourceServerResourceId"):
            source = str(props["sourceServerResourceId"]).lower()
            copy = {"id": row["id"], "location": row.get("location")}
            self.replicas.setdefault(source, []).append(copy)

    def vm_extra(self, vm: Raw) -> dict[str, Any]:
        ips: list[str] = []
        groups: list[str] = []
        networks: list[str] = []
        for nic in self.vm_nics.get(str(vm["id"]).lower(), []):
            props = nic.get("properties") or {}
            nsg = (props.get("networkSecurityGroup") or {}).get("id")
            groups += [nsg] if nsg else []
            for config in props.get("ipConfigurations") or []:
                cprops = config.get("properties") or {}
                pip = (cprops.get("publicIPAddress") or {}).get("id")
                address = self.pip_address.get(str(pip).lower()) if pip else None
                ips += [address] if address else []
                subnet = (cprops.get("subnet") or {}).get("id")
                networks += [parent_id(str(subnet))] if subnet else []
        return {"publicIps": ips, "securityGroups": groups, "network": next(iter(networks), None)}

    def pip_extra(self, pip: Raw) -> dict[str, Any]:
        config = ((pip.get("properties") or {}).get("ipConfiguration") or {}).get("id")
        if not config:
            return {"attachedTo": None}
        owner = parent_id(str(config))
        return {"attachedTo": self.nic_vm.get(owner.lower(), owner)}


def _subnets(vnet: Raw) -> Iterator[Raw]:
    for subnet in (vnet.get("properties") or {}).get("subnets") or []:
        yield {
            **subnet,
            "type": network.SUBNET,
            "location": vnet.get("location"),
            "subscriptionId": vnet.get("subscriptionId"),
            "tags": None,
        }


def fetch_resources(sources: Sources, ctx: AzureContext) -> Iterator[Raw]:
    """Every row of the bulk query; VMs, public IPs and flexible servers last, joined."""
    joins = _Joins()
    for row in sources.rows(QUERY):
        kind = str(row.get("type", "")).lower()
        joins.see(row, kind)
        if kind in (_VM, _PIP) or kind in databases.ENGINES:
            joins.held.append(row)
            continue
        yield row
        if kind == _VNET:
            yield from _subnets(row)
    for row in joins.held:
        kind = str(row["type"]).lower()
        if kind == _VM:
            extra = joins.vm_extra(row)
        elif kind == _PIP:
            extra = joins.pip_extra(row)
        else:
            extra = {"replicas": joins.replicas.get(str(row["id"]).lower(), [])}
        row.setdefault("cloudcensus", {}).update(extra)
        yield row


def normalise_resource(raw: Raw, ctx: AzureContext) -> Resource:
    """The modelled normaliser of the row's type, else an `other` resource."""
    normalise = NORMALISERS.get(str(raw["type"]).lower())
    if normalise is not None:
        return normalise(raw, ctx)
    return azure_resource(ctx, raw, type_="other", native_type=str(raw["type"]), properties={})


COLLECTORS = (AzureCollector("graph.resources", fetch_resources, normalise_resource),)
