"""The OVHcloud-like estate the OpenStack tests scan, seeded into a fresh fake per test.

Two regions, Gravelines (GRA11, France) and Beauharnois (BHS5, Canada); three projects
the user can scope to: `web` (most resources, in both regions), `data` (GRA11, with
the DNS zones, stacks, shares, clusters and databases) and
`denied` (every service call answers 403, as a policy that denies the user would).
`seed_s3` adds OVHcloud's S3 Object Storage: the user's EC2 credentials and buckets in
the S3 regions GRA and BHS, a product apart from the Swift containers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudcensus.providers.openstack.fake import (
    Ec2Credential,
    FakeCloud,
    Project,
    Seeder,
    User,
    ingress,
    seed_bucket,
)

__all__ = ["PASSWORD", "REGIONS", "ZONES", "TestEstate", "build_estate", "seed_s3"]

REGIONS = ("GRA11", "BHS5")
PASSWORD = "s3cr3t-Pa55w0rd-of-the-scanner"
ZONES = 7  # DNS zones of `data`, enough to page with a small page size
OWNER = {"owner": "web-team", "cost-centre": "cc-4711"}


@dataclass(frozen=True)
class TestEstate:
    __test__ = False  # not a test class, whatever its name

    cloud: FakeCloud
    user: User
    web: Project
    data: Project
    denied: Project


def _web_gra(seed: Seeder, external: dict[str, Any]) -> None:
    private = seed.network("web-private", "10.10.0.0/24")
    seed.subnet(private, "fd00:10::/64", name="web-private-v6")
    seed.router("web-router", external)
    seed.router("isolated-router")
    web = seed.security_group(
        "web",
        [
            ingress("tcp", 443, 443, None),  # no prefix: the whole IPv4 internet
            ingress("tcp", 443, 443, None, ethertype="IPv6"),
            ingress("tcp", 22, 22, "10.0.0.0/8"),
        ],
    )
    admin = seed.security_group("admin", [ingress("tcp", 22, 22, "0.0.0.0/0")])
    seed.security_group("peers", [ingress(None, remote_group_id=web["id"])])
    ext = external
    seed.server(
        "web-1",
        private,
        "10.10.0.11",
        external=ext,
        public_address="51.210.14.22",
        security_groups=[web],
        metadata={**OWNER, "data-classification": "public"},
    )
    seed.server(
        "app-1",
        private,
        "10.10.0.12",
        external=ext,
        floating_ip="51.210.14.40",
        security_groups=[web],
        tags=["env=prod", "pci"],
    )
    db = seed.server(
        "db-1",
        private,
        "10.10.0.21",
        security_groups=[admin],
        metadata={**OWNER, "data-classification": "sensitive"},
        flavor="r3-32",
    )
    luks = seed.volume_type("high-speed-luks", {"provider": "luks", "cipher": "aes-xts-plain64"})
    classic = seed.volume_type("classic")
    data = seed.volume(
        "db-data",
        200,
        volume_type=luks,
        encrypted=True,
        attached_to=db,
        metadata={**OWNER, "data-classification": "sensitive"},
    )
    seed.volume("scratch", 10, volume_type=classic, encrypted=False)
    seed.volume("legacy", 10, volume_type=classic, encrypted=None)  # no `encrypted` field
    seed.snapshot(data, "db-data-nightly")
    seed.backup(data, "db-data-weekly")
    seed.container(
        "assets",
        read_acl=".r:*,.rlistings",
        headers={
            "X-Container-Meta-Owner": "web",
            "X-Container-Meta-Temp-URL-Key": "tempurl-KEY-0042",
        },
    )
    seed.container("db-dumps", read_acl="5c3f:reader", headers={"X-Versions-Enabled": "True"})
    public_lb = seed.load_balancer("web-lb", private, "10.10.0.5")
    vip_port = seed.cloud.find(seed.project, seed.region, "ports", public_lb["vip_port_id"])
    seed.floating_ip(external, "51.210.14.80", vip_port)
    seed.load_balancer("internal-lb", private, "10.10.0.6")
    seed.secret("tls-web", "certificate", expiration="2027-01-31T00:00:00")
    seed.secret("volume-key", "symmetric")
    seed.image("web-golden")


def build_estate() -> TestEstate:
    cloud = FakeCloud(list(REGIONS))
    web = cloud.add_project("web")
    data = cloud.add_project("data")
    denied = cloud.add_project("denied")
    user = cloud.add_user("cloudcensus-reader", PASSWORD, [web, data, denied])
    cloud.forbidden.add(denied.id)
    externals = {
        region: Seeder(cloud, "ovh-admin", region).network("Ext-Net", None, external=True)
        for region in REGIONS
    }
    _web_gra(Seeder(cloud, web.id, "GRA11"), externals["GRA11"])
    bhs = Seeder(cloud, web.id, "BHS5")
    network = bhs.network("ca-private", "10.20.0.0/24")
    bhs.server(
        "ca-1", network, "10.20.0.11", metadata={**OWNER, "data-classification": "sensitive"}
    )
    bhs.volume(
        "archive-ca", 500, encrypted=False, metadata={**OWNER, "data-classification": "sensitive"}
    )
    gra = Seeder(cloud, data.id, "GRA11")
    gra.volume("warehouse", 1000, encrypted=True, metadata={"data-classification": "sensitive"})
    gra.container("exports")
    _data_services(gra)
    return TestEstate(cloud, user, web, data, denied)


def _data_services(seed: Seeder) -> None:
    """The `data` project's DNS zones, stacks, shares, clusters and databases (GRA11)."""
    for n in range(ZONES):
        seed.zone(f"zone-{n:02d}.example.org.")
    seed.stack("data-platform", tags=["env=prod"])
    seed.stack("untagged-stack")
    seed.share("lake-nfs", 500, public=True)
    seed.share("scratch-nfs", 50)
    seed.cluster("open-k8s", api_address="57.130.1.10", floating_ip=True)
    seed.cluster(
        "office-k8s", api_address="57.130.1.11", floating_ip=True, allowed_cidrs="203.0.113.0/24"
    )
    seed.cluster("private-k8s", api_address="10.30.0.5", floating_ip=False)
    primary = seed.database_instance(
        "orders-db", public=False, addresses=[("10.30.0.20", "private")]
    )
    replica = seed.database_instance(
        "orders-db-replica", public=False, addresses=[("10.30.0.21", "private")]
    )
    primary["replicas"] = [{"id": replica["id"], "links": []}]
    seed.database_instance(
        "legacy-db", public=True, addresses=[("10.30.0.22", "private"), ("57.130.1.30", "public")]
    )


