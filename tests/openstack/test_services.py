"""The catalog services read as `other` or with their own types (Designate, Heat,
Manila, Magnum, Trove): each paging style to the last page, faults confined to their
unit, and catalog services no collector reads named in the coverage, never skipped."""

from __future__ import annotations

from cloudcensus.providers.openstack import containerinfra, database, other
from cloudcensus.providers.openstack.fake import Fault, Seeder
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from tests.openstack.conftest import Scan
from tests.openstack.estate import ZONES, TestEstate

DATA = {"cloud": "ovh", "name": "ovh", "profile": "ovhcloud", "projects": ["data"]}
SERVICES = (*other.COLLECTORS, *containerinfra.COLLECTORS, *database.COLLECTORS)


def test_every_services_paging_style_is_followed_to_the_last_page(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    cloud = estate.cloud
    seed = Seeder(cloud, estate.data.id, "GRA11")
    for n in range(5):
        seed.stack(f"extra-stack-{n}")
        seed.share(f"extra-share-{n}")
        seed.cluster(f"extra-k8s-{n}", api_address=f"10.40.0.{n + 1}", floating_ip=False)
        seed.database_instance(f"extra-db-{n}", public=False, addresses=[])
    for segment in ("dns", "orchestration", "share", "container-infra", "database"):
        cloud.max_page[segment] = 2  # the cloud caps every page at 2, whatever we ask
    got = scan([DATA], collectors=SERVICES)
    assert not got.gaps, got.gaps
    counts = {e.collector: e.resources for e in got.coverage if e.region == "GRA11"}
    assert counts == {
        "designate.zones": ZONES,
        "heat.stacks": 7,
        "manila.shares": 7,
        "magnum.clusters": 8,
        "trove.instances": 8,
    }
    # a next link ends after a short page (7 zones: 4 pages) or an empty one (8 clusters:
    # 5); lists without links end only on an empty page (7 stacks, 7 shares: 5 each)
    assert cloud.request_count("dns", "/GRA11/dns/v2/zones") == 4
    assert cloud.request_count("container-infra", "/GRA11/container-infra/v1/clusters") == 5
    assert cloud.request_count("orchestration", "/GRA11/orchestration/") == 5
    assert cloud.request_count("share", "/GRA11/share/v2/shares/detail") == 5


def test_a_refused_or_failing_service_is_a_gap_of_its_own_and_the_rest_completes(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    cloud = estate.cloud
    cloud.fail(Fault("orchestration", 403, times=None, project=estate.data.id))
    cloud.fail(Fault("share", 503, times=None, region="GRA11"))
    cloud.add(estate.data.id, "GRA11", "zones", {"name": "no-id.example.org."})
    got = scan([{**DATA, "retries": 1}], collectors=SERVICES)
    gaps = {(e.region, e.collector): e for e in got.gaps}
    assert set(gaps) == {
        ("GRA11", "heat.stacks"),
        ("BHS5", "heat.stacks"),
        ("GRA11", "manila.shares"),
        ("GRA11", "designate.zones"),
    }
    assert gaps["GRA11", "heat.stacks"].error_kind is ErrorKind.ACCESS_DENIED
    assert "HTTP 403" in (gaps["GRA11", "heat.stacks"].message or "")
    assert gaps["GRA11", "manila.shares"].status is CoverageStatus.FAILED
    assert "HTTP 503" in (gaps["GRA11", "manila.shares"].message or "")
    zones = gaps["GRA11", "designate.zones"]
    assert (zones.status, zones.error_kind, zones.errors) == (
        CoverageStatus.PARTIAL,
        ErrorKind.MALFORMED,
        1,
    )
    assert len(got.of_type("database.instance")) == 3
    assert len([r for r in got.of_type("other") if r.native_type == "OS::Designate::Zone"]) == ZONES


def test_a_malformed_page_is_a_malformed_gap(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    estate.cloud.fail(Fault("container-infra", 200, times=None, region="GRA11", body="[1, 2]"))
    got = scan([DATA], collectors=containerinfra.COLLECTORS)
    [gap] = got.gaps
    assert (gap.region, gap.collector, gap.error_kind) == (
        "GRA11",
        "magnum.clusters",
        ErrorKind.MALFORMED,
    )


def test_a_catalog_service_no_collector_reads_is_named_unless_accepted(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    estate.cloud.services["GRA11"] |= {"workflow", "placement"}
    got = scan([DATA], collectors=database.COLLECTORS)
    [gap] = got.gaps
    assert (gap.region, gap.collector, gap.status, gap.error_kind) == (
        "GRA11",
        "catalog.workflow",
        CoverageStatus.FAILED,
        ErrorKind.NOT_ENABLED,
    )
    assert "'workflow'" in (gap.message or "")
    assert "unread_services" in (gap.message or "")
    assert not [e for e in got.coverage if "placement" in e.collector]  # not a resource API
    accepted = scan([{**DATA, "unread_services": ["workflow"]}], collectors=database.COLLECTORS)
    assert not accepted.gaps
