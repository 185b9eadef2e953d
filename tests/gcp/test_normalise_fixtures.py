"""Replays every GCP asset model's recorded payloads through its `normalise`.

Fixture format (tests/gcp/fixtures/<model kind>.yaml):

    context: {project: web-dev, offering: google}
    cases:
      - name: what the case shows
        payload:
          asset: <one Cloud Asset `Asset` (content type RESOURCE) as the API returns it>
          policies: [<IAM policy or null, one per name the model's `policies` lists>]
          related: [<assets of the same listing whose `relate` facts the model reads>]
          org_policies: [<the ancestry's policies, project first>]
          read_time: <the listing's readTime>
        expected: <the Resource, model_dump(mode="json") without `raw`; null for None>
        error: <instead of `expected`: text the malformed-payload error must contain>

The assets were built from the services' documented REST representations (camelCase,
int64 as strings); the `error` cases are the malformed payloads a real API can send.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.gcp.assets import dispatcher
from cloudcensus.providers.gcp.locations import Locator, universe
from cloudcensus.providers.gcp.models import ALL_MODELS
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload, Relations
from tests.support.fixtures import as_expected, recorded_cases

FIXTURES = Path(__file__).parent / "fixtures"
_BY_KIND = {model.kind: model for model in ALL_MODELS}
_DOMAINS = {"google": "googleapis.com", "s3ns": "s3nsapis.fr"}


def _context(context: dict[str, Any]) -> GcpContext:
    offering = context.get("offering", "google")
    catalogue = load_catalogue("cloudcensus.providers.gcp")
    locator = Locator(catalogue, offering, universe(_DOMAINS[offering]).global_country)
    return GcpContext(str(context["project"]), offering, catalogue, locator)


def payload_of(model: AssetModel, raw: dict[str, Any]) -> Payload:
    """The payload `fetch_assets` would hand this model for the recorded listing."""
    relations: Relations = {}
    for related in raw.get("related", []):
        for other in ALL_MODELS:
            if other.asset_type == related.get("assetType") and other.relate is not None:
                other.relate(related, relations)
    asset = raw["asset"]
    return {
        "name": str(asset.get("name") or ""),
        "kind": model.kind,
        "asset": asset,
        "policies": list(raw.get("policies", [])),
        "relations": relations if model.deferred else None,
        "org_policies": raw.get("org_policies"),
        "read_time": raw.get("read_time"),
    }


def _cases() -> list[Any]:
    return recorded_cases(ALL_MODELS, lambda model: model.kind, FIXTURES)


@pytest.mark.parametrize(("model", "context", "case"), _cases())
def test_model_normalises_its_recorded_payload(
    model: AssetModel, context: dict[str, Any], case: dict[str, Any]
) -> None:
    ctx = _context(context)
    normalise = dispatcher(ctx, ALL_MODELS)
    payload = payload_of(model, case["payload"])
    if "error" in case:
        # What the collection engine records as a malformed item, naming the field.
        with pytest.raises(ValueError, match=re.escape(case["error"])):
            normalise(payload)
        return
    resource = as_expected(normalise(payload), case["expected"])
    if resource is not None and resource.type != "other":
        assert resource.native_type in (model.asset_type, "iam.googleapis.com/AuditConfig")


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.kind)
def test_every_model_has_a_fixture(model: AssetModel) -> None:
    path = FIXTURES / f"{model.kind}.yaml"
    assert path.exists(), f"add tests/gcp/fixtures/{path.name} (format: module doc)"
    assert yaml.safe_load(path.read_text())["cases"], f"{path.name} has no cases"
