"""Request routing of the fake OpenStack: discovery, authentication, faults, then the API.

Paths are `/identity/...` (Keystone) and `/<region>/<service>/...` for the regional
services; a request signed with AWS Signature V4 is S3 (`s3.py`), whatever its path.
Version-discovery documents are served without a token, as real deployments do;
everything else needs a project-scoped token whose project owns the URL's project part
(Cinder, Swift). Armed faults answer before the API; a project in
`FakeCloud.forbidden` gets each service's 403 body.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.openstack.fake import apis
from cloudcensus.providers.openstack.fake.http import Reply, Request
from cloudcensus.providers.openstack.fake.keystone import identity
from cloudcensus.providers.openstack.fake.s3 import is_s3, s3
from cloudcensus.providers.openstack.fake.state import ALL_SERVICES, FakeCloud, Fault

__all__ = ["route"]

_SEGMENT_TO_SERVICE = {segment: service for service, segment in ALL_SERVICES.items()}
_UPDATED = "2024-01-01T00:00:00Z"


def _versions(request: Request, region: str, segment: str) -> dict[str, Any] | None:
    """The discovery document of a service root, or of one version root; None if neither."""
    root = f"{request.base}/{region}/{segment}"

    def doc(version_id: str, href: str, status: str = "CURRENT", **extra: Any) -> dict[str, Any]:
        links = [{"rel": "self", "href": href}]
        return {"id": version_id, "status": status, "updated": _UPDATED, "links": links, **extra}

    documents = {
        "compute": [doc("v2.1", f"{root}/v2.1/", version="2.96", min_version="2.1")],
        "network": [doc("v2.0", f"{root}/v2.0/")],
        "volume": [doc("v3.0", f"{root}/v3/", version="3.70", min_version="3.0")],
        "load-balancer": [doc("v2.0", f"{root}/v2.0", "SUPPORTED"), doc("v2", f"{root}/v2")],
        "key-manager": [doc("v1", f"{root}/v1/", "stable")],
        "image": [doc("v2.16", f"{root}/v2/")],
        "dns": [doc("v2.0", f"{root}/v2/")],
        "orchestration": [doc("v1.0", f"{root}/v1/")],
        "share": [doc("v2.0", f"{root}/v2/", version="2.65", min_version="2.0")],
        "container-infra": [doc("v1", f"{root}/v1/", max_version="1.10", min_version="1.1")],
        "database": [doc("v1.0", f"{root}/v1.0/")],
    }
    versions = documents.get(segment)
    if versions is None:
        return None
    if segment == "key-manager":
        return {"versions": {"values": versions}}
    return {"versions": versions}


def _is_discovery(segment: str, rest: list[str]) -> bool:
    if not rest or rest == ["versions"]:
        return True
    if len(rest) != 1:
        return False
    return rest[0] in {"v2.1", "v2.0", "v2", "v1", "v1.0", "v3"} and segment != "object"


def _fault_reply(fault: Fault) -> Reply:
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.body is not None:
        return Reply(fault.status, fault.body.encode(), {"Content-Type": "text/html", **headers})
    body = {"error": {"code": fault.status, "message": f"fake fault {fault.status}"}}
    if fault.status in (413, 429):
        body = {"overLimit": {"code": fault.status, "message": "Rate limit exceeded"}}
    return Reply(fault.status, body, headers)


def forbidden(segment: str) -> Reply:
    message = "Policy doesn't allow this operation to be performed."
    if segment == "network":
        return Reply(403, {"NeutronError": {"type": "PolicyNotAuthorized", "message": message}})
    if segment == "object":
        return Reply(
            403,
            b"<html><h1>Forbidden</h1><p>Access was denied to this resource.</p></html>",
            {"Content-Type": "text/html"},
        )
    return Reply(403, {"forbidden": {"code": 403, "message": message}})


def route(cloud: FakeCloud, request: Request) -> Reply:
    if is_s3(request):
        return s3(cloud, request)
    parts = [part for part in request.path.split("/") if part]
    if not parts:
        return Reply(404, {"error": "not found"})
    if parts[0] == "identity":
        fault = cloud.take_fault("identity", None, None, request.path)
        if fault is not None:
            return _fault_reply(fault)
        return identity(cloud, request, parts[1:])
    region, segment, rest = parts[0], (parts[1] if len(parts) > 1 else ""), parts[2:]
    service = _SEGMENT_TO_SERVICE.get(segment)
    if region not in cloud.regions or service not in cloud.services[region]:
        return Reply(404, {"error": f"no {segment!r} in region {region!r}"})
    if _is_discovery(segment, rest) and request.method == "GET":
        document = _versions(request, region, segment)
        if document is not None:
            status = 300 if segment == "key-manager" and not rest else 200
            if len(rest) == 1 and rest[0] != "versions":
                status, document = 200, _one_version(document, rest[0])
            return Reply(status, document)
    token = cloud.token(request.headers.get("x-auth-token"))
    if token is None or token.project is None:
        return Reply(401, {"error": {"code": 401, "message": "Authentication required"}})
    project = token.project.id
    fault = cloud.take_fault(segment, region, project, request.path)
    if fault is not None:
        return _fault_reply(fault)
    if project in cloud.forbidden:
        return forbidden(segment)
    return apis.dispatch(cloud, request, region, segment, rest, project)


def _one_version(document: dict[str, Any], version: str) -> dict[str, Any]:
    versions = document["versions"]
    values = versions["values"] if isinstance(versions, dict) else versions
    for entry in values:
        if entry["id"].split(".")[0] == version.split(".")[0] or entry["id"] == version:
            return {"version": entry}
    return {"version": values[0]}
