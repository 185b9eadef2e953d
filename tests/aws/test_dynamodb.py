"""DynamoDB tables collected from a moto server: key management and point-in-time
recovery."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import dynamodb
from cloudcensus.scanner.inventory import Resource
from tests.aws.collecting import aws_context, collect_named

ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def tables(moto_server: MotoServer) -> tuple[dict[str, Resource], str]:
    moto_server.reset()
    session = boto3.Session(region_name=REGION)
    key = session.client("kms").create_key()["KeyMetadata"]["Arn"]
    client = session.client("dynamodb")
    schema: dict[str, Any] = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    client.create_table(TableName="default", Tags=[{"Key": "owner", "Value": "app"}], **schema)
    client.create_table(
        TableName="customer",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
        **schema,
    )
    client.update_continuous_backups(
        TableName="customer",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )

    ctx = aws_context(ACCOUNT, REGION)
    return collect_named(session, dynamodb.COLLECTORS[0], ctx), key


def test_default_encryption_is_an_aws_owned_key(
    tables: tuple[dict[str, Resource], str],
) -> None:
    table = tables[0]["default"]
    assert table.type == "database.table"
    assert table.id == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/default"
    assert table.tags == {"owner": "app"}
    assert table.properties == {
        "encrypted": True,
        "key_id": None,
        "key_management": "provider",
        "backup_enabled": False,
    }


def test_customer_key_and_point_in_time_recovery(
    tables: tuple[dict[str, Resource], str],
) -> None:
    found, key = tables
    props = found["customer"].properties
    assert props["key_management"] == "customer"
    assert props["key_id"] == key
    assert props["backup_enabled"] is True
