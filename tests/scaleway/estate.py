"""The Scaleway organisation the tests scan: the demo's estate (`seed_demo`, one
definition for both) plus the cases only tests need.

Three projects: `default` (id = the organisation id, so it carries the organisation's
IAM API keys) with the demo's compliant and violating resources in every product and
the edge cases below, `apps` with a restricted workload in Warsaw and enough servers to
page, and `locked`, which the scanner's key may not read (the fake answers 403 for every
call about it).

Edge cases added to `default`: a server on a Private Network only (`db-1`, restricted
data), a security group accepting by default and a drop rule, Instance API volumes (one
also listed by the Block Storage API), a spare flexible IP, a server half created
(malformed), Kapsule clusters with an office range and with a refused ACL read, an
expired and a recent API key, a private load balancer, a provider-managed secret, and
buckets public through a policy or restricted in Warsaw.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudcensus.providers.scaleway.fake import ApiKey, FakeScaleway
from cloudcensus.providers.scaleway.fake.estate import (
    DEMO_ACCESS_KEY,
    DEMO_SECRET_KEY,
    seed_bucket,
    seed_demo,
)
from cloudcensus.providers.scaleway.fake.items import (
    ip,
    project,
    security_group,
    server,
    sg_rule,
    uid,
    volume,
)
from cloudcensus.providers.scaleway.fake.products import load_balancer, secret
from cloudcensus.providers.scaleway.fake.regional import api_key, k8s_acl, k8s_cluster

ORG = "0f0e0d0c-1111-4222-8333-444455556666"
APPS = uid("project-apps")
LOCKED = uid("project-locked")
ACCESS_KEY = DEMO_ACCESS_KEY
SECRET_KEY = DEMO_SECRET_KEY
PAGED_SERVERS = 23
#: the secret key the fake (wrongly) sends in the expired API key's item
LEAKED_SECRET = "b5e0c3a1-0000-4000-8000-00000000dead"


@dataclass(frozen=True)
class ScwEstate:
    organization: str
    key: ApiKey


def _edge_cases(state: FakeScaleway) -> None:
    zone, region = "fr-par-1", "fr-par"
    state.add(
        "security_groups", zone, security_group("sg-default-accept", ORG, zone, inbound="accept")
    )
    drop = sg_rule("web-drop", zone, ip_range="10.0.0.0/8", action="drop", position=3)
    state.add("security_group_rules", uid("sg-web"), drop)
    restricted = {"data-classification": "restricted"}
    state.add(
        "servers", zone, server("db-1", ORG, zone, private_network=uid("pn-app"), tags=restricted)
    )
    state.add("servers", "fr-par-2", {"name": "half-created", "project": ORG, "state": "starting"})
    state.add("ips", zone, ip("ip-spare", "51.15.10.2", ORG, zone))
    state.add(
        "volumes",
        zone,
        volume("web-1-scratch", ORG, zone, server_id=uid("web-1")),
        volume("web-1-sbs", ORG, zone, volume_type="sbs_volume"),
    )
    state.add(
        "k8s_clusters",
        region,
        k8s_cluster("office-cluster", ORG, region),
        k8s_cluster("denied-acl-cluster", ORG, region),
    )
    state.add(
        "k8s_acls",
        uid("office-cluster"),
        k8s_acl("office", region, "203.0.113.0/24"),
        k8s_acl("scaleway", region, None, scaleway_ranges=True),
    )
    state.deny(f"clusters/{uid('denied-acl-cluster')}/acls")
    expired = api_key(
        "SCWEXPIREDKEY0000001",
        "expired",
        ORG,
        created="2024-01-10T08:00:00Z",
        expires="2025-01-10T08:00:00Z",
    )
    recent = api_key("SCWRECENTKEY00000001", "recent", ORG, created="2026-05-20T08:00:00Z")
    state.add("api_keys", ORG, expired | {"secret_key": LEAKED_SECRET}, recent)
    state.add("lb/lbs", zone, load_balancer("internal-lb", ORG, zone, public_ip=None))
    state.add("secret-manager/secrets", region, secret("rdb-managed", ORG, region, managed=True))


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


def _buckets(s3_endpoint: str, key: ApiKey) -> None:
    public_policy = {
        "Version": "2023-04-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "scw-test-policy-public/*",
            }
        ],
    }
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


def build_estate(state: FakeScaleway, s3_endpoint: str | None) -> ScwEstate:
    key = seed_demo(state, s3_endpoint)
    for project_id, name in ((APPS, "apps"), (LOCKED, "locked")):
        state.add_project(project(project_id, name, ORG))
    _edge_cases(state)
    _apps_project(state)
    state.add("servers", "fr-par-1", server("locked-1", LOCKED, "fr-par-1"))
    state.deny(project=LOCKED)
    if s3_endpoint is not None:
        _buckets(s3_endpoint, key)
    return ScwEstate(ORG, key)
