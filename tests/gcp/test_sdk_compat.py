"""The fake speaks the wire protocol of Google's own client library.

By default the scanner reads Cloud Asset Inventory with its own thin REST client
(docs/gcp.md says why); every GCP test trusts the fake to answer as the real API does.
Here the official `google-cloud-asset` client (REST transport) reads the same fake: its
requests are accepted (integer enums, repeated asset types, paging) and its parser
accepts every answer, with the same content the scanner's client reads. A fake that
drifted from the documented shapes would fail here first (it did once: a search
result's `state` must be a string).
"""

from __future__ import annotations

from typing import Any

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import asset_v1

from cloudcensus.providers.gcp import GcpProvider
from cloudcensus.providers.gcp.fake import FakeAssetServer

from .conftest import Sleeps, settings_for
from .estate import ORG_ID


def _official(fake: FakeAssetServer) -> asset_v1.AssetServiceClient:
    return asset_v1.AssetServiceClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options=ClientOptions(api_endpoint=fake.endpoint),
    )


def _ours(fake: FakeAssetServer, sleeps: Sleeps) -> Any:
    return GcpProvider(settings_for(fake, projects=["web-dev"]), sleep=sleeps).api()


def test_the_official_client_pages_through_the_same_assets(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    request = asset_v1.ListAssetsRequest(
        parent="projects/web-dev",
        content_type=asset_v1.ContentType.RESOURCE,
        asset_types=["storage.googleapis.com/Bucket", "compute.googleapis.com/Firewall"],
        page_size=2,
    )
    official = {
        asset.name: asset_v1.Asset.to_dict(asset)["resource"]["data"]
        for asset in _official(fake).list_assets(request=request)
    }
    ours = {
        asset["name"]: asset["resource"]["data"]
        for page in _ours(fake, sleeps).list_assets(
            "projects/web-dev", "RESOURCE", request.asset_types
        )
        for asset in page.assets
    }
    assert len(official) == 4
    assert official == ours
    assert fake.requests[0].params["contentType"] == ["1"]  # the SDK sends enums as numbers


def test_the_official_client_reads_policies_and_search_results(fake: FakeAssetServer) -> None:
    client = _official(fake)
    policies = client.list_assets(
        request={
            "parent": f"organizations/{ORG_ID}",
            "content_type": asset_v1.ContentType.ORG_POLICY,
        }
    )
    (finance,) = list(policies)
    assert finance.name == "//cloudresourcemanager.googleapis.com/folders/111"
    assert list(finance.org_policy[0].list_policy.allowed_values) == ["in:eu-locations"]
    iam = client.list_assets(
        request={
            "parent": "projects/web-dev",
            "content_type": asset_v1.ContentType.IAM_POLICY,
            "asset_types": ["run.googleapis.com/Service"],
        }
    )
    (service,) = list(iam)
    assert "allUsers" in {m for b in service.iam_policy.bindings for m in b.members}
    results = client.search_all_resources(
        request={
            "scope": f"organizations/{ORG_ID}",
            "asset_types": ["cloudresourcemanager.googleapis.com/Project"],
        }
    )
    assert {(r.name, r.project, tuple(r.folders)) for r in results} == {
        ("//cloudresourcemanager.googleapis.com/projects/1001", "projects/1001", ("folders/111",)),
        ("//cloudresourcemanager.googleapis.com/projects/1002", "projects/1002", ()),
        ("//cloudresourcemanager.googleapis.com/projects/1003", "projects/1003", ()),
    }
