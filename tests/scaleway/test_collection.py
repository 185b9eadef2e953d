"""The Scaleway provider against the fake API: every product normalised into the shared
inventory shapes, with location and jurisdiction, across projects, zones and pages.

One collection of the whole estate (module-scoped `inventory`) through the real engine;
each test reads what a rule or a security team relies on.
"""

from __future__ import annotations

from cloudcensus.providers.scaleway.collectors import ALL_COLLECTORS
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from tests.scaleway.estate import APPS, LOCKED, ORG, PAGED_SERVERS
from tests.support.collecting import Collected


def test_every_collector_finds_what_the_estate_holds(inventory: Collected) -> None:
    # A collector whose type the estate does not exercise would go untested.
    produced = {(e.collector, e.account) for e in inventory.coverage if e.resources}
    assert {c.name for c in ALL_COLLECTORS} <= {name for name, _ in produced}


def test_servers_say_whether_they_are_reachable_from_the_internet(inventory: Collected) -> None:
    web = inventory.named("compute.instance", "web-1")
    db = inventory.named("compute.instance", "db-1")
    assert web.properties["public"] is True
    assert web.properties["public_ips"] == ["51.15.0.21"]
    assert web.properties["state"] == "running"
    assert web.properties["instance_type"] == "PRO2-XS"
    assert db.properties["public"] is False
    assert db.properties["network"] is not None
    assert web.region == "fr-par"
    assert web.raw["zone"] == "fr-par-1"
    assert web.id.startswith("scaleway:fr-par-1:instance_server/")
    assert web.tags == {
        "owner": "web@example.org",
        "cost-centre": "CC-210",
        "data-classification": "internal",
    }


def test_every_resource_carries_location_and_the_french_jurisdiction(
    inventory: Collected,
) -> None:
    located = [r for r in inventory.resources if r.region != "global"]
    assert {r.location.country for r in located} == {"FR", "NL", "PL"}
    assert all(r.location.eu for r in located)
    assert {r.jurisdiction.operator for r in inventory.resources if r.jurisdiction} == {
        "Scaleway SAS"
    }
    assert all(r.jurisdiction and not r.jurisdiction.non_eu_law for r in inventory.resources)
    warsaw = inventory.of_type("compute.instance", APPS)
    assert {r.location.country for r in warsaw} == {"PL"}


def test_security_groups_expose_accept_rules_and_an_accepting_default_policy(
    inventory: Collected,
) -> None:
    web = inventory.named("network.security_group", "sg-web")
    assert web.properties["ingress"] == [
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"},
    ]
    assert web.properties["attached"] is True
    # Inbound default policy "accept": everything no rule matches gets in.
    wide_open = inventory.named("network.security_group", "sg-default-accept")
    assert {r["source"] for r in wide_open.properties["ingress"]} == {"0.0.0.0/0", "::/0"}
    assert {r["protocol"] for r in wide_open.properties["ingress"]} == {"all"}
    assert wide_open.properties["attached"] is False


def test_volumes_from_both_apis_are_reported_once_with_unknown_encryption(
    inventory: Collected,
) -> None:
    scratch = inventory.named("storage.volume", "web-1-scratch")
    data = inventory.named("storage.volume", "web-1-data")
    assert scratch.properties["attached_to"] != []
    assert data.properties["attached_to"] != []
    assert (scratch.properties["size_gb"], data.properties["size_gb"]) == (20, 50)
    assert scratch.properties["encrypted"] is None
    assert data.properties["encrypted"] is None
    # The SBS volume the Instance API also lists is reported by the Block Storage API only.
    assert not [r for r in inventory.resources if r.name == "web-1-sbs"]
    snapshot = inventory.named("storage.snapshot", "web-1-data-nightly")
    assert snapshot.properties["source_volume"] == data.raw["id"]
    assert snapshot.properties["public"] is False


def test_databases_show_public_endpoints_encryption_and_backups(inventory: Collected) -> None:
    orders = inventory.named("database.instance", "orders-db")
    legacy = inventory.named("database.instance", "legacy-db")
    assert (orders.properties["engine"], orders.properties["engine_version"]) == (
        "postgresql",
        "15",
    )
    assert orders.properties["public"] is False
    assert legacy.properties["public"] is True
    assert orders.properties["encrypted"] is True
    assert orders.properties["key_management"] == "provider"
    assert legacy.properties["encrypted"] is False
    assert orders.properties["backup_enabled"] is True
    assert orders.properties["backup_retention_days"] == 7
    assert legacy.properties["backup_enabled"] is False
    assert legacy.properties["backup_retention_days"] == 0


