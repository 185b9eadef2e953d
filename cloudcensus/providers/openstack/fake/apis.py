"""The list APIs of the fake OpenStack, answering with the documented response bodies
(Designate, Heat, Manila, Magnum and Trove in `serviceapis.py`).

Each handler reads the seeded payloads of the token's project in the URL's region and
pages them in the service's own style (`http.marker_page`, `http.offset_page`). Nova
honours the compute microversion header: below 2.47 a server's `flavor` is only
`{id, links}`, below 2.26 it has no `tags`, as in Nova.
"""

from __future__ import annotations

import copy
from typing import Any

from cloudcensus.providers.openstack.fake.http import Reply, Request, marker_page, offset_page
from cloudcensus.providers.openstack.fake.serviceapis import HANDLERS, Handler
from cloudcensus.providers.openstack.fake.state import FakeCloud, Payload

__all__ = ["dispatch"]

_MAX_COMPUTE = (2, 96)
_NEUTRON = {
    "networks": "networks",
    "subnets": "subnets",
    "ports": "ports",
    "routers": "routers",
    "security-groups": "security_groups",
    "floatingips": "floatingips",
}


def _not_found(what: str) -> Reply:
    return Reply(404, {"itemNotFound": {"code": 404, "message": f"{what} could not be found."}})


def _linked(
    request: Request, cloud: FakeCloud, segment: str, key: str, items: list[Payload]
) -> Reply:
    page, next_href = marker_page(request, items, cloud.max_page[segment])
    body: dict[str, Any] = {key: page}
    if next_href is not None:
        body[f"{key}_links"] = [{"rel": "next", "href": next_href}]
    return Reply(200, body)


def _microversion(request: Request) -> tuple[int, int]:
    header = request.headers.get("openstack-api-version", "")
    value = header.split()[-1] if header.startswith("compute") else ""
    value = value or request.headers.get("x-openstack-nova-api-version", "2.1")
    if value == "latest":
        return _MAX_COMPUTE
    major, _, minor = value.partition(".")
    return int(major), int(minor or 0)


def _compute(
    cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str
) -> Reply:
    if rest[1:] not in (["servers", "detail"], ["servers"]):
        return _not_found(request.path)
    version = _microversion(request)
    if version > _MAX_COMPUTE:
        return Reply(406, {"computeFault": {"code": 406, "message": "Version not supported"}})
    servers = cloud.list(project, region, "servers")
    if version < (2, 47) or version < (2, 26):
        servers = [copy.deepcopy(s) for s in servers]
        for server in servers:
            if version < (2, 47) and isinstance(server.get("flavor"), dict):
                name = server["flavor"].get("original_name")
                server["flavor"] = {"id": name, "links": []}
            if version < (2, 26):
                server.pop("tags", None)
    reply = _linked(request, cloud, "compute", "servers", servers)
    reply.headers["OpenStack-API-Version"] = f"compute {version[0]}.{version[1]}"
    return reply


def _visible_networks(cloud: FakeCloud, region: str, project: str) -> list[Payload]:
    own = cloud.list(project, region, "networks")
    shared = [
        n
        for (owner, where, kind), items in list(cloud.items.items())
        if kind == "networks" and where == region and owner != project
        for n in items
        if n.get("shared") or n.get("router:external")
    ]
    return own + shared


def _network(
    cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str
) -> Reply:
    if len(rest) != 2 or rest[1] not in _NEUTRON:
        return _not_found(request.path)
    key = _NEUTRON[rest[1]]
    items = (
        _visible_networks(cloud, region, project)
        if key == "networks"
        else cloud.list(project, region, key)
    )
    filters = {k: v[0] for k, v in request.query.items() if k not in ("limit", "marker", "fields")}
    for name, value in filters.items():
        items = [i for i in items if str(i.get(name)).lower() == value.lower()]
    reply = _linked(request, cloud, "network", key, items)
    fields = request.query.get("fields")
    if fields:
        wanted = set(fields)
        reply.body[key] = [{k: v for k, v in i.items() if k in wanted} for i in reply.body[key]]
    return reply


