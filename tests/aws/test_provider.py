"""The AWS provider end to end against moto: organisation, AssumeRole, regions, faults.

Every scan goes through the fault proxy (tests/aws/faultproxy.py), which forwards to moto
and injects the refusals moto cannot produce.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import ec2, rds, s3
from cloudcensus.providers.aws.provider import AwsProvider
from cloudcensus.providers.aws.session import (
    AccountClients,
    assume_role_session,
    botocore_config,
)
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.providers.base import CollectionTask, Provider, ProviderError, Scope
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import Resource

from .estate import MANAGEMENT, REGIONS, Estate
from .faultproxy import FaultProxy

MINE = (*ec2.COLLECTORS, *s3.COLLECTORS, *rds.COLLECTORS)
SECRET_EXTERNAL_ID = "ext-4f1c9a77-do-not-echo"


def _provider(**settings: object) -> AwsProvider:
    options: dict[str, object] = {"regions": list(REGIONS), **settings}
    return AwsProvider(AwsSettings.model_validate(options), collectors=MINE)


def _run(task: CollectionTask) -> list[Resource]:
    return [r for r in map(task.normalise, task.fetch()) if r is not None]


def _scan(provider: AwsProvider, scope: Scope) -> list[Resource]:
    """What the engine does, minus bookkeeping: the tasks of one scope, in parallel."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return [r for batch in pool.map(_run, provider.tasks(scope)) for r in batch]


@pytest.fixture(scope="module")
def inventory(estate: Estate, fault_proxy: FaultProxy) -> dict[str, list[Resource]]:
    """One organisation-mode scan of the estate: account -> resources."""
    with pytest.MonkeyPatch.context() as patch:
        fault_proxy.clear()
        patch.setenv("HTTP_PROXY", fault_proxy.url)
        provider = _provider(mode="organization")
        return {scope.account: _scan(provider, scope) for scope in provider.scopes()}


def _one(resources: list[Resource], id_suffix: str) -> Resource:
    found = [r for r in resources if r.id.endswith(id_suffix)]
    assert len(found) == 1, f"{id_suffix}: {[r.id for r in resources]}"
    return found[0]


def test_provider_satisfies_the_protocol() -> None:
    assert isinstance(_provider(), Provider)


def test_organisation_scopes_are_the_active_accounts_with_names(
    estate: Estate, through_proxy: FaultProxy
) -> None:
    scopes = {s.account: s for s in _provider(mode="organization").scopes()}
    assert set(scopes) == {MANAGEMENT, estate.prod, estate.dev}
    assert scopes[estate.prod].name == "prod"
    assert {s.offering for s in scopes.values()} == {"aws"}
    without = _provider(mode="auto", include_management_account=False).scopes()
    assert {s.account for s in without} == {estate.prod, estate.dev}


def test_compute_resources_normalise_end_to_end(
    estate: Estate, inventory: dict[str, list[Resource]]
) -> None:
    prod = inventory[estate.prod]
    instance = _one(prod, estate.ids["eu-west-1:instance"])
    assert instance.id.startswith(f"arn:aws:ec2:eu-west-1:{estate.prod}:instance/")
    assert instance.name == "web"
    assert instance.location.country == "IE"
    assert instance.properties["public"] is True
    assert instance.properties["security_groups"] == [estate.ids["eu-west-1:open_sg"]]
    sealed = _one(prod, estate.ids["eu-west-1:sealed"]).properties
    assert (sealed["encrypted"], sealed["key_management"]) == (True, "customer")
    assert sealed["key_id"] == estate.ids["eu-west-1:key"]
    assert _one(prod, estate.ids["eu-west-1:plain"]).properties["encrypted"] is False
    assert _one(prod, estate.ids["eu-west-1:snapshot"]).properties["public"] is True
    group = _one(prod, estate.ids["eu-west-1:open_sg"]).properties
    assert {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "::/0"} in group["ingress"]
    assert group["attached"] is True
    assert _one(prod, estate.ids["eu-west-1:closed_sg"]).properties["attached"] is False
    vpc = _one(prod, estate.ids["eu-west-1:vpc"])
    assert (vpc.type, vpc.properties) == (
        "network.network",
        {"cidr_blocks": ["10.20.0.0/16"], "default": False},
    )
    eip = _one(prod, estate.ids["eu-west-1:eip"]).properties
    assert eip["attached_to"] == estate.ids["eu-west-1:instance"]
    assert eip["address"] in instance.properties["public_ips"]


