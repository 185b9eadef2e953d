"""RDS collector: DB instances with exposure, encryption, backups and replicas.

Replicas matter for sovereignty: a cross-region read replica copies the database into
another region, possibly another country. RDS lists same-region replicas by identifier
and cross-region ones by ARN; both become `replicas` with their region and country.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.aws.resource import (
    aws_resource,
    encryption,
    key_managers,
    replica,
    tag_dict,
)
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_db_instances", "normalise_db_instance"]

Raw = dict[str, Any]


def fetch_db_instances(clients: ClientFactory, ctx: AwsContext) -> Iterator[Raw]:
    """DB instances of the region, each with `KeyManager` of its storage key (KMS)."""
    rds = clients("rds", ctx.region)
    kms = clients("kms", ctx.region)
    known: dict[str, str | None] = {}
    for page in rds.get_paginator("describe_db_instances").paginate():
        for instance in page.get("DBInstances", []):
            key_id = instance.get("KmsKeyId")
            if key_id and key_id not in known:
                known = key_managers(kms, [key_id], known)
            yield {**instance, "KeyManager": known.get(key_id) if key_id else None}


def _replicas(raw: Raw, ctx: AwsContext) -> list[dict[str, Any]]:
    found = []
    for ident in raw.get("ReadReplicaDBInstanceIdentifiers", []):
        if ident.startswith("arn:"):
            found.append(replica(ctx, ident, ident.split(":")[3]))
        else:
            found.append(replica(ctx, ctx.arn("rds", f"db:{ident}"), ctx.region))
    return found


def normalise_db_instance(raw: Raw, ctx: AwsContext) -> Resource:
    retention = raw.get("BackupRetentionPeriod")
    ident = raw["DBInstanceIdentifier"]
    return aws_resource(
        ctx,
        type_="database.instance",
        native_type="AWS::RDS::DBInstance",
        id_=raw.get("DBInstanceArn") or ctx.arn("rds", f"db:{ident}"),
        raw=raw,
        tags=tag_dict(raw.get("TagList")),
        name=ident,
        created=raw.get("InstanceCreateTime"),
        properties={
            "engine": raw.get("Engine"),
            "engine_version": raw.get("EngineVersion"),
            "public": raw.get("PubliclyAccessible"),
            **encryption(raw.get("StorageEncrypted"), raw.get("KmsKeyId"), raw.get("KeyManager")),
            "backup_retention_days": retention,
            "backup_enabled": None if retention is None else retention > 0,
            "multi_az": raw.get("MultiAZ"),
            "replicas": _replicas(raw, ctx),
        },
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        "rds.instances", fetch_db_instances, normalise_db_instance, ("AWS::RDS::DBInstance",)
    ),
)
