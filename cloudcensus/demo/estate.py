"""A small, realistic AWS organisation built with boto3 against moto, for the demo and tests.

Three accounts (the management account and two members created with Organizations
CreateAccount, reached through `OrganizationAccountAccessRole`), three regions (two in
the EU, `us-east-1` outside it), and a mix of compliant and non-compliant resources
touching every rule of the `baseline` and `sovereignty` packs. `build_estate` returns
the account ids; `change_estate` makes the changes the demo's second scan shows as drift.

Seeding uses ONE client thread: moto answers concurrent writes with HTTP 500.
Every name starts with `cc-demo-` so explanations can select resources by glob.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import boto3

from cloudcensus.demo.motoserver import FAKE_AWS_ENV
from cloudcensus.providers.aws.session import S3CONTROL_SIGN_EVENT, unprefix_ip_host

__all__ = ["DEMO_REGIONS", "HOME_REGION", "ROLE_NAME", "Estate", "build_estate", "change_estate"]

HOME_REGION = "eu-west-1"
DEMO_REGIONS: tuple[str, ...] = ("eu-west-1", "eu-central-1", "us-east-1")
ROLE_NAME = "OrganizationAccountAccessRole"
#: An image id of the documented shape. The emulator does not validate image ids (unless
#: MOTO_ENABLE_AMI_VALIDATION is set) and is started without its stock images.
_IMAGE = "ami-03cf127a"
_ALL_TAGS = {"owner": "platform@example.org", "cost-centre": "CC-1042"}
_BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
_GUARDRAIL = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyOutsideEU",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}
            },
        }
    ],
}


@dataclass(frozen=True)
class Estate:
    """Account ids of the demo organisation."""

    management: str
    production: str
    development: str

    @property
    def accounts(self) -> tuple[str, str, str]:
        return (self.management, self.production, self.development)


class _Account:
    """boto3 clients for one account of the emulator (one thread, created on demand).

    Clients are `Any`: the seeding calls are checked by running them against the
    emulator (every demo test does), and the stubs' TypedDicts only add noise here.
    """

    def __init__(self, endpoint: str, key_id: str, secret: str, token: str) -> None:
        session = boto3.Session(
            aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token
        )
        self._new_client = cast(Callable[..., Any], session.client)
        self._endpoint = endpoint
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str = HOME_REGION) -> Any:
        client = self._clients.get((service, region))
        if client is None:
            client = self._new_client(service, region_name=region, endpoint_url=self._endpoint)
            if service == "s3control":  # routed to the emulator as the provider does
                client.meta.events.register(S3CONTROL_SIGN_EVENT, unprefix_ip_host)
            self._clients[service, region] = client
        return client


def _tags(classification: str | None, **extra: str) -> dict[str, str]:
    tags = dict(_ALL_TAGS)
    if classification is not None:
        tags["data-classification"] = classification
    return {**tags, **extra}


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _management_session(endpoint: str) -> _Account:
    env = FAKE_AWS_ENV
    return _Account(
        endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]
    )


def _member(endpoint: str, management: _Account, account_id: str) -> _Account:
    answer = management.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE_NAME}", RoleSessionName="cc-demo-seed"
    )
    creds = answer["Credentials"]
    return _Account(endpoint, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def _organisation(management: _Account) -> tuple[str, str]:
    """The organisation, two member accounts, and the region guardrail on production."""
    org = management.client("organizations")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for name in ("production", "development"):
        status = org.create_account(Email=f"{name}@example.org", AccountName=f"cc-demo-{name}")
        ids.append(status["CreateAccountStatus"]["AccountId"])
    policy = org.create_policy(
        Name="cc-demo-deny-outside-eu",
        Description="Region guardrail: EU regions only",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(_GUARDRAIL),
    )
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=ids[0])
    return ids[0], ids[1]


def _bucket(
    account: _Account,
    name: str,
    region: str,
    tags: dict[str, str] | None,
    *,
    encrypted: bool = True,
    blocked: bool = True,
) -> None:
    s3 = account.client("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tag_list(tags)})
    if encrypted:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={"Rules": [rule]},
        )
    if blocked:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration=_BLOCK_ALL,
        )


def _trail(account: _Account, name: str) -> None:
    """A multi-region trail that is logging, with its log bucket."""
    bucket = f"{name}-logs"
    _bucket(account, bucket, HOME_REGION, _tags("internal"))
    trails = account.client("cloudtrail")
    trails.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=True)
    trails.start_logging(Name=name)


def _identities(account: _Account) -> None:
    """Console users with and without MFA, an active key, a role, customer keys."""
    iam = account.client("iam")
    for user, mfa in (("cc-demo-alice", True), ("cc-demo-bob", False)):
        iam.create_user(UserName=user, Tags=_tag_list(_tags(None)))
        iam.create_login_profile(UserName=user, Password="Demo-Only-Pa55word!")  # noqa: S106
        if mfa:
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)
            iam.enable_mfa_device(
                UserName=user,
                SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )
    iam.create_user(UserName="cc-demo-ci-deploy", Tags=_tag_list(_tags(None)))
    iam.create_access_key(UserName="cc-demo-ci-deploy")
    kms = account.client("kms")
    rotating = kms.create_key(Description="cc-demo rotating key", Tags=_kms_tags("internal"))
    kms.enable_key_rotation(KeyId=rotating["KeyMetadata"]["KeyId"])
    kms.create_key(Description="cc-demo key without rotation", Tags=_kms_tags("internal"))


def _kms_tags(classification: str) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in _tags(classification).items()]


def _network(ec2: Any) -> tuple[str, str]:
    """A security group open on SSH to the internet, and one open on HTTPS only."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    groups = []
    for name, port in (("cc-demo-ssh-open", 22), ("cc-demo-web", 443)):
        group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc["VpcId"])[
            "GroupId"
        ]
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        )
        groups.append(group)
    return groups[0], groups[1]


