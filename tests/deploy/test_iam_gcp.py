"""deploy/iam/gcp: the roles granted cover every call a full scan makes, and no more.

The real GcpProvider scans the test organisation on the project's fake Cloud Asset API,
with both readers (its own JSON pages and google-cloud-asset's client); the fake records
every call it answers. Each call's permission (ListAssets by content type,
SearchAllResources) is looked up in `deploy/iam/gcp/permissions.yaml`, which must grant it
through one of its roles and grant nothing a scan does not use; Terraform and the gcloud
script must bind exactly the roles of that file, where the file says.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.cloud.asset_v1 import ContentType

from cloudcensus.providers.gcp import GcpProvider
from cloudcensus.providers.gcp.fake import FakeAssetServer
from cloudcensus.providers.gcp.settings import GcpSettings
from tests.gcp.estate import ORG_ID, build_org
from tests.support.collecting import collect_into

IAM = Path(__file__).resolve().parents[2] / "deploy" / "iam" / "gcp"
#: where permissions.yaml says a role is granted -> the gcloud command group granting it
COMMAND_GROUPS = {"organization": "organizations", "quota project": "projects"}


def _table() -> dict[str, Any]:
    table: dict[str, Any] = yaml.safe_load((IAM / "permissions.yaml").read_text())
    return table


def _content_type(params: dict[str, list[str]]) -> str:
    """ListAssets' content type, sent by name or by its enum number."""
    [value] = params.get("contentType") or [""]
    return ContentType(int(value)).name if value.isdigit() else value


@pytest.fixture(scope="module")
def needed() -> set[str]:
    """The permission of every call a full organisation scan makes, with both readers."""
    table = _table()
    permissions: set[str] = set()
    for client in ("json", "sdk"):
        with FakeAssetServer(build_org()) as fake:
            settings = GcpSettings.model_validate(
                {
                    "client": client,
                    "organization": ORG_ID,
                    "credentials": "anonymous",
                    "api_endpoint": fake.endpoint,
                    "list_assets_per_minute": 100_000,
                    "search_per_minute": 100_000,
                }
            )
            sink = collect_into([GcpProvider(settings)])
            requests = list(fake.requests)
        assert sink.failed == [], sink.failed  # every project, folder and the organisation was read
        assert requests, "the fake recorded no call"
        for request in requests:
            assert request.status == 200, request
            kinds = table["calls"].get(request.method)
            assert kinds is not None, f"{request.method} is not in permissions.yaml"
            kind = _content_type(request.params) if request.method == "ListAssets" else "any"
            assert kind in kinds, f"{request.method} {kind} is not in permissions.yaml"
            permissions.add(kinds[kind])
    return permissions | {table["every_call"]}


def test_the_roles_grant_every_permission_a_scan_needs(needed: set[str]) -> None:
    granted = {p for role in _table()["roles"].values() for p in role["used"]}
    assert needed - granted == set(), f"no role of permissions.yaml grants {needed - granted}"


def test_the_roles_are_granted_for_nothing_a_scan_does_not_use(needed: set[str]) -> None:
    for name, role in _table()["roles"].items():
        unused = set(role["used"]) - needed
        assert unused == set(), f"{name}: not used by any call: {unused}"
        # A role none of whose permissions a scan uses is optional, and says so.
        assert bool(role.get("optional")) == (role["used"] == []), name


def test_every_call_is_a_cloud_asset_read(needed: set[str]) -> None:
    assert {p.split(".")[0] for p in needed} == {"cloudasset", "serviceusage"}
    assert all(p.split(".")[-1].startswith(("list", "search", "use")) for p in needed), needed


def _script_grants() -> dict[str, str]:
    """role -> gcloud command group (organizations, projects) in grant.sh."""
    text = (IAM / "grant.sh").read_text().replace("\\\n", " ")
    found = re.findall(
        r"gcloud (organizations|projects) add-iam-policy-binding .*?--role (roles/[\w.]+)", text
    )
    return {role: group for group, role in found}


def test_the_gcloud_script_binds_the_roles_where_the_table_says() -> None:
    expected = {
        name: COMMAND_GROUPS[role["granted_on"]] for name, role in _table()["roles"].items()
    }
    assert _script_grants() == expected


def test_the_gcloud_script_parses() -> None:
    done = subprocess.run(
        ["bash", "-n", str(IAM / "grant.sh")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert os.access(IAM / "grant.sh", os.X_OK)
