"""EKS clusters collected from a moto server: public endpoint and secrets encryption."""

from __future__ import annotations

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import eks
from cloudcensus.scanner.inventory import Resource
from tests.aws.collecting import aws_context, collect_named

ACCOUNT = "123456789012"
REGION = "eu-west-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def clusters(moto_server: MotoServer) -> dict[str, Resource]:
    moto_server.reset()
    session = boto3.Session(region_name=REGION)
    client = session.client("eks")
    role = f"arn:aws:iam::{ACCOUNT}:role/eks"
    client.create_cluster(
        name="open",
        roleArn=role,
        resourcesVpcConfig={
            "subnetIds": ["subnet-1"],
            "endpointPublicAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        tags={"owner": "platform"},
    )
    client.create_cluster(
        name="private",
        roleArn=role,
        resourcesVpcConfig={
            "subnetIds": ["subnet-1"],
            "endpointPublicAccess": False,
            "endpointPrivateAccess": True,
        },
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": KEY}}],
    )

    ctx = aws_context(ACCOUNT, REGION)
    return collect_named(session, eks.COLLECTORS[0], ctx)


def test_public_endpoint_open_to_the_internet(clusters: dict[str, Resource]) -> None:
    cluster = clusters["open"]
    assert cluster.type == "container.cluster"
    assert cluster.id == f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/open"
    assert cluster.tags == {"owner": "platform"}
    assert cluster.created is not None
    assert cluster.properties["public_endpoint"] is True
    assert cluster.properties["public_access_cidrs"] == ["0.0.0.0/0"]
    assert cluster.properties["secrets_encrypted"] is False
    assert cluster.properties["key_id"] is None


def test_private_cluster_with_encrypted_secrets(clusters: dict[str, Resource]) -> None:
    props = clusters["private"].properties
    assert props["public_endpoint"] is False
    assert props["public_access_cidrs"] == []
    assert props["secrets_encrypted"] is True
    assert props["key_id"] == KEY
