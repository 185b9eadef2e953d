"""The OUTSCALE provider against the fake API: every kind of resource normalised into the
shared inventory shapes, each account in its Region with that Region's jurisdiction
(the SecNumCloud Region's qualification included), across pages and despite bad items.

One collection of the test profiles (module-scoped `inventory`) through the real engine.
"""

from __future__ import annotations

from cloudcensus.providers.outscale.account import KEPT_FIELDS
from cloudcensus.providers.outscale.collectors import ALL_COLLECTORS
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from tests.outscale.estate import EIM_SECRET_KEY, GOUV, OHIO, PAGED_VOLUMES, PARIS
from tests.support.collecting import Collected


def test_every_collector_finds_what_the_estate_holds(inventory: Collected) -> None:
    produced = {e.collector for e in inventory.coverage if e.resources}
    assert {c.name for c in ALL_COLLECTORS} <= produced


def test_each_account_is_scanned_in_its_region_with_its_offering(
    inventory: Collected,
) -> None:
    regions = {r.account: r.region for r in inventory.resources if r.region != "global"}
    assert regions == {PARIS: "eu-west-2", GOUV: "cloudgouv-eu-west-1", OHIO: "us-east-2"}
    paris = inventory.named("compute.instance", "web")
    gouv = inventory.named("compute.instance", "gouv-app")
    ohio = inventory.named("compute.instance", "ohio-app")
    assert (paris.location.country, gouv.location.country, ohio.location.country) == (
        "FR",
        "FR",
        "US",
    )
    assert paris.jurisdiction is not None
    assert gouv.jurisdiction is not None
    assert ohio.jurisdiction is not None
    assert paris.jurisdiction.certifications == ()
    assert gouv.jurisdiction.certifications == ("SecNumCloud",)
    assert (ohio.jurisdiction.operator, ohio.jurisdiction.non_eu_law) == ("OUTSCALE, Inc.", True)
    assert paris.jurisdiction.operator == "3DS OUTSCALE SAS"
    assert not paris.jurisdiction.non_eu_law


def test_vms_say_whether_they_are_reachable_from_the_internet(inventory: Collected) -> None:
    web = inventory.named("compute.instance", "web")
    db = inventory.named("compute.instance", "db")
    assert web.properties["public"] is True
    assert web.properties["public_ips"] == ["171.33.70.1"]
    assert web.properties["security_groups"] == [web.raw["SecurityGroups"][0]["SecurityGroupId"]]
    assert db.properties["public"] is False
    assert db.tags == {"Name": "db", "data-classification": "restricted"}
    assert web.id == f"outscale:eu-west-2:{PARIS}:vm/{web.raw['VmId']}"


def test_security_groups_list_address_ranges_per_port(inventory: Collected) -> None:
    admin = inventory.named("network.security_group", "admin")
    assert admin.properties["ingress"] == [
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 5432, "to_port": 5432, "source": "10.0.0.0/8"},
    ]
    assert admin.properties["egress"] == [
        {"protocol": "all", "from_port": None, "to_port": None, "source": "0.0.0.0/0"}
    ]
    assert admin.properties["attached"] is None  # not in the payload: unknown


def test_volumes_and_snapshots_with_unknown_encryption(inventory: Collected) -> None:
    data = inventory.named("storage.volume", "db-data")
    assert data.properties["attached_to"] == [inventory.named("compute.instance", "db").raw["VmId"]]
    assert data.properties["size_gb"] == 10
    assert data.properties["encrypted"] is None
    nightly = inventory.named("storage.snapshot", "db-nightly")
    assert nightly.properties["public"] is False
    assert nightly.properties["source_volume"] == data.raw["VolumeId"]
    # Only the account's own snapshots and images: another customer's public ones are not.
    assert [r.name for r in inventory.of_type("storage.snapshot")] == ["db-nightly"]
    assert [r.name for r in inventory.of_type("other")] == ["golden"]


def test_public_ips_load_balancers_and_nets(inventory: Collected) -> None:
    web_ip = inventory.named("network.public_ip", "171.33.70.1")
    assert (
        web_ip.properties["attached_to"] == inventory.named("compute.instance", "web").raw["VmId"]
    )
    assert inventory.named("network.public_ip", "171.33.70.2").properties["attached_to"] is None
    front = inventory.named("network.load_balancer", "front")
    back = inventory.named("network.load_balancer", "back")
    assert (front.properties["public"], back.properties["public"]) == (True, False)
    assert front.properties["scheme"] == "internet-facing"
    assert inventory.named("network.network", "main").properties == {
        "cidr_blocks": ["10.0.0.0/16"],
        "default": False,
    }


