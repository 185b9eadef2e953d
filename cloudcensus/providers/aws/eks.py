"""EKS clusters: is the Kubernetes API reachable from the Internet, and are secrets
envelope-encrypted with a KMS key.

An endpoint with public access open to `0.0.0.0/0` is the exposure rules look for; the
CIDR list is only meaningful when public access is on, so it is empty otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from cloudcensus.providers.aws.errors import error_code
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_clusters", "normalise_cluster"]


def fetch_clusters(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one payload per cluster: {"Cluster": DescribeCluster's cluster}."""
    eks = client_factory("eks", ctx.region)
    for page in eks.get_paginator("list_clusters").paginate():
        for name in page["clusters"]:
            try:
                cluster = eks.describe_cluster(name=name)["cluster"]
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    continue  # deleted since ListClusters
                raise
            yield {"Cluster": cluster}


def _secrets_key(cluster: dict[str, Any]) -> str | None:
    """The KMS key that envelope-encrypts Kubernetes secrets, if one is configured."""
    for config in cluster.get("encryptionConfig") or []:
        if "secrets" in (config.get("resources") or []):
            key = (config.get("provider") or {}).get("keyArn")
            return str(key) if key else None
    return None


def _secrets_encrypted(cluster: dict[str, Any]) -> bool:
    return any(
        "secrets" in (config.get("resources") or [])
        for config in cluster.get("encryptionConfig") or []
    )


def normalise_cluster(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """A `container.cluster`; `public_endpoint` is None when EKS did not report it."""
    cluster = raw["Cluster"]
    vpc = cluster.get("resourcesVpcConfig") or {}
    public = vpc.get("endpointPublicAccess")
    return Resource(
        provider="aws",
        account=ctx.account,
        region=ctx.region,
        type="container.cluster",
        native_type="AWS::EKS::Cluster",
        id=cluster["arn"],
        name=cluster.get("name"),
        tags={str(k): str(v) for k, v in (cluster.get("tags") or {}).items()},
        created=cluster.get("createdAt"),
        location=ctx.location(),
        jurisdiction=ctx.jurisdiction,
        properties={
            "version": cluster.get("version"),
            "public_endpoint": bool(public) if public is not None else None,
            "public_access_cidrs": list(vpc.get("publicAccessCidrs") or []) if public else [],
            "secrets_encrypted": _secrets_encrypted(cluster),
            "key_id": _secrets_key(cluster),
        },
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="eks.clusters",
        fetch=fetch_clusters,
        normalise=normalise_cluster,
        native_types=("AWS::EKS::Cluster",),
    ),
)
