"""Fake OUTSCALE accounts for tests and the demo, their OSC config file, and OOS buckets.

`add_account` creates an account in one Region with a root key; `osc_config` writes the
OSC config file (`~/.osc/config.json` format) whose profiles point osc-sdk-python and
OOS at the fake; `seed_bucket` creates a bucket through the fake's OOS. `seed_demo`
builds the demo: an account in eu-west-2 (France) and one in us-east-2 (United States).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

from cloudcensus.fakes import BucketOptions, create_bucket
from cloudcensus.providers.outscale.fake.items import (
    access_key,
    account_info,
    api_log,
    load_balancer,
    net,
    osc_id,
    public_ip,
    security_group,
    sg_rule,
    snapshot,
    user,
    vm,
    volume,
)
from cloudcensus.providers.outscale.fake.state import FakeAccount, FakeOutscale, OscKey

__all__ = ["DemoProfile", "add_account", "osc_config", "seed_bucket", "seed_demo"]


@dataclass(frozen=True)
class DemoProfile:
    """One OSC profile: its name, its account and the root key that opens it."""

    name: str
    account: str
    region: str
    key: OscKey


def add_account(
    state: FakeOutscale, profile: str, account: str, region: str, company: str
) -> DemoProfile:
    """An account in `region` with one active root key (fake values: they open the fake
    only; the secret is 40 characters like OUTSCALE's)."""
    access = f"AK{account}{profile.upper()[:6]}".ljust(20, "0")[:20]
    secret = f"SK{account}{profile}".ljust(40, "x")[:40]
    key = OscKey(access, secret, account)
    state.add_account(FakeAccount(account, region, account_info(account, company)), key)
    state.add(account, "AccessKeys", access_key(access, tag="scanner"))
    state.add(account, "Logs", api_log(account, access))
    return DemoProfile(profile, account, region, key)


def osc_config(path: Path, profiles: list[DemoProfile], api: str, oos: str) -> Path:
    """Write an OSC config file whose profiles use the fake's endpoints."""
    config = {
        p.name: {
            "access_key": p.key.access_key,
            "secret_key": p.key.secret_key,
            "region": p.region,
            "endpoints": {"api": api, "oos": oos},
        }
        for p in profiles
    }
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)
    return path


def seed_bucket(
    endpoint: str, profile: DemoProfile, name: str, **options: Unpack[BucketOptions]
) -> None:
    """Create a bucket in the profile's account and Region through the fake's OOS."""
    key = profile.key
    create_bucket(endpoint, key.access_key, key.secret_key, profile.region, name, **options)


def seed_demo(state: FakeOutscale, oos_endpoint: str | None) -> list[DemoProfile]:
    """Two accounts: `demo-paris` (eu-west-2) and `demo-ohio` (us-east-2, outside the EU)."""
    paris = add_account(state, "demo-paris", "482731950146", "eu-west-2", "Demo Ministry")
    ohio = add_account(state, "demo-ohio", "739104628315", "us-east-2", "Demo Ministry US")
    web_sg = security_group(
        "web",
        paris.account,
        inbound=[sg_rule(["0.0.0.0/0"], port=22), sg_rule(["0.0.0.0/0"], port=443)],
    )
    web = vm(
        "paris-web",
        paris.account,
        paris.region,
        public_ip="171.33.64.10",
        security_groups=[web_sg["SecurityGroupId"]],
        tags={"owner": "web@example.org", "data-classification": "internal"},
    )
    state.add(paris.account, "SecurityGroups", web_sg)
    state.add(
        paris.account,
        "Vms",
        web,
        vm("paris-db", paris.account, paris.region, tags={"data-classification": "sensitive"}),
    )
    data = volume(
        "paris-db-data",
        paris.region,
        vm_id=osc_id("i", "paris-db"),
        tags={"data-classification": "sensitive"},
    )
    state.add(paris.account, "Volumes", data)
    state.add(
        paris.account,
        "Snapshots",
        snapshot("paris-db-nightly", paris.account, volume_id=data["VolumeId"]),
    )
    state.add(
        paris.account, "PublicIps", public_ip("paris-web-ip", "171.33.64.10", vm_id=web["VmId"])
    )
    state.add(
        paris.account,
        "LoadBalancers",
        load_balancer("paris-front", paris.region, internet_facing=True),
    )
    state.add(paris.account, "Nets", net("paris-net", "10.0.0.0/16"))
    state.add(paris.account, "Users", user("ci-deployer"))
    paris_account = state.accounts[paris.account]
    paris_account.user_keys["ci-deployer"].append(
        access_key("AKCIDEPLOYER00000001", created="2023-01-15T08:00:00.000Z")
    )
    state.add(
        ohio.account,
        "Vms",
        vm(
            "ohio-analytics",
            ohio.account,
            ohio.region,
            public_ip="142.44.10.7",
            tags={"data-classification": "sensitive"},
        ),
    )
    state.add(
        ohio.account,
        "Volumes",
        volume("ohio-analytics-data", ohio.region, vm_id=osc_id("i", "ohio-analytics")),
    )
    state.add(
        ohio.account,
        "Snapshots",
        snapshot(
            "ohio-shared", ohio.account, volume_id=osc_id("vol", "ohio-analytics-data"), public=True
        ),
    )
    if oos_endpoint is not None:
        seed_bucket(
            oos_endpoint, paris, "demo-paris-archive", tags={"data-classification": "sensitive"}
        )
        seed_bucket(oos_endpoint, ohio, "demo-ohio-exports", public=True)
    return [paris, ohio]
