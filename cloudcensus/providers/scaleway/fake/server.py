"""The fake Scaleway API on loopback: the REST listings the provider reads, and Object
Storage's S3 API in front of a moto server.

REST: the documented paths and paging (`page` with `per_page` and an `X-Total-Count`
header on the Instance API, `page` with `page_size` and `total_count` in the body on the
newer APIs), `X-Auth-Token` authentication (401 `denied_authentication` for an unknown
secret), project filters, and the errors Scaleway answers (403 `permissions_denied`, 429
`too_many_requests` with `Retry-After`, 5xx as a gateway's HTML page or JSON).

Object Storage: a request signed with AWS Signature V4 is forwarded to moto, with the
project it acts in (the access key's `@project` suffix, else the key's preferred project)
mapped to a moto account, so each project sees its own buckets, as on Scaleway.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cloudcensus.fakes import (
    Answer,
    FakeHandler,
    LoopbackFake,
    LoopbackHTTPServer,
    PatternFault,
    forward_request,
    gateway_error,
    json_answer,
    moto_account,
    s3_error,
)
from cloudcensus.providers.scaleway.fake.state import FakeScaleway, RequestRecord

__all__ = ["ScalewayFakeServer", "moto_account"]

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

# (path pattern, collection, key in the answer, project filter, paging style)
_ROUTES: list[tuple[re.Pattern[str], str, str, str | None, str]] = [
    (re.compile(r"^/account/v3/projects$"), "projects", "projects", None, "page_size"),
    (
        re.compile(
            r"^/instance/v1/zones/(?P<where>[^/]+)/(?P<kind>servers|ips|volumes|security_groups)$"
        ),
        "{kind}",
        "{kind}",
        "project",
        "per_page",
    ),
    (
        re.compile(r"^/instance/v1/zones/[^/]+/security_groups/(?P<where>[^/]+)/rules$"),
        "security_group_rules",
        "rules",
        None,
        "per_page",
    ),
    (
        re.compile(r"^/block/v1alpha1/zones/(?P<where>[^/]+)/(?P<kind>volumes|snapshots)$"),
        "block_{kind}",
        "{kind}",
        "project_id",
        "page_size",
    ),
    (
        re.compile(r"^/rdb/v1/regions/(?P<where>[^/]+)/instances$"),
        "rdb_instances",
        "instances",
        "project_id",
        "page_size",
    ),
    (
        re.compile(r"^/k8s/v1/regions/(?P<where>[^/]+)/clusters$"),
        "k8s_clusters",
        "clusters",
        "project_id",
        "page_size",
    ),
    (
        re.compile(r"^/k8s/v1/regions/[^/]+/clusters/(?P<where>[^/]+)/acls$"),
        "k8s_acls",
        "rules",
        None,
        "page_size",
    ),
    (
        re.compile(r"^/vpc/v2/regions/(?P<where>[^/]+)/vpcs$"),
        "vpcs",
        "vpcs",
        "project_id",
        "page_size",
    ),
    (
        re.compile(r"^/vpc/v2/regions/(?P<where>[^/]+)/private-networks$"),
        "private_networks",
        "private_networks",
        "project_id",
        "page_size",
    ),
    (re.compile(r"^/iam/v1alpha1/api-keys$"), "api_keys", "api_keys", None, "page_size"),
    # every newer product's listing: `/<api>/<version>/<zones|regions>/<where>/<items>`,
    # its items under the same key, filtered on `project_id`, stored as `<api>/<items>`
    (
        re.compile(
            r"^/(?P<api>[a-z-]+)/v[0-9a-z]+/(?:zones|regions)/(?P<where>[^/]+)/(?P<kind>[a-z-]+)$"
        ),
        "{api}/{kind}",
        "{kind}",
        "project_id",
        "page_size",
    ),
]
_PROJECT = re.compile(r"^/account/v3/projects/(?P<id>[^/]+)$")


def _fault_answer(fault: PatternFault, path: str) -> Answer:
    if fault.status == 403:
        details = [{"resource": path.split("/")[1], "action": "read"}]
        return json_answer(
            403,
            {
                "type": "permissions_denied",
                "message": "insufficient permissions",
                "details": details,
            },
        )
    if fault.status == 429:
        body = {"type": "too_many_requests", "message": "rate limit exceeded"}
        return json_answer(429, body, {"Retry-After": fault.retry_after or "0"})
    if fault.html:
        return gateway_error(fault.status)
    return json_answer(fault.status, {"type": "internal_error", "message": "internal error"})


class _Handler(FakeHandler):
    """REST calls answered here, signed S3 calls forwarded; each logged in the state."""

    server: _Server

    def _handle(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            status, body, headers = self.server.object_storage(self, parts.path)
        else:
            status, body, headers = self._rest(state, parts.path, query)
        state.record(RequestRecord(self.command, parts.path, query, status))
        self.send_answer(status, body, headers)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    def _rest(self, state: FakeScaleway, path: str, query: dict[str, str]) -> Answer:
        if state.key_for_secret(self.headers.get("X-Auth-Token")) is None:
            body = {
                "type": "denied_authentication",
                "method": "api_key",
                "reason": "invalid_argument",
                "message": "authentication is denied",
            }
            return json_answer(401, body)
        named = _PROJECT.match(path)
        project = query.get("project") or query.get("project_id") or (named and named["id"])
        fault = state.take_fault(path, project or None)
        if fault is not None:
            return _fault_answer(fault, path)
        if self.command != "GET":
            return json_answer(405, {"type": "invalid_request", "message": "read-only fake"})
        if state.is_unavailable(path):
            return json_answer(404, {"type": "not_found", "message": f"no route {path}"})
        if match := _PROJECT.match(path):
            project = state.projects.get(match["id"])
            if project is None:
                return json_answer(
                    404, {"type": "not_found", "resource": "project", "message": "not found"}
                )
            return json_answer(200, project)
        return self._listing(state, path, query)

    def _listing(self, state: FakeScaleway, path: str, query: dict[str, str]) -> Answer:
        for pattern, collection, key, project_field, style in _ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            groups = match.groupdict()
            collection, key = collection.format(**groups), key.format(**groups).replace("-", "_")
            items = self._select(state, collection, groups.get("where"), query, project_field)
            size = max(1, min(100, int(query.get(style) or 20)))
            page = max(1, int(query.get("page") or 1))
            chunk = items[(page - 1) * size : page * size]
            if style == "per_page":
                return json_answer(200, {key: chunk}, {"X-Total-Count": str(len(items))})
            return json_answer(200, {key: chunk, "total_count": len(items)})
        return json_answer(404, {"type": "not_found", "message": f"no route {path}"})

    @staticmethod
    def _select(
        state: FakeScaleway,
        collection: str,
        where: str | None,
        query: dict[str, str],
        project_field: str | None,
    ) -> list[Any]:
        if collection == "projects":
            org = query.get("organization_id")
            return [p for p in state.projects.values() if org in (None, p.get("organization_id"))]
        if collection == "api_keys":
            org = query.get("organization_id")
            return state.items("api_keys", state.organization) if org == state.organization else []
        items = state.items(collection, where or "")
        wanted = query.get(project_field or "")
        if project_field is None or wanted is None:
            return items
        return [
            i for i in items if not isinstance(i, dict) or i.get(project_field) in (wanted, None)
        ]


class _Server(LoopbackHTTPServer):
    def __init__(self, state: FakeScaleway, s3_backend: str | None) -> None:
        super().__init__(_Handler)
        self.state = state
        self.s3_backend = s3_backend

    def object_storage(self, handler: _Handler, path: str) -> Answer:
        """Forward one signed S3 request to moto, in the project's moto account."""
        match = _CREDENTIAL.search(handler.headers.get("Authorization", ""))
        access, _, project = (match[1] if match else "").partition("@")
        key = self.state.key_for_access(access)
        if key is None:
            return s3_error(403, "InvalidAccessKeyId", "The access key is not known")
        project = project or key.default_project
        fault = self.state.take_fault(path, project)
        if fault is not None and fault.status == 403:
            return s3_error(403, "AccessDenied", "Access Denied")
        if fault is not None:
            return s3_error(
                fault.status,
                "SlowDown" if fault.status == 429 else "InternalError",
                "injected",
                {"Retry-After": fault.retry_after or "0"},
            )
        return forward_request(handler, self.s3_backend, moto_account(project), "Object Storage")


class ScalewayFakeServer(LoopbackFake):
    """Serves a `FakeScaleway` on 127.0.0.1 (a free port) from a background thread."""

    thread_name = "fake-scaleway"

    def __init__(self, state: FakeScaleway, *, s3_backend: str | None = None) -> None:
        self.state = state
        self._server = _Server(state, s3_backend)
