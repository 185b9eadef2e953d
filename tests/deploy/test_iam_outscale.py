"""deploy/iam/outscale: the EIM policy allows exactly the OSC API actions a full scan calls.

The real OutscaleProvider scans the demo's two accounts on the project's fake OUTSCALE
(OOS on moto behind it) while the fake records every OSC API action and botocore every
OOS operation. The policy's action patterns, expanded over every action of the OSC API
(the OpenAPI document osc-sdk-python ships), must give exactly the actions called: a
`api:Read*` wildcard would also allow ReadAdminPassword (a VM's administrator password)
and ReadConsoleOutput. OOS does not apply EIM policies; its calls are checked to be
bucket-level reads.
"""

from __future__ import annotations

import json
import re
import threading
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from cloudcensus.demo.outscalecloud import OutscaleDemoCloud
from cloudcensus.providers.outscale import OutscaleProvider
from cloudcensus.providers.outscale.settings import OutscaleSettings
from tests.support.collecting import collect_into

IAM = Path(__file__).resolve().parents[2] / "deploy" / "iam" / "outscale"
WRITES = (
    "Accept", "Add", "Check", "Create", "Delete", "Deregister", "Link", "Put", "Reboot",
    "Register", "Reject", "Remove", "Scale", "Set", "Start", "Stop", "Unlink", "Update",
)  # fmt: skip


@pytest.fixture(scope="module")
def scan() -> tuple[set[str], set[str]]:
    """(OSC API actions, OOS operations) of a full scan of the demo accounts."""
    operations: set[str] = set()
    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: Any, operation: str, params: Any) -> Any:
        with lock:
            operations.add(operation)
        return original(self, operation, params)

    with OutscaleDemoCloud() as demo, pytest.MonkeyPatch.context() as patch:
        for name, value in demo.environment().items():
            patch.setenv(name, value)
        with demo.state.lock:
            demo.state.requests.clear()  # the demo's seeding is no part of a scan
        patch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
        settings = OutscaleSettings.model_validate(dict(demo.provider_settings()))
        sink = collect_into([OutscaleProvider(settings)])
        with demo.state.lock:
            records = list(demo.state.requests)
    assert sink.failed == []
    assert records, "the fake recorded no call"
    assert all(r.status == 200 for r in records), records
    return {r.action for r in records}, operations


def _policy() -> list[str]:
    document = json.loads((IAM / "policy.json").read_text())
    patterns: list[str] = []
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == ["*"]  # EIM has no resource-level permissions
        patterns.extend(statement["Action"])
    return patterns


def _osc_api() -> set[str]:
    """Every action of the OSC API, from the OpenAPI document osc-sdk-python ships."""
    spec = resources.files("osc_sdk_python") / "resources" / "outscale.yaml"
    actions = set(re.findall(r"^  /([A-Z]\w+):$", spec.read_text(), re.M))
    assert len(actions) > 100, "not the OSC API's OpenAPI document"
    return actions


def _allowed(patterns: list[str], actions: set[str]) -> set[str]:
    return {a for a in actions if any(fnmatchcase(f"api:{a}", p) for p in patterns)}


def test_the_policy_allows_every_action_a_scan_calls(scan: tuple[set[str], set[str]]) -> None:
    called, _ = scan
    missing = called - _allowed(_policy(), called)
    assert missing == set(), f"add to deploy/iam/outscale/policy.json: {sorted(missing)}"


def test_the_policy_allows_nothing_a_scan_does_not_call(scan: tuple[set[str], set[str]]) -> None:
    called, _ = scan
    patterns = _policy()
    assert all(p.startswith("api:") for p in patterns), patterns  # no FCU, LBU, EIM APIs
    assert called <= _osc_api()
    extra = _allowed(patterns, _osc_api()) - called
    assert extra == set(), f"not called by any collector: {sorted(extra)}"


def test_a_scan_never_writes(scan: tuple[set[str], set[str]]) -> None:
    called, _ = scan
    assert all(a.startswith("Read") for a in called), called
    assert not [a for a in _allowed(_policy(), _osc_api()) if a.startswith(WRITES)]


def test_a_read_wildcard_would_allow_reading_secrets() -> None:
    """Why the policy names its actions: `api:Read*` is not a read-only inventory grant."""
    everything_read = _allowed(["api:Read*"], _osc_api())
    assert {"ReadAdminPassword", "ReadConsoleOutput"} <= everything_read
    assert not {"ReadAdminPassword", "ReadConsoleOutput"} & _allowed(_policy(), _osc_api())


def test_oos_calls_read_bucket_configuration_only(scan: tuple[set[str], set[str]]) -> None:
    _, operations = scan
    assert "ListBuckets" in operations
    assert all(o.startswith(("GetBucket", "ListBuckets", "HeadBucket")) for o in operations), (
        operations
    )
