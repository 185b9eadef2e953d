"""Builders of Azure payloads in their documented shapes: the common row, network, compute.

Each builder adds a Resource Graph row to a subscription (the ARM resource with
Resource Graph's lower-case `type`, `subscriptionId`, `resourceGroup`, `tenantId`) and,
where Azure keeps settings in ARM children Resource Graph does not hold, those children
at their ARM paths. Property names follow the ARM REST API reference of each type.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.azure.fake.tenant import FakeSubscription, Row

__all__ = [
    "disk",
    "generic",
    "location",
    "nic",
    "nsg",
    "public_ip",
    "rule",
    "vm",
    "vnet",
]

_VNET = "Microsoft.Network/virtualNetworks"


def location(name: str, display: str, *, paired: str | None = None, logical: bool = False) -> Row:
    """One entry of `GET /subscriptions/{id}/locations`."""
    metadata: Row = {
        "regionType": "Logical" if logical else "Physical",
        "regionCategory": "Recommended",
    }
    if paired:
        metadata["pairedRegion"] = [{"name": paired, "id": f"/locations/{paired}"}]
    return {
        "id": f"/locations/{name}",
        "name": name,
        "type": "Region",
        "displayName": display,
        "regionalDisplayName": f"(Europe) {display}",
        "metadata": metadata,
    }


def generic(
    sub: FakeSubscription,
    rg: str,
    type_: str,
    name: str,
    where: str,
    properties: Row | None = None,
    *,
    tags: dict[str, str] | None = None,
    **extra: Any,
) -> Row:
    """Any resource: `type_` as ARM writes it ('Microsoft.Compute/disks')."""
    rid = f"/subscriptions/{sub.id}/resourceGroups/{rg}/providers/{type_}/{name}"
    row: Row = {
        "id": rid,
        "name": name,
        "type": type_.lower(),
        "tenantId": sub.tenant,
        "kind": "",
        "location": where,
        "resourceGroup": rg,
        "subscriptionId": sub.id,
        "managedBy": "",
        "sku": None,
        "plan": None,
        "properties": properties or {},
        "tags": tags or {},
        "identity": None,
        "zones": None,
        "extendedLocation": None,
        **extra,
    }
    sub.resources.append(row)
    return row


def rule(
    name: str,
    priority: int,
    access: str,
    ports: str | list[str],
    source: str | list[str],
    *,
    protocol: str = "Tcp",
    direction: str = "Inbound",
) -> Row:
    """One NSG security rule."""
    props: Row = {
        "protocol": protocol,
        "sourcePortRange": "*",
        "access": access,
        "priority": priority,
        "direction": direction,
        "destinationAddressPrefix": "*",
    }
    if isinstance(ports, list):
        props["destinationPortRanges"] = ports
    else:
        props["destinationPortRange"] = ports
    if isinstance(source, list):
        props["sourceAddressPrefixes"] = source
    else:
        props["sourceAddressPrefix"] = source
    return {"name": name, "properties": props}


_DEFAULT_RULES = [
    rule("AllowVnetInBound", 65000, "Allow", "*", "VirtualNetwork", protocol="*"),
    rule("AllowAzureLoadBalancerInBound", 65001, "Allow", "*", "AzureLoadBalancer", protocol="*"),
    rule("DenyAllInBound", 65500, "Deny", "*", "*", protocol="*"),
    rule(
        "AllowInternetOutBound", 65001, "Allow", "*", "Internet", protocol="*", direction="Outbound"
    ),
]


def nsg(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    rules: list[Row],
    *,
    attached: tuple[str, ...] = (),
    **extra: Any,
) -> Row:
    props = {
        "securityRules": rules,
        "defaultSecurityRules": _DEFAULT_RULES,
        "networkInterfaces": [{"id": i} for i in attached],
    }
    return generic(sub, rg, "Microsoft.Network/networkSecurityGroups", name, where, props, **extra)


def vnet(
    sub: FakeSubscription, rg: str, name: str, where: str, cidr: str, subnets: dict[str, str]
) -> Row:
    base = f"/subscriptions/{sub.id}/resourceGroups/{rg}/providers/{_VNET}/{name}"
    props = {
        "addressSpace": {"addressPrefixes": [cidr]},
        "subnets": [
            {"id": f"{base}/subnets/{s}", "name": s, "properties": {"addressPrefix": prefix}}
            for s, prefix in subnets.items()
        ],
    }
    return generic(sub, rg, "Microsoft.Network/virtualNetworks", name, where, props)


def public_ip(
    sub: FakeSubscription, rg: str, name: str, where: str, address: str, nic_id: str | None = None
) -> Row:
    props: Row = {"ipAddress": address, "publicIPAllocationMethod": "Static"}
    if nic_id:
        props["ipConfiguration"] = {"id": f"{nic_id}/ipConfigurations/ipconfig1"}
    return generic(sub, rg, "Microsoft.Network/publicIPAddresses", name, where, props)


def nic(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    subnet_id: str,
    private_ip: str,
    *,
    vm_id: str | None = None,
    pip_id: str | None = None,
    nsg_id: str | None = None,
) -> Row:
    config: Row = {"privateIPAddress": private_ip, "subnet": {"id": subnet_id}}
    if pip_id:
        config["publicIPAddress"] = {"id": pip_id}
    props: Row = {"ipConfigurations": [{"name": "ipconfig1", "properties": config}]}
    if vm_id:
        props["virtualMachine"] = {"id": vm_id}
    if nsg_id:
        props["networkSecurityGroup"] = {"id": nsg_id}
    return generic(sub, rg, "Microsoft.Network/networkInterfaces", name, where, props)


def vm(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    nic_ids: list[str],
    *,
    size: str = "Standard_D2s_v5",
    power: str = "running",
    **extra: Any,
) -> Row:
    props = {
        "vmId": f"{abs(hash(name)) % 10**8:08d}-0000-4000-8000-000000000000",
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {
            "imageReference": {
                "publisher": "Canonical",
                "offer": "ubuntu-24_04-lts",
                "sku": "server",
                "version": "latest",
            },
            "osDisk": {"osType": "Linux", "name": f"{name}-os"},
        },
        "networkProfile": {"networkInterfaces": [{"id": i} for i in nic_ids]},
        "extended": {"instanceView": {"powerState": {"code": f"PowerState/{power}"}}},
        "timeCreated": "2026-03-02T10:00:00.0000000Z",
    }
    return generic(sub, rg, "Microsoft.Compute/virtualMachines", name, where, props, **extra)


def disk(
    sub: FakeSubscription,
    rg: str,
    name: str,
    where: str,
    *,
    size_gb: int = 64,
    vm_id: str | None = None,
    des_id: str | None = None,
    **extra: Any,
) -> Row:
    encryption = (
        {"type": "EncryptionAtRestWithCustomerKey", "diskEncryptionSetId": des_id}
        if des_id
        else {"type": "EncryptionAtRestWithPlatformKey"}
    )
    props = {
        "diskSizeGB": size_gb,
        "diskState": "Attached" if vm_id else "Unattached",
        "encryption": encryption,
        "timeCreated": "2026-03-02T10:00:00.0000000Z",
    }
    return generic(
        sub, rg, "Microsoft.Compute/disks", name, where, props, managedBy=vm_id or "", **extra
    )
