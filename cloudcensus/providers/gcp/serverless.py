"""Cloud Run services -> `compute.app`; Cloud Functions -> `compute.function`.

Public means reachable from the internet without credentials: the service accepts
traffic from the internet (ingress `all`) and anyone may invoke it (an IAM binding to
`allUsers` / `allAuthenticatedUsers`, or the invoker IAM check turned off).

- Cloud Run: both the Knative-style payload (`metadata.annotations`,
  `run.googleapis.com/ingress`) and the v2 one (`ingress: INGRESS_TRAFFIC_ALL`) are read.
  Cloud Run serves HTTPS only (`https_only: true`); its minimum TLS version is not in the
  payload (null). `runtime` is null: a container has none.
- Cloud Functions 1st gen (`CloudFunction`): public when it has an HTTPS trigger, ingress
  `ALLOW_ALL` and a public invoker binding on the function. 2nd gen (`Function`): its
  invoker is the Cloud Run service behind it, whose IAM policy is read too.
- Environment-variable values never reach `raw` (they often hold secrets).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cloudcensus.providers.gcp.fields import opt_bool, opt_map, opt_str
from cloudcensus.providers.gcp.resource import (
    asset_data,
    gcp_resource,
    labels,
    public_roles,
    redacted_raw,
)
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload, own_policy
from cloudcensus.scanner.inventory import Resource

__all__ = ["MODELS"]

_WHERE = "resource.data"
_INGRESS = "run.googleapis.com/ingress"
_INVOKER_CHECK_OFF = "run.googleapis.com/invoker-iam-disabled"


def _run_ingress(data: dict[str, Any]) -> tuple[str | None, bool]:
    """(ingress as 'all' | 'internal' | 'internal-and-cloud-load-balancing', invoker check off)."""
    ingress = opt_str(data, "ingress", _WHERE)
    if ingress is not None:  # v2
        value = ingress.removeprefix("INGRESS_TRAFFIC_").lower().replace("_", "-")
        value = {"internal-load-balancer": "internal-and-cloud-load-balancing"}.get(value, value)
        return value, bool(opt_bool(data, "invokerIamDisabled", _WHERE))
    metadata = opt_map(data, "metadata", _WHERE) or {}
    annotations = opt_map(metadata, "annotations", f"{_WHERE}.metadata") or {}
    annotated = annotations.get(_INGRESS)
    off = str(annotations.get(_INVOKER_CHECK_OFF, "")).lower() == "true"
    # Cloud Run's default ingress is `all`.
    return (str(annotated) if annotated is not None else "all"), off


def normalise_run_service(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    ingress, check_off = _run_ingress(data)
    invokable = check_off or bool(
        public_roles(payload["policies"][0] if payload["policies"] else None)
    )
    metadata = opt_map(data, "metadata", _WHERE) or {}
    name = opt_str(metadata, "name", f"{_WHERE}.metadata") or opt_str(data, "name", _WHERE)
    properties = {
        "public": ingress == "all" and invokable,
        "https_only": True,
        "min_tls": None,
        "runtime": None,
    }
    return gcp_resource(
        payload,
        ctx,
        type_="compute.app",
        properties=properties,
        name=name.rsplit("/", 1)[-1] if name else None,
        created=opt_str(metadata, "creationTimestamp", f"{_WHERE}.metadata")
        or opt_str(data, "createTime", _WHERE),
        tags=labels(metadata, "labels", f"{_WHERE}.metadata") or labels(data),
        raw=redacted_raw(payload, secrets=True),
    )


def _run_service_of(asset: Mapping[str, Any]) -> Iterable[str]:
    """A 2nd gen function's own policy, then its Cloud Run service's."""
    data = (asset.get("resource") or {}).get("data") or {}
    service = ((data.get("serviceConfig") or {}) if isinstance(data, dict) else {}).get("service")
    names = [str(asset.get("name"))]
    if isinstance(service, str) and service:
        names.append(f"//run.googleapis.com/{service}")
    return names


def normalise_function(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    service = opt_map(data, "serviceConfig", _WHERE)
    policies = payload["policies"]
    public_binding = any(public_roles(policy) for policy in policies if policy)
    if service is None:  # 1st gen
        trigger = opt_map(data, "httpsTrigger", _WHERE)
        ingress = opt_str(data, "ingressSettings", _WHERE) or "ALLOW_ALL"
        runtime = opt_str(data, "runtime", _WHERE)
        role = opt_str(data, "serviceAccountEmail", _WHERE)
        public = trigger is not None and ingress == "ALLOW_ALL" and public_binding
    else:  # 2nd gen: always an HTTPS endpoint, invoked through its Cloud Run service
        here = f"{_WHERE}.serviceConfig"
        ingress = opt_str(service, "ingressSettings", here) or "ALLOW_ALL"
        build = opt_map(data, "buildConfig", _WHERE) or {}
        runtime = opt_str(build, "runtime", f"{_WHERE}.buildConfig")
        role = opt_str(service, "serviceAccountEmail", here)
        public = ingress == "ALLOW_ALL" and public_binding
    name = opt_str(data, "name", _WHERE)
    return gcp_resource(
        payload,
        ctx,
        type_="compute.function",
        properties={"runtime": runtime, "public": public, "role": role},
        name=name.rsplit("/", 1)[-1] if name else None,
        created=opt_str(data, "createTime", _WHERE),  # 1st gen reports no creation time
        tags=labels(data),
        raw=redacted_raw(payload, secrets=True),
    )


MODELS = (
    AssetModel(
        "run.service", "run.googleapis.com/Service", normalise_run_service, policies=own_policy
    ),
    AssetModel(
        "functions.v1",
        "cloudfunctions.googleapis.com/CloudFunction",
        normalise_function,
        policies=own_policy,
    ),
    AssetModel(
        "functions.v2",
        "cloudfunctions.googleapis.com/Function",
        normalise_function,
        policies=_run_service_of,
    ),
)
