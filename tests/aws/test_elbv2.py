"""ELBv2 load balancers collected from a moto server: internet-facing or internal."""

from __future__ import annotations

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import elbv2
from cloudcensus.scanner.inventory import Resource
from tests.aws.collecting import aws_context, collect_named

ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def balancers(moto_server: MotoServer) -> tuple[dict[str, Resource], str]:
    moto_server.reset()
    session = boto3.Session(region_name=REGION)
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    client = session.client("elbv2")
    client.create_load_balancer(
        Name="web",
        Subnets=subnets,
        SecurityGroups=[group],
        Scheme="internet-facing",
        Tags=[{"Key": "owner", "Value": "web"}],
    )
    client.create_load_balancer(Name="inside", Subnets=subnets, Scheme="internal", Type="network")

    ctx = aws_context(ACCOUNT, REGION)
    return collect_named(session, elbv2.COLLECTORS[0], ctx), group


def test_internet_facing_load_balancer_is_public(
    balancers: tuple[dict[str, Resource], str],
) -> None:
    found, group = balancers
    web = found["web"]
    assert web.type == "network.load_balancer"
    assert web.id.startswith(f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/")
    assert web.tags == {"owner": "web"}
    assert web.properties == {
        "public": True,
        "scheme": "internet-facing",
        "kind": "application",
        "security_groups": [group],
    }


def test_internal_load_balancer_is_not_public(
    balancers: tuple[dict[str, Resource], str],
) -> None:
    inside = balancers[0]["inside"].properties
    assert inside["public"] is False
    assert inside["kind"] == "network"
    assert inside["security_groups"] == []
