"""The HTTP side of the fake OpenStack: requests, replies, paging and the loopback server.

`FakeOpenStack` runs the fakes' loopback server (`cloudcensus.fakes`: HTTP/1.1,
keep-alive, a daemon thread) and hands every request to `routes.route`. Paging follows
each API's documented style: `limit` + `marker` with a `*_links` "next" link when a page
is full (Nova, Neutron, Cinder, Octavia; Glance's `next`), `limit` + `offset` with
`next` (Barbican), `limit` + `marker` on names without links (Swift). Every service caps
`limit` at its own maximum, as real deployments do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cloudcensus.fakes import FakeHandler, LoopbackFake, LoopbackHTTPServer
from cloudcensus.providers.openstack.fake.state import FakeCloud

__all__ = ["FakeOpenStack", "Reply", "Request", "marker_page", "offset_page"]

Payload = dict[str, Any]


class BadRequest(Exception):
    """The request names something that does not exist (a marker, a limit)."""


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base: str  # scheme://host:port the client used
    raw_query: str = ""  # the query string as sent

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


def _limit(request: Request, cap: int) -> int:
    raw = request.arg("limit")
    try:
        asked = int(raw) if raw is not None else cap
    except ValueError:
        raise BadRequest(f"limit {raw!r} is not an integer") from None
    if asked < 0:
        raise BadRequest("limit must be >= 0")
    return min(asked or cap, cap)


def marker_page(
    request: Request, items: list[Payload], cap: int, key: str = "id"
) -> tuple[list[Payload], str | None]:
    """One page after `marker`; the href of the next page when this one is full."""
    limit = _limit(request, cap)
    marker = request.arg("marker")
    start = 0
    if marker is not None:
        positions = [n for n, item in enumerate(items) if item.get(key) == marker]
        if not positions:
            raise BadRequest(f"marker [{marker}] not found")
        start = positions[0] + 1
    page = items[start : start + limit]
    if len(page) < limit or not page:
        return page, None
    query = {k: v for k, v in request.query.items() if k not in ("limit", "marker")}
    params = [(k, v) for k, values in query.items() for v in values]
    params += [("limit", str(limit)), ("marker", str(page[-1].get(key)))]
    return page, f"{request.base}{request.path}?{urlencode(params)}"


def offset_page(request: Request, items: list[Payload], cap: int) -> Payload:
    """Barbican's paging: `limit` + `offset`, with `total` and `next`/`previous` hrefs."""
    limit = _limit(request, cap)
    try:
        offset = int(request.arg("offset") or 0)
    except ValueError:
        raise BadRequest("offset is not an integer") from None
    page: Payload = {"total": len(items)}
    if offset + limit < len(items):
        page["next"] = f"{request.base}{request.path}?limit={limit}&offset={offset + limit}"
    if offset > 0:
        page["previous"] = (
            f"{request.base}{request.path}?limit={limit}&offset={max(offset - limit, 0)}"
        )
    page["items"] = items[offset : offset + limit]
    return page


Router = Callable[[FakeCloud, Request], Reply]


class _Handler(FakeHandler):
    server: _Server

    def _serve(self) -> None:
        body = self.request_body()
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base=f"http://{host}",
            raw_query=parts.query,
        )
        try:
            reply = self.server.router(self.server.cloud, request)
        except BadRequest as error:
            reply = Reply(400, {"badRequest": {"code": 400, "message": str(error)}})
        except Exception as error:  # noqa: BLE001 - a fake's bug must show as a 500
            reply = Reply(500, {"error": {"code": 500, "message": repr(error)}})
        headers = {"Content-Type": "application/json", **reply.headers}
        self.send_answer(reply.status, reply.encoded(), headers)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve


class _Server(LoopbackHTTPServer):
    def __init__(self, cloud: FakeCloud, router: Router, port: int) -> None:
        super().__init__(_Handler, port)
        self.cloud = cloud
        self.router = router


class FakeOpenStack(LoopbackFake):
    """The fake OpenStack on a loopback port, serving `cloud` while entered."""

    thread_name = "fake-openstack"
    poll_interval = 0.05  # how long `stop` waits for the loop to notice

    def __init__(self, cloud: FakeCloud, port: int = 0, *, s3_backend: str | None = None) -> None:
        """`s3_backend`: the moto server behind the S3 API (None: no S3)."""
        from cloudcensus.providers.openstack.fake.routes import route

        self.cloud = cloud
        if s3_backend is not None:
            cloud.s3_backend = s3_backend
        self._server = _Server(cloud, route, port)

    @property
    def auth_url(self) -> str:
        """Keystone v3, as `auth_url` in clouds.yaml or OS_AUTH_URL."""
        return f"{self.url}/identity/v3"
