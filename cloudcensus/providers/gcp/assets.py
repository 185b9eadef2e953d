"""The two fetches of a project, and the dispatch of payloads to their models.

`fetch_assets` (collector `assets.resources`) reads the project through ListAssets:
first the IAM policies of the types whose models read one (content type IAM_POLICY), then
every modelled asset (RESOURCE), streamed page by page. Each asset becomes one payload
per model of its type; models that need the whole listing (`deferred`) get theirs once
it is complete, with the facts other assets recorded (`relate`) and, for the project,
the organisation policies of the project and its ancestors (ORG_POLICY).

`fetch_others` (collector `assets.search`) sweeps SearchAllResources for everything else.

Both only call the API and yield raw payloads; `dispatch` hands a payload to its model's
pure `normalise`. A malformed asset fails its own payload, never the listing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from cloudcensus.providers.gcp.client import AssetReader
from cloudcensus.providers.gcp.fields import PayloadError
from cloudcensus.providers.gcp.orgpolicy import OrgPolicyReader
from cloudcensus.providers.gcp.other import READ_MASK
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, OrgPolicyNode, Payload, Relations
from cloudcensus.scanner.inventory import Resource

__all__ = ["dispatcher", "fetch_assets", "fetch_others"]


def _invalid(payload: Payload, ctx: GcpContext) -> Resource | None:
    asset = payload["asset"]
    if "invalid" in asset and len(asset) == 1:
        raise PayloadError(f"asset: expected an object, got {type(asset['invalid']).__name__}")
    raise PayloadError("assetType: missing")


#: Where an asset that is not an object, or has no type, goes: its normalise says why.
_INVALID = AssetModel("invalid", "", _invalid)


def _read_policies(
    api: AssetReader, parent: str, models: Sequence[AssetModel]
) -> dict[str, dict[str, Any]]:
    types = sorted({m.asset_type for m in models if m.policies is not None})
    policies: dict[str, dict[str, Any]] = {}
    if not types:
        return policies
    for page in api.list_assets(parent, "IAM_POLICY", types):
        for asset in page.assets:
            if isinstance(asset, dict) and isinstance(asset.get("iamPolicy"), dict):
                policies[str(asset.get("name"))] = asset["iamPolicy"]
    return policies


def _payload(
    model: AssetModel,
    asset: Any,
    policies: Mapping[str, dict[str, Any]],
    read_time: str | None,
    relations: Relations | None = None,
    org_policies: list[OrgPolicyNode] | None = None,
) -> Payload:
    is_map = isinstance(asset, dict)
    names = model.policies(asset) if (model.policies and is_map) else ()
    return {
        "name": str(asset.get("name") or "") if is_map else "",
        "kind": model.kind,
        "asset": asset if is_map else {"invalid": asset},
        "policies": [policies.get(name) for name in names],
        "relations": relations,
        "org_policies": org_policies,
        "read_time": read_time,
    }


def _ancestors(asset: Any) -> list[str] | None:
    ancestors = asset.get("ancestors") if isinstance(asset, dict) else None
    if isinstance(ancestors, list) and ancestors and all(isinstance(a, str) for a in ancestors):
        return ancestors
    return None


def fetch_assets(
    api: AssetReader,
    ctx: GcpContext,
    models: Sequence[AssetModel],
    org_policies: OrgPolicyReader,
) -> Iterator[Payload]:
    """Every modelled asset of the project, as one payload per model (see module doc)."""
    parent = f"projects/{ctx.project}"
    by_type: dict[str, list[AssetModel]] = defaultdict(list)
    for model in models:
        by_type[model.asset_type].append(model)
    policies = _read_policies(api, parent, models)
    relations: Relations = {}
    deferred: list[tuple[AssetModel, Any, str | None]] = []
    for page in api.list_assets(parent, "RESOURCE", sorted(by_type)):
        for asset in page.assets:
            kind = asset.get("assetType") if isinstance(asset, dict) else None
            if not isinstance(kind, str) or not kind:
                yield _payload(_INVALID, asset, policies, page.read_time)
                continue
            for model in by_type.get(kind, ()):
                if model.relate is not None and isinstance(asset, dict):
                    model.relate(asset, relations)
                if model.deferred:
                    deferred.append((model, asset, page.read_time))
                else:
                    yield _payload(model, asset, policies, page.read_time)
    chains: dict[str, list[OrgPolicyNode]] = {}  # one read per asset, shared by its models
    for model, asset, read_time in deferred:
        chain: list[OrgPolicyNode] | None = None
        if model.org_policies and (ancestors := _ancestors(asset)) is not None:
            key = str(asset.get("name"))
            chain = chains.get(key)
            if chain is None:
                chain = chains[key] = org_policies.chain(ancestors)
        yield _payload(model, asset, policies, read_time, relations, chain)


def fetch_others(api: AssetReader, ctx: GcpContext) -> Iterator[Any]:
    """Every searchable asset of the project (SearchAllResources, the fields read only)."""
    for results in api.search_resources(f"projects/{ctx.project}", read_mask=READ_MASK):
        yield from results


def dispatcher(
    ctx: GcpContext, models: Sequence[AssetModel]
) -> Callable[[Payload], Resource | None]:
    """The task's `normalise`: a payload to its model's pure normaliser."""
    by_kind = {model.kind: model for model in (*models, _INVALID)}

    def normalise(payload: Payload) -> Resource | None:
        if not payload["name"] and payload["kind"] != _INVALID.kind:
            raise PayloadError("name: missing")
        return by_kind[payload["kind"]].normalise(payload, ctx)

    return normalise
