"""The demo's Scaleway project, and the helper that seeds Object Storage buckets.

`seed_demo` fills a `FakeScaleway` with one organisation whose default project holds
compliant and violating resources in fr-par and nl-ams (the tests' estate builds on
it); `seed_bucket` creates a bucket in one project through the fake's S3 API (moto
behind it).
"""

from __future__ import annotations

from typing import Unpack

from cloudcensus.fakes import BucketOptions, create_bucket
from cloudcensus.providers.scaleway.fake.items import (
    block_snapshot,
    block_volume,
    ip,
    project,
    security_group,
    server,
    sg_rule,
    uid,
)
from cloudcensus.providers.scaleway.fake.products import seed_products
from cloudcensus.providers.scaleway.fake.regional import (
    api_key,
    k8s_acl,
    k8s_cluster,
    private_network,
    rdb_instance,
    vpc,
)
from cloudcensus.providers.scaleway.fake.state import ApiKey, FakeScaleway

__all__ = [
    "DEMO_ACCESS_KEY",
    "DEMO_ORGANIZATION",
    "DEMO_SECRET_KEY",
    "seed_bucket",
    "seed_demo",
]

#: The demo organisation; its default project has the same id. Fake credentials: they
#: only open the local fake (the access key is `SCW` + 17 characters, the secret a UUID).
DEMO_ORGANIZATION = "5c0a1d3e-0000-4000-8000-00000000d3e0"
DEMO_ACCESS_KEY = "SCWDEMO0000000000001"
DEMO_SECRET_KEY = "00000000-0000-4000-8000-0000000000d1"  # noqa: S105 - opens the fake only


def seed_bucket(
    endpoint: str,
    key: ApiKey,
    project_id: str,
    region: str,
    name: str,
    **options: Unpack[BucketOptions],
) -> None:
    """Create a bucket in one project through the fake's S3 API (moto behind it)."""
    access = f"{key.access_key}@{project_id}"
    create_bucket(endpoint, access, key.secret_key, region, name, **options)


def seed_demo(state: FakeScaleway, s3_endpoint: str | None) -> ApiKey:
    """The demo's project: compliant and violating resources in fr-par and nl-ams."""
    org = state.organization
    key = ApiKey(DEMO_ACCESS_KEY, DEMO_SECRET_KEY, org)
    state.keys.append(key)
    state.add_project(project(org, "default", org))
    zone = "fr-par-1"
    open_sg = security_group("sg-web", org, zone, servers=[uid("web-1")])
    state.add("security_groups", zone, open_sg)
    state.add(
        "security_group_rules",
        open_sg["id"],
        sg_rule("ssh-anywhere", zone, ip_range="0.0.0.0/0", port=22),
        sg_rule("https-anywhere", zone, ip_range="0.0.0.0/0", port=443, position=2),
    )
    state.add(
        "servers",
        zone,
        server(
            "web-1",
            org,
            zone,
            public_ip="51.15.0.21",
            security_group=open_sg["id"],
            tags={
                "owner": "web@example.org",
                "cost-centre": "CC-210",
                "data-classification": "internal",
            },
        ),
        server("batch-1", org, zone, tags={"owner": "data@example.org"}),
    )
    state.add("ips", zone, ip("ip-web-1", "51.15.0.21", org, zone, server_id=uid("web-1")))
    state.add(
        "block_volumes",
        zone,
        block_volume(
            "web-1-data",
            org,
            zone,
            server_id=uid("web-1"),
            tags={"data-classification": "sensitive"},
        ),
    )
    state.add(
        "block_snapshots",
        zone,
        block_snapshot("web-1-data-nightly", org, zone, volume_id=uid("web-1-data")),
    )
    region = "fr-par"
    state.add(
        "rdb_instances",
        region,
        rdb_instance(
            "orders-db",
            org,
            region,
            public=False,
            encrypted=True,
            backups=True,
            tags={"data-classification": "sensitive"},
        ),
        rdb_instance("legacy-db", org, region, public=True, encrypted=False, backups=False),
    )
    state.add("k8s_clusters", region, k8s_cluster("apps", org, region))
    state.add("k8s_acls", uid("apps"), k8s_acl("anywhere", region, "0.0.0.0/0"))
    state.add("vpcs", region, vpc("default", org, region, default=True))
    state.add(
        "private_networks",
        region,
        private_network("pn-app", org, region, vpc_id=uid("default"), cidr="172.16.0.0/22"),
    )
    state.add(
        "api_keys",
        org,
        api_key(DEMO_ACCESS_KEY, "cloudcensus scanner", org, created="2026-01-05T08:00:00Z"),
        api_key(
            "SCWOLDKEY00000000001",
            "ci deploy key",
            org,
            created="2023-02-01T08:00:00Z",
            user_id=uid("ci-user"),
        ),
    )
    seed_products(state, org, region, zone)
    if s3_endpoint is not None:
        seed_bucket(s3_endpoint, key, org, region, "demo-public-assets", public=True)
        seed_bucket(
            s3_endpoint,
            key,
            org,
            "nl-ams",
            "demo-backups",
            encrypted=True,
            versioning=True,
            tags={"data-classification": "sensitive"},
        )
    return key
