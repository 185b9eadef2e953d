"""Google Kubernetes Engine clusters -> `container.cluster`.

- `public_endpoint`: the control plane has a public endpoint: not a private cluster
  with `privateClusterConfig.enablePrivateEndpoint`, or (newer API)
  `controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint`.
- `public_access_cidrs`: who may reach a public endpoint: the master authorised networks
  when they are enabled, else everyone (`0.0.0.0/0`); empty for a private endpoint.
- `secrets_encrypted` / `key_id`: application-layer secrets encryption with a Cloud KMS
  key (`databaseEncryption.state == ENCRYPTED`).
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.gcp.fields import PayloadError, opt_bool, opt_list, opt_map, opt_str
from cloudcensus.providers.gcp.resource import asset_data, gcp_resource, labels
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload
from cloudcensus.scanner.inventory import Resource

__all__ = ["MODELS"]

_WHERE = "resource.data"
_EVERYONE = "0.0.0.0/0"


def _public_endpoint(data: dict[str, Any]) -> bool:
    endpoints = opt_map(data, "controlPlaneEndpointsConfig", _WHERE) or {}
    ip = opt_map(endpoints, "ipEndpointsConfig", f"{_WHERE}.controlPlaneEndpointsConfig") or {}
    public = opt_bool(
        ip, "enablePublicEndpoint", f"{_WHERE}.controlPlaneEndpointsConfig.ipEndpointsConfig"
    )
    if public is not None:
        return public
    private = opt_map(data, "privateClusterConfig", _WHERE) or {}
    return not opt_bool(private, "enablePrivateEndpoint", f"{_WHERE}.privateClusterConfig")


def _authorised(data: dict[str, Any]) -> list[str]:
    endpoints = opt_map(data, "controlPlaneEndpointsConfig", _WHERE) or {}
    ip = opt_map(endpoints, "ipEndpointsConfig", f"{_WHERE}.controlPlaneEndpointsConfig") or {}
    config = opt_map(ip, "authorizedNetworksConfig", "ipEndpointsConfig") or opt_map(
        data, "masterAuthorizedNetworksConfig", _WHERE
    )
    here = f"{_WHERE}.masterAuthorizedNetworksConfig"
    if not config or not opt_bool(config, "enabled", here):
        return [_EVERYONE]
    cidrs: list[str] = []
    for number, block in enumerate(opt_list(config, "cidrBlocks", here) or []):
        if not isinstance(block, dict):
            raise PayloadError(f"{here}.cidrBlocks[{number}]: expected an object")
        cidr = opt_str(block, "cidrBlock", f"{here}.cidrBlocks[{number}]")
        if cidr:
            cidrs.append(cidr)
    return cidrs


def normalise_cluster(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    public = _public_endpoint(data)
    secrets = opt_map(data, "databaseEncryption", _WHERE) or {}
    state = opt_str(secrets, "state", f"{_WHERE}.databaseEncryption")
    encrypted = None if state is None else state.upper() == "ENCRYPTED"
    properties = {
        "version": opt_str(data, "currentMasterVersion", _WHERE),
        "public_endpoint": public,
        "public_access_cidrs": _authorised(data) if public else [],
        "secrets_encrypted": encrypted,
        "key_id": opt_str(secrets, "keyName", f"{_WHERE}.databaseEncryption")
        if encrypted
        else None,
    }
    return gcp_resource(
        payload,
        ctx,
        type_="container.cluster",
        properties=properties,
        name=opt_str(data, "name", _WHERE),
        created=opt_str(data, "createTime", _WHERE),
        tags=labels(data, "resourceLabels"),
        location=opt_str(data, "location", _WHERE),
    )


MODELS = (AssetModel("container.cluster", "container.googleapis.com/Cluster", normalise_cluster),)
