"""The sweep that makes the inventory complete: every ARN no other collector models.

Per Region, the Resource Groups Tagging API (GetResources) lists what is or was tagged;
where the account has a Resource Explorer index covering the Region (a LOCAL index in it,
or an AGGREGATOR anywhere) with a default view, ListResources adds what was never
tagged. An ARN seen through both is yielded once, with the Tagging API's tags. No index,
or no default view, means Resource Explorer is not in use: it is skipped, not an error.
Each ARN whose type another collector models is dropped by `normalise`; the rest become
`other` resources, so the inventory holds everything even where no rule looks.

Ownership across Region tasks: a task keeps only ARNs of its own Region, and global ARNs
(empty Region field: IAM policies, CloudFront distributions, ...) only in the account's
home Region, so each resource is reported by exactly one task.

`ARN_TYPES` is the one place that maps an ARN's (service, resource type) to a
CloudFormation type name; the modelled set comes from the other collectors'
`native_types` (see `sweep_collectors`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = [
    "ARN_TYPES",
    "COLLECTOR_NAME",
    "Arn",
    "fetch_tagged",
    "native_type_of",
    "normalise_tagged",
    "parse_arn",
    "sweep_collectors",
]

COLLECTOR_NAME = "tagging.resources"
_EXPLORER = "resource-explorer-2"
_TAGGING = "resourcegroupstaggingapi"
_DELIMITER = re.compile(r"[:/]")
_BARE = ""  # resource type of ARNs whose resource part is only a name (S3, SQS, SNS)

_V2 = "AWS::ElasticLoadBalancingV2::"
#: (ARN service, ARN resource type) -> CloudFormation type. Two-segment types
#: ("loadbalancer/app") win over one-segment ones; `_BARE` is a resource without a type.
ARN_TYPES: dict[tuple[str, str], str] = {
    ("acm", "certificate"): "AWS::CertificateManager::Certificate",
    ("apigateway", "restapis"): "AWS::ApiGateway::RestApi",
    ("apigateway", "apis"): "AWS::ApiGatewayV2::Api",
    ("backup", "backup-plan"): "AWS::Backup::BackupPlan",
    ("backup", "backup-vault"): "AWS::Backup::BackupVault",
    ("cloudformation", "stack"): "AWS::CloudFormation::Stack",
    ("cloudfront", "distribution"): "AWS::CloudFront::Distribution",
    ("cloudtrail", "trail"): "AWS::CloudTrail::Trail",
    ("cloudwatch", "alarm"): "AWS::CloudWatch::Alarm",
    ("codebuild", "project"): "AWS::CodeBuild::Project",
    ("codecommit", _BARE): "AWS::CodeCommit::Repository",
    ("cognito-idp", "userpool"): "AWS::Cognito::UserPool",
    ("dynamodb", "table"): "AWS::DynamoDB::Table",
    ("ec2", "capacity-reservation"): "AWS::EC2::CapacityReservation",
    ("ec2", "customer-gateway"): "AWS::EC2::CustomerGateway",
    ("ec2", "dhcp-options"): "AWS::EC2::DHCPOptions",
    ("ec2", "elastic-ip"): "AWS::EC2::EIP",
    ("ec2", "flow-log"): "AWS::EC2::FlowLog",
    ("ec2", "instance"): "AWS::EC2::Instance",
    ("ec2", "internet-gateway"): "AWS::EC2::InternetGateway",
    ("ec2", "key-pair"): "AWS::EC2::KeyPair",
    ("ec2", "launch-template"): "AWS::EC2::LaunchTemplate",
    ("ec2", "natgateway"): "AWS::EC2::NatGateway",
    ("ec2", "network-acl"): "AWS::EC2::NetworkAcl",
    ("ec2", "network-interface"): "AWS::EC2::NetworkInterface",
    ("ec2", "placement-group"): "AWS::EC2::PlacementGroup",
    ("ec2", "prefix-list"): "AWS::EC2::PrefixList",
    ("ec2", "route-table"): "AWS::EC2::RouteTable",
    ("ec2", "security-group"): "AWS::EC2::SecurityGroup",
    ("ec2", "snapshot"): "AWS::EC2::Snapshot",
    ("ec2", "subnet"): "AWS::EC2::Subnet",
    ("ec2", "transit-gateway"): "AWS::EC2::TransitGateway",
    ("ec2", "volume"): "AWS::EC2::Volume",
    ("ec2", "vpc"): "AWS::EC2::VPC",
    ("ec2", "vpc-endpoint"): "AWS::EC2::VPCEndpoint",
    ("ec2", "vpc-peering-connection"): "AWS::EC2::VPCPeeringConnection",
    ("ec2", "vpn-connection"): "AWS::EC2::VPNConnection",
    ("ec2", "vpn-gateway"): "AWS::EC2::VPNGateway",
    ("ecr", "repository"): "AWS::ECR::Repository",
    ("ecs", "cluster"): "AWS::ECS::Cluster",
    ("ecs", "service"): "AWS::ECS::Service",
    ("ecs", "task-definition"): "AWS::ECS::TaskDefinition",
    ("eks", "addon"): "AWS::EKS::Addon",
    ("eks", "cluster"): "AWS::EKS::Cluster",
    ("eks", "fargateprofile"): "AWS::EKS::FargateProfile",
    ("eks", "nodegroup"): "AWS::EKS::Nodegroup",
    ("elasticache", "cluster"): "AWS::ElastiCache::CacheCluster",
    ("elasticache", "replicationgroup"): "AWS::ElastiCache::ReplicationGroup",
    ("elasticfilesystem", "access-point"): "AWS::EFS::AccessPoint",
    ("elasticfilesystem", "file-system"): "AWS::EFS::FileSystem",
    ("elasticloadbalancing", "listener-rule/app"): f"{_V2}ListenerRule",
    ("elasticloadbalancing", "listener-rule/net"): f"{_V2}ListenerRule",
    ("elasticloadbalancing", "listener/app"): f"{_V2}Listener",
    ("elasticloadbalancing", "listener/gwy"): f"{_V2}Listener",
    ("elasticloadbalancing", "listener/net"): f"{_V2}Listener",
    ("elasticloadbalancing", "loadbalancer"): "AWS::ElasticLoadBalancing::LoadBalancer",
    ("elasticloadbalancing", "loadbalancer/app"): f"{_V2}LoadBalancer",
    ("elasticloadbalancing", "loadbalancer/gwy"): f"{_V2}LoadBalancer",
    ("elasticloadbalancing", "loadbalancer/net"): f"{_V2}LoadBalancer",
    ("elasticloadbalancing", "targetgroup"): f"{_V2}TargetGroup",
    ("es", "domain"): "AWS::OpenSearchService::Domain",
    ("events", "event-bus"): "AWS::Events::EventBus",
    ("events", "rule"): "AWS::Events::Rule",
    ("firehose", "deliverystream"): "AWS::KinesisFirehose::DeliveryStream",
    ("glue", "crawler"): "AWS::Glue::Crawler",
    ("glue", "database"): "AWS::Glue::Database",
    ("glue", "job"): "AWS::Glue::Job",
    ("iam", "group"): "AWS::IAM::Group",
    ("iam", "instance-profile"): "AWS::IAM::InstanceProfile",
    ("iam", "oidc-provider"): "AWS::IAM::OIDCProvider",
    ("iam", "policy"): "AWS::IAM::ManagedPolicy",
    ("iam", "role"): "AWS::IAM::Role",
    ("iam", "saml-provider"): "AWS::IAM::SAMLProvider",
    ("iam", "server-certificate"): "AWS::IAM::ServerCertificate",
    ("iam", "user"): "AWS::IAM::User",
    ("kafka", "cluster"): "AWS::MSK::Cluster",
    ("kinesis", "stream"): "AWS::Kinesis::Stream",
    ("kms", "alias"): "AWS::KMS::Alias",
    ("kms", "key"): "AWS::KMS::Key",
    ("lambda", "event-source-mapping"): "AWS::Lambda::EventSourceMapping",
    ("lambda", "function"): "AWS::Lambda::Function",
    ("lambda", "layer"): "AWS::Lambda::LayerVersion",
    ("logs", "log-group"): "AWS::Logs::LogGroup",
    ("rds", "cluster"): "AWS::RDS::DBCluster",
    ("rds", "cluster-pg"): "AWS::RDS::DBClusterParameterGroup",
    ("rds", "db"): "AWS::RDS::DBInstance",
    ("rds", "db-proxy"): "AWS::RDS::DBProxy",
    ("rds", "es"): "AWS::RDS::EventSubscription",
    ("rds", "og"): "AWS::RDS::OptionGroup",
    ("rds", "pg"): "AWS::RDS::DBParameterGroup",
    ("rds", "subgrp"): "AWS::RDS::DBSubnetGroup",
    ("redshift", "cluster"): "AWS::Redshift::Cluster",
    ("route53", "healthcheck"): "AWS::Route53::HealthCheck",
    ("route53", "hostedzone"): "AWS::Route53::HostedZone",
    ("s3", _BARE): "AWS::S3::Bucket",
    ("s3", "accesspoint"): "AWS::S3::AccessPoint",
    ("sagemaker", "endpoint"): "AWS::SageMaker::Endpoint",
    ("sagemaker", "model"): "AWS::SageMaker::Model",
    ("sagemaker", "notebook-instance"): "AWS::SageMaker::NotebookInstance",
    ("secretsmanager", "secret"): "AWS::SecretsManager::Secret",
    ("sns", _BARE): "AWS::SNS::Topic",
    ("sqs", _BARE): "AWS::SQS::Queue",
    ("ssm", "document"): "AWS::SSM::Document",
    ("ssm", "parameter"): "AWS::SSM::Parameter",
    ("states", "activity"): "AWS::StepFunctions::Activity",
    ("states", "stateMachine"): "AWS::StepFunctions::StateMachine",
    ("wafv2", "global/webacl"): "AWS::WAFv2::WebACL",
    ("wafv2", "regional/webacl"): "AWS::WAFv2::WebACL",
}
_BARE_SERVICES = frozenset(service for service, kind in ARN_TYPES if kind == _BARE)


@dataclass(frozen=True)
class Arn:
    """The parts of an ARN the sweep needs. `resource_type` is `""` for bare names."""

    partition: str
    service: str
    region: str
    account: str
    resource_type: str
    resource_id: str


def _split_resource(service: str, resource: str) -> tuple[str, str]:
    """(type, id) of an ARN's resource part, e.g. 'log-group:/a/b' -> ('log-group', '/a/b')."""
    body = resource.lstrip("/")  # API Gateway writes '/restapis/abc'
    parts = _DELIMITER.split(body, maxsplit=2)
    if len(parts) == 3 and (service, f"{parts[0]}/{parts[1]}") in ARN_TYPES:
        return f"{parts[0]}/{parts[1]}", parts[2]
    bare = service in _BARE_SERVICES and (service, parts[0]) not in ARN_TYPES
    if len(parts) == 1 or bare:
        return _BARE, body
    return parts[0], body[len(parts[0]) + 1 :]