def _volume(
    cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str
) -> Reply:
    if len(rest) < 3 or rest[1] != project:
        return Reply(403, {"forbidden": {"code": 403, "message": "project mismatch"}})
    tail = rest[2:]
    if tail in (["volumes", "detail"], ["volumes"]):
        return _linked(request, cloud, "volume", "volumes", cloud.list(project, region, "volumes"))
    if tail in (["snapshots", "detail"], ["snapshots"]):
        return _linked(
            request, cloud, "volume", "snapshots", cloud.list(project, region, "snapshots")
        )
    if tail in (["backups", "detail"], ["backups"]):
        return _linked(request, cloud, "volume", "backups", cloud.list(project, region, "backups"))
    if tail == ["types"]:
        return Reply(200, {"volume_types": cloud.list(project, region, "volume_types")})
    if len(tail) == 3 and tail[0] == "types" and tail[2] == "encryption":
        if not cloud.type_encryption_readable:
            message = (
                "Policy doesn't allow volume_extension:volume_type_encryption to be performed."
            )
            return Reply(403, {"forbidden": {"code": 403, "message": message}})
        return Reply(200, cloud.type_encryption.get((region, tail[1]), {}))
    return _not_found(request.path)


def _object(
    cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str
) -> Reply:
    if len(rest) < 2 or rest[0] != "v1" or rest[1] != f"AUTH_{project}":
        return Reply(403, b"<html><h1>Forbidden</h1></html>", {"Content-Type": "text/html"})
    containers = sorted(cloud.list(project, region, "containers"), key=lambda c: c["name"])
    if len(rest) == 2:
        limit = min(int(request.arg("limit") or cloud.max_page["object"]), cloud.max_page["object"])
        marker = request.arg("marker") or ""
        page = [c for c in containers if c["name"] > marker][:limit]
        headers = {"X-Account-Container-Count": str(len(containers))}
        if request.arg("format") != "json":
            text = "".join(c["name"] + "\n" for c in page).encode()
            return Reply(200 if text else 204, text, {"Content-Type": "text/plain", **headers})
        return Reply(200, page, headers)
    name = "/".join(rest[2:])
    stored = cloud.container_headers.get((project, region, name))
    if stored is None:
        return Reply(404, b"<html><h1>Not Found</h1></html>", {"Content-Type": "text/html"})
    listing = next(c for c in containers if c["name"] == name)
    counts = {
        "X-Container-Object-Count": str(listing["count"]),
        "X-Container-Bytes-Used": str(listing["bytes"]),
    }
    return Reply(204, None, {**counts, **stored, "Content-Type": "text/plain"})


def _load_balancer(
    cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str
) -> Reply:
    if rest[1:] != ["lbaas", "loadbalancers"]:
        return _not_found(request.path)
    items = cloud.list(project, region, "loadbalancers")
    return _linked(request, cloud, "load-balancer", "loadbalancers", items)


def _key_manager(
    cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str
) -> Reply:
    if rest != ["v1", "secrets"]:
        return _not_found(request.path)
    root = f"{request.base}/{region}/key-manager"
    secrets = [
        {**s, "secret_ref": str(s.get("secret_ref", "")).replace("@KEY_MANAGER@", root)}
        for s in cloud.list(project, region, "secrets")
    ]
    page = offset_page(request, secrets, cloud.max_page["key-manager"])
    page["secrets"] = page.pop("items")
    return Reply(200, page)


def _image(cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str) -> Reply:
    if rest != ["v2", "images"]:
        return _not_found(request.path)
    images = cloud.list(project, region, "images")
    owner = request.arg("owner")
    if owner is not None:
        images = [i for i in images if i.get("owner") == owner]
    page, next_href = marker_page(request, images, cloud.max_page["image"])
    body: dict[str, Any] = {"images": page, "first": "/v2/images", "schema": "/v2/schemas/images"}
    if next_href is not None:
        body["next"] = next_href[len(f"{request.base}/{region}/image") :]
    return Reply(200, body)


_HANDLERS: dict[str, Handler] = {
    **HANDLERS,
    "compute": _compute,
    "network": _network,
    "volume": _volume,
    "object": _object,
    "load-balancer": _load_balancer,
    "key-manager": _key_manager,
    "image": _image,
}


def dispatch(
    cloud: FakeCloud, request: Request, region: str, segment: str, rest: list[str], project: str
) -> Reply:
    handler = _HANDLERS.get(segment)
    if not rest or handler is None:
        return _not_found(request.path)
    return handler(cloud, request, region, rest, project)
