"""A fake Cloud Asset Inventory v1 REST API on loopback, with the faults a scanner meets.

Routes (camelCase JSON, as the API documents them and `google-cloud-asset`'s REST
transport sends and reads them):

- `GET /v1/{parent}/assets?contentType=&assetTypes=&pageSize=&pageToken=` ->
  `{"assets": [...], "readTime": ..., "nextPageToken": ...}` (ListAssets; content types
  RESOURCE, IAM_POLICY, ORG_POLICY, by name or number; page size at most 1000)
- `GET /v1/{scope}:searchAllResources?assetTypes=&pageSize=&pageToken=&readMask=` ->
  `{"results": [...], "nextPageToken": ...}` (page size capped at 500)

`parent`/`scope` is `projects/<id or number>`, `folders/<id>` or `organizations/<id>`.
Errors are Google JSON errors (`{"error": {"code", "message", "status", "details"}}`).
`Faults` arms what real deployments do: a project or folder refused (403
PERMISSION_DENIED, as IAM or VPC Service Controls answer), quota exhaustion (429
RESOURCE_EXHAUSTED with `Retry-After`) for the next N calls or always for one project,
the API disabled in the quota project, and a page that is not JSON.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from cloudcensus.fakes import FakeHandler, LoopbackHTTPServer, Service
from cloudcensus.providers.gcp.fake.estate import READ_TIME, FakeOrganization, UnknownScope

__all__ = ["FakeAssetServer", "Faults", "Request"]

_CONTENT_TYPES = {"1": "RESOURCE", "2": "IAM_POLICY", "4": "ORG_POLICY"}
_LIST_MAX, _LIST_DEFAULT, _SEARCH_MAX, _SEARCH_DEFAULT = 1000, 100, 500, 10
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


@dataclass
class Faults:
    """What the fake does wrong, armed by tests and the demo (thread-safe via the lock)."""

    denied: set[str] = field(default_factory=set)  # 'projects/<id>', 'folders/<id>', ...
    throttle_next: int = 0  # the next N calls answer 429
    throttled_always: set[str] = field(default_factory=set)  # scopes that always answer 429
    retry_after: str | None = "0"  # Retry-After of a 429 (None: no header)
    garbled: set[str] = field(default_factory=set)  # scopes whose RESOURCE pages are not JSON
    api_disabled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clear(self) -> None:
        with self.lock:
            self.denied.clear()
            self.throttled_always.clear()
            self.garbled.clear()
            self.throttle_next, self.retry_after, self.api_disabled = 0, "0", False

    def take_throttle(self) -> bool:
        with self.lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return True
            return False


@dataclass(frozen=True)
class Request:
    """One call the fake answered (for tests: what the scanner asked, and how)."""

    method: str  # 'ListAssets' | 'SearchAllResources'
    scope: str
    params: dict[str, list[str]]
    status: int


class _Handler(FakeHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = parse_qs(parts.query)
        path = unquote(parts.path)
        if not path.startswith("/v1/"):
            self.error(404, "NOT_FOUND", f"no route for {path}")
            return
        route = path.removeprefix("/v1/")
        if route.endswith(":searchAllResources"):
            method, scope = "SearchAllResources", route.removesuffix(":searchAllResources")
        elif route.endswith("/assets"):
            method, scope = "ListAssets", route.removesuffix("/assets")
        else:
            self.error(404, "NOT_FOUND", f"no route for {path}")
            return
        status = self.server.fake.answer(self, method, scope, params)
        self.server.fake.record(Request(method, scope, params, status))

    def send_json(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json; charset=UTF-8",
    ) -> None:
        self.send_answer(status, body, {"Content-Type": content_type, **(headers or {})})

    def error(
        self,
        code: int,
        status: str,
        message: str,
        reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        error: dict[str, Any] = {"code": code, "message": message, "status": status}
        if reason:
            info = {"@type": _ERROR_INFO, "reason": reason, "domain": "googleapis.com"}
            error["details"] = [{**info, "metadata": {"service": "cloudasset.googleapis.com"}}]
        self.send_json(code, json.dumps({"error": error}).encode(), headers)
        return code


class _Server(LoopbackHTTPServer):
    fake: FakeAssetServer


def _page(params: dict[str, list[str]], default: int, maximum: int, clamp: bool) -> int | None:
    raw = (params.get("pageSize") or ["0"])[0]
    size = int(raw) if raw.isdigit() else -1
    if size < 0 or (size > maximum and not clamp):
        return None
    return min(size or default, maximum)


class FakeAssetServer(Service):
    """The fake API in a thread of this process, on a free loopback port."""

    def __init__(self, org: FakeOrganization, faults: Faults | None = None) -> None:
        self.org = org
        self.faults = faults or Faults()
        self.requests: list[Request] = []
        self._requests_lock = threading.Lock()
        self._httpd: _Server | None = None
        self.endpoint = ""

    # -- lifecycle --------------------------------------------------------------------

    def start(self, port: int = 0) -> Self:
        httpd = _Server(_Handler, port)
        httpd.fake = self
        self._httpd = httpd
        self.endpoint = httpd.url
        httpd.serve_in_thread("fake-asset")
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.stop()

    def record(self, request: Request) -> None:
        with self._requests_lock:
            self.requests.append(request)

    # -- answers ----------------------------------------------------------------------

    def _refusal(self, handler: _Handler, scope: str) -> int | None:
        faults = self.faults
        if faults.api_disabled:
            text = "Cloud Asset API has not been used in project 000 before or it is disabled."
            return handler.error(403, "PERMISSION_DENIED", text, "SERVICE_DISABLED")
        try:
            node = self.org.resolve(scope)
        except UnknownScope:
            return handler.error(404, "NOT_FOUND", f"{scope} not found")
        names = {scope, node}
        if names & faults.denied:
            text = f"The caller does not have permission to list assets of {scope}"
            return handler.error(403, "PERMISSION_DENIED", text, "IAM_PERMISSION_DENIED")
        if faults.take_throttle() or names & faults.throttled_always:
            text = "Quota exceeded for quota metric 'Read requests' of service cloudasset"
            retry = {"Retry-After": faults.retry_after} if faults.retry_after is not None else {}
            return handler.error(429, "RESOURCE_EXHAUSTED", text, "RATE_LIMIT_EXCEEDED", retry)
        return None

    def answer(
        self, handler: _Handler, method: str, scope: str, params: dict[str, list[str]]
    ) -> int:
        refused = self._refusal(handler, scope)
        if refused is not None:
            return refused
        types = tuple(params.get("assetTypes", []))
        if method == "ListAssets":
            content = (params.get("contentType") or [""])[0]
            content = _CONTENT_TYPES.get(content, content)
            if content not in ("RESOURCE", "IAM_POLICY", "ORG_POLICY"):
                return handler.error(
                    400, "INVALID_ARGUMENT", f"unsupported contentType {content!r}"
                )
            size = _page(params, _LIST_DEFAULT, _LIST_MAX, clamp=False)
            if content == "RESOURCE" and {scope, self.org.resolve(scope)} & self.faults.garbled:
                page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                handler.send_json(200, page, content_type="text/html")
                return 200
            items = self.org.assets(scope, content, types)
            key = "assets"
        else:
            size = _page(params, _SEARCH_DEFAULT, _SEARCH_MAX, clamp=True)
            mask = tuple(m.strip() for m in ",".join(params.get("readMask", [])).split(",") if m)
            items = self.org.search(scope, types, tuple(sorted(mask)))
            key = "results"
        if size is None:
            return handler.error(400, "INVALID_ARGUMENT", "pageSize must be between 0 and 1000")
        token = (params.get("pageToken") or ["0"])[0]
        if not token.isdigit() or int(token) > len(items):
            return handler.error(400, "INVALID_ARGUMENT", f"invalid page token {token!r}")
        start = int(token)
        end = start + size
        tail = f',"nextPageToken":"{end}"' if end < len(items) else ""
        read = f',"readTime":"{READ_TIME}"' if key == "assets" else ""
        body = f'{{"{key}":[{",".join(items[start:end])}]{read}{tail}}}'
        handler.send_json(200, body.encode())
        return 200
