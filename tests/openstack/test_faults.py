"""What the cloud throws at a scan: pages, rate limits, server errors, malformed items,
missing services. The scan goes on; coverage says exactly what was missed and why."""

from __future__ import annotations

from cloudcensus.providers.openstack import blockstorage, compute, keymanager, objectstore
from cloudcensus.providers.openstack.fake import Fault, Seeder
from cloudcensus.scanner.coverage import CoverageStatus, ErrorKind
from tests.openstack.conftest import Scan
from tests.openstack.estate import TestEstate

OVH = {"cloud": "ovh", "name": "ovh", "profile": "ovhcloud", "projects": ["web"]}


def test_every_paging_style_is_followed_to_the_last_page(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    cloud = estate.cloud
    gra = Seeder(cloud, estate.web.id, "GRA11")
    network = cloud.find(estate.web.id, "GRA11", "networks", "web-private")
    for n in range(7):
        gra.server(f"extra-{n}", network, f"10.10.0.{100 + n}")
        gra.volume(f"extra-{n}", encrypted=True)
        gra.container(f"extra-{n}")
        gra.secret(f"extra-{n}")
    for service in ("compute", "volume", "object", "key-manager", "network"):
        cloud.max_page[service] = 3  # the cloud caps every page at 3, whatever we ask
    collectors = (
        *compute.COLLECTORS,
        *blockstorage.COLLECTORS[:1],
        *objectstore.COLLECTORS,
        *keymanager.COLLECTORS,
    )
    got = scan([OVH], collectors=collectors)
    assert not got.gaps
    gra_names = {(r.type, r.name) for r in got.resources if r.region == "GRA11"}
    for n in range(7):
        for kind in ("compute.instance", "storage.volume", "storage.bucket", "security.secret"):
            assert (kind, f"extra-{n}") in gra_names
    assert len([r for r in got.of_type("compute.instance") if r.region == "GRA11"]) == 10
    assert cloud.request_count("compute", "/GRA11/compute/v2.1/servers/detail") == 4
    assert cloud.request_count("key-manager", "/GRA11/key-manager/v1/secrets") == 3


def test_rate_limits_are_waited_out_and_the_unit_completes(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    cloud = estate.cloud
    cloud.fail(Fault("compute", 429, times=2, region="GRA11", retry_after=0))
    cloud.fail(Fault("volume", 413, times=1, region="GRA11", retry_after=0))
    cloud.fail(Fault("network", 503, times=1, region="GRA11"))
    got = scan([OVH], collectors=(*compute.COLLECTORS, *blockstorage.COLLECTORS[:1]))
    assert not got.gaps, got.gaps
    assert got.named("compute.instance", "web-1").properties["public"] is True
    assert got.named("storage.volume", "db-data").properties["encrypted"] is True
    assert cloud.request_count("compute", "/GRA11/compute/v2.1/servers/detail") == 3


def test_throttling_past_the_retries_is_a_throttled_gap(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    estate.cloud.fail(Fault("key-manager", 429, times=None, region="BHS5", retry_after=0))
    got = scan([{**OVH, "retries": 2}], collectors=keymanager.COLLECTORS)
    [gap] = got.gaps
    assert (gap.region, gap.collector, gap.error_kind) == (
        "BHS5",
        "barbican.secrets",
        ErrorKind.THROTTLED,
    )
    assert "HTTP 429" in (gap.message or "")
    assert {r.name for r in got.of_type("security.secret")} == {"tls-web", "volume-key"}


def test_a_server_error_fails_one_unit_and_its_message_is_one_readable_line(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>500 Internal Server Error</title>"
        "<style>body{}</style></head><body><h1>500 Internal Server Error</h1>\n"
        "<p>Traceback in nova-api</p></body></html>"
    )
    estate.cloud.fail(Fault("compute", 500, times=None, region="GRA11", body=page))
    got = scan([OVH], collectors=(*compute.COLLECTORS, *blockstorage.COLLECTORS[:1]))
    [gap] = got.gaps
    assert (gap.region, gap.collector, gap.status) == (
        "GRA11",
        "nova.servers",
        CoverageStatus.FAILED,
    )
    assert gap.error_kind is ErrorKind.UNEXPECTED
    assert "HTTP 500" in (gap.message or "")
    assert "\n" not in (gap.message or "")
    assert "<" not in (gap.message or "")
    assert got.of_type("storage.volume")  # the other units of the region completed
    assert {r.region for r in got.of_type("compute.instance")} == {"BHS5"}


def test_a_malformed_item_is_counted_and_the_rest_of_the_page_is_kept(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    cloud = estate.cloud
    cloud.add(estate.web.id, "GRA11", "servers", {"name": "no-id", "status": "ACTIVE"})
    cloud.add(estate.web.id, "GRA11", "volumes", {"id": "v-bad", "name": "odd", "attachments": 7})
    got = scan([OVH], collectors=(*compute.COLLECTORS, *blockstorage.COLLECTORS[:1]))
    partial = {e.collector: e for e in got.gaps if e.region == "GRA11"}
    assert set(partial) == {"nova.servers", "cinder.volumes"}
    for entry in partial.values():
        assert (entry.status, entry.error_kind, entry.errors) == (
            CoverageStatus.PARTIAL,
            ErrorKind.MALFORMED,
            1,
        )
    assert "v-bad" in (partial["cinder.volumes"].message or "")
    assert {r.name for r in got.of_type("compute.instance") if r.region == "GRA11"} == {
        "web-1",
        "app-1",
        "db-1",
    }


def test_a_region_without_a_service_gets_no_task_and_a_missing_region_is_named(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    estate.cloud.services["BHS5"].discard("key-manager")
    got = scan([{**OVH, "regions": ["GRA11", "BHS5", "SBG5"]}], collectors=keymanager.COLLECTORS)
    units = {(e.region, e.collector, e.status, e.error_kind) for e in got.coverage}
    assert units == {
        ("GRA11", "barbican.secrets", CoverageStatus.COMPLETE, None),
        ("SBG5", "catalog", CoverageStatus.FAILED, ErrorKind.NOT_ENABLED),
    }
    [gap] = got.gaps
    assert "SBG5" in (gap.message or "")
    assert "catalog" in (gap.message or "")


def test_excluded_regions_are_not_read(scan: Scan, ovh_cloud: str, estate: TestEstate) -> None:
    got = scan([{**OVH, "exclude_regions": ["BHS5"]}], collectors=keymanager.COLLECTORS)
    assert {e.region for e in got.coverage} == {"GRA11"}
    assert estate.cloud.request_count("key-manager", "/BHS5/") == 0
