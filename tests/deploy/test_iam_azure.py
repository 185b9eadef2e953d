"""deploy/iam/azure: the Reader assignment authorises every call a full scan makes.

The real AzureProvider scans the project's fake tenant twice (every visible
subscription, then by management group) while the fake records every ARM and Resource
Graph request it answers (its fault hook sees each one). Each request is mapped to the
Azure operation that authorises it, as Azure RBAC names them (a GET of
`.../providers/Microsoft.Sql/servers/s/firewallRules` is
`Microsoft.Sql/servers/firewallRules/read`; a POST is an `.../action` unless Azure
documents it as a read), and checked against the permissions of the role the templates
assign (`reader-role.json`, Reader as Microsoft documents it). So the templates cannot
fall behind the code: a new call that Reader does not cover (listing storage account
keys is a POST `listKeys/action`) fails here and asks for a custom role.
"""

from __future__ import annotations

import json
import threading
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.providers.azure import AzureProvider
from cloudcensus.providers.azure.fake import FakeAzure, Faults, estates
from cloudcensus.providers.azure.fake.tenant import Fault
from cloudcensus.providers.azure.settings import AzureSettings
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus
from tests.support.collecting import collect_into

IAM = Path(__file__).resolve().parents[2] / "deploy" / "iam" / "azure"
SECRET = "Zq8~iam-test-client-secret.0123456789abcdef"
#: Azure documents the Resource Graph query (a POST) as this read operation.
POST_READS = {"microsoft.resourcegraph/resources": "Microsoft.ResourceGraph/resources/read"}
Call = tuple[str, str]


class _RecordingFaults(Faults):
    """The fake asks its faults about every ARM and Resource Graph request before
    answering it; this keeps (method, path) of each and arms nothing."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.calls: set[Call] = set()

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.calls.add((method, path.split("?", 1)[0]))
        return super().take(method, path)


def _scan(overrides: dict[str, Any]) -> tuple[set[Call], list[CoverageEntry]]:
    tenant = estates.test_tenant(SECRET)
    recording = _RecordingFaults()
    tenant.faults = recording
    with FakeAzure(tenant) as fake, pytest.MonkeyPatch.context() as patch:
        for name in ("AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
            patch.delenv(name, raising=False)
        for name, value in fake.environment().items():
            patch.setenv(name, value)
        settings = {**fake.provider_settings(), "max_retries": 1, **overrides}
        sink = collect_into([AzureProvider(AzureSettings.model_validate(settings))])
    return recording.calls, sink.coverage


@pytest.fixture(scope="module")
def calls() -> set[Call]:
    """Every (method, path) of a scan of every visible subscription (one of them
    refused) and of a scan of the management group `fed`."""
    everything, coverage = _scan({})
    by_group, group_coverage = _scan({"management_group": "fed"})
    failed = [e for e in coverage + group_coverage if e.status is not CoverageStatus.COMPLETE]
    assert {e.account for e in failed} == {estates.DENIED}, failed  # everything else was read
    return everything | by_group


def operation(method: str, path: str) -> str:
    """The Azure RBAC operation an ARM request needs (`Namespace/type/subtype/verb`)."""
    segments = [s for s in path.split("/") if s]
    lowered = [s.lower() for s in segments]
    if "providers" in lowered:
        last = len(lowered) - 1 - lowered[::-1].index("providers")
        namespace, rest = segments[last + 1], segments[last + 2 :]
    else:
        namespace, rest = "Microsoft.Resources", segments
    base = "/".join([namespace, *rest[0::2]])
    if method in ("GET", "HEAD"):
        return f"{base}/read"
    if method == "POST":
        return POST_READS.get(base.lower(), f"{base}/action")
    return f"{base}/delete" if method == "DELETE" else f"{base}/write"


def _role() -> dict[str, Any]:
    role: dict[str, Any] = json.loads((IAM / "reader-role.json").read_text())
    return role


def granted(op: str, role: dict[str, Any]) -> bool:
    """Azure's matching: `*` wildcards, case-insensitive; notActions subtract."""

    def matches(patterns: list[str]) -> bool:
        return any(fnmatchcase(op.lower(), p.lower()) for p in patterns)

    return any(matches(p["actions"]) and not matches(p["notActions"]) for p in role["permissions"])


def test_reader_authorises_every_call_a_full_scan_makes(calls: set[Call]) -> None:
    role = _role()
    refused = sorted(op for op in {operation(m, p) for m, p in calls} if not granted(op, role))
    assert refused == [], f"Reader does not authorise {refused}: add a custom role"


def test_every_call_is_a_read_so_no_custom_role_is_needed(calls: set[Call]) -> None:
    operations = {operation(m, p) for m, p in calls}
    assert operations, "the fake recorded no call"
    assert all(op.endswith("/read") for op in operations), sorted(operations)
    # The detail reads ARM holds apart from Resource Graph are among them.
    lowered = {op.lower() for op in operations}
    for expected in (
        "microsoft.resourcegraph/resources/read",
        "microsoft.resources/subscriptions/locations/read",
        "microsoft.authorization/policyassignments/read",
        "microsoft.insights/diagnosticsettings/read",
        "microsoft.sql/servers/firewallrules/read",
        "microsoft.storage/storageaccounts/blobservices/containers/read",
        "microsoft.keyvault/vaults/keys/read",
    ):
        assert expected in lowered, expected


def test_a_call_that_reads_secrets_would_not_be_authorised() -> None:
    """The check bites: listing a storage account's keys is an action Reader lacks."""
    path = (
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a/listKeys"
    )
    assert operation("POST", path) == "Microsoft.Storage/storageAccounts/listKeys/action"
    assert not granted(operation("POST", path), _role())
    assert not granted(operation("PUT", path.rsplit("/", 1)[0]), _role())


def test_the_role_reads_the_control_plane_only() -> None:
    role = _role()
    assert role["roleName"] == "Reader"
    for permissions in role["permissions"]:
        assert all(a.endswith("/read") for a in permissions["actions"])
        assert permissions["dataActions"] == []
        assert permissions["notDataActions"] == []


def test_the_arm_template_assigns_reader_at_the_management_group() -> None:
    template = json.loads((IAM / "reader-assignment.json").read_text())
    assert template["$schema"].endswith("/managementGroupDeploymentTemplate.json#")
    [assignment] = template["resources"]  # no custom role definition
    assert assignment["type"] == "Microsoft.Authorization/roleAssignments"
    assert "scope" not in assignment  # the management group deployed to
    assert template["variables"]["readerRoleId"] == _role()["name"]
    properties = assignment["properties"]
    assert "variables('readerRoleId')" in properties["roleDefinitionId"]
    assert properties["principalId"] == "[parameters('principalId')]"
    assert properties["principalType"] == "[parameters('principalType')]"
    assert template["parameters"]["principalType"]["defaultValue"] == "ServicePrincipal"
