"""DynamoDB tables: who manages the encryption key, and can the table be restored.

Every table is encrypted at rest. With no `SSEDescription` the key is AWS owned (the
provider's key); with SSE-KMS the table names a KMS key, which may still be the AWS
managed `aws/dynamodb` key: only DescribeKey's KeyManager tells a customer key apart, so
`fetch_tables` asks KMS. When KMS refuses, the key's manager stays unknown and the error
code is kept in the payload (`KmsKeyError`) as evidence; other KMS errors fail the
collection as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code, is_access_denied
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_tables", "normalise_table"]

_ACTIVE_SSE = ("ENABLED", "UPDATING")
_MANAGEMENT = {"CUSTOMER": "customer", "AWS": "provider"}


def _kms_key(kms: Any, key_arn: str) -> dict[str, Any]:
    try:
        metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    except ClientError as exc:
        code = error_code(exc)
        if is_access_denied(code) or code == "NotFoundException":
            return {"KmsKeyError": code}
        raise
    return {"KmsKeyManager": metadata.get("KeyManager")}


def _table(dynamodb: Any, kms: Any, name: str) -> dict[str, Any]:
    table = dynamodb.describe_table(TableName=name)["Table"]
    backups = dynamodb.describe_continuous_backups(TableName=name)
    tags = [
        tag
        for page in dynamodb.get_paginator("list_tags_of_resource").paginate(
            ResourceArn=table["TableArn"]
        )
        for tag in page.get("Tags", [])
    ]
    payload: dict[str, Any] = {
        "Table": table,
        "ContinuousBackups": backups.get("ContinuousBackupsDescription"),
        "Tags": tags,
    }
    sse = table.get("SSEDescription") or {}
    if sse.get("Status") in _ACTIVE_SSE and sse.get("KMSMasterKeyArn"):
        payload.update(_kms_key(kms, sse["KMSMasterKeyArn"]))
    return payload


def fetch_tables(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one payload per table: Table, ContinuousBackups, Tags, and for SSE-KMS
    tables KmsKeyManager (or KmsKeyError when KMS would not say)."""
    dynamodb = client_factory("dynamodb", ctx.region)
    kms = client_factory("kms", ctx.region)
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            try:
                payload = _table(dynamodb, kms, name)
            except ClientError as exc:
                if error_code(exc) in ("ResourceNotFoundException", "TableNotFoundException"):
                    continue  # deleted since ListTables
                raise
            yield payload


def _encryption(raw: dict[str, Any]) -> dict[str, Any]:
    sse = raw["Table"].get("SSEDescription") or {}
    if sse.get("Status") in _ACTIVE_SSE and sse.get("SSEType") == "KMS":
        manager = raw.get("KmsKeyManager")
        return {
            "encrypted": True,
            "key_id": sse.get("KMSMasterKeyArn"),
            "key_management": _MANAGEMENT.get(str(manager)) if manager else None,
        }
    return {"encrypted": True, "key_id": None, "key_management": "provider"}


def _pitr(backups: dict[str, Any] | None) -> bool | None:
    status = ((backups or {}).get("PointInTimeRecoveryDescription") or {}).get(
        "PointInTimeRecoveryStatus"
    )
    return status == "ENABLED" if status else None


def normalise_table(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """A `database.table`; `backup_enabled` is point-in-time recovery."""
    table = raw["Table"]
    return Resource(
        provider="aws",
        account=ctx.account,
        region=ctx.region,
        type="database.table",
        native_type="AWS::DynamoDB::Table",
        id=table["TableArn"],
        name=table.get("TableName"),
        tags={t["Key"]: t["Value"] for t in raw.get("Tags") or []},
        created=table.get("CreationDateTime"),
        location=ctx.location(),
        jurisdiction=ctx.jurisdiction,
        properties={**_encryption(raw), "backup_enabled": _pitr(raw.get("ContinuousBackups"))},
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="dynamodb.tables",
        fetch=fetch_tables,
        normalise=normalise_table,
        native_types=("AWS::DynamoDB::Table",),
    ),
)
