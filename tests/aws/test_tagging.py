"""The sweep: everything the Tagging API (moto) and Resource Explorer (a small fake on
loopback, as moto has none) list becomes `other`, except what another collector models."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest
from botocore.exceptions import ClientError

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import account, tagging
from cloudcensus.providers.aws.collectors import ALL_COLLECTORS
from cloudcensus.providers.aws.spec import AwsContext
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.scanner.inventory import Resource

ACCOUNT = "123456789012"
REGION = "eu-west-1"
MODELLED = frozenset(t for c in ALL_COLLECTORS for t in c.native_types) | {"AWS::KMS::Key"}
VIEW = f"arn:aws:resource-explorer-2:{REGION}:{ACCOUNT}:view/default/1"
UNTAGGED_QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:never-tagged"
POLICY = f"arn:aws:iam::{ACCOUNT}:policy/readers"


class _Explorer(BaseHTTPRequestHandler):
    """Resource Explorer's REST-JSON operations, answering from class-level state."""

    indexes: ClassVar[list[dict[str, str]]] = []
    resources: ClassVar[dict[str, list[dict[str, Any]]]] = {}  # filter string -> items
    deny: ClassVar[bool] = False

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.deny:
            self._send(403, {"message": "not allowed"}, "AccessDeniedException")
        elif self.path == "/ListIndexes":
            self._send(200, {"Indexes": self.indexes})
        elif self.path == "/GetDefaultView":
            self._send(200, {"ViewArn": VIEW})
        elif self.path == "/ListResources":
            assert body["ViewArn"] == VIEW
            items = self.resources.get(body["Filters"]["FilterString"], [])
            self._send(200, {"Resources": items, "ViewArn": VIEW})
        else:
            self._send(404, {"message": self.path}, "ResourceNotFoundException")

    def _send(self, status: int, payload: dict[str, Any], error: str | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def explorer() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Explorer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def session(moto_server: MotoServer) -> boto3.Session:
    moto_server.reset()
    session = boto3.Session(region_name=REGION)
    session.client("sqs").create_queue(QueueName="orders", tags={"owner": "shop"})
    session.client("sqs").create_queue(QueueName="never-tagged")
    session.client("sns").create_topic(Name="alerts", Tags=[{"Key": "owner", "Value": "ops"}])
    session.client("logs").create_log_group(logGroupName="/app/web", tags={"env": "prod"})
    session.client("kms").create_key(Tags=[{"TagKey": "owner", "TagValue": "sec"}])
    return session


def _sweep(session: boto3.Session, endpoint: str, *, explorer_on: bool) -> dict[str, Resource]:
    def factory(service: str, region: str) -> Any:
        if service == "resource-explorer-2":
            return session.client(service, region_name=region, endpoint_url=endpoint)  # type: ignore[call-overload]
        return session.client(service, region_name=region)  # type: ignore[call-overload]

    ctx = AwsContext(
        account=ACCOUNT,
        region=REGION,
        partition="aws",
        home_region=REGION,
        regions=(REGION,),
        catalogue=load_catalogue("cloudcensus.providers.aws"),
    )
    (collector,) = tagging.sweep_collectors(MODELLED, resource_explorer=explorer_on)
    resources = [collector.normalise(raw, ctx) for raw in collector.fetch(factory, ctx)]
    return {r.id: r for r in resources if r is not None}


def _item(arn: str, region: str, account: str = ACCOUNT) -> dict[str, Any]:
    return {"Arn": arn, "OwningAccountId": account, "Region": region, "Properties": []}


def test_tagged_resources_become_other_with_native_type_and_tags(
    session: boto3.Session, explorer: str
) -> None:
    found = _sweep(session, explorer, explorer_on=False)
    queue = found[f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"]
    assert (queue.type, queue.native_type, queue.name) == ("other", "AWS::SQS::Queue", "orders")
    assert queue.tags == {"owner": "shop"}
    assert queue.region == REGION
    assert queue.location.country == "IE"
    assert queue.properties == {}
    log_group = found[f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/web"]
    assert log_group.native_type == "AWS::Logs::LogGroup"
    assert found[f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"].native_type == "AWS::SNS::Topic"


def test_modelled_types_are_left_to_their_collector(session: boto3.Session, explorer: str) -> None:
    found = _sweep(session, explorer, explorer_on=False)
    assert not [r for r in found.values() if r.native_type == "AWS::KMS::Key"]
    assert UNTAGGED_QUEUE not in found  # the Tagging API never lists untagged resources


def test_resource_explorer_adds_untagged_and_global_resources_once(
    session: boto3.Session, explorer: str
) -> None:
    tagged_queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
    _Explorer.indexes = [{"Arn": "arn:index", "Region": "us-east-1", "Type": "AGGREGATOR"}]
    _Explorer.resources = {
        f"region:{REGION}": [
            _item(tagged_queue, REGION),
            _item(UNTAGGED_QUEUE, REGION),
            _item(f"arn:aws:sqs:{REGION}:222222222222:theirs", REGION, "222222222222"),
        ],
        "region:global": [_item(POLICY, "global")],
    }
    found = _sweep(session, explorer, explorer_on=True)
    assert found[UNTAGGED_QUEUE].tags == {}
    assert found[tagged_queue].tags == {"owner": "shop"}  # the Tagging API's copy, once
    assert found[tagged_queue].raw["Source"] == "tagging"
    policy = found[POLICY]
    assert (policy.region, policy.native_type) == ("global", "AWS::IAM::ManagedPolicy")
    assert not [r for r in found.values() if ":222222222222:" in r.id]


def test_no_index_means_resource_explorer_is_skipped(session: boto3.Session, explorer: str) -> None:
    _Explorer.indexes = []
    with_explorer = _sweep(session, explorer, explorer_on=True)
    assert with_explorer.keys() == _sweep(session, explorer, explorer_on=False).keys()


def test_a_refused_resource_explorer_is_an_error_not_an_empty_answer(
    session: boto3.Session, explorer: str
) -> None:
    _Explorer.deny = True
    try:
        with pytest.raises(ClientError) as caught:
            _sweep(session, explorer, explorer_on=True)
    finally:
        _Explorer.deny = False
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.parametrize(
    ("arn", "native_type", "name", "region"),
    [
        ("arn:aws:s3:::my-bucket", "AWS::S3::Bucket", "my-bucket", ""),
        (
            "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/50dc6c",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "web/50dc6c",
            "eu-west-1",
        ),
        (
            "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/classic",
            "AWS::ElasticLoadBalancing::LoadBalancer",
            "classic",
            "eu-west-1",
        ),
        ("arn:aws:rds:eu-west-1:1:db:orders", "AWS::RDS::DBInstance", "orders", "eu-west-1"),
        (
            "arn:aws:apigateway:eu-west-1::/restapis/a1b2",
            "AWS::ApiGateway::RestApi",
            "a1b2",
            "eu-west-1",
        ),
        ("arn:aws-eusc:sqs:eusc-de-east-1:1:q", "AWS::SQS::Queue", "q", "eusc-de-east-1"),
        ("arn:aws:newsvc:eu-west-1:1:widget/w-1", "aws:newsvc:widget", "w-1", "eu-west-1"),
        ("arn:aws:newsvc:eu-west-1:1:thing", "aws:newsvc", "thing", "eu-west-1"),
    ],
)
def test_native_type_from_the_arn(arn: str, native_type: str, name: str, region: str) -> None:
    parsed = tagging.parse_arn(arn)
    assert parsed is not None
    assert tagging.native_type_of(parsed) == native_type
    assert (parsed.resource_id, parsed.region) == (name, region)


def test_every_modelled_native_type_is_recognised_from_its_arn() -> None:
    """Otherwise the sweep would report a modelled resource a second time, as `other`."""
    known = set(tagging.ARN_TYPES.values())
    unreachable = {
        t for c in ALL_COLLECTORS for t in c.native_types if t != account.NATIVE_TYPE
    } - known
    assert unreachable == set()
