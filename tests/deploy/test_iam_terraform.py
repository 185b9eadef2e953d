"""The Terraform modules of deploy/iam grant what their data files say.

Each module's variables and locals are evaluated by Terraform itself (`terraform console`
on a copy holding only those blocks and the data files: no provider, no network), so
the permission sets, roles and role id a module would apply are compared with the files
the scans are checked against (tests/deploy/test_iam_<cloud>.py). Every module must be
canonically formatted. Skipped where Terraform is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

IAM = Path(__file__).resolve().parents[2] / "deploy" / "iam"
MODULES = ("azure", "gcp", "scaleway")
ENV = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull}

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is missing")


def evaluate(module: str, expression: str, scratch: Path, **variables: str) -> Any:
    """The value of `expression` over the module's variables and locals."""
    text = (IAM / module / "main.tf").read_text()
    blocks = re.findall(r'^(?:variable "\w+"|locals) \{.*?^\}', text, re.S | re.M)
    assert blocks, module
    for data in (IAM / module).glob("*.*"):
        if data.suffix in (".yaml", ".json"):
            shutil.copy(data, scratch / data.name)
    (scratch / "main.tf").write_text("\n\n".join(blocks) + "\n")
    options = [f"-var={name}={value}" for name, value in variables.items()]
    done = subprocess.run(
        ["terraform", "console", *options],
        input=f"jsonencode({expression})\n",
        capture_output=True,
        text=True,
        check=False,
        cwd=scratch,
        env=ENV,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", MODULES)
def test_the_module_is_canonically_formatted(module: str) -> None:
    done = subprocess.run(
        ["terraform", "fmt", "-check", "-diff", str(IAM / module)],
        capture_output=True,
        text=True,
        check=False,
        env=ENV,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_azure_assigns_the_reader_role_at_the_management_group(tmp_path: Path) -> None:
    role = json.loads((IAM / "azure" / "reader-role.json").read_text())
    value = evaluate(
        "azure",
        "[local.reader_role_id, local.scope]",
        tmp_path,
        management_group_id="mg-fed",
        principal_id="0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a",
    )
    assert value == [role["name"], "/providers/Microsoft.Management/managementGroups/mg-fed"]
    text = (IAM / "azure" / "main.tf").read_text()
    assert 'resource "azurerm_role_assignment" "reader"' in text
    assert "role_definition_name = data.azurerm_role_definition.reader.name" in text
    assert 'resource "azurerm_role_definition"' not in text  # no custom role


@pytest.mark.parametrize("security_reviewer", [True, False])
def test_gcp_binds_the_roles_of_the_table(tmp_path: Path, security_reviewer: bool) -> None:
    roles = yaml.safe_load((IAM / "gcp" / "permissions.yaml").read_text())["roles"]
    bound = evaluate(
        "gcp",
        "local.organization_roles",
        tmp_path,
        organization_id="123456789012",
        quota_project="scanner-host",
        member="serviceAccount:cloudcensus@scanner-host.iam.gserviceaccount.com",
        grant_security_reviewer=str(security_reviewer).lower(),
    )
    expected = {
        name
        for name, role in roles.items()
        if role["granted_on"] == "organization" and (security_reviewer or not role.get("optional"))
    }
    assert sorted(bound) == sorted(expected)
    text = (IAM / "gcp" / "main.tf").read_text()
    quota = re.search(r'resource "google_project_iam_member" "quota" \{(.*?)^\}', text, re.S | re.M)
    assert quota is not None
    assert set(re.findall(r"roles/[\w.]+", quota.group(1))) == {
        name for name, role in roles.items() if role["granted_on"] == "quota project"
    }


@pytest.mark.parametrize("object_storage", [True, False])
def test_scaleway_policy_holds_the_sets_of_the_table(tmp_path: Path, object_storage: bool) -> None:
    table = yaml.safe_load((IAM / "scaleway" / "permissions.yaml").read_text())
    organization, projects = evaluate(
        "scaleway",
        "[local.organization_sets, local.project_sets]",
        tmp_path,
        organization_id="11111111-2222-4333-8444-555555555555",
        object_storage=str(object_storage).lower(),
    )

    def sets(scope: str) -> set[str]:
        return {s for api in table["apis"] if api["scope"] == scope for s in api["permission_sets"]}

    assert set(organization) == sets("organization")
    storage = set(table["object_storage"]["permission_sets"]) if object_storage else set()
    assert set(projects) == sets("projects") | storage
    assert len(organization) == len(set(organization))
    assert len(projects) == len(set(projects))
