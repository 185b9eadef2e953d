"""A large synthetic organisation for the benchmark: many projects, every modelled type.

The mix is shaped like a real estate rather than repeated copies: disks and instances
outnumber databases, every asset has its own name, labels drawn from teams and cost
centres, locations over EU and non-EU regions, multi- and dual-regions for buckets, some
public exposure, and a share of types no model reads (kept as `other`).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from cloudcensus.providers.gcp.fake import assets as build
from cloudcensus.providers.gcp.fake.estate import FakeOrganization, FakeProject

__all__ = ["MIX", "synthetic_organization"]

_REGIONS = [
    "europe-west1",
    "europe-west3",
    "europe-west4",
    "europe-west9",
    "us-central1",
    "europe-west2",
]
_BUCKET_LOCATIONS = ["EU", "EUR4", "europe-west1", "US", "europe-west3", "NAM4"]
_OTHER_TYPES = [
    ("pubsub.googleapis.com/Topic", "topics"),
    ("bigquery.googleapis.com/Dataset", "datasets"),
    ("secretmanager.googleapis.com/Secret", "secrets"),
    ("dns.googleapis.com/ManagedZone", "managedZones"),
]


def _labels(rng: random.Random, n: int) -> dict[str, str]:
    team = rng.randrange(40)
    labels = {"owner": f"team-{team}", "cost-centre": f"cc-{team % 17}", "app": f"app-{n % 211}"}
    if rng.random() < 0.8:
        labels["data-classification"] = rng.choice(
            ["public", "internal", "sensitive", "restricted"]
        )
    return labels


def _one(project: FakeProject, kind: str, n: int, rng: random.Random) -> None:
    region = rng.choice(_REGIONS)
    zone = f"{region}-{rng.choice('bcd')}"
    name = f"{kind}-{project.number}-{n}"
    labels = _labels(rng, n)
    if kind == "bucket":
        public = "roles/storage.objectViewer" if rng.random() < 0.05 else None
        build.bucket(
            project,
            name,
            location=rng.choice(_BUCKET_LOCATIONS),
            public_role=public,
            prevention=rng.choice(["enforced", "inherited"]),
            labels=labels,
            kms_key=f"projects/{project.project_id}/locations/{region}/keyRings/r/cryptoKeys/k"
            if rng.random() < 0.3
            else None,
        )
    elif kind == "instance":
        ip = (
            f"34.{n % 250}.{rng.randrange(250)}.{rng.randrange(250)}"
            if rng.random() < 0.2
            else None
        )
        build.instance(
            project,
            name,
            zone,
            external_ip=ip,
            labels=labels,
            network_tags=[f"tier-{rng.randrange(3)}"],
        )
    elif kind == "disk":
        build.disk(
            project,
            name,
            zone,
            size_gb=rng.choice([10, 50, 100, 500]),
            labels=labels,
            users=[f"instance-{project.number}-{n}"] if rng.random() < 0.7 else [],
        )
    elif kind == "firewall":
        build.firewall(
            project,
            name,
            ports=[rng.choice(["22", "443", "3389", "8000-9000"])],
            sources=[rng.choice(["0.0.0.0/0", f"10.{n % 250}.0.0/16"])],
        )
    elif kind == "sql":
        build.sql_instance(
            project,
            name,
            region,
            public_ip=rng.random() < 0.3,
            authorized=["0.0.0.0/0"] if rng.random() < 0.1 else [],
            labels=labels,
        )
    elif kind == "key":
        build.crypto_key(
            project,
            f"ring-{n % 7}",
            name,
            region,
            rotation_days=90 if rng.random() < 0.7 else None,
            labels=labels,
        )
    elif kind == "account":
        account = build.service_account(project, f"sa-{n}")
        build.service_account_key(project, account, f"key{n}", created="2024-01-01T00:00:00Z")
    elif kind == "run":
        build.run_service(project, name, region, public=rng.random() < 0.2, labels=labels)
    elif kind == "function":
        build.function(project, name, region, public=rng.random() < 0.2)
    elif kind == "cluster":
        build.cluster(project, name, region, private_endpoint=rng.random() < 0.5, labels=labels)
    elif kind == "sink":
        build.log_sink(project, name, f"storage.googleapis.com/audit-{project.number}")
    else:
        asset_type, collection = rng.choice(_OTHER_TYPES)
        build.other(project, asset_type, f"{collection}/{name}", region, labels)


#: Share of each kind in the estate ('account' adds a service account and its key).
MIX: dict[str, float] = {
    "disk": 0.24,
    "instance": 0.20,
    "bucket": 0.14,
    "firewall": 0.10,
    "other": 0.10,
    "key": 0.05,
    "account": 0.05,
    "sql": 0.03,
    "run": 0.03,
    "function": 0.03,
    "cluster": 0.015,
    "sink": 0.015,
}


def synthetic_organization(
    resources: int = 50_000,
    projects: int = 10,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> FakeOrganization:
    """An organisation of about `resources` assets spread over `projects` projects."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    org = FakeOrganization()
    folder = org.add_folder("900", "Synthetic")
    members = [
        org.add_project(f"synthetic-{i:03d}", str(500000 + i), parent=folder if i % 2 else None)
        for i in range(projects)
    ]
    kinds = list(MIX)
    weights = [MIX[kind] for kind in kinds]
    made = projects  # the projects themselves
    n = 0
    while made < resources:
        kind = rng.choices(kinds, weights)[0]
        _one(members[n % projects], kind, n, rng)
        made += 2 if kind == "account" else 1
        n += 1
        if progress is not None and n % 10_000 == 0:
            progress(made)
    return org