def test_access_keys_of_the_account_and_its_eim_users(inventory: Collected) -> None:
    keys = {r.name: r for r in inventory.of_type("identity.access_key", PARIS)}
    old = keys["AKOLDROOTKEY00000001"]
    assert (old.properties["status"], old.created is not None) == ("active", True)
    assert keys["AKEXPIREDKEY00000001"].properties["status"] == "inactive"  # past expiry
    assert keys["AKDISABLEDKEY0000001"].properties["status"] == "inactive"
    eim = keys["AKEIMAUDITOR00000001"]
    assert eim.properties["owner"] == "auditor"
    assert keys["scanner"].properties["owner"] is None  # the caller's own key
    assert "SecretKey" not in eim.raw
    assert all(EIM_SECRET_KEY not in str(r.raw) for r in inventory.resources)


def test_the_account_record_has_its_region_guardrail_and_no_personal_data(
    inventory: Collected,
) -> None:
    [account] = inventory.of_type("account", PARIS)
    assert account.properties["region_guardrail"] == {
        "allowed_regions": ["eu-west-2"],
        "policy_ids": [],
    }
    assert account.properties["regions"] == ["eu-west-2"]
    assert set(account.raw) <= set(KEPT_FIELDS)
    assert "admin@example.org" not in str(account.raw)


def test_each_account_has_its_api_log_as_an_audit_trail_without_caller_details(
    inventory: Collected,
) -> None:
    trails = {r.account: r for r in inventory.of_type("logging.audit_trail")}
    assert set(trails) == {PARIS, GOUV, OHIO}  # the denied account may not read its log
    paris = trails[PARIS]
    assert paris.properties == {
        "logging": True,
        "multi_region": True,  # the account exists in its one Region
        "home_region": "eu-west-2",
        "log_file_validation": None,
        "key_id": None,
        "destination": None,
    }
    assert paris.raw["LatestCall"] == {
        "QueryCallName": "ReadVms",
        "QueryDate": "2026-03-01T08:59:00.000Z",
    }
    dumped = str([t.raw for t in trails.values()])
    assert "198.51.100.7" not in dumped
    assert "QueryAccessKey" not in dumped
    assert paris.region == "global"
    assert paris.jurisdiction is not None


def test_oos_buckets_per_account_and_region(inventory: Collected) -> None:
    private = inventory.named("storage.bucket", "osc-test-paris-private")
    public = inventory.named("storage.bucket", "osc-test-paris-public")
    exports = inventory.named("storage.bucket", "osc-test-ohio-exports")
    assert private.properties["public"] is False
    assert (public.properties["public"], public.properties["public_via"]) == (True, ["acl"])
    assert private.tags == {"data-classification": "restricted"}
    assert (private.account, exports.account) == (PARIS, OHIO)
    assert exports.location.country == "US"


def test_paged_listings_are_read_to_the_end(inventory: Collected) -> None:
    # ResultsPerPage 5: three pages of ReadVolumes in the paris account.
    assert len(inventory.of_type("storage.volume", PARIS)) == PAGED_VOLUMES


def test_gaps_name_the_malformed_item_the_denied_and_the_missing_profile(
    inventory: Collected,
) -> None:
    gaps = {(e.account, e.collector): e for e in inventory.gaps}
    assert set(gaps) == {
        (PARIS, "osc.vms"),
        ("profile:denied", "*"),
        ("profile:ghost", "*"),
    }
    malformed = gaps[PARIS, "osc.vms"]
    assert (malformed.status, malformed.error_kind) == (CoverageStatus.PARTIAL, ErrorKind.MALFORMED)
    assert "'VmId'" in (malformed.message or "")
    assert malformed.resources == 2  # the two good VMs were kept
    denied = gaps["profile:denied", "*"]
    assert denied.error_kind is ErrorKind.ACCESS_DENIED
    assert "HTTP 401 AccessDenied (code 4)" in (denied.message or "")
    assert "not found or invalid" in (gaps["profile:ghost", "*"].message or "")
