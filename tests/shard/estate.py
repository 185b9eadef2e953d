"""A small AWS organisation for sharding: a management account and `MEMBERS` member
accounts, each with one unencrypted bucket of its own (a failing finding per account)
in one region. Seeded with one client thread into a moto process of this package.

moto draws account ids at random, so the shard an account falls in is random too: more
members are added (up to `MAX_MEMBERS`) until every shard of a 2- and a 3-way split owns
at least one account, which the tests that compare shards rely on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import boto3

from cloudcensus.demo.motoserver import FAKE_AWS_ENV
from cloudcensus.wire.v1 import shard_index

__all__ = ["CONFIG", "MEMBERS", "REGION", "Organisation", "build_organisation"]

REGION: Final = "eu-west-1"
MEMBERS = 6
MAX_MEMBERS = 40
#: Split sizes for which every shard must own at least one account of the organisation.
SPLITS: Final = (2, 3)
ROLE = "OrganizationAccountAccessRole"

#: The agent configuration of the tests: every account of the organisation, one region.
CONFIG = f"""\
workers: 6
providers:
  aws:
    mode: organization
    home_region: {REGION}
    regions: [{REGION}]
    role_name: {ROLE}
    max_attempts: 2
    resource_explorer: false
rules: [baseline]
"""


@dataclass(frozen=True)
class Organisation:
    management: str
    members: tuple[str, ...]

    @property
    def accounts(self) -> tuple[str, ...]:
        return (self.management, *self.members)


def _session(credentials: Mapping[str, Any] | None = None) -> boto3.Session:
    credentials = credentials or {}
    keys = {
        "aws_access_key_id": credentials.get("AccessKeyId", FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"]),
        "aws_secret_access_key": credentials.get(
            "SecretAccessKey", FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]
        ),
        "aws_session_token": credentials.get("SessionToken", FAKE_AWS_ENV["AWS_SESSION_TOKEN"]),
    }
    return boto3.Session(region_name=REGION, **keys)


def _bucket(session: boto3.Session, endpoint: str, name: str) -> None:
    s3 = session.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


def _every_shard_owned(accounts: tuple[str, ...]) -> bool:
    return all(
        {shard_index("aws", account, count) for account in accounts} == set(range(count))
        for count in SPLITS
    )


def build_organisation(endpoint: str) -> Organisation:
    """Create the organisation, its members and one bucket per account."""
    management = _session()
    org = management.client("organizations", endpoint_url=endpoint)
    org.create_organization(FeatureSet="ALL")
    sts = management.client("sts", endpoint_url=endpoint)
    own: str = sts.get_caller_identity()["Account"]
    members: list[str] = []
    number = 0
    while number < MEMBERS or not _every_shard_owned((own, *members)):
        if number == MAX_MEMBERS:
            raise RuntimeError(f"{number} member accounts still leave a shard empty")
        created = org.create_account(AccountName=f"team-{number}", Email=f"t{number}@example.org")
        account: str = created["CreateAccountStatus"]["AccountId"]
        members.append(account)
        role = f"arn:aws:iam::{account}:role/{ROLE}"
        credentials = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
        _bucket(_session(credentials), endpoint, f"shard-data-{account}")
        number += 1
    _bucket(management, endpoint, f"shard-data-{own}")
    return Organisation(own, tuple(members))
