"""CloudTrail trails collected from a moto server: logging status, multi-Region, and a
multi-Region trail reported once, in its home Region."""

from __future__ import annotations

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import cloudtrail
from cloudcensus.providers.aws.spec import AwsContext
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.scanner.inventory import Resource
from tests.aws.collecting import client_factory

ACCOUNT = "123456789012"
HOME = "eu-west-1"
OTHER = "eu-central-1"


def _context(region: str) -> AwsContext:
    return AwsContext(
        account=ACCOUNT,
        region=region,
        partition="aws",
        home_region=HOME,
        regions=(HOME, OTHER),
        catalogue=load_catalogue("cloudcensus.providers.aws"),
    )


@pytest.fixture(scope="module")
def by_region(moto_server: MotoServer) -> dict[str, dict[str, Resource]]:
    moto_server.reset()
    session = boto3.Session(region_name=HOME)
    session.client("s3").create_bucket(
        Bucket="audit-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    client = session.client("cloudtrail")
    client.create_trail(
        Name="everywhere",
        S3BucketName="audit-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        TagsList=[{"Key": "owner", "Value": "sec"}],
    )
    client.start_logging(Name="everywhere")
    client.create_trail(Name="stopped", S3BucketName="audit-logs")

    factory = client_factory(session)

    (collector,) = cloudtrail.COLLECTORS
    result: dict[str, dict[str, Resource]] = {}
    for region in (HOME, OTHER):
        ctx = _context(region)
        resources = [collector.normalise(raw, ctx) for raw in collector.fetch(factory, ctx)]
        result[region] = {r.name or r.id: r for r in resources if r is not None}
    return result


def test_multi_region_trail_is_reported_once_in_its_home_region(
    by_region: dict[str, dict[str, Resource]],
) -> None:
    assert sorted(by_region[HOME]) == ["everywhere", "stopped"]
    assert by_region[OTHER] == {}


def test_logging_multi_region_trail(by_region: dict[str, dict[str, Resource]]) -> None:
    trail = by_region[HOME]["everywhere"]
    assert trail.type == "logging.audit_trail"
    assert trail.id == f"arn:aws:cloudtrail:{HOME}:{ACCOUNT}:trail/everywhere"
    assert trail.tags == {"owner": "sec"}
    assert trail.properties == {
        "logging": True,
        "multi_region": True,
        "home_region": HOME,
        "log_file_validation": True,
        "key_id": None,
        "destination": "audit-logs",
    }


def test_stopped_trail_is_not_logging(by_region: dict[str, dict[str, Resource]]) -> None:
    stopped = by_region[HOME]["stopped"].properties
    assert stopped["logging"] is False
    assert stopped["multi_region"] is False