def seed_s3(estate: TestEstate, endpoint: str) -> dict[str, Ec2Credential]:
    """The reader's EC2 credentials for `web` and `data`, and their S3 buckets (OVHcloud:
    not the Swift containers; `assets` is also a Swift container's name, another thing).

    web, GRA: `assets` (private), `www` (public-read ACL, tagged), `backups` (default
    encryption, versioning); web, BHS: `ca-exports` (public through a bucket policy);
    data, GRA: `lake` (encrypted, sensitive).
    """
    cloud, user = estate.cloud, estate.user
    keys = {p.name: cloud.add_ec2_credential(user, p) for p in (estate.web, estate.data)}
    web, data = keys["web"], keys["data"]
    seed_bucket(endpoint, web, "gra", "assets")
    seed_bucket(endpoint, web, "gra", "www", public=True, tags={**OWNER, "env": "prod"})
    seed_bucket(endpoint, web, "gra", "backups", encrypted=True, versioning=True, tags=OWNER)
    anyone = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::ca-exports/*",
            }
        ],
    }
    seed_bucket(endpoint, web, "bhs", "ca-exports", policy=anyone)
    tags = {"data-classification": "sensitive"}
    seed_bucket(endpoint, data, "gra", "lake", encrypted=True, tags=tags)
    return keys