def _compute(ec2: Any, web_group: str) -> None:
    """A bastion with a public IP (explained in the demo), volumes with and without
    encryption."""
    ec2.run_instances(
        ImageId=_IMAGE,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        NetworkInterfaces=[
            {"DeviceIndex": 0, "AssociatePublicIpAddress": True, "Groups": [web_group]}
        ],
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": _tag_list(_tags("internal", Name="cc-demo-bastion", app="bastion")),
            }
        ],
    )
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    for name, encrypted, classification in (
        ("cc-demo-data", True, "sensitive"),
        ("cc-demo-scratch", False, None),
    ):
        tags = _tags(classification, Name=name) if classification else {"Name": name}
        ec2.create_volume(
            AvailabilityZone=zone,
            Size=8,
            Encrypted=encrypted,
            TagSpecifications=[{"ResourceType": "volume", "Tags": _tag_list(tags)}],
        )


def _databases(account: _Account, region: str) -> None:
    """A public, unencrypted database without backups, and a compliant one."""
    rds = account.client("rds", region)
    for name, public, encrypted, backups in (
        ("cc-demo-public-db", True, False, 0),
        ("cc-demo-orders-db", False, True, 7),
    ):
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            MasterUsername="demo",
            MasterUserPassword="Demo-Only-Pa55word",
            AllocatedStorage=20,
            PubliclyAccessible=public,
            StorageEncrypted=encrypted,
            BackupRetentionPeriod=backups,
            Tags=_tag_list(_tags("internal")),
        )


def _production_storage(account: _Account) -> None:
    """Buckets: a compliant one, a public one, one replicating outside the EU, and one
    in us-east-1 carrying a legal classification marking."""
    s3 = account.client("s3")
    _bucket(account, "cc-demo-prod-documents", HOME_REGION, _tags("internal"))
    _bucket(account, "cc-demo-prod-website", HOME_REGION, _tags("public"), blocked=False)
    s3.put_bucket_acl(Bucket="cc-demo-prod-website", ACL="public-read")
    _bucket(account, "cc-demo-prod-archive", "us-east-1", _tags("RESTREINT"))
    _bucket(account, "cc-demo-prod-records", HOME_REGION, _tags("sensitive"))
    for name in ("cc-demo-prod-records", "cc-demo-prod-archive"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(
        Bucket="cc-demo-prod-records",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{_account_id(account)}:role/cc-demo-replication",
            "Rules": [
                {
                    "ID": "to-archive",
                    "Status": "Enabled",
                    "Prefix": "",
                    "Destination": {"Bucket": "arn:aws:s3:::cc-demo-prod-archive"},
                }
            ],
        },
    )


def _development(account: _Account) -> None:
    """Account-level public access block, untagged and mis-tagged resources, a table."""
    account.client("s3control").put_public_access_block(
        AccountId=_account_id(account),
        PublicAccessBlockConfiguration=_BLOCK_ALL,
    )
    _bucket(account, "cc-demo-dev-sandbox", "eu-central-1", None, encrypted=False, blocked=False)
    _bucket(account, "cc-demo-dev-exports", "eu-central-1", _tags("top-secret-ish"))
    account.client("dynamodb", "eu-central-1").create_table(
        TableName="cc-demo-sessions",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=_tag_list(_tags("sensitive")),
    )
    ec2 = account.client("ec2", "eu-central-1")
    _network(ec2)
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    ec2.create_volume(AvailabilityZone=zone, Size=4, Encrypted=False)


def _account_id(account: _Account) -> str:
    answer: str = account.client("sts").get_caller_identity()["Account"]
    return answer


def build_estate(endpoint: str) -> Estate:
    """Seed the demo organisation into the emulator at `endpoint`; return its accounts.

    The management account is the caller of moto's default credentials. It holds the
    organisation, a multi-region trail and identities; `production` holds most of the
    data (EU and us-east-1), with no trail; `development` has a trail, an account-level
    public access block and loosely tagged resources.
    """
    management = _management_session(endpoint)
    production_id, development_id = _organisation(management)
    _trail(management, "cc-demo-org-trail")
    _identities(management)
    production = _member(endpoint, management, production_id)
    _production_storage(production)
    _, web = _network(production.client("ec2", "eu-central-1"))
    _compute(production.client("ec2", "eu-central-1"), web)
    _databases(production, "eu-central-1")
    _identities(production)
    development = _member(endpoint, management, development_id)
    _trail(development, "cc-demo-dev-trail")
    _development(development)
    return Estate(_account_id(management), production_id, development_id)


def change_estate(endpoint: str, estate: Estate) -> None:
    """What changed between the demo's two scans: the public website bucket is locked
    down, a scratch volume is deleted, and a new unencrypted volume appears."""
    management = _management_session(endpoint)
    production = _member(endpoint, management, estate.production)
    s3 = production.client("s3")
    s3.put_bucket_acl(Bucket="cc-demo-prod-website", ACL="private")
    s3.put_public_access_block(
        Bucket="cc-demo-prod-website",
        PublicAccessBlockConfiguration=_BLOCK_ALL,
    )
    ec2 = production.client("ec2", "eu-central-1")
    scratch = ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": ["cc-demo-scratch"]}])
    for volume in scratch["Volumes"]:
        ec2.delete_volume(VolumeId=volume["VolumeId"])
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    ec2.create_volume(
        AvailabilityZone=zone,
        Size=16,
        Encrypted=False,
        TagSpecifications=[
            {"ResourceType": "volume", "Tags": _tag_list(_tags("internal", Name="cc-demo-new"))}
        ],
    )
