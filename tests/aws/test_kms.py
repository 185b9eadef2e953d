"""KMS keys collected from a moto server: manager, rotation, multi-Region replicas."""

from __future__ import annotations

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import kms
from cloudcensus.scanner.inventory import Resource
from tests.aws.collecting import aws_context, collect_named

ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def keys(moto_server: MotoServer) -> dict[str, Resource]:
    moto_server.reset()
    session = boto3.Session(region_name=REGION)
    client = session.client("kms")
    rotating = client.create_key(Tags=[{"TagKey": "owner", "TagValue": "sec"}])["KeyMetadata"]
    client.enable_key_rotation(KeyId=rotating["KeyId"])
    client.create_alias(AliasName="alias/rotating", TargetKeyId=rotating["KeyId"])
    stale = client.create_key()["KeyMetadata"]
    client.create_alias(AliasName="alias/stale", TargetKeyId=stale["KeyId"])
    multi = client.create_key(MultiRegion=True)["KeyMetadata"]
    client.create_alias(AliasName="alias/multi", TargetKeyId=multi["KeyId"])
    client.replicate_key(KeyId=multi["KeyId"], ReplicaRegion="us-east-1")
    signing = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    client.create_alias(AliasName="alias/signing", TargetKeyId=signing["KeyId"])

    ctx = aws_context(ACCOUNT, REGION, regions=(REGION, "us-east-1"))
    return collect_named(session, kms.COLLECTORS[0], ctx)


def test_every_key_of_the_region_is_listed_once(keys: dict[str, Resource]) -> None:
    assert sorted(keys) == ["alias/multi", "alias/rotating", "alias/signing", "alias/stale"]
    assert all(k.region == REGION and k.location.country == "IE" for k in keys.values())


def test_customer_key_with_rotation(keys: dict[str, Resource]) -> None:
    key = keys["alias/rotating"]
    assert key.native_type == "AWS::KMS::Key"
    assert key.id.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    assert key.tags == {"owner": "sec"}
    assert key.properties["key_management"] == "customer"
    assert key.properties["state"] == "enabled"
    assert key.properties["rotation_enabled"] is True


def test_customer_key_without_rotation_is_false_not_unknown(keys: dict[str, Resource]) -> None:
    assert keys["alias/stale"].properties["rotation_enabled"] is False


def test_rotation_of_asymmetric_keys_is_unknown(keys: dict[str, Resource]) -> None:
    signing = keys["alias/signing"].properties
    assert signing["usage"] == "sign_verify"
    assert signing["rotation_enabled"] is None
    assert "KeyRotationEnabled" not in keys["alias/signing"].raw


def test_multi_region_key_lists_its_replica_with_its_country(keys: dict[str, Resource]) -> None:
    multi = keys["alias/multi"].properties
    assert multi["multi_region"] is True
    (replica,) = multi["replicas"]
    assert replica["region"] == "us-east-1"
    assert replica["id"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-")
    assert (replica["country"], replica["eu"], replica["eea"]) == ("US", False, False)
    assert keys["alias/rotating"].properties["replicas"] == []
