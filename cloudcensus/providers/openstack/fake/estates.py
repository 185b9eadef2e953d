"""Named estates of the fake OpenStack: the demo's OVHcloud project and the benchmark's.

`demo_estate` is an OVHcloud-like Public Cloud project in Gravelines (GRA11) with one
volume in Beauharnois (BHS5, Canada): compliant and violating resources side by side,
reached with an application credential. `bench_estate` is one project with many servers
(each with its port, every fifth with a floating IP), to measure collection speed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudcensus.providers.openstack.fake.seed import Seeder, ingress
from cloudcensus.providers.openstack.fake.state import AppCredential, FakeCloud, User

__all__ = ["BenchEstate", "DemoEstate", "bench_estate", "change_demo_estate", "demo_estate"]

DEMO_REGIONS = ("GRA11", "BHS5")
_OWNER = {"owner": "web-team", "cost-centre": "cc-4711"}


@dataclass(frozen=True)
class DemoEstate:
    cloud: FakeCloud
    project: str
    user: User
    credential: AppCredential


@dataclass(frozen=True)
class BenchEstate:
    cloud: FakeCloud
    project: str
    username: str
    password: str


def demo_estate(credential_secret: str) -> DemoEstate:
    """The demo's OVHcloud-like project (see the module doc)."""
    cloud = FakeCloud(list(DEMO_REGIONS))
    project = cloud.add_project("demo-web", "5c3f1e2a9b8d4c7e8f6a1b2c3d4e5f60")
    user = cloud.add_user("cloudcensus-reader", "unused-password", [project])
    credential = cloud.add_app_credential(user, project, credential_secret)
    cloud.type_encryption_readable = False  # as on OVHcloud: users cannot read type specs
    external = Seeder(cloud, "ovh-admin", "GRA11").network("Ext-Net", None, external=True)
    Seeder(cloud, "ovh-admin", "BHS5").network("Ext-Net", None, external=True)
    gra = Seeder(cloud, project.id, "GRA11")
    private = gra.network("web-private", "10.10.0.0/24")
    gra.router("web-router", external)
    web = gra.security_group(
        "web", [ingress("tcp", 443, 443, "0.0.0.0/0"), ingress("tcp", 22, 22, "10.0.0.0/8")]
    )
    admin = gra.security_group("admin", [ingress("tcp", 22, 22, "0.0.0.0/0")])
    server = gra.server(
        "web-1",
        private,
        "10.10.0.11",
        external=external,
        public_address="51.210.14.22",
        security_groups=[web],
        metadata={**_OWNER, "data-classification": "public"},
    )
    database = gra.server(
        "db-1",
        private,
        "10.10.0.21",
        security_groups=[web, admin],
        metadata={**_OWNER, "data-classification": "sensitive"},
        flavor="r3-32",
    )
    luks = gra.volume_type("high-speed-luks", {"provider": "luks", "cipher": "aes-xts-plain64"})
    data = gra.volume(
        "db-data",
        200,
        volume_type=luks,
        encrypted=True,
        attached_to=database,
        metadata={**_OWNER, "data-classification": "sensitive"},
    )
    gra.volume("web-cache", 20, encrypted=False, attached_to=server, metadata=dict(_OWNER))
    gra.snapshot(data, "db-data-nightly")
    gra.backup(data, "db-data-weekly")
    gra.container("assets", read_acl=".r:*,.rlistings", headers={"X-Container-Meta-Owner": "web"})
    gra.container(
        "db-dumps", headers={"X-Versions-Enabled": "True", "X-Container-Meta-Owner": "db"}
    )
    balancer = gra.load_balancer("web-lb", private, "10.10.0.5")
    gra.floating_ip(
        external,
        "51.210.14.80",
        gra.cloud.find(project.id, "GRA11", "ports", balancer["vip_port_id"]),
    )
    gra.secret("tls-web", "certificate", expiration="2027-01-31T00:00:00")
    bhs = Seeder(cloud, project.id, "BHS5")
    bhs.volume(
        "archive-ca", 500, encrypted=False, metadata={**_OWNER, "data-classification": "sensitive"}
    )
    return DemoEstate(cloud, project.id, user, credential)


def change_demo_estate(estate: DemoEstate) -> None:
    """Between the demo's scans: a volume goes, a server comes, a group opens RDP."""
    cloud, project = estate.cloud, estate.project
    cloud.remove(project, "GRA11", "volumes", "web-cache")
    gra = Seeder(cloud, project, "GRA11")
    private = cloud.find(project, "GRA11", "networks", "web-private")
    gra.server("batch-1", private, "10.10.0.31", metadata=dict(_OWNER))
    admin = cloud.find(project, "GRA11", "security_groups", "admin")
    admin["security_group_rules"].append(
        {
            "id": cloud.new_id(),
            "security_group_id": admin["id"],
            "tenant_id": project,
            "project_id": project,
            "description": "",
            "remote_address_group_id": None,
            **ingress("tcp", 3389, 3389, "0.0.0.0/0"),
        }
    )


def bench_estate(servers: int, region: str = "GRA11") -> BenchEstate:
    """One project with `servers` servers, their ports, a floating IP on every fifth."""
    cloud = FakeCloud([region])
    project = cloud.add_project("bench")
    cloud.add_user("bench-reader", "bench-password", [project])
    external = Seeder(cloud, "ovh-admin", region).network("Ext-Net", None, external=True)
    seeder = Seeder(cloud, project.id, region)
    private = seeder.network("bench-net", "10.0.0.0/16")
    group = seeder.security_group("bench", [ingress("tcp", 443, 443, "0.0.0.0/0")])
    for n in range(servers):
        address = f"10.0.{n // 250}.{n % 250 + 2}"
        floating = f"57.128.{n // 250}.{n % 250 + 2}" if n % 5 == 0 else None
        seeder.server(
            f"bench-{n:05d}",
            private,
            address,
            external=external,
            floating_ip=floating,
            security_groups=[group],
            metadata={"owner": f"team-{n % 40}", "data-classification": "internal"},
        )
    return BenchEstate(cloud, project.id, "bench-reader", "bench-password")
