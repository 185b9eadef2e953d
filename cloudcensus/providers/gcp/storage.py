"""Cloud Storage buckets -> `storage.bucket`.

- `public`: true when the bucket's IAM policy grants any role to `allUsers` or
  `allAuthenticatedUsers` (`public_via: ["policy"]`), or its ACLs do (`"acl"`), and
  public access prevention does not block them (a blocked grant stays visible in `raw`
  only); false when neither does and uniform
  bucket-level access is on; null (unknown) when uniform bucket-level access is off and
  prevention is not enforced: object ACLs, which no bucket listing shows, may then make
  objects public.
- `public_access_blocked`: `iamConfiguration.publicAccessPrevention == "enforced"`
  (`inherited` follows the `storage.publicAccessPrevention` organisation policy, which
  this model does not resolve: it counts as not blocked).
- Encryption: always on; CMEK when `encryption.defaultKmsKeyName` is set.
- Location: a region, a multi-region (`EU`: no country, in the EU) or a dual-region
  (`EUR4` = FI + NL), predefined or configurable (`customPlacementConfig`). The regions
  of a dual-region are its `replicas`: each holds a full copy of the data.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.gcp.fields import PayloadError, opt_bool, opt_list, opt_map, opt_str
from cloudcensus.providers.gcp.resource import (
    PUBLIC_MEMBERS,
    asset_data,
    encryption,
    gcp_resource,
    labels,
    public_roles,
    redacted_raw,
    strings,
)
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload, own_policy
from cloudcensus.scanner.inventory import Location, Resource

__all__ = ["MODELS"]

_WHERE = "resource.data"


def _acl_public(data: dict[str, Any]) -> bool:
    for key in ("acl", "defaultObjectAcl"):
        for number, entry in enumerate(opt_list(data, key, _WHERE) or []):
            if not isinstance(entry, dict):
                raise PayloadError(f"{_WHERE}.{key}[{number}]: expected an object")
            if opt_str(entry, "entity", f"{_WHERE}.{key}[{number}]") in PUBLIC_MEMBERS:
                return True
    return False


def _exposure(
    data: dict[str, Any], policy: dict[str, Any] | None
) -> tuple[bool | None, list[str], bool]:
    config = opt_map(data, "iamConfiguration", _WHERE) or {}
    here = f"{_WHERE}.iamConfiguration"
    blocked = (opt_str(config, "publicAccessPrevention", here) or "").lower() == "enforced"
    uniform = opt_map(config, "uniformBucketLevelAccess", here) or opt_map(
        config, "bucketPolicyOnly", here
    )
    uniform_on = bool(uniform and opt_bool(uniform, "enabled", here))
    via: list[str] = []
    if public_roles(policy):
        via.append("policy")
    if not uniform_on and _acl_public(data):
        via.append("acl")
    if blocked:  # prevention overrides every public grant
        return False, [], True
    if via:
        return True, via, False
    return (False if uniform_on else None), [], False


def _placement(
    data: dict[str, Any], ctx: GcpContext, location: str | None
) -> tuple[Location, list[dict[str, Any]]]:
    """(Location, replicas) of the bucket's data; replica ids are `<bucket>@<region>`."""
    custom = opt_map(data, "customPlacementConfig", _WHERE) or {}
    regions = strings(
        opt_list(custom, "dataLocations", f"{_WHERE}.customPlacementConfig") or [],
        f"{_WHERE}.customPlacementConfig.dataLocations",
    )
    place = ctx.locator.place(location)
    members = [ctx.locator.region(region) for region in regions] or list(place.members)
    if not members:
        return place.location, []
    bucket = opt_str(data, "name", _WHERE) or opt_str(data, "id", _WHERE) or ""
    replicas = []
    for member in members:
        where = ctx.locator.location(member)
        replica = {"id": f"{bucket}@{member}", "region": member, "country": where.country}
        replicas.append({**replica, "eu": where.eu, "eea": where.eea})
    return ctx.locator.spanning(members), replicas


def normalise_bucket(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    policy = payload["policies"][0] if payload["policies"] else None
    public, via, blocked = _exposure(data, policy)
    key = opt_str(
        opt_map(data, "encryption", _WHERE) or {}, "defaultKmsKeyName", f"{_WHERE}.encryption"
    )
    location = opt_str(data, "location", _WHERE) or opt_str(
        payload["asset"].get("resource") or {}, "location", "resource"
    )
    where, replicas = _placement(data, ctx, location)
    versioning = opt_map(data, "versioning", _WHERE) or {}
    properties = {
        "public": public,
        "public_via": via,
        "public_access_block": None,
        "account_public_access_block": None,
        "public_access_blocked": blocked,
        **encryption(key),
        "encryption_algorithm": "cloud-kms" if key else "AES256",
        "versioning": bool(opt_bool(versioning, "enabled", f"{_WHERE}.versioning")),
        "replicas": replicas,
    }
    resource = gcp_resource(
        payload,
        ctx,
        type_="storage.bucket",
        properties=properties,
        name=opt_str(data, "name", _WHERE),
        created=opt_str(data, "timeCreated", _WHERE),
        tags=labels(data),
        location=location,
        raw=redacted_raw(payload),
    )
    if where != resource.location:  # a configurable dual-region: its regions decide
        resource = resource.model_copy(update={"location": where})
    return resource


MODELS = (
    AssetModel(
        "storage.bucket",
        "storage.googleapis.com/Bucket",
        normalise_bucket,
        policies=own_policy,
    ),
)
