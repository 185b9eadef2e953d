"""Builders of OSC API items in the documented shapes (osc-sdk-python's OpenAPI schemas:
Vm, Volume, Snapshot, Image, SecurityGroup, PublicIp, LoadBalancer, Net, AccessKey,
User, Account). Ids follow OUTSCALE's prefixes (`i-`, `vol-`, `snap-`, `ami-`, `sg-`,
`eipalloc-`, `vpc-`) and are derived from a readable name, so an estate is the same on
every run. Timestamps are ISO-8601 UTC with milliseconds, as the API writes them.
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = [
    "CREATED",
    "access_key",
    "account_info",
    "api_log",
    "image",
    "load_balancer",
    "net",
    "osc_id",
    "public_ip",
    "security_group",
    "sg_rule",
    "snapshot",
    "user",
    "vm",
    "volume",
]

Item = dict[str, Any]
CREATED = "2025-03-01T09:00:00.000Z"


def osc_id(prefix: str, name: str) -> str:
    """`i-1a2b3c4d`: an OUTSCALE-style id, stable for a readable name."""
    return f"{prefix}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _tags(tags: dict[str, str] | None) -> list[Item]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


def vm(
    name: str,
    account: str,
    region: str,
    *,
    public_ip: str | None = None,
    security_groups: list[str] | None = None,
    state: str = "running",
    tags: dict[str, str] | None = None,
) -> Item:
    vm_id = osc_id("i", name)
    nics: list[Item] = [
        {
            "NicId": osc_id("eni", name),
            "AccountId": account,
            "State": "in-use",
            "LinkPublicIp": {"PublicIp": public_ip, "PublicIpAccountId": account}
            if public_ip
            else None,
            "SecurityGroups": [],
            "PrivateIps": [],
        }
    ]
    return {
        "VmId": vm_id,
        "VmType": "tinav6.c2r4p2",
        "State": state,
        "ImageId": osc_id("ami", "base"),
        "CreationDate": CREATED,
        "PublicIp": public_ip,
        "PrivateIp": "10.0.1.10",
        "Placement": {"SubregionName": f"{region}a", "Tenancy": "default"},
        "SecurityGroups": [
            {"SecurityGroupId": g, "SecurityGroupName": g} for g in security_groups or []
        ],
        "Nics": nics,
        "NetId": None,
        "SubnetId": None,
        "Architecture": "x86_64",
        "BlockDeviceMappings": [],
        "Tags": _tags({"Name": name, **(tags or {})}),
        "ReservationId": osc_id("r", name),
        "RootDeviceType": "ebs",
        "DeletionProtection": False,
    }


def volume(
    name: str,
    region: str,
    *,
    size_gb: int = 10,
    vm_id: str | None = None,
    tags: dict[str, str] | None = None,
) -> Item:
    volume_id = osc_id("vol", name)
    links = (
        []
        if vm_id is None
        else [
            {
                "VmId": vm_id,
                "VolumeId": volume_id,
                "DeviceName": "/dev/sdb",
                "State": "attached",
                "DeleteOnVmDeletion": False,
            }
        ]
    )
    return {
        "VolumeId": volume_id,
        "VolumeType": "gp2",
        "Size": size_gb,
        "Iops": 100,
        "State": "in-use" if vm_id else "available",
        "SubregionName": f"{region}a",
        "CreationDate": CREATED,
        "LinkedVolumes": links,
        "SnapshotId": None,
        "Tags": _tags({"Name": name, **(tags or {})}),
    }


def snapshot(
    name: str,
    account: str,
    *,
    volume_id: str,
    public: bool = False,
    tags: dict[str, str] | None = None,
) -> Item:
    return {
        "SnapshotId": osc_id("snap", name),
        "AccountId": account,
        "VolumeId": volume_id,
        "VolumeSize": 10,
        "State": "completed",
        "Progress": 100,
        "Description": name,
        "CreationDate": CREATED,
        "Tags": _tags(tags),
        "PermissionsToCreateVolume": {"GlobalPermission": public, "AccountIds": []},
    }


def image(name: str, account: str) -> Item:
    return {
        "ImageId": osc_id("ami", name),
        "ImageName": name,
        "AccountId": account,
        "State": "available",
        "ImageType": "machine",
        "CreationDate": CREATED,
        "Architecture": "x86_64",
        "RootDeviceType": "bsu",
        "Tags": [],
        "PermissionsToLaunch": {"GlobalPermission": False, "AccountIds": []},
    }


def sg_rule(cidrs: list[str], *, port: int | None = None, protocol: str = "tcp") -> Item:
    return {
        "IpProtocol": protocol,
        "FromPortRange": port if port is not None else -1,
        "ToPortRange": port if port is not None else -1,
        "IpRanges": cidrs,
        "SecurityGroupsMembers": [],
        "ServiceIds": [],
    }


def security_group(name: str, account: str, *, inbound: list[Item] | None = None) -> Item:
    return {
        "SecurityGroupId": osc_id("sg", name),
        "SecurityGroupName": name,
        "AccountId": account,
        "Description": name,
        "NetId": None,
        "InboundRules": inbound or [],
        "OutboundRules": [sg_rule(["0.0.0.0/0"], protocol="-1")],
        "Tags": [],
    }


def public_ip(name: str, address: str, *, vm_id: str | None = None) -> Item:
    return {
        "PublicIpId": osc_id("eipalloc", name),
        "PublicIp": address,
        "VmId": vm_id,
        "NicId": None,
        "LinkPublicIpId": osc_id("eipassoc", name) if vm_id else None,
        "PrivateIp": "10.0.1.10" if vm_id else None,
        "Tags": [],
    }


def load_balancer(
    name: str, region: str, *, internet_facing: bool, security_groups: list[str] | None = None
) -> Item:
    return {
        "LoadBalancerName": name,
        "LoadBalancerType": "internet-facing" if internet_facing else "internal",
        "DnsName": f"{name}.{region}.lbu.outscale.com",
        "SubregionNames": [f"{region}a"],
        "Listeners": [
            {
                "BackendPort": 80,
                "BackendProtocol": "HTTP",
                "LoadBalancerPort": 443,
                "LoadBalancerProtocol": "HTTPS",
            }
        ],
        "SecurityGroups": security_groups or [],
        "BackendVmIds": [],
        "Subnets": [],
        "State": "active",
        "Tags": [],
    }


def net(name: str, cidr: str) -> Item:
    return {
        "NetId": osc_id("vpc", name),
        "IpRange": cidr,
        "State": "available",
        "DhcpOptionsSetId": osc_id("dopt", name),
        "Tenancy": "default",
        "Tags": [{"Key": "Name", "Value": name}],
    }


def access_key(
    access: str,
    *,
    created: str = CREATED,
    state: str = "ACTIVE",
    expires: str | None = None,
    tag: str | None = None,
) -> Item:
    item: Item = {
        "AccessKeyId": access,
        "State": state,
        "CreationDate": created,
        "LastModificationDate": created,
    }
    if expires:
        item["ExpirationDate"] = expires
    if tag:
        item["Tag"] = tag
    return item


def user(name: str) -> Item:
    return {
        "UserName": name,
        "UserId": osc_id("user", name),
        "Path": "/",
        "CreationDate": CREATED,
        "LastModificationDate": CREATED,
        "UserEmail": f"{name}@example.org",
        "OutscaleLoginAllowed": False,
    }


def account_info(account: str, company: str) -> Item:
    """`ReadAccounts`'s account, with the contact details the provider must drop."""
    return {
        "AccountId": account,
        "CustomerId": account[-6:],
        "CompanyName": company,
        "Country": "France",
        "Email": "admin@example.org",
        "FirstName": "Camille",
        "LastName": "Martin",
        "MobileNumber": "+33600000000",
        "City": "Paris",
        "ZipCode": "75001",
        "OutscaleLoginAllowed": True,
    }


def api_log(account: str, access: str, call: str = "ReadVms") -> Item:
    """A `ReadApiLogs` record, with the caller's details the provider must drop."""
    return {
        "AccountId": account,
        "CallDuration": 42,
        "QueryAccessKey": access,
        "QueryApiName": "oapi",
        "QueryApiVersion": "1.35",
        "QueryCallName": call,
        "QueryDate": "2026-03-01T08:59:00.000Z",
        "QueryHeaderRaw": "Host: api.eu-west-2.outscale.com\nAuthorization: OSC4-HMAC-SHA256 ...",
        "QueryHeaderSize": 512,
        "QueryIpAddress": "198.51.100.7",
        "QueryPayloadRaw": "{}",
        "QueryPayloadSize": 2,
        "QueryUserAgent": "osc-cli",
        "RequestId": f"req-{account}-{call}",
        "ResponseSize": 1024,
        "ResponseStatusCode": 200,
    }
