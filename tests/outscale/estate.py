"""The OUTSCALE accounts the tests scan, built with the fake's item builders.

Four accounts, one OSC profile each (an OUTSCALE account lives in one Region):
`paris` (eu-west-2) with compliant and violating resources of every kind, enough
volumes to page, a malformed VM and an EIM user; `gouv` (cloudgouv-eu-west-1, the
SecNumCloud Region) with restricted data; `ohio` (us-east-2) with sensitive data outside
the EU; `denied`, whose keys may call nothing. Profile `paris-eim` is the EIM user's key
of the paris account; profile `ghost` is missing from the config file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cloudcensus.providers.outscale.fake import FakeOutscale, OscKey
from cloudcensus.providers.outscale.fake.estate import (
    DemoProfile,
    add_account,
    osc_config,
    seed_bucket,
)
from cloudcensus.providers.outscale.fake.items import (
    access_key,
    image,
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

PARIS, GOUV, OHIO, DENIED = "100000000001", "100000000002", "100000000003", "100000000004"
OTHER = "999999999999"  # another customer, whose public snapshot the API also lists
PAGED_VOLUMES = 12
EIM_ACCESS_KEY = "AKEIMAUDITOR00000001"
EIM_SECRET_KEY = "eim-secret-never-echo-0000000000000000000"


@dataclass(frozen=True)
class OscEstate:
    profiles: dict[str, DemoProfile]
    config: Path

    @property
    def secrets(self) -> list[str]:
        return [p.key.secret_key for p in self.profiles.values()]


def _paris(state: FakeOutscale, paris: DemoProfile) -> None:
    account, region = paris.account, paris.region
    ssh = security_group(
        "admin",
        account,
        inbound=[sg_rule(["0.0.0.0/0"], port=22), sg_rule(["10.0.0.0/8"], port=5432)],
    )
    web = vm(
        "web",
        account,
        region,
        public_ip="171.33.70.1",
        security_groups=[ssh["SecurityGroupId"]],
        tags={"owner": "web@example.org"},
    )
    db = vm("db", account, region, tags={"data-classification": "restricted"})
    state.add(account, "SecurityGroups", ssh, security_group("closed", account))
    state.add(account, "Vms", web, db, {"VmType": "tinav6.c1r1p2", "State": "pending"})
    state.add(
        account,
        "Volumes",
        volume("db-data", region, vm_id=db["VmId"], tags={"data-classification": "restricted"}),
    )
    state.add(
        account, "Volumes", *[volume(f"scratch-{n:02d}", region) for n in range(PAGED_VOLUMES - 1)]
    )
    state.add(
        account,
        "Snapshots",
        snapshot("db-nightly", account, volume_id=osc_id("vol", "db-data")),
        snapshot("someone-elses", OTHER, volume_id="vol-00000000", public=True),
    )
    state.add(account, "Images", image("golden", account), image("vendor-image", OTHER))
    state.add(
        account,
        "PublicIps",
        public_ip("web-ip", "171.33.70.1", vm_id=web["VmId"]),
        public_ip("spare-ip", "171.33.70.2"),
    )
    state.add(
        account,
        "LoadBalancers",
        load_balancer("front", region, internet_facing=True),
        load_balancer("back", region, internet_facing=False),
    )
    state.add(account, "Nets", net("main", "10.0.0.0/16"))
    state.add(
        account,
        "AccessKeys",
        access_key("AKOLDROOTKEY00000001", created="2023-02-01T08:00:00.000Z"),
        access_key(
            "AKEXPIREDKEY00000001",
            created="2024-02-01T08:00:00.000Z",
            expires="2025-02-01T08:00:00.000Z",
        ),
        access_key("AKDISABLEDKEY0000001", state="INACTIVE"),
    )
    state.add(account, "Users", user("auditor"))
    state.accounts[account].user_keys["auditor"].append(
        access_key(EIM_ACCESS_KEY, created="2026-05-01T08:00:00.000Z")
        | {"SecretKey": EIM_SECRET_KEY}
    )
    state.add_key(OscKey(EIM_ACCESS_KEY, EIM_SECRET_KEY, account, user="auditor"))


def build_estate(state: FakeOutscale, config: Path, api: str, oos: str | None) -> OscEstate:
    paris = add_account(state, "paris", PARIS, "eu-west-2", "Ministry")
    gouv = add_account(state, "gouv", GOUV, "cloudgouv-eu-west-1", "Ministry (SecNumCloud)")
    ohio = add_account(state, "ohio", OHIO, "us-east-2", "Ministry US")
    denied = add_account(state, "denied", DENIED, "eu-west-2", "Locked")
    _paris(state, paris)
    state.add(
        GOUV, "Vms", vm("gouv-app", GOUV, gouv.region, tags={"data-classification": "restricted"})
    )
    state.add(
        GOUV,
        "Volumes",
        volume("gouv-data", gouv.region, tags={"data-classification": "restricted"}),
    )
    state.add(
        OHIO,
        "Vms",
        vm(
            "ohio-app",
            OHIO,
            ohio.region,
            public_ip="142.44.1.1",
            tags={"data-classification": "sensitive"},
        ),
    )
    state.deny(".", account=DENIED)
    eim = DemoProfile(
        "paris-eim", PARIS, paris.region, OscKey(EIM_ACCESS_KEY, EIM_SECRET_KEY, PARIS, "auditor")
    )
    profiles = {p.name: p for p in (paris, gouv, ohio, denied, eim)}
    osc_config(config, list(profiles.values()), api, oos or api)
    if oos is not None:
        seed_bucket(
            oos, paris, "osc-test-paris-private", tags={"data-classification": "restricted"}
        )
        seed_bucket(oos, paris, "osc-test-paris-public", public=True)
        seed_bucket(oos, gouv, "osc-test-gouv-archive")
        seed_bucket(oos, ohio, "osc-test-ohio-exports", public=True)
    return OscEstate(profiles, config)
