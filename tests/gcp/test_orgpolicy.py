"""The `gcp.resourceLocations` guardrail of a project, from its organisation policies.

What a user depends on: SOV-GRD-01 sees the guardrail that really applies to the
project, inherited from folders and the organisation as the Organization Policy
Service evaluates it, and "could not verify" when a policy that decides it was not
readable, never "no guardrail" or "guardrail present" by guess.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.gcp.fake import FakeAssetServer
from cloudcensus.providers.gcp.fields import PayloadError
from cloudcensus.providers.gcp.locations import Locator
from cloudcensus.providers.gcp.orgpolicy import ANY_OTHER, OrgPolicyReader, region_guardrail
from cloudcensus.providers.gcp.provider import GcpProvider
from cloudcensus.providers.gcp.spec import OrgPolicyNode

from .conftest import Sleeps, settings_for

LOCATOR = Locator(load_catalogue("cloudcensus.providers.gcp"), "google", None)
PROJECT, FOLDER, ORG = "projects/1", "folders/2", "organizations/3"


def _locations(**list_policy: Any) -> dict[str, Any]:
    return {"constraint": "constraints/gcp.resourceLocations", "listPolicy": list_policy}


def _node(node: str, *policies: dict[str, Any], readable: bool = True) -> OrgPolicyNode:
    return {"node": node, "readable": readable, "policies": list(policies), "audit_configs": []}


def _guardrail(*chain: OrgPolicyNode) -> tuple[dict[str, Any] | None, bool]:
    return region_guardrail(list(chain), LOCATOR)


def test_no_policy_anywhere_is_no_guardrail() -> None:
    assert _guardrail(_node(PROJECT), _node(FOLDER), _node(ORG)) == (None, True)


def test_an_inherited_organisation_policy_applies_to_the_project() -> None:
    guardrail, readable = _guardrail(
        _node(PROJECT), _node(FOLDER), _node(ORG, _locations(allowedValues=["in:de-locations"]))
    )
    assert readable
    assert guardrail == {
        "allowed_regions": ["europe-west10", "europe-west3"],
        "policy_ids": ["organizations/3/policies/gcp.resourceLocations"],
    }


def test_a_merging_child_adds_its_values_and_denied_values_win() -> None:
    guardrail, _ = _guardrail(
        _node(PROJECT, _locations(allowedValues=["europe-west9"], inheritFromParent=True)),
        _node(FOLDER, _locations(deniedValues=["europe-west3"], inheritFromParent=True)),
        _node(ORG, _locations(allowedValues=["in:de-locations"])),
    )
    assert guardrail == {
        "allowed_regions": ["europe-west10", "europe-west9"],
        "policy_ids": [f"{n}/policies/gcp.resourceLocations" for n in (ORG, FOLDER, PROJECT)],
    }


def test_a_replacing_child_ignores_its_parents_even_unreadable_ones() -> None:
    guardrail, readable = _guardrail(
        _node(PROJECT, _locations(allowedValues=["europe-west1"])),
        _node(FOLDER, readable=False),
        _node(ORG, _locations(allowedValues=["in:us-locations"])),
    )
    assert readable
    assert guardrail is not None
    assert guardrail["allowed_regions"] == ["europe-west1"]


def test_an_unreadable_ancestor_that_decides_makes_the_guardrail_unverifiable() -> None:
    assert _guardrail(_node(PROJECT), _node(FOLDER, readable=False), _node(ORG)) == (None, False)


def test_restore_default_and_allow_all_lift_the_restriction() -> None:
    restore = {"constraint": "constraints/gcp.resourceLocations", "restoreDefault": {}}
    org = _node(ORG, _locations(allowedValues=["in:eu-locations"]))
    assert _guardrail(_node(PROJECT, restore), org) == (None, True)
    allow_all = _locations(allValues="ALLOW")
    assert _guardrail(_node(PROJECT, allow_all), org) == (None, True)


def test_deny_all_allows_nothing() -> None:
    guardrail, _ = _guardrail(_node(PROJECT, _locations(allValues="DENY")))
    assert guardrail is not None
    assert guardrail["allowed_regions"] == []


def test_a_deny_only_policy_allows_everything_else_including_unknown_locations() -> None:
    guardrail, _ = _guardrail(_node(ORG, _locations(deniedValues=["in:us-locations"])))
    assert guardrail is not None
    allowed = guardrail["allowed_regions"]
    assert allowed[-1] == ANY_OTHER
    assert "europe-west1" in allowed
    assert "us-east1" not in allowed
    assert "US" not in allowed


def test_a_malformed_policy_names_the_node() -> None:
    broken = {"constraint": "constraints/gcp.resourceLocations", "booleanPolicy": {}}
    with pytest.raises(PayloadError, match=r"orgPolicy of folders/2: .* has no listPolicy"):
        _guardrail(_node(PROJECT), _node(FOLDER, broken))


def test_ancestors_are_read_once_per_scan_and_a_refused_one_is_unreadable(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    fake.faults.denied.add("organizations/123456789012")
    api = GcpProvider(settings_for(fake, projects=["fin-prod"]), sleep=sleeps).api()
    reader = OrgPolicyReader(
        lambda parent, content, types: (
            asset for page in api.list_assets(parent, content, types) for asset in page.assets
        )
    )
    ancestry = fake.org.ancestry("projects/1001")
    first = reader.chain(ancestry)
    calls = len(fake.requests)
    second = reader.chain(fake.org.ancestry("projects/1001"))
    assert second == first
    assert len(fake.requests) == calls + 1  # only the project's own policies again
    folder, org = first[1], first[2]
    assert folder["readable"]
    assert folder["policies"][0]["constraint"].endswith("resourceLocations")
    assert folder["audit_configs"]
    assert folder["audit_configs"][0]["service"] == "allServices"
    assert (org["readable"], org["audit_configs"]) == (False, None)
