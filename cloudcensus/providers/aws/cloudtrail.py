"""CloudTrail trails: is every Region's API activity recorded, and is it recording now.

DescribeTrails is called with `includeShadowTrails=False`, so a multi-Region trail is
reported once, by the collection of its home Region, and not again as a "shadow" in each
other Region. IsLogging comes from GetTrailStatus: a configured trail that was stopped
records nothing, which is what the audit-trail rule must see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.aws.spec import AwsCollector, AwsContext, ClientFactory
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_trails", "normalise_trail"]


def _tags(cloudtrail: Any, arn: str) -> list[dict[str, str]]:
    tags: list[dict[str, str]] = []
    for page in cloudtrail.get_paginator("list_tags").paginate(ResourceIdList=[arn]):
        for entry in page["ResourceTagList"]:
            tags.extend(entry.get("TagsList") or [])
    return tags


def fetch_trails(client_factory: ClientFactory, ctx: AwsContext) -> Iterator[dict[str, Any]]:
    """Yield one payload per trail whose home Region is `ctx.region`: Trail, Status, Tags."""
    cloudtrail = client_factory("cloudtrail", ctx.region)
    trails = cloudtrail.describe_trails(includeShadowTrails=False)["trailList"]
    for trail in trails:
        if trail.get("HomeRegion", ctx.region) != ctx.region:
            continue
        arn = trail["TrailARN"]
        status = cloudtrail.get_trail_status(Name=arn)
        status.pop("ResponseMetadata", None)
        yield {"Trail": trail, "Status": status, "Tags": _tags(cloudtrail, arn)}


def _destination(trail: dict[str, Any]) -> str | None:
    """Where the trail delivers: its S3 bucket, else its CloudWatch Logs group."""
    bucket = trail.get("S3BucketName")
    if bucket:
        return str(bucket)
    group = trail.get("CloudWatchLogsLogGroupArn")
    return str(group) if group else None


def normalise_trail(raw: dict[str, Any], ctx: AwsContext) -> Resource:
    """A `logging.audit_trail`; `logging` is None when the status could not be read."""
    trail = raw["Trail"]
    status = raw.get("Status") or {}
    is_logging = status.get("IsLogging")
    return Resource(
        provider="aws",
        account=ctx.account,
        region=ctx.region,
        type="logging.audit_trail",
        native_type="AWS::CloudTrail::Trail",
        id=trail["TrailARN"],
        name=trail.get("Name"),
        tags={t["Key"]: t["Value"] for t in raw.get("Tags") or []},
        location=ctx.location(),
        jurisdiction=ctx.jurisdiction,
        properties={
            "logging": bool(is_logging) if is_logging is not None else None,
            "multi_region": bool(trail.get("IsMultiRegionTrail")),
            "home_region": trail.get("HomeRegion") or ctx.region,
            "log_file_validation": bool(trail.get("LogFileValidationEnabled")),
            "key_id": trail.get("KmsKeyId") or None,
            "destination": _destination(trail),
        },
        raw=raw,
    )


COLLECTORS: tuple[AwsCollector, ...] = (
    AwsCollector(
        name="cloudtrail.trails",
        fetch=fetch_trails,
        normalise=normalise_trail,
        native_types=("AWS::CloudTrail::Trail",),
    ),
)