def test_kapsule_clusters_show_who_may_reach_the_api_server(inventory: Collected) -> None:
    open_ = inventory.named("container.cluster", "apps")
    office = inventory.named("container.cluster", "office-cluster")
    denied = inventory.named("container.cluster", "denied-acl-cluster")
    assert open_.properties["public_endpoint"] is True
    assert open_.properties["public_access_cidrs"] == ["0.0.0.0/0"]
    assert office.properties["public_access_cidrs"] == ["203.0.113.0/24", "scaleway"]
    # A refused ACL read keeps the cluster, its ranges unknown, and says why.
    assert denied.properties["public_access_cidrs"] is None
    assert denied.raw["Errors"] == {"acls": "permissions_denied"}


def test_api_keys_are_organisation_wide_with_age_owner_and_expiry(inventory: Collected) -> None:
    keys = {r.name: r for r in inventory.of_type("identity.access_key")}
    assert set(keys) == {"cloudcensus scanner", "ci deploy key", "expired", "recent"}
    assert {r.account for r in keys.values()} == {ORG}  # once, with the default project
    ci = keys["ci deploy key"]
    assert ci.properties["status"] == "active"
    assert ci.created is not None
    assert ci.created.year == 2023
    assert ci.properties["owner"] is not None
    assert keys["expired"].properties["status"] == "inactive"
    assert all(r.region == "global" and r.location.country is None for r in keys.values())


def test_buckets_are_public_through_acl_or_policy_and_read_per_project(
    inventory: Collected,
) -> None:
    acl = inventory.named("storage.bucket", "demo-public-assets")
    policy = inventory.named("storage.bucket", "scw-test-policy-public")
    private = inventory.named("storage.bucket", "scw-test-private")
    assert (acl.properties["public"], acl.properties["public_via"]) == (True, ["acl"])
    assert (policy.properties["public"], policy.properties["public_via"]) == (True, ["policy"])
    assert private.properties["public"] is False
    assert (acl.region, policy.region, private.region) == ("fr-par", "nl-ams", "pl-waw")
    assert private.properties["encrypted"] is True
    assert private.properties["versioning"] is True
    assert private.tags == {"data-classification": "restricted"}
    assert acl.properties["public_access_blocked"] is False  # no such control on Scaleway
    apps = inventory.named("storage.bucket", "scw-test-apps-assets")
    assert (acl.account, apps.account) == (ORG, APPS)


def test_projects_are_account_records_and_vpcs_keep_their_ranges(inventory: Collected) -> None:
    accounts = {r.account: r for r in inventory.of_type("account")}
    assert set(accounts) == {ORG, APPS}  # the locked project could not be read
    assert accounts[ORG].properties["regions"] == ["fr-par", "nl-ams", "pl-waw"]
    assert accounts[ORG].properties["region_guardrail"] is None
    vpc = inventory.named("network.network", "default")
    assert vpc.properties == {"cidr_blocks": ["172.16.0.0/22"], "default": True}
    assert inventory.named("other", "pn-app").native_type == "vpc.private_network"


def test_paged_listings_are_read_to_the_end(inventory: Collected) -> None:
    # page_size 10: three pages of the Instance API (X-Total-Count) in pl-waw-1.
    workers = [r for r in inventory.of_type("compute.instance", APPS)]
    assert len(workers) == PAGED_SERVERS
    assert len({r.id for r in workers}) == PAGED_SERVERS


def test_a_malformed_item_is_named_and_the_rest_of_its_listing_kept(
    inventory: Collected,
) -> None:
    [partial] = [e for e in inventory.coverage if e.status is CoverageStatus.PARTIAL]
    assert (partial.account, partial.region, partial.collector) == (
        ORG,
        "fr-par-2",
        "instance.servers",
    )
    assert partial.error_kind is ErrorKind.MALFORMED
    assert "half-created" in (partial.message or "")
    assert "'id'" in (partial.message or "")


def test_a_project_the_key_may_not_read_is_a_named_gap(inventory: Collected) -> None:
    denied = [e for e in inventory.gaps if e.account == LOCKED]
    assert denied
    assert all(e.status is CoverageStatus.FAILED for e in denied)
    assert {e.error_kind for e in denied} == {ErrorKind.ACCESS_DENIED}
    assert any("permissions_denied" in (e.message or "") for e in denied)
    assert not inventory.of_type("compute.instance", LOCKED)
    others = {e.account for e in inventory.gaps} - {LOCKED}
    assert others == {ORG}  # only the malformed item, partial
