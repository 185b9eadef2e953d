"""IAM users and roles collected from a moto server: the facts MFA, access-key and
trust rules decide on."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import iam
from cloudcensus.providers.aws.spec import AwsContext
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.scanner.inventory import Resource
from tests.aws.collecting import client_factory

ACCOUNT = "123456789012"  # moto's default account
HOME = "eu-west-1"
OTHER_ACCOUNT = "999999999999"


def _context() -> AwsContext:
    return AwsContext(
        account=ACCOUNT,
        region="global",
        partition="aws",
        home_region=HOME,
        regions=(HOME,),
        catalogue=load_catalogue("cloudcensus.providers.aws"),
    )


def _trust(principal: Any, effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _seed_users(client: Any, session: boto3.Session) -> None:
    client.create_user(UserName="alice", Tags=[{"Key": "owner", "Value": "sec"}])
    client.create_login_profile(UserName="alice", Password="Correct-Horse-1!")
    device = client.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    client.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    client.create_user(UserName="bob")
    client.create_login_profile(UserName="bob", Password="Correct-Horse-2!")
    client.create_user(UserName="robot")
    used = client.create_access_key(UserName="robot")["AccessKey"]
    idle = client.create_access_key(UserName="robot")["AccessKey"]
    client.update_access_key(UserName="robot", AccessKeyId=idle["AccessKeyId"], Status="Inactive")
    # Use one key once so IAM records when it was last used.
    session.client(
        "sts",
        aws_access_key_id=used["AccessKeyId"],
        aws_secret_access_key=used["SecretAccessKey"],
        aws_session_token=None,
    ).get_caller_identity()


def _seed_roles(client: Any) -> None:
    client.create_role(
        RoleName="partner",
        AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}),
        Tags=[{"Key": "owner", "Value": "ops"}],
    )
    client.create_role(RoleName="anyone", AssumeRolePolicyDocument=_trust({"AWS": "*"}))
    client.create_role(
        RoleName="lambda-exec",
        AssumeRolePolicyDocument=_trust({"Service": "lambda.amazonaws.com"}),
    )
    client.create_role(
        RoleName="internal",
        AssumeRolePolicyDocument=_trust({"AWS": [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/x"]}),
    )
    client.create_role(RoleName="denied", AssumeRolePolicyDocument=_trust("*", effect="Deny"))


@pytest.fixture(scope="module")
def collected(moto_server: MotoServer) -> dict[str, Resource]:
    moto_server.reset()
    session = boto3.Session(region_name=HOME)
    client = session.client("iam")
    _seed_users(client, session)
    _seed_roles(client)

    factory = client_factory(session)

    ctx = _context()
    found: dict[str, Resource] = {}
    for collector in iam.COLLECTORS:
        for raw in collector.fetch(factory, ctx):
            resource = collector.normalise(raw, ctx)
            assert resource is not None
            found[f"{resource.type}:{resource.name}"] = resource
    return found


def test_collectors_are_global_with_their_coverage_keys() -> None:
    assert [(c.name, c.global_) for c in iam.COLLECTORS] == [
        ("iam.users", True),
        ("iam.roles", True),
    ]


def test_console_user_with_mfa(collected: dict[str, Resource]) -> None:
    alice = collected["identity.user:alice"]
    assert alice.id == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert alice.region == "global"
    assert alice.native_type == "AWS::IAM::User"
    assert alice.tags == {"owner": "sec"}
    assert alice.properties["console_access"] is True
    assert alice.properties["mfa"] is True
    assert alice.properties["access_keys"] == []
    assert alice.location.country is None


def test_console_user_without_mfa_fails_the_mfa_rule_inputs(
    collected: dict[str, Resource],
) -> None:
    bob = collected["identity.user:bob"]
    assert bob.properties["console_access"] is True
    assert bob.properties["mfa"] is False
    assert bob.properties["last_login"] is None


def test_programmatic_user_keys_with_status_age_and_last_use(
    collected: dict[str, Resource],
) -> None:
    robot = collected["identity.user:robot"]
    assert robot.properties["console_access"] is False
    keys = {k["status"]: k for k in robot.properties["access_keys"]}
    assert set(keys) == {"active", "inactive"}
    assert keys["active"]["id"].startswith("AKIA")
    assert keys["active"]["last_used"] is not None
    assert keys["inactive"]["last_used"] is None
    for key in keys.values():
        assert key["created"].endswith("+00:00")


def test_secrets_of_access_keys_never_reach_the_inventory(
    collected: dict[str, Resource],
) -> None:
    dumped = collected["identity.user:robot"].model_dump_json()
    assert "SecretAccessKey" not in dumped


@pytest.mark.parametrize(
    ("role", "external"),
    [("partner", True), ("anyone", True), ("lambda-exec", False), ("internal", False)],
)
def test_external_trust(collected: dict[str, Resource], role: str, external: bool) -> None:
    assert collected[f"identity.role:{role}"].properties["external_trust"] is external


def test_trusted_principals_are_listed_as_written(collected: dict[str, Resource]) -> None:
    partner = collected["identity.role:partner"]
    assert partner.properties["trusted_principals"] == [f"arn:aws:iam::{OTHER_ACCOUNT}:root"]
    assert partner.tags == {"owner": "ops"}
    assert collected["identity.role:lambda-exec"].properties["trusted_principals"] == [
        "lambda.amazonaws.com"
    ]


def test_deny_statements_trust_nobody(collected: dict[str, Resource]) -> None:
    denied = collected["identity.role:denied"].properties
    assert denied == {"trusted_principals": [], "external_trust": False}
