"""A small AWS organisation seeded into moto, the same for every provider test.

Management account 123456789012 (moto's default) with two member accounts reached by
AssumeRole, three regions (two in the EU, one in the US) and, per collector, one
resource that complies and one that does not. Seeded with one client thread: moto
answers HTTP 500 to concurrent writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

__all__ = ["REGIONS", "Estate", "build_estate"]

REGIONS = ("eu-west-1", "eu-central-1", "us-east-1")
MANAGEMENT = "123456789012"
IMAGE = "ami-0a1b2c3d4e5f60718"  # moto does not validate image ids by default


@dataclass
class Estate:
    organization_id: str
    prod: str  # member account ids
    dev: str
    root_policy: str
    ou_policy: str
    ids: dict[str, str] = field(default_factory=dict)  # label -> resource id


def _guardrail(regions: list[str]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyOutsideAllowedRegions",
                    "Effect": "Deny",
                    "NotAction": ["iam:*", "organizations:*", "sts:*"],
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:RequestedRegion": regions}},
                }
            ],
        }
    )


def _member_session(management: boto3.Session, account: str) -> boto3.Session:
    sts = management.client("sts", region_name="eu-west-1")
    arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="seed")["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _scp(org: Any, name: str, regions: list[str]) -> str:
    policy = org.create_policy(
        Content=_guardrail(regions), Description=name, Name=name, Type="SERVICE_CONTROL_POLICY"
    )
    policy_id: str = policy["Policy"]["PolicySummary"]["Id"]
    return policy_id


def _organization(session: boto3.Session) -> Estate:
    org = session.client("organizations", region_name="us-east-1")
    organization_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    prod = org.create_account(AccountName="prod", Email="prod@example.org")
    dev = org.create_account(AccountName="dev", Email="dev@example.org")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="eu-only")["OrganizationalUnit"]
    prod_id = prod["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=prod_id, SourceParentId=root, DestinationParentId=ou["Id"])
    root_policy = _scp(org, "eu", ["eu-west-1", "eu-central-1"])
    ou_policy = _scp(org, "ie", ["eu-west-1"])
    org.attach_policy(PolicyId=root_policy, TargetId=root)
    org.attach_policy(PolicyId=ou_policy, TargetId=ou["Id"])
    return Estate(
        organization_id=organization_id,
        prod=prod_id,
        dev=dev["CreateAccountStatus"]["AccountId"],
        root_policy=root_policy,
        ou_policy=ou_policy,
    )


def _compute(session: boto3.Session, estate: Estate, region: str) -> None:
    """An instance with a public IP (Elastic IP), an encrypted and a plain volume, a
    public snapshot, an open and a closed security group."""
    ec2 = session.client("ec2", region_name=region)
    kms = session.client("kms", region_name=region)
    key = kms.create_key(Description="ebs")["KeyMetadata"]["Arn"]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "core"}])
    open_sg = ec2.create_security_group(GroupName="open", Description="ssh")["GroupId"]
    closed = ec2.create_security_group(GroupName="closed", Description="none", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=open_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    instance = ec2.run_instances(
        ImageId=IMAGE,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SecurityGroupIds=[open_sg],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )["Instances"][0]["InstanceId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=eip, InstanceId=instance)
    zone = f"{region}a"
    sealed = ec2.create_volume(AvailabilityZone=zone, Size=8, Encrypted=True, KmsKeyId=key)
    plain = ec2.create_volume(AvailabilityZone=zone, Size=4)
    snapshot = ec2.create_snapshot(VolumeId=plain["VolumeId"])["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=snapshot,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    estate.ids.update(
        {
            f"{region}:instance": instance,
            f"{region}:eip": eip,
            f"{region}:sealed": sealed["VolumeId"],
            f"{region}:plain": plain["VolumeId"],
            f"{region}:snapshot": snapshot,
            f"{region}:open_sg": open_sg,
            f"{region}:closed_sg": closed["GroupId"],
            f"{region}:vpc": vpc,
            f"{region}:key": key,
        }
    )


def _bucket(s3: Any, name: str, region: str) -> None:
    if region == "us-east-1":  # S3's original region takes no location constraint
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def _data(session: boto3.Session, estate: Estate, home: str, away: str) -> None:
    """Buckets (one replicated to another country, one public) and RDS instances
    (one encrypted with a cross-region replica, one public and unencrypted)."""
    tag = estate.prod if home == "eu-west-1" else estate.dev
    kms = session.client("kms", region_name=home)
    key = kms.create_key(Description="s3")["KeyMetadata"]["Arn"]
    s3 = session.client("s3", region_name=home)
    main, copy, open_ = f"data-{tag}", f"replica-{tag}", f"public-{tag}"
    away_s3 = session.client("s3", region_name=away)
    _bucket(s3, main, home)
    _bucket(away_s3, copy, away)
    _bucket(away_s3, open_, away)
    s3.put_bucket_versioning(Bucket=main, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=main,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    }
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket=main,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_replication(
        Bucket=main,
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{tag}:role/replication",
            "Rules": [
                {
                    "ID": "all",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{copy}"},
                }
            ],
        },
    )
    away_s3.put_bucket_acl(Bucket=open_, ACL="public-read")
    rds = session.client("rds", region_name=home)
    rds.create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        MultiAZ=True,
        PubliclyAccessible=False,
    )
    arn = rds.describe_db_instances(DBInstanceIdentifier="orders")["DBInstances"][0]
    session.client("rds", region_name=away).create_db_instance_read_replica(
        DBInstanceIdentifier="orders-replica",
        SourceDBInstanceIdentifier=arn["DBInstanceArn"],
        DBInstanceClass="db.t3.micro",
    )
    session.client("rds", region_name=away).create_db_instance(
        DBInstanceIdentifier="scratch",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        BackupRetentionPeriod=0,
        PubliclyAccessible=True,
    )
    estate.ids.update({f"{tag}:bucket": main, f"{tag}:replica": copy, f"{tag}:public": open_})


def build_estate(endpoint_reset: Any) -> Estate:
    """Reset moto and seed the organisation; `endpoint_reset` wipes moto's state."""
    endpoint_reset()
    management = boto3.Session(region_name="eu-west-1")
    estate = _organization(management)
    prod = _member_session(management, estate.prod)
    _compute(prod, estate, "eu-west-1")
    _data(prod, estate, "eu-west-1", "us-east-1")
    _data(_member_session(management, estate.dev), estate, "eu-central-1", "eu-west-1")
    return estate