def test_buckets_are_read_once_per_account_in_their_own_region(
    estate: Estate, inventory: dict[str, list[Resource]]
) -> None:
    prod = inventory[estate.prod]
    main = _one(prod, f":::{estate.ids[f'{estate.prod}:bucket']}")
    assert (main.region, main.location.country, main.location.eu) == ("eu-west-1", "IE", True)
    props = main.properties
    assert (props["encrypted"], props["key_management"]) == (True, "customer")
    assert props["versioning"] is True
    assert props["public"] is False
    assert props["public_access_blocked"] is True
    replica = estate.ids[f"{estate.prod}:replica"]
    assert props["replicas"] == [
        {
            "id": f"arn:aws:s3:::{replica}",
            "region": "us-east-1",
            "country": "US",
            "eu": False,
            "eea": False,
        }
    ]
    public = _one(prod, f":::{estate.ids[f'{estate.prod}:public']}").properties
    assert (public["public"], public["public_via"]) == (True, ["acl"])
    buckets = [r for r in prod if r.type == "storage.bucket"]
    assert len(buckets) == 3  # one global task per account: no bucket repeated per region
    assert not any(estate.dev in r.id for r in buckets)


def test_databases_with_cross_region_replica(
    estate: Estate, inventory: dict[str, list[Resource]]
) -> None:
    prod = inventory[estate.prod]
    orders = _one(prod, f"{estate.prod}:db:orders")
    assert orders.region == "eu-west-1"
    props = orders.properties
    assert (props["public"], props["encrypted"], props["multi_az"]) == (False, True, True)
    assert (props["backup_retention_days"], props["backup_enabled"]) == (7, True)
    assert [(r["region"], r["country"]) for r in props["replicas"]] == [("us-east-1", "US")]
    scratch = _one(prod, f"{estate.prod}:db:scratch").properties
    assert (scratch["public"], scratch["encrypted"], scratch["backup_enabled"]) == (
        True,
        False,
        False,
    )


def test_member_accounts_are_separate(estate: Estate, inventory: dict[str, list[Resource]]) -> None:
    for account, resources in inventory.items():
        assert {r.account for r in resources} == {account}
    assert not [r for r in inventory[estate.dev] if r.type == "compute.instance"]
    dev_db = _one(inventory[estate.dev], f"{estate.dev}:db:orders")
    assert dev_db.location.country == "DE"


def test_region_guardrail_from_scps_of_root_and_ou(
    estate: Estate, through_proxy: FaultProxy
) -> None:
    provider = _provider(mode="organization")
    prod = provider.organization_context(estate.prod)
    assert prod == {
        "organization_id": estate.organization_id,
        "region_guardrail": {
            "allowed_regions": ["eu-west-1"],
            "policy_ids": sorted([estate.root_policy, estate.ou_policy]),
        },
        "region_guardrail_readable": True,
    }
    dev = provider.organization_context(estate.dev)
    assert dev is not None
    assert dev["region_guardrail"]["allowed_regions"] == ["eu-central-1", "eu-west-1"]


def test_tasks_cover_configured_regions_and_global_once(
    estate: Estate, through_proxy: FaultProxy
) -> None:
    provider = _provider(mode="accounts", accounts=[estate.dev], exclude_regions=["us-east-1"])
    scopes = list(provider.scopes())
    assert [s.account for s in scopes] == [estate.dev]
    tasks = provider.tasks(scopes[0])
    regional = {(t.collector, t.region) for t in tasks if t.collector != "s3.buckets"}
    assert {region for _, region in regional} == {"eu-west-1", "eu-central-1"}
    assert [t.region for t in tasks if t.collector == "s3.buckets"] == ["global"]
    assert len(tasks) == len(regional) + 1


