"""Elastic Load Balancing v2 (application, network, gateway): which ones face the Internet.

Tags are read with DescribeTags in batches of 20 ARNs (the API's limit), one batch per
page of load balancers, rather than one call per load balancer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_load_balancers", "normalise_load_balancer"]

_TAG_BATCH = 20


def _tags(elbv2: Any, arns: list[str]) -> dict[str, list[dict[str, str]]]:
    by_arn: dict[str, list[dict[str, str]]] = {}
    for start in range(0, len(arns), _TAG_BATCH):
        batch = arns[start : start + _TAG_BATCH]
        for entry in elbv2.describe_tags(ResourceArns=batch)["TagDescriptions"]:
            by_arn[entry["ResourceArn"]] = entry.get("Tags") or []
    return by_arn


def fetch_load_balancers(
    client_factory: ClientFactory, ctx: AwsContext
) -> Iterator[dict[str, Any]]:
    """Yield one payload per load balancer: {"LoadBalancer": ..., "Tags": [...]}."""
    elbv2 = client_factory("elbv2", ctx.region)
    for page in elbv2.get_paginator("describe_load_balancers").paginate():
        balancers = page["LoadBalancers"]
        tags = _tags(elbv2, [lb["LoadBalancerArn"] for lb in balancers])
        for lb in balancers:
            yield {"LoadBalancer": lb, "Tags": tags.get(lb["LoadBalancerArn"], [])}


def normalise_load_balancer(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """A `network.load_balancer`; public = internet-facing scheme."""
    lb = raw["LoadBalancer"]
    scheme = lb.get("Scheme")
    return Resource(
        provider="aws",
        account=ctx.account,
        region=ctx.region,
        type="network.load_balancer",
        native_type="AWS::ElasticLoadBalancingV2::LoadBalancer",
        id=lb["LoadBalancerArn"],
        name=lb.get("LoadBalancerName"),
        tags={t["Key"]: t["Value"] for t in raw.get("Tags") or []},
        created=lb.get("CreatedTime"),
        location=ctx.location(),
        jurisdiction=ctx.jurisdiction,
        properties={
            "public": scheme == "internet-facing",
            "scheme": scheme,
            "kind": lb.get("Type"),
            "security_groups": list(lb.get("SecurityGroups") or []),
        },
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="elbv2.load_balancers",
        fetch=fetch_load_balancers,
        normalise=normalise_load_balancer,
        native_types=("AWS::ElasticLoadBalancingV2::LoadBalancer",),
    ),
)