def parse_arn(arn: str) -> Arn | None:
    """The parts of `arn`, or None when it is not an ARN."""
    fields = arn.split(":", 5)
    if len(fields) != 6 or fields[0] != "arn" or not fields[2] or not fields[5]:
        return None
    kind, ident = _split_resource(fields[2], fields[5])
    return Arn(fields[1], fields[2], fields[3], fields[4], kind, ident)


def native_type_of(arn: Arn) -> str:
    """CloudFormation type of an ARN, else `aws:<service>:<resource type>` (or
    `aws:<service>` for a bare name of an unknown service)."""
    known = ARN_TYPES.get((arn.service, arn.resource_type))
    if known is not None:
        return known
    if arn.resource_type:
        return f"aws:{arn.service}:{arn.resource_type}"
    return f"aws:{arn.service}"


def _owned(arn: str, ctx: AwsContext) -> bool:
    """True when this Region's task reports `arn` (see the module docstring)."""
    parsed = parse_arn(arn)
    if parsed is None:
        return False
    if not parsed.region:
        return ctx.region == ctx.home_region
    return parsed.region == ctx.region


def _tagged(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    tagging = client_factory(_TAGGING, ctx.region)
    for page in tagging.get_paginator("get_resources").paginate(ResourcesPerPage=100):
        for item in page["ResourceTagMappingList"]:
            yield {
                "ResourceARN": item["ResourceARN"],
                "Tags": item.get("Tags") or [],
                "Source": "tagging",
            }


def _explorer_view(client_factory: ClientFactory, ctx: AwsContext) -> tuple[Any, str] | None:
    """(client, default view ARN) of the index that covers `ctx.region`, or None."""
    explorer = client_factory(_EXPLORER, ctx.region)
    indexes = [
        index
        for page in explorer.get_paginator("list_indexes").paginate()
        for index in page["Indexes"]
    ]
    local = [i for i in indexes if i.get("Region") == ctx.region]
    aggregators = [i for i in indexes if i.get("Type") == "AGGREGATOR"]
    chosen = (local or aggregators or [None])[0]
    if chosen is None:
        return None
    client = client_factory(_EXPLORER, chosen["Region"])
    view = client.get_default_view().get("ViewArn")
    return (client, view) if view else None


def _explored(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    found = _explorer_view(client_factory, ctx)
    if found is None:
        return
    client, view = found
    regions = [ctx.region] + ([GLOBAL_REGION] if ctx.region == ctx.home_region else [])
    for region in regions:
        pages = client.get_paginator("list_resources").paginate(
            ViewArn=view, Filters={"FilterString": f"region:{region}"}
        )
        for page in pages:
            for item in page["Resources"]:
                if item.get("OwningAccountId", ctx.account) != ctx.account:
                    continue
                tags = [
                    tag
                    for prop in item.get("Properties") or []
                    if prop.get("Name") == "tags"
                    for tag in prop.get("Data") or []
                ]
                yield {
                    "ResourceARN": item["Arn"],
                    "Tags": tags,
                    "ResourceType": item.get("ResourceType"),
                    "Source": "resource-explorer",
                }


def fetch_tagged(
    client_factory: ClientFactory, ctx: AwsContext, *, resource_explorer: bool = True
) -> Iterator[dict[str, Any]]:
    """Yield {ResourceARN, Tags, Source} once per ARN this Region's task owns."""
    seen: set[str] = set()
    sources = [_tagged(client_factory, ctx)]
    if resource_explorer:
        sources.append(_explored(client_factory, ctx))
    for source in sources:
        for item in source:
            arn = item["ResourceARN"]
            if arn in seen or not _owned(arn, ctx):
                continue
            seen.add(arn)
            yield item


def normalise_tagged(
    raw: dict[str, Any], ctx: AwsContext, modelled: frozenset[str]
) -> Resource | None:
    """An `other` resource, or None when another collector models its type."""
    arn = parse_arn(raw["ResourceARN"])
    if arn is None:
        return None
    native_type = native_type_of(arn)
    if native_type in modelled:
        return None
    region = arn.region or GLOBAL_REGION
    return Resource(
        provider="aws",
        account=ctx.account,
        region=region,
        type="other",
        native_type=native_type,
        id=raw["ResourceARN"],
        name=arn.resource_id or None,
        tags={t["Key"]: t["Value"] for t in raw.get("Tags") or []},
        location=ctx.location(region),
        jurisdiction=ctx.jurisdiction,
        raw=raw,
    )


def sweep_collectors(
    modelled: Iterable[str], *, resource_explorer: bool = True
) -> tuple[AwsCollector, ...]:
    """The sweep collector, skipping the CloudFormation types in `modelled`.

    `resource_explorer=False` reads the Tagging API only (for endpoints that do not
    offer Resource Explorer, such as an emulator).
    """
    skip = frozenset(modelled)

    def fetch(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
        return fetch_tagged(client_factory, ctx, resource_explorer=resource_explorer)

    def normalise(raw: dict[str, Any], ctx: AwsContext) -> Resource | None:
        return normalise_tagged(raw, ctx, skip)

    return (AwsCollector(name=COLLECTOR_NAME, fetch=fetch, normalise=normalise, native_types=()),)
