"""A whole OpenStack cloud read through the real provider and the real collection engine:
every project, every region of the catalog, every modelled resource type with the
properties the rules read, and coverage that names what could not be read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cloudcensus.providers.openstack import blockstorage
from cloudcensus.providers.openstack.fake import FakeOpenStack
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import Resource
from tests.openstack.conftest import Scan, password_cloud, provider
from tests.openstack.estate import ZONES, TestEstate, build_estate, seed_s3
from tests.support.collecting import Collected, collect_into

OVH = {"cloud": "ovh", "name": "ovh", "profile": "ovhcloud"}
SWIFT = "OS::Swift::Container"


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str
) -> tuple[TestEstate, Collected]:
    """The estate (with OVHcloud S3 buckets) scanned once, as it was seeded; the tests
    below only read the result."""
    estate = build_estate()
    clouds = tmp_path_factory.mktemp("clouds") / "clouds.yaml"
    httpx.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    with (
        FakeOpenStack(estate.cloud, s3_backend=moto_endpoint) as fake,
        pytest.MonkeyPatch.context() as env,
    ):
        seed_s3(estate, fake.url)
        clouds.write_text(yaml.safe_dump({"clouds": {"ovh": password_cloud(fake)}}))
        env.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
        env.setenv("OS_CLIENT_SECURE_FILE", str(clouds.with_name("secure.yaml")))
        cloud = {**OVH, "s3": {"endpoint": fake.url}}  # the fake's S3 in every S3 region
        collected = collect_into([provider([cloud])], workers=6, task_timeout_s=60)
    return estate, collected


@pytest.fixture
def got(scanned: tuple[TestEstate, Collected]) -> Collected:
    return scanned[1]


@pytest.fixture
def seeded(scanned: tuple[TestEstate, Collected]) -> TestEstate:
    return scanned[0]


def test_every_project_and_region_is_read_and_located(got: Collected, seeded: TestEstate) -> None:
    web, data = seeded.web.id, seeded.data.id
    assert {(r.account, r.region) for r in got.of_type("storage.volume")} == {
        (web, "GRA11"),
        (web, "BHS5"),
        (data, "GRA11"),
    }
    archive = got.named("storage.volume", "archive-ca")
    assert archive.location.model_dump() == {"country": "CA", "eu": False, "eea": False}
    assert got.named("storage.volume", "db-data").location.country == "FR"
    assert archive.jurisdiction is not None
    assert (archive.jurisdiction.operator, archive.jurisdiction.non_eu_law) == ("OVH SAS", False)
    assert archive.id == f"openstack:ovh:BHS5:{web}:volume/{archive.raw['id']}"
    accounts = got.of_type("account")
    assert {a.account for a in accounts} == {web, data, seeded.denied.id}
    assert got.named("account", "web").properties["regions"] == ["BHS5", "GRA11"]


def test_a_project_the_policy_denies_is_a_gap_per_unit_and_the_rest_completes(
    got: Collected, seeded: TestEstate
) -> None:
    denied = [e for e in got.gaps if e.account == seeded.denied.id]
    assert denied, "the denied project must show in the coverage"
    assert {e.error_kind for e in denied} == {ErrorKind.ACCESS_DENIED}
    assert {e.region for e in denied} >= {"GRA11", "BHS5"}
    assert any("HTTP 403" in (e.message or "") for e in denied)
    assert not [e for e in got.gaps if e.account != seeded.denied.id]
    # Keystone still shows the project itself; none of its regional resources could be read
    assert {r.type for r in got.resources if r.account == seeded.denied.id} == {"account"}


def test_servers_carry_exposure_flavour_image_and_tags(got: Collected) -> None:
    web = got.named("compute.instance", "web-1").properties
    assert (web["public"], web["public_ips"]) == (True, ["51.210.14.22"])
    assert web["network"] == "web-private"  # Ext-Net is the public side, not its network
    app = got.named("compute.instance", "app-1")
    assert app.properties["public_ips"] == ["51.210.14.40"]  # floating IP
    assert app.tags == {"env": "prod", "pci": ""}
    db = got.named("compute.instance", "db-1")
    assert db.properties == {
        "state": "active",
        "instance_type": "r3-32",
        "image": "7d9e6a35-5c7a-4c2e-a8a2-0f0a2a0c1b11",
        "public_ips": [],
        "public": False,
        "security_groups": ["admin"],
        "network": "web-private",
    }
    assert db.tags["data-classification"] == "sensitive"


def test_volume_encryption_is_known_or_null_never_guessed(got: Collected) -> None:
    data = got.named("storage.volume", "db-data").properties
    assert data["encrypted"] is True
    assert data["key_management"] == "provider"
    assert data["attached_to"]
    assert got.named("storage.volume", "scratch").properties["encrypted"] is False
    # no `encrypted` field and the volume type's encryption spec is admin-only: unknown
    assert got.named("storage.volume", "legacy").properties["encrypted"] is None
    snapshot = got.named("storage.snapshot", "db-data-nightly").properties
    assert (snapshot["encrypted"], snapshot["public"]) == (True, False)
    assert got.named("storage.backup", "db-data-weekly").properties["encrypted"] is True


def test_readable_type_encryption_decides_a_volume_without_the_field(
    scan: Scan, fake: FakeOpenStack, write_clouds: Callable[[dict[str, Any]], Path]
) -> None:
    fake.cloud.type_encryption_readable = True
    write_clouds({"ovh": password_cloud(fake)})
    fresh = scan([{**OVH, "projects": ["web"]}], collectors=blockstorage.COLLECTORS[:1])
    assert fresh.named("storage.volume", "legacy").properties["encrypted"] is False


def test_security_group_rules_are_normalised(got: Collected) -> None:
    web = got.named("network.security_group", "web").properties
    assert web["ingress"] == [
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"},
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "::/0"},
        {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "10.0.0.0/8"},
    ]
    assert {r["source"] for r in web["egress"]} == {"0.0.0.0/0", "::/0"}
    assert web["attached"] is True
    peers = got.named("network.security_group", "peers").properties
    assert peers["attached"] is False
    [rule] = peers["ingress"]
    assert rule["protocol"] == "all"
    assert rule["source"].startswith("sg:")


def test_network_objects_are_the_projects_own(got: Collected, seeded: TestEstate) -> None:
    networks = {r.name for r in got.of_type("network.network", seeded.web.id)}
    assert networks == {"web-private", "ca-private"}  # not the operator's Ext-Net
    private = got.named("network.network", "web-private").properties
    assert private == {"cidr_blocks": ["10.10.0.0/24", "fd00:10::/64"], "default": False}
    v6 = got.named("network.subnet", "web-private-v6").properties
    assert (v6["ip_version"], v6["cidr"]) == (6, "fd00:10::/64")
    routers = {r.name: r.properties for r in got.of_type("network.router")}
    assert routers["web-router"]["external_gateway"] is True
    assert routers["isolated-router"] == {"external_gateway": False, "external_network": None}
    ips = {r.properties["address"]: r.properties for r in got.of_type("network.public_ip")}
    assert set(ips) == {"51.210.14.40", "51.210.14.80"}
    assert all(p["attached_to"] for p in ips.values())
    ports = got.of_type("network.interface", seeded.web.id)
    assert any(p.properties["addresses"] == ["10.10.0.21"] for p in ports)


def _container(got: Collected, name: str) -> Resource:
    [found] = [r for r in got.resources if r.native_type == SWIFT and r.name == name]
    return found


def test_containers_balancers_secrets_and_images(got: Collected) -> None:
    assets = _container(got, "assets")
    assert (assets.properties["public"], assets.properties["public_via"]) == (True, ["acl"])
    assert assets.properties["encrypted"] is None
    assert assets.tags == {"owner": "web"}
    dumps = _container(got, "db-dumps").properties
    assert (dumps["public"], dumps["versioning"]) == (False, True)
    balancers = {r.name: r.properties for r in got.of_type("network.load_balancer")}
    assert balancers["web-lb"]["public"] is True  # a floating IP on its VIP port
    assert balancers["internal-lb"]["scheme"] == "internal"
    secrets = {r.name: r.properties for r in got.of_type("security.secret")}
    assert secrets["tls-web"]["expires"] == "2027-01-31T00:00:00+00:00"
    assert secrets["volume-key"]["key_management"] == "customer"
    [image] = [r for r in got.of_type("other") if r.native_type == "OS::Glance::Image"]
    assert image.name == "web-golden"


def test_catalog_services_without_a_type_are_swept_as_other_and_located(
    got: Collected, seeded: TestEstate
) -> None:
    data = seeded.data.id
    swept = {(r.native_type, r.name): r for r in got.of_type("other", data)}
    zones = [name for kind, name in swept if kind == "OS::Designate::Zone"]
    assert len(zones) == ZONES
    stack = swept["OS::Heat::Stack", "data-platform"]
    assert (stack.tags, stack.created is not None) == ({"env": "prod"}, True)
    share = swept["OS::Manila::Share", "lake-nfs"]
    assert (share.raw["is_public"], share.raw["share_proto"]) == (True, "NFS")
    assert share.location.model_dump() == {"country": "FR", "eu": True, "eea": True}
    assert share.jurisdiction is not None
    assert share.jurisdiction.operator == "OVH SAS"
    assert share.id == f"openstack:ovh:GRA11:{data}:share/{share.raw['id']}"


def test_magnum_clusters_and_trove_databases_have_their_normalised_types(
    got: Collected, seeded: TestEstate
) -> None:
    clusters = {r.name: r.properties for r in got.of_type("container.cluster", seeded.data.id)}
    assert clusters["open-k8s"]["public_endpoint"] is True
    assert clusters["open-k8s"]["public_access_cidrs"] == ["0.0.0.0/0"]
    assert clusters["office-k8s"]["public_access_cidrs"] == ["203.0.113.0/24"]
    assert (clusters["private-k8s"]["public_endpoint"], clusters["open-k8s"]["version"]) == (
        False,
        "v1.30.4",
    )
    databases = {r.name: r for r in got.of_type("database.instance", seeded.data.id)}
    assert set(databases) == {"orders-db", "orders-db-replica", "legacy-db"}
    assert databases["legacy-db"].properties["public"] is True
    orders = databases["orders-db"].properties
    assert (orders["public"], orders["engine"], orders["encrypted"]) == (False, "mysql", None)
    [replica] = orders["replicas"]
    assert (replica["id"], replica["country"]) == (databases["orders-db-replica"].id, "FR")


def test_ovhcloud_s3_buckets_are_read_apart_from_the_swift_containers(
    got: Collected, seeded: TestEstate
) -> None:
    web, data = seeded.web.id, seeded.data.id
    buckets = {
        (r.account, r.region, r.name): r
        for r in got.of_type("storage.bucket")
        if r.native_type == "OS::S3::Bucket"
    }
    assert set(buckets) == {
        (web, "GRA", "assets"),
        (web, "GRA", "www"),
        (web, "GRA", "backups"),
        (web, "BHS", "ca-exports"),
        (data, "GRA", "lake"),
    }
    # OVHcloud's S3 bucket `assets` is not its Swift container `assets`: two resources
    named = sorted(r.id.rsplit(":", 1)[-1] for r in got.of_type("storage.bucket", web))
    assert named.count("bucket/assets") == named.count("container/assets") == 1
    www = buckets[web, "GRA", "www"]
    assert (www.properties["public"], www.properties["public_via"]) == (True, ["acl"])
    assert (www.tags["env"], www.location.country) == ("prod", "FR")
    exports = buckets[web, "BHS", "ca-exports"]
    assert (exports.properties["public"], exports.properties["public_via"]) == (True, ["policy"])
    assert exports.location.country == "CA"  # Beauharnois
    backups = buckets[web, "GRA", "backups"].properties
    assert (backups["encrypted"], backups["key_management"]) == (True, "provider")
    assert (backups["versioning"], buckets[web, "GRA", "assets"].properties["public"]) == (
        True,
        False,
    )
    assert buckets[data, "GRA", "lake"].jurisdiction == www.jurisdiction
    units = {(e.account, e.region) for e in got.coverage if e.collector == "s3.buckets"}
    assert {(web, "GRA"), (web, "BHS"), (data, "GRA")} <= units  # GRA11 -> GRA, BHS5 -> BHS


def test_temp_url_keys_never_reach_the_inventory(got: Collected) -> None:
    dumped = "".join(r.model_dump_json() for r in got.resources)
    assert "tempurl-KEY-0042" not in dumped
    assert "temp-url-key" not in dumped.lower()
