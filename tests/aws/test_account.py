"""The account resource collected from a moto server: password policy, root MFA, account
Block Public Access, and the organisation's guardrail handed over by the provider."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import account
from cloudcensus.providers.aws.session import AccountClients, botocore_config
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.providers.aws.spec import AwsContext
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.scanner.inventory import Resource

ACCOUNT = "123456789012"
HOME = "eu-west-1"
REGIONS = (HOME, "eu-central-1", "us-east-1")
GUARDRAIL = {"allowed_regions": ["eu-central-1", "eu-west-1"], "policy_ids": ["p-eu0nly"]}


def _factory(session: boto3.Session) -> AccountClients:
    """The provider's own client factory (it routes s3control to the emulator's host)."""
    return AccountClients(session, botocore_config(AwsSettings()))


def _context(organization: dict[str, Any] | None) -> AwsContext:
    return AwsContext(
        account=ACCOUNT,
        region="global",
        partition="aws",
        home_region=HOME,
        regions=REGIONS,
        catalogue=load_catalogue("cloudcensus.providers.aws"),
        organization=organization,
    )


def _collect(session: boto3.Session, organization: dict[str, Any] | None) -> Resource:
    (collector,) = account.COLLECTORS
    ctx = _context(organization)
    (raw,) = list(collector.fetch(_factory(session), ctx))
    resource = collector.normalise(raw, ctx)
    assert resource is not None
    return resource


@pytest.fixture(scope="module")
def session(moto_server: MotoServer) -> boto3.Session:
    moto_server.reset()
    return boto3.Session(region_name=HOME)


@pytest.fixture(scope="module")
def bare(session: boto3.Session) -> Resource:
    """The account before anything is configured."""
    return _collect(session, None)


@pytest.fixture(scope="module")
def hardened(session: boto3.Session, bare: Resource) -> Resource:
    iam = session.client("iam")
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
    )
    iam.create_account_alias(AccountAlias="acme-prod")
    _factory(session)("s3control", HOME).put_public_access_block(
        AccountId=ACCOUNT,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    organization = {
        "organization_id": "o-abc123",
        "region_guardrail": GUARDRAIL,
        "region_guardrail_readable": True,
    }
    return _collect(session, organization)


def test_one_account_resource_with_a_stable_id(bare: Resource, hardened: Resource) -> None:
    assert bare.id == hardened.id == f"arn:aws:iam::{ACCOUNT}:root"
    assert bare.type == "account"
    assert bare.region == "global"
    assert bare.properties["regions"] == list(REGIONS)


def test_nothing_configured_is_null_not_false(bare: Resource) -> None:
    props = bare.properties
    assert props["password_policy"] is None
    assert props["public_access_block"] is None
    assert props["root_mfa"] is False
    assert props["region_guardrail"] is None
    assert props["region_guardrail_readable"] is False
    assert props["organization_id"] is None
    assert bare.name is None


def test_password_policy_and_account_public_access_block(hardened: Resource) -> None:
    assert hardened.name == "acme-prod"
    assert hardened.properties["password_policy"] == {
        "min_length": 14,
        "require_symbols": True,
        "require_numbers": True,
        "require_uppercase": True,
        "require_lowercase": True,
        "max_age_days": 90,
        "reuse_prevention": 24,
    }
    assert hardened.properties["public_access_block"] == {
        "block_public_acls": True,
        "ignore_public_acls": True,
        "block_public_policy": True,
        "restrict_public_buckets": True,
    }


def test_guardrail_comes_from_the_organisation(hardened: Resource) -> None:
    assert hardened.properties["organization_id"] == "o-abc123"
    assert hardened.properties["region_guardrail"] == GUARDRAIL
    assert hardened.properties["region_guardrail_readable"] is True
