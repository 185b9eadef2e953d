"""The demo's GCP organisation, served by the project's fake Cloud Asset Inventory.

Two projects under one organisation: `demo-finance` (in a folder whose
`gcp.resourceLocations` policy allows EU locations only; customer-managed keys, private
database, uniform bucket access) mostly complies; `demo-web` (directly under the
organisation, no guardrail) does not: a public bucket in the US multi-region, SSH open
to the internet, a VM with an external address, a Cloud SQL instance open to 0.0.0.0/0,
a public Cloud Run service, a key without rotation and an old service-account key.
`change()` fixes the public bucket, closes SSH and adds a second exposed VM, so the
drift between the demo's two scans shows on GCP too.

The fake runs in a thread of the demo process on loopback; the provider reaches it with
anonymous credentials, which the GCP settings allow only for a loopback endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from cloudcensus.demo.clouds import ServedDemoCloud
from cloudcensus.providers.gcp.fake import FakeAssetServer, FakeOrganization, FakeProject
from cloudcensus.providers.gcp.fake import assets as build

__all__ = ["GcpDemoCloud", "demo_organization"]

_EU_ONLY = {
    "constraint": "constraints/gcp.resourceLocations",
    "listPolicy": {"allowedValues": ["in:eu-locations"]},
}
_AUDIT_ALL = {
    "service": "allServices",
    "auditLogConfigs": [{"logType": t} for t in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")],
}
_OWNERS = {"owner": "finance-it", "cost-centre": "CC-210"}


def _finance(org: FakeOrganization, folder: str) -> FakeProject:
    project = org.add_project(
        "demo-finance", "410000000001", parent=folder, display_name="Finance (production)"
    )
    key = "projects/demo-finance/locations/europe-west1/keyRings/finance/cryptoKeys/data"
    tags = {**_OWNERS, "data-classification": "sensitive"}
    build.crypto_key(project, "finance", "data", "europe-west1", labels=tags)
    build.bucket(project, "demo-finance-ledgers", location="europe-west1", kms_key=key, labels=tags)
    build.bucket(project, "demo-finance-archive", location="EUR4", kms_key=key, labels=tags)
    build.sql_instance(
        project, "ledger-db", "europe-west1", kms_key=key, regional=True, labels=tags
    )
    build.instance(project, "ledger-app-1", "europe-west1-b", labels=tags)
    build.disk(
        project, "ledger-app-1", "europe-west1-b", kms_key=key, users=["ledger-app-1"], labels=tags
    )
    build.firewall(project, "allow-https-lb", ports=["443"], sources=["35.191.0.0/16"])
    build.cluster(
        project, "finance-gke", "europe-west1", private_endpoint=True, secrets_key=key, labels=tags
    )
    build.log_sink(
        project,
        "audit-to-archive",
        "storage.googleapis.com/demo-finance-archive",
        log_filter='logName:"cloudaudit.googleapis.com"',
    )
    return project


def _web(org: FakeOrganization) -> FakeProject:
    project = org.add_project("demo-web", "410000000002", display_name="Public website")
    tags = {"owner": "web-team", "data-classification": "public"}
    build.bucket(
        project,
        "demo-web-assets",
        location="US",
        public_role="roles/storage.objectViewer",
        prevention="inherited",
        labels=tags,
    )
    build.instance(project, "web-1", "europe-west1-c", external_ip="34.76.10.20", labels=tags)
    build.firewall(project, "allow-ssh", ports=["22"], sources=["0.0.0.0/0"])
    build.sql_instance(
        project,
        "web-db",
        "europe-west1",
        version="MYSQL_8_0",
        public_ip=True,
        authorized=["0.0.0.0/0"],
        backups=False,
    )
    build.crypto_key(project, "web", "tokens", "europe-west1", rotation_days=None)
    build.run_service(project, "web-api", "europe-west1", public=True, env={"API_TOKEN": "demo"})
    deployer = build.service_account(project, "deployer")
    build.service_account_key(project, deployer, "5f1c2a7e90d3", created="2024-11-05T08:00:00Z")
    build.other(project, "pubsub.googleapis.com/Topic", "topics/orders", "global")
    return project


def demo_organization() -> FakeOrganization:
    """The demo's organisation (see the module doc)."""
    org = FakeOrganization("410000000000", "demo.example.org")
    folder = org.add_folder("410000000100", "Finance")
    org.set_org_policies(folder, [_EU_ONLY])
    _finance(org, folder)
    _web(org)
    return org


class GcpDemoCloud(ServedDemoCloud):
    """A `cloudcensus.demo.clouds.DemoCloud`: a GCP organisation on a loopback fake."""

    provider = "gcp"

    def __init__(self) -> None:
        self.org = demo_organization()
        self._server = FakeAssetServer(self.org)
        self.description = "GCP organisation (2 projects)"

    def _start(self, stack: ExitStack) -> None:
        stack.enter_context(self._server)
        self.description = f"GCP organisation (2 projects) on {self._server.endpoint}"

    def provider_settings(self) -> Mapping[str, Any]:
        return {
            "organization": self.org.org_id,
            "credentials": "anonymous",
            "api_endpoint": self._server.endpoint,
            # A local fake answers at once: no quota to respect, two attempts are plenty.
            "list_assets_per_minute": 60_000,
            "search_per_minute": 60_000,
            "max_attempts": 2,
        }

    def environment(self) -> Mapping[str, str]:
        return {}  # anonymous credentials on loopback: nothing to set

    def change(self) -> None:
        web = self.org.project("demo-web")
        bucket = "//storage.googleapis.com/demo-web-assets"
        self.org.set_iam_policy(bucket, {"version": 1, "bindings": []})
        self.org.remove("//compute.googleapis.com/projects/demo-web/global/firewalls/allow-ssh")
        build.instance(
            web, "web-2", "europe-west1-d", external_ip="34.76.10.21", labels={"owner": "web-team"}
        )
        self.org.set_iam_policy(
            "//cloudresourcemanager.googleapis.com/projects/410000000001",
            {"version": 1, "bindings": [], "auditConfigs": [_AUDIT_ALL]},
        )
