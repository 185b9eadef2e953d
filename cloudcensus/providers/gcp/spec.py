"""The shape of one GCP asset model, shared by every resource module.

Cloud Asset Inventory returns every asset of a project in one listing, whatever its
service, so a GCP resource module does not fetch: it exports `MODELS`, each an
`AssetModel` naming the Cloud Asset type it reads and a pure `normalise` (payload ->
`Resource`). The one fetch (`assets.py`) lists the project's assets once and hands each
model the payloads of its type. Adding a resource type touches one module, one catalogue
line and one fixture.

A model may need more than its own asset, and says so declaratively:

- `policies`: the IAM policies it reads (its own by default; a Cloud Functions 2nd gen
  function also reads its Cloud Run service's);
- `relate` + `deferred`: facts other assets record while the listing streams (a service
  account key records itself under its account), read by a model normalised only once
  the listing is complete (the service account with its keys);
- `org_policies`: the policies of the project's ancestry (organisation policies, and
  the audit-log configuration folders and the organisation pass down).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypedDict

from cloudcensus.providers.catalogue import Catalogue
from cloudcensus.providers.gcp.locations import Locator
from cloudcensus.scanner.inventory import Jurisdiction, Resource

__all__ = [
    "AssetModel",
    "GcpContext",
    "OrgPolicyNode",
    "Payload",
    "Relations",
    "own_policy",
]

#: Facts recorded while a listing streams, keyed by (namespace, key).
Relations = dict[tuple[str, str], list[Any]]


class OrgPolicyNode(TypedDict):
    """The policies set on one node of a project's ancestry that apply to the project."""

    node: str  # 'projects/123', 'folders/456', 'organizations/789'
    readable: bool  # False when the caller may not read this node's organisation policies
    policies: list[dict[str, Any]]  # Cloud Asset `orgPolicy` entries (v1 Policy JSON)
    # The IAM policy's `auditConfigs` of a folder or organisation (inherited by the
    # project); None when unreadable; [] for the project itself (in its own IAM policy).
    audit_configs: list[dict[str, Any]] | None


class Payload(TypedDict):
    """What `normalise` receives for one asset. `name` first: the collection engine
    names a malformed item by it."""

    name: str
    kind: str  # the AssetModel's kind
    asset: dict[str, Any]  # the Cloud Asset `Asset` JSON (content type RESOURCE)
    policies: list[dict[str, Any] | None]  # IAM policies named by `AssetModel.policies`
    relations: Relations | None  # deferred models only
    org_policies: list[OrgPolicyNode] | None  # project up to the organisation
    read_time: str | None  # the listing's readTime (RFC 3339)


@dataclass(frozen=True)
class GcpContext:
    """What a model knows about where it runs. Pure data; no clients."""

    project: str  # the scope's account: the project id
    offering: str  # catalogue offering: 'google', 's3ns'
    catalogue: Catalogue
    locator: Locator

    @cached_property
    def jurisdiction(self) -> Jurisdiction:
        """The offering's jurisdiction, built once per project (every resource shares it)."""
        return self.catalogue.jurisdiction(self.offering)


def own_policy(asset: Mapping[str, Any]) -> Iterable[str]:
    """The default `AssetModel.policies`: the asset's own IAM policy."""
    return (str(asset.get("name")),)


@dataclass(frozen=True)
class AssetModel:
    kind: str  # unique name, e.g. 'storage.bucket'
    asset_type: str  # the Cloud Asset type read, e.g. 'storage.googleapis.com/Bucket'
    normalise: Callable[[Payload, GcpContext], Resource | None]
    policies: Callable[[Mapping[str, Any]], Iterable[str]] | None = None
    relate: Callable[[Mapping[str, Any], Relations], None] | None = None
    deferred: bool = False
    org_policies: bool = False
