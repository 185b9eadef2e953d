"""The least-privilege policy of deploy/iam/aws matches what a full scan really calls.

A whole organisation scan with every collector runs against moto (the demo organisation,
plus the few services it does not seed) while botocore's API entry point records each
(service, operation); the IAM actions behind them must be exactly
the actions of `deploy/iam/aws/policy.json` (minus the calls moto cannot make, named
below), and the CloudFormation and Terraform templates must carry that same policy.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest
import yaml

from cloudcensus.demo.estate import build_estate
from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws.permissions import iam_action
from cloudcensus.providers.aws.provider import AwsProvider
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.providers.base import CollectionTask

from .faultproxy import FaultProxy

REGIONS = ("eu-west-1", "eu-central-1", "us-east-1")

IAM = Path(__file__).resolve().parents[2] / "deploy" / "iam" / "aws"

#: Actions in the policy that this scan does not exercise, and why.
NOT_EXERCISED = {
    # moto offers no Resource Explorer; the agent searches an index where one exists.
    "resource-explorer-2:ListIndexes": "no Resource Explorer in moto",
    "resource-explorer-2:GetDefaultView": "no Resource Explorer in moto",
    "resource-explorer-2:ListResources": "no Resource Explorer in moto",
    # The scan is given its regions; without them it asks EC2 for the enabled ones.
    "ec2:DescribeRegions": "regions configured",
}


def _policy_actions() -> set[str]:
    document = json.loads((IAM / "policy.json").read_text())
    actions: set[str] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions.update(statement["Action"])
    return actions


def _seed_the_rest(region: str) -> None:
    """What the demo organisation lacks: a function with a URL, a cluster, a load
    balancer and a snapshot, in the management account."""
    session = boto3.Session(region_name=region)
    iam, ec2 = session.client("iam"), session.client("ec2")
    role = iam.create_role(RoleName="cc-perm-exec", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return 1\n")
    functions = session.client("lambda")
    functions.create_function(
        FunctionName="cc-perm",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": code.getvalue()},
    )
    functions.create_function_url_config(FunctionName="cc-perm", AuthType="NONE")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{region}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    session.client("eks").create_cluster(
        name="cc-perm", roleArn=role, resourcesVpcConfig={"subnetIds": subnets}
    )
    session.client("elbv2").create_load_balancer(Name="cc-perm", Subnets=subnets)
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]
    ec2.create_snapshot(VolumeId=volume)


@pytest.fixture(scope="module")
def called(moto_server: MotoServer, fault_proxy: FaultProxy) -> set[tuple[str, str]]:
    """Every (service, operation) a full organisation-mode scan calls."""
    moto_server.reset()
    build_estate(moto_server.endpoint)
    _seed_the_rest(REGIONS[0])
    seen: set[tuple[str, str]] = set()
    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: Any, operation: str, params: Any) -> Any:
        with lock:
            seen.add((self.meta.service_model.service_name, operation))
        return original(self, operation, params)

    def run(task: CollectionTask) -> None:
        for payload in task.fetch():
            task.normalise(payload)

    with pytest.MonkeyPatch.context() as patch:
        fault_proxy.clear()
        patch.setenv("HTTP_PROXY", fault_proxy.url)
        patch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
        settings = AwsSettings.model_validate(
            {"mode": "organization", "regions": list(REGIONS), "resource_explorer": False}
        )
        provider = AwsProvider(settings)
        with ThreadPoolExecutor(max_workers=4) as pool:
            for scope in provider.scopes():
                list(pool.map(run, provider.tasks(scope)))
    return seen


@pytest.fixture(scope="module")
def needed(called: set[tuple[str, str]]) -> set[str]:
    actions = {iam_action(service, operation) for service, operation in called}
    return {a for a in actions if a is not None}


def test_the_policy_grants_every_action_a_scan_calls(needed: set[str]) -> None:
    missing = needed - _policy_actions()
    assert missing == set(), f"add to deploy/iam/aws/policy.json: {sorted(missing)}"


def test_the_policy_grants_nothing_a_scan_does_not_call(needed: set[str]) -> None:
    extra = _policy_actions() - needed - set(NOT_EXERCISED)
    assert extra == set(), f"not called by any collector: {sorted(extra)}"


def test_the_policy_is_read_only() -> None:
    writes = ("Create", "Delete", "Put", "Update", "Attach", "Detach", "Modify", "Set", "Tag")
    for action in _policy_actions() - {"sts:AssumeRole"}:
        verb = action.split(":", 1)[1]
        assert not verb.startswith(writes), action


def test_the_cloudformation_template_embeds_the_same_policy() -> None:
    class Loader(yaml.SafeLoader):
        """Reads CloudFormation's short-form intrinsic functions (!Ref, !Sub, ...)."""

    def intrinsic(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", intrinsic)
    template = yaml.load((IAM / "stackset.yaml").read_text(), Loader=Loader)  # noqa: S506
    role = template["Resources"]["ReadRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    granted = {a for s in statements for a in s["Action"]}
    assert granted == _policy_actions() - {"sts:AssumeRole"} - _caller_only()


def _caller_only() -> set[str]:
    """Actions only the agent's own identity needs (Organizations, AssumeRole)."""
    document = json.loads((IAM / "policy.json").read_text())
    return {a for s in document["Statement"] if s.get("Sid") == "CallerOnly" for a in s["Action"]}


def test_terraform_reads_the_same_policy_file() -> None:
    text = (IAM / "main.tf").read_text()
    assert 'file("${path.module}/policy.json")' in text
