"""The Scaleway organisation the tests scan, built with the fake's item builders.

Three projects: `default` (id = the organisation id, so it carries the organisation's
IAM API keys) with compliant and violating resources in every product, `apps` with a
restricted workload in Warsaw and enough servers to page, and `locked`, which the
scanner's key may not read (the fake answers 403 for every call about it).
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudcensus.providers.scaleway.fake import ApiKey, FakeScaleway
from cloudcensus.providers.scaleway.fake.estate import seed_bucket
from cloudcensus.providers.scaleway.fake.items import (
    block_snapshot,
    block_volume,
    ip,
    project,
    security_group,
    server,
    sg_rule,
    uid,
    volume,
)
from cloudcensus.providers.scaleway.fake.regional import (
    api_key,
    k8s_acl,
    k8s_cluster,
    private_network,
    rdb_instance,
    vpc,
)

ORG = "0f0e0d0c-1111-4222-8333-444455556666"
APPS = uid("project-apps")
LOCKED = uid("project-locked")
ACCESS_KEY = "SCWTESTSCANNER000001"
SECRET_KEY = "7d1e4c52-9a3b-4f60-8c21-5be0a7f3d9e4"
PAGED_SERVERS = 23


@dataclass(frozen=True)
class ScwEstate:
    organization: str
    key: ApiKey


def _default_project(state: FakeScaleway) -> None:
    zone, region = "fr-par-1", "fr-par"
    web_sg = security_group("sg-web", ORG, zone, servers=[uid("web-1")])
    open_sg = security_group("sg-default-accept", ORG, zone, inbound="accept")
    state.add("security_groups", zone, web_sg, open_sg)
    state.add(
        "security_group_rules",
        web_sg["id"],
        sg_rule("web-ssh", zone, ip_range="0.0.0.0/0", port=22),
        sg_rule("web-https", zone, ip_range="0.0.0.0/0", port=443, position=2),
        sg_rule("web-drop", zone, ip_range="10.0.0.0/8", action="drop", position=3),
    )
    state.add(
        "servers",
        zone,
        server(
            "web-1",
            ORG,
            zone,
            public_ip="51.15.10.1",
            security_group=web_sg["id"],
            tags={"owner": "web@example.org", "data-classification": "internal"},
        ),
        server(
            "db-1",
            ORG,
            zone,
            private_network=uid("pn-app"),
            tags={"data-classification": "restricted"},
        ),
    )
    state.add("servers", "fr-par-2", {"name": "half-created", "project": ORG, "state": "starting"})
    state.add(
        "ips",
        zone,
        ip("ip-web-1", "51.15.10.1", ORG, zone, server_id=uid("web-1")),
        ip("ip-spare", "51.15.10.2", ORG, zone),
    )
    state.add(
        "volumes",
        zone,
        volume("web-1-scratch", ORG, zone, server_id=uid("web-1")),
        volume("web-1-sbs", ORG, zone, volume_type="sbs_volume"),
    )
    state.add(
        "block_volumes",
        zone,
        block_volume(
            "db-1-data",
            ORG,
            zone,
            server_id=uid("db-1"),
            tags={"data-classification": "restricted"},
        ),
    )
    state.add(
        "block_snapshots",
        zone,
        block_snapshot("db-1-nightly", ORG, zone, volume_id=uid("db-1-data")),
    )
    state.add(
        "rdb_instances",
        region,
        rdb_instance(
            "orders",
            ORG,
            region,
            public=False,
            encrypted=True,
            backups=True,
            tags={"data-classification": "sensitive"},
        ),
        rdb_instance("legacy", ORG, region, public=True, encrypted=False, backups=False),
    )
    state.add(
        "k8s_clusters",
        region,
        k8s_cluster("open-cluster", ORG, region),
        k8s_cluster("office-cluster", ORG, region),
        k8s_cluster("denied-acl-cluster", ORG, region),
    )
    state.add("k8s_acls", uid("open-cluster"), k8s_acl("anywhere", region, "0.0.0.0/0"))
    state.add(
        "k8s_acls",
        uid("office-cluster"),
        k8s_acl("office", region, "203.0.113.0/24"),
        k8s_acl("scaleway", region, None, scaleway_ranges=True),
    )
    state.deny(f"clusters/{uid('denied-acl-cluster')}/acls")
    state.add("vpcs", region, vpc("default-vpc", ORG, region, default=True))
    state.add(
        "private_networks",
        region,
        private_network("pn-app", ORG, region, vpc_id=uid("default-vpc"), cidr="172.16.0.0/22"),
    )
    state.add(
        "api_keys",
        ORG,
        api_key(ACCESS_KEY, "scanner", ORG, created="2026-05-20T08:00:00Z"),
        api_key(
            "SCWOLDCIKEY000000001",
            "ci",
            ORG,
            created="2024-01-10T08:00:00Z",
            user_id=uid("ci-user"),
        ),
        api_key(
            "SCWEXPIREDKEY0000001",
            "expired",
            ORG,
            created="2024-01-10T08:00:00Z",
            expires="2025-01-10T08:00:00Z",
        )
        | {"secret_key": "b5e0c3a1-0000-4000-8000-00000000dead"},
    )


def _apps_project(state: FakeScaleway) -> None:
    zone = "pl-waw-1"
    state.add(
        "servers",
        zone,
        *[
            server(f"worker-{n:02d}", APPS, zone, tags={"data-classification": "restricted"})
            for n in range(PAGED_SERVERS)
        ],
    )


def build_estate(state: FakeScaleway, s3_endpoint: str | None) -> ScwEstate:
    key = ApiKey(ACCESS_KEY, SECRET_KEY, ORG)
    state.keys.append(key)
    for project_id, name in ((ORG, "default"), (APPS, "apps"), (LOCKED, "locked")):
        state.add_project(project(project_id, name, ORG))
    _default_project(state)
    _apps_project(state)
    state.add("servers", "fr-par-1", server("locked-1", LOCKED, "fr-par-1"))
    state.deny(project=LOCKED)
    if s3_endpoint is not None:
        public_policy = {
            "Version": "2023-04-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "policy-public/*",
                }
            ],
        }
        seed_bucket(s3_endpoint, key, ORG, "fr-par", "scw-test-acl-public", public=True)
        seed_bucket(s3_endpoint, key, ORG, "nl-ams", "scw-test-policy-public", policy=public_policy)
        seed_bucket(
            s3_endpoint,
            key,
            ORG,
            "pl-waw",
            "scw-test-private",
            encrypted=True,
            versioning=True,
            tags={"data-classification": "restricted"},
        )
        seed_bucket(s3_endpoint, key, APPS, "fr-par", "scw-test-apps-assets")
    return ScwEstate(ORG, key)
