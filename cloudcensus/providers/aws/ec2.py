"""EC2 collectors: instances, EBS volumes and snapshots, security groups, VPCs, Elastic IPs.

Each `fetch_*` only calls EC2 (and KMS, to learn whether a volume's key is the
customer's) and yields one raw payload per resource; each `normalise_*` is pure.
Enrichments that are not in the EC2 payload are added to the raw under their own keys:
`KeyManager` (KMS), `CreateVolumePermissions` (snapshots), `Attached` (security groups),
and `Errors` ({call: AWS error code}) when such a call was refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code, is_access_denied
from cloudcensus.providers.aws.resource import (
    aws_resource,
    encryption,
    key_managers,
    name_tag,
    tag_dict,
)
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "COLLECTORS",
    "ingress_rules",
    "normalise_address",
    "normalise_instance",
    "normalise_security_group",
    "normalise_snapshot",
    "normalise_volume",
    "normalise_vpc",
]

Raw = dict[str, Any]

_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmp", "icmpv6": "icmp"}


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[Raw]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def _with_key_managers(
    clients: ClientFactory, ctx: AwsContext, items: Iterator[Raw]
) -> Iterator[Raw]:
    """Adds `KeyManager` to encrypted items, asking KMS once per distinct key."""
    kms = clients("kms", ctx.region)
    known: dict[str, str | None] = {}
    for item in items:
        key_id = item.get("KmsKeyId")
        if key_id and key_id not in known:
            known = key_managers(kms, [key_id], known)
        yield {**item, "KeyManager": known.get(key_id) if key_id else None}


# -- instances ---------------------------------------------------------------------------


def fetch_instances(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    for reservation in _pages(clients("ec2", ctx.region), "describe_instances", "Reservations"):
        yield from reservation.get("Instances", [])


def normalise_instance(raw: Raw, ctx: AwsContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    ips = {raw.get("PublicIpAddress")}
    ips |= {
        (ni.get("Association") or {}).get("PublicIp") for ni in raw.get("NetworkInterfaces", [])
    }
    public_ips = sorted(ip for ip in ips if ip)
    return aws_resource(
        ctx,
        type_="compute.instance",
        native_type="AWS::EC2::Instance",
        id_=ctx.arn("ec2", f"instance/{raw['InstanceId']}"),
        raw=raw,
        tags=tags,
        name=name_tag(tags),
        created=raw.get("LaunchTime"),
        properties={
            "state": (raw.get("State") or {}).get("Name"),
            "instance_type": raw.get("InstanceType"),
            "image": raw.get("ImageId"),
            "public_ips": public_ips,
            "public": bool(public_ips),
            "security_groups": [g["GroupId"] for g in raw.get("SecurityGroups", [])],
            "network": raw.get("VpcId"),
        },
    )


# -- volumes and snapshots ---------------------------------------------------------------


def fetch_volumes(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    volumes = _pages(clients("ec2", ctx.region), "describe_volumes", "Volumes")
    yield from _with_key_managers(clients, ctx, volumes)


def normalise_volume(raw: Raw, ctx: AwsContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    return aws_resource(
        ctx,
        type_="storage.volume",
        native_type="AWS::EC2::Volume",
        id_=ctx.arn("ec2", f"volume/{raw['VolumeId']}"),
        raw=raw,
        tags=tags,
        name=name_tag(tags),
        created=raw.get("CreateTime"),
        properties={
            **encryption(raw.get("Encrypted"), raw.get("KmsKeyId"), raw.get("KeyManager")),
            "size_gb": raw.get("Size"),
            "state": raw.get("State"),
            "attached_to": [
                a["InstanceId"] for a in raw.get("Attachments", []) if "InstanceId" in a
            ],
        },
    )


def fetch_snapshots(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    """The account's own snapshots (not public ones of others), with who may restore them."""
    ec2 = clients("ec2", ctx.region)
    # OwnerIds=["self"] is the documented way; the owner-id filter and the check below
    # keep other owners' snapshots out where an endpoint ignores it (emulators).
    owner = [{"Name": "owner-id", "Values": [ctx.account]}]
    snapshots = _pages(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"], Filters=owner)
    own = (s for s in snapshots if s.get("OwnerId") in (None, ctx.account))
    for snapshot in _with_key_managers(clients, ctx, own):
        try:
            answer = ec2.describe_snapshot_attribute(
                Attribute="createVolumePermission", SnapshotId=snapshot["SnapshotId"]
            )
        except ClientError as exc:
            code = error_code(exc)
            if not is_access_denied(code):
                raise
            errors = {"DescribeSnapshotAttribute": code}
            yield {**snapshot, "CreateVolumePermissions": None, "Errors": errors}
            continue
        yield {**snapshot, "CreateVolumePermissions": answer.get("CreateVolumePermissions", [])}


def normalise_snapshot(raw: Raw, ctx: AwsContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    permissions = raw.get("CreateVolumePermissions")
    public = None if permissions is None else any(p.get("Group") == "all" for p in permissions)
    return aws_resource(
        ctx,
        type_="storage.snapshot",
        native_type="AWS::EC2::Snapshot",
        # EC2 snapshot ARNs carry no account id.
        id_=f"arn:{ctx.partition}:ec2:{ctx.region}::snapshot/{raw['SnapshotId']}",
        raw=raw,
        tags=tags,
        name=name_tag(tags),
        created=raw.get("StartTime"),
        properties={
            **encryption(raw.get("Encrypted"), raw.get("KmsKeyId"), raw.get("KeyManager")),
            "public": public,
            "source_volume": raw.get("VolumeId"),
        },
    )


# -- security groups ---------------------------------------------------------------------


def _used_group_ids(ec2: Any) -> set[str] | None:
    """Group ids attached to any network interface; None when ENIs may not be listed."""
    try:
        interfaces = list(_pages(ec2, "describe_network_interfaces", "NetworkInterfaces"))
    except ClientError as exc:
        if is_access_denied(error_code(exc)):
            return None
        raise
    return {g["GroupId"] for eni in interfaces for g in eni.get("Groups", [])}


def fetch_security_groups(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    ec2 = clients("ec2", ctx.region)
    used = _used_group_ids(ec2)
    for group in _pages(ec2, "describe_security_groups", "SecurityGroups"):
        attached = None if used is None else group["GroupId"] in used
        yield {**group, "Attached": attached}


def ingress_rules(permissions: list[Raw]) -> list[dict[str, Any]]:
    """EC2 IpPermissions -> one rule per (port range, CIDR), IPv4 and IPv6.

    Protocol '-1' is 'all' with null ports; ICMP types are not ports (null too).
    Rules naming security groups or prefix lists stay in `raw` only: they have no CIDR.
    """
    rules: list[dict[str, Any]] = []
    for permission in permissions:
        protocol_code = str(permission.get("IpProtocol", "-1")).lower()
        protocol = _PROTOCOLS.get(protocol_code, protocol_code)
        from_port = to_port = None
        if protocol in ("tcp", "udp"):
            from_port, to_port = permission.get("FromPort"), permission.get("ToPort")
        sources = [r["CidrIp"] for r in permission.get("IpRanges", []) if "CidrIp" in r]
        sources += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if "CidrIpv6" in r]
        rules.extend(
            {"protocol": protocol, "from_port": from_port, "to_port": to_port, "source": source}
            for source in sources
        )
    return rules


def normalise_security_group(raw: Raw, ctx: AwsContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    return aws_resource(
        ctx,
        type_="network.security_group",
        native_type="AWS::EC2::SecurityGroup",
        id_=ctx.arn("ec2", f"security-group/{raw['GroupId']}"),
        raw=raw,
        tags=tags,
        name=raw.get("GroupName") or name_tag(tags),
        properties={
            "ingress": ingress_rules(raw.get("IpPermissions", [])),
            "egress": ingress_rules(raw.get("IpPermissionsEgress", [])),
            "network": raw.get("VpcId"),
            "attached": raw.get("Attached"),
        },
    )


# -- networks and addresses --------------------------------------------------------------


def fetch_vpcs(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    yield from _pages(clients("ec2", ctx.region), "describe_vpcs", "Vpcs")


def normalise_vpc(raw: Raw, ctx: AwsContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    live = {"associated", "associating", None}
    blocks = [
        a["CidrBlock"]
        for a in raw.get("CidrBlockAssociationSet", [])
        if (a.get("CidrBlockState") or {}).get("State") in live
    ] or ([raw["CidrBlock"]] if raw.get("CidrBlock") else [])
    blocks += [
        a["Ipv6CidrBlock"]
        for a in raw.get("Ipv6CidrBlockAssociationSet", [])
        if (a.get("Ipv6CidrBlockState") or {}).get("State") in live and a.get("Ipv6CidrBlock")
    ]
    return aws_resource(
        ctx,
        type_="network.network",
        native_type="AWS::EC2::VPC",
        id_=ctx.arn("ec2", f"vpc/{raw['VpcId']}"),
        raw=raw,
        tags=tags,
        name=name_tag(tags),
        properties={"cidr_blocks": blocks, "default": bool(raw.get("IsDefault"))},
    )


def fetch_addresses(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    """Elastic IPs (DescribeAddresses is not paginated)."""
    yield from clients("ec2", ctx.region).describe_addresses().get("Addresses", [])


def normalise_address(raw: Raw, ctx: AwsContext) -> Resource:
    tags = tag_dict(raw.get("Tags"))
    allocation = raw.get("AllocationId") or raw["PublicIp"]
    return aws_resource(
        ctx,
        type_="network.public_ip",
        native_type="AWS::EC2::EIP",
        id_=ctx.arn("ec2", f"elastic-ip/{allocation}"),
        raw=raw,
        tags=tags,
        name=name_tag(tags),
        properties={
            "address": raw.get("PublicIp"),
            "attached_to": raw.get("InstanceId") or raw.get("NetworkInterfaceId"),
        },
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector("ec2.instances", fetch_instances, normalise_instance, ("AWS::EC2::Instance",)),
    AwsCollector("ec2.volumes", fetch_volumes, normalise_volume, ("AWS::EC2::Volume",)),
    AwsCollector("ec2.snapshots", fetch_snapshots, normalise_snapshot, ("AWS::EC2::Snapshot",)),
    AwsCollector(
        "ec2.security_groups",
        fetch_security_groups,
        normalise_security_group,
        ("AWS::EC2::SecurityGroup",),
    ),
    AwsCollector("ec2.vpcs", fetch_vpcs, normalise_vpc, ("AWS::EC2::VPC",)),
    AwsCollector("ec2.addresses", fetch_addresses, normalise_address, ("AWS::EC2::EIP",)),
)