def test_regions_default_to_the_enabled_ones(estate: Estate, through_proxy: FaultProxy) -> None:
    answer = boto3.client("ec2", region_name="eu-west-1").describe_regions(AllRegions=True)
    status = {r["RegionName"]: r["OptInStatus"] for r in answer["Regions"]}
    provider = _provider(mode="single", regions=None, exclude_regions=["eu-west-2"])
    scope = next(iter(provider.scopes()))
    assert scope.account == MANAGEMENT
    regions = {t.region for t in provider.tasks(scope)} - {"global"}
    not_opted_in = {r for r, s in status.items() if s == "not-opted-in"}
    assert not_opted_in, "the emulator should know opt-in regions"
    assert regions == set(status) - not_opted_in - {"eu-west-2"}


def test_one_account_denied_fails_alone_with_a_clean_message(
    estate: Estate, through_proxy: FaultProxy
) -> None:
    through_proxy.denied_accounts.add(estate.prod)
    provider = _provider(mode="organization", external_id=SECRET_EXTERNAL_ID)
    scopes = {s.account: s for s in provider.scopes()}
    with pytest.raises(ProviderError) as raised:
        provider.tasks(scopes[estate.prod])
    kind, message = provider.classify(raised.value)
    assert kind is ErrorKind.ACCESS_DENIED
    assert f"arn:aws:iam::{estate.prod}:role/OrganizationAccountAccessRole" in message
    assert SECRET_EXTERNAL_ID not in message
    assert "testing" not in message  # the caller's (emulator) keys
    dev_tasks = [t for t in provider.tasks(scopes[estate.dev]) if t.collector == "rds.instances"]
    assert any(_run(task) for task in dev_tasks)  # the other accounts still collect


def test_throttled_call_is_retried_then_classified(
    estate: Estate, through_proxy: FaultProxy
) -> None:
    through_proxy.throttled_actions.add("DescribeVpcs")
    provider = _provider(mode="single", regions=["eu-west-1"], max_attempts=2)
    scope = next(iter(provider.scopes()))
    task = next(t for t in provider.tasks(scope) if t.collector == "ec2.vpcs")
    with pytest.raises(ClientError) as raised:
        list(task.fetch())
    kind, message = provider.classify(raised.value)
    assert kind is ErrorKind.THROTTLED
    assert "RequestLimitExceeded" in message
    assert through_proxy.hits["DescribeVpcs"] == 2  # botocore retried once, as configured


def test_account_public_access_block_is_read_on_a_plain_emulator_endpoint(
    estate: Estate, moto_server: MotoServer
) -> None:
    """No proxy and no hook: S3 Control's `<account>.127.0.0.1` host is routed by the
    provider itself, so the account-level block reaches every bucket of the account."""
    assert "HTTP_PROXY" not in os.environ
    assert os.environ["AWS_ENDPOINT_URL"] == moto_server.endpoint
    block = dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
        True,
    )
    control = _member_clients(estate.prod)("s3control", "eu-west-1")
    control.put_public_access_block(AccountId=estate.prod, PublicAccessBlockConfiguration=block)
    try:
        settings = AwsSettings(mode="accounts", accounts=[estate.prod], regions=["eu-west-1"])
        provider = AwsProvider(settings, collectors=s3.COLLECTORS)
        (task,) = provider.tasks(next(iter(provider.scopes())))
        buckets = _run(task)
    finally:  # the module's other tests read the estate as seeded
        control.delete_public_access_block(AccountId=estate.prod)
    assert len(buckets) == 3
    for bucket in buckets:
        assert "AccountPublicAccessBlock" not in bucket.raw["Errors"]
        assert bucket.properties["account_public_access_block"] == dict.fromkeys(
            (
                "block_public_acls",
                "ignore_public_acls",
                "block_public_policy",
                "restrict_public_buckets",
            ),
            True,
        )
        assert bucket.properties["public_access_blocked"] is True


def _member_clients(account: str) -> AccountClients:
    """The provider's client factory for a member account, as `tasks` builds it."""
    sts = boto3.client("sts", region_name="eu-west-1")
    arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    settings = AwsSettings()
    session = assume_role_session(sts, arn, settings, "eu-west-1")
    return AccountClients(session, botocore_config(settings))
