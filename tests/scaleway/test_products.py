"""The products added to the first release: Load Balancers with their exposure, Secret
Manager secrets and Key Manager keys, the listings kept as `other`, and the
organisation's Audit Trail as each project's `logging.audit_trail`, which BASE-LOG-01
reads. Faults stay confined to their unit; a product not offered somewhere is not a gap.
"""

from __future__ import annotations

from cloudcensus.providers.scaleway import audittrail, other
from cloudcensus.providers.scaleway.fake import FakeScaleway
from cloudcensus.providers.scaleway.fake.products import SWEPT
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from tests.scaleway.conftest import Scan
from tests.scaleway.estate import APPS, LOCKED, ORG
from tests.support.collecting import Collected

REDIS = [c for c in other.COLLECTORS if c.name == "redis.clusters"]


def test_load_balancers_are_public_through_a_flexible_ip_only(inventory: Collected) -> None:
    web = inventory.named("network.load_balancer", "web-lb")
    internal = inventory.named("network.load_balancer", "internal-lb")
    assert (web.properties["public"], web.properties["scheme"]) == (True, "internet-facing")
    assert (internal.properties["public"], internal.properties["scheme"]) == (False, "internal")
    assert (web.properties["kind"], web.properties["security_groups"]) == ("lb-s", [])
    assert (web.region, web.location.country) == ("fr-par", "FR")
    assert web.id.startswith("scaleway:fr-par-1:lb/")


def test_secrets_and_keys_say_who_manages_them_and_whether_keys_rotate(
    inventory: Collected,
) -> None:
    secrets = {r.name: r.properties for r in inventory.of_type("security.secret")}
    assert secrets["db-password"] == {
        "state": "ready",
        "expires": None,
        "key_management": "customer",
    }
    assert secrets["rdb-managed"]["key_management"] == "provider"
    keys = {r.name: r.properties for r in inventory.of_type("security.key")}
    assert keys["backup-key"]["rotation_enabled"] is True
    assert keys["legacy-key"]["rotation_enabled"] is False
    assert (keys["legacy-key"]["usage"], keys["legacy-key"]["symmetric"]) == (
        "encrypt_decrypt",
        True,
    )
    assert keys["legacy-key"]["key_spec"] == "aes_256_gcm"


def test_every_swept_listing_keeps_its_items_as_located_other_records(
    inventory: Collected,
) -> None:
    swept = {
        r.native_type: r
        for r in inventory.of_type("other", ORG)
        if r.native_type != "vpc.private_network"
    }
    assert len(swept) == len(SWEPT) == len(other.SWEEPS)
    assert all(r.location.country == "FR" and r.jurisdiction for r in swept.values())
    registry = swept["registry.namespace"]
    assert registry.id == f"scaleway:fr-par:registry_namespace/{registry.raw['id']}"
    assert swept["redis.cluster"].id.startswith("scaleway:fr-par-1:redis_cluster/")


def test_every_project_has_the_organisations_audit_trail_in_every_region(
    inventory: Collected,
) -> None:
    trails = {r.account: r for r in inventory.of_type("logging.audit_trail")}
    # the trail is the organisation's: the locked project, whose own resources the key may
    # not read, still has it
    assert set(trails) == {ORG, APPS, LOCKED}
    trail = trails[APPS]
    assert trail.properties == {
        "logging": True,
        "multi_region": True,
        "home_region": None,
        "log_file_validation": None,
        "key_id": None,
        "destination": None,
    }
    assert set(trail.raw["products"]) == {"fr-par", "nl-ams", "pl-waw"}
    assert trail.region == "global"


def test_a_region_without_audit_trail_makes_the_trail_cover_less_than_every_region(
    scan: Scan, armed: FakeScaleway
) -> None:
    armed.unavailable.add(("audit-trail", "pl-waw"))
    try:
        result = scan(audittrail.COLLECTORS, projects=[ORG])
    finally:
        armed.unavailable.clear()
    assert not result.gaps
    [trail] = result.of_type("logging.audit_trail")
    assert (trail.properties["logging"], trail.properties["multi_region"]) == (True, False)
    assert trail.raw["not_offered"] == ["pl-waw"]


def test_a_refused_audit_trail_is_a_gap_not_a_trail_that_is_off(
    scan: Scan, armed: FakeScaleway
) -> None:
    armed.deny("/audit-trail/")
    result = scan(audittrail.COLLECTORS, projects=[ORG])
    [gap] = result.gaps
    assert (gap.collector, gap.error_kind) == ("audit_trail", ErrorKind.ACCESS_DENIED)
    assert not result.of_type("logging.audit_trail")


def test_a_product_not_offered_in_a_zone_is_complete_and_empty_but_an_error_is_a_gap(
    scan: Scan, armed: FakeScaleway
) -> None:
    armed.unavailable.add(("redis", "fr-par-2"))
    armed.fail("/redis/v1/zones/pl-waw-1/", status=500, times=None, html=False)
    try:
        result = scan(REDIS, projects=[ORG])
    finally:
        armed.unavailable.clear()
    units = {e.region: e for e in result.coverage}
    assert units["fr-par-1"].status is CoverageStatus.COMPLETE
    assert units["fr-par-1"].resources == 1
    assert (units["fr-par-2"].status, units["fr-par-2"].resources) == (CoverageStatus.COMPLETE, 0)
    assert units["pl-waw-1"].status is CoverageStatus.FAILED
    assert "HTTP 500" in (units["pl-waw-1"].message or "")
