"""A fake Azure over HTTPS on loopback: Entra ID token endpoint, ARM and Resource Graph.

azure-core refuses bearer tokens over plain http, so the fake serves TLS with a
throwaway CA (trustme); the provider trusts it through `connection_verify`, and the
production authentication path (a real `ClientSecretCredential` inside
`DefaultAzureCredential`) runs unchanged. Endpoints, in the documented shapes:

- `GET /{tenant}/v2.0/.well-known/openid-configuration`, `POST /{tenant}/oauth2/v2.0/token`
  (client credentials; a wrong secret is 401 `invalid_client`);
- `GET /subscriptions`, `/subscriptions/{id}`, `/subscriptions/{id}/locations` and any ARM
  child path the tenant holds (lists paged with an absolute `nextLink`);
- `POST /providers/Microsoft.ResourceGraph/resources` (the KQL slice of `kql.py`, `$top`
  pages and `$skipToken`, `x-ms-user-quota-*` headers, 429 past the quota).

Every ARM and Resource Graph call needs a token the fake issued (401 otherwise).
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import trustme

from cloudcensus.fakes import FakeHandler, LoopbackHTTPServer, Service
from cloudcensus.providers.azure.fake.kql import KqlError, parse
from cloudcensus.providers.azure.fake.tenant import FakeTenant, Row

__all__ = ["FakeAzure"]

_GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
_MAX_CACHED = 64


def _error(code: str, message: str) -> Row:
    return {"error": {"code": code, "message": message}}


def _resets(seconds: float) -> str:
    whole = max(int(seconds + 0.999), 0)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class _Handler(FakeHandler):
    server: _Server

    # -- plumbing -----------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        common = {
            "Content-Type": "application/json; charset=utf-8",
            "x-ms-request-id": secrets.token_hex(8),
        }
        self.send_answer(status, data, {**common, **(headers or {})})

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization") or ""
        token = header[7:] if header.lower().startswith("bearer ") else ""
        if token and token in self.server.tokens:
            return True
        message = "Authentication failed. The 'Authorization' header is missing or invalid."
        self._send(401, _error("InvalidAuthenticationToken", message))
        return False

    def _fault(self, method: str, path: str) -> bool:
        fault = self.server.tenant.faults.take(method, path)
        if fault is None:
            return False
        self._send(fault.status, fault.body, fault.headers)
        return True

    # -- verbs --------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        if path.endswith("/.well-known/openid-configuration"):
            self._openid(path.split("/")[1])
        elif self._fault("GET", self.path) or not self._authorised():
            return
        else:
            self._arm(path, parse_qs(url.query))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        body = self.request_body()
        if path.endswith("/oauth2/v2.0/token"):
            self._token(body)
        elif self._fault("POST", self.path) or not self._authorised():
            return
        elif path.lower() == _GRAPH_PATH:
            self._graph(body)
        else:
            self._send(404, _error("NotFound", f"no route for POST {path}"))

    # -- Entra ID -------------------------------------------------------------------------

    def _openid(self, tenant: str) -> None:
        base = f"{self.server.url}/{tenant}"
        self._send(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "issuer": f"{base}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            },
        )

    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        tenant = self.server.tenant
        if form.get("client_id") != tenant.client_id or form.get("client_secret") != (
            tenant.client_secret
        ):
            self._send(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                },
            )
            return
        token = secrets.token_urlsafe(24)
        self.server.tokens.add(token)
        self._send(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
        )

    # -- ARM --------------------------------------------------------------------------------

    def _arm(self, path: str, query: dict[str, list[str]]) -> None:
        tenant = self.server.tenant
        parts = path.split("/")
        if path.lower() == "/subscriptions":
            subs = [s.payload() for s in tenant.subscriptions.values()]
            self._list(path, subs, query)
            return
        if len(parts) < 3 or parts[1].lower() != "subscriptions":
            self._send(404, _error("NotFound", f"no route for GET {path}"))
            return
        sub = tenant.subscriptions.get(parts[2].lower())
        if sub is None:
            self._send(
                404,
                _error(
                    "SubscriptionNotFound", f"The subscription '{parts[2]}' could not be found."
                ),
            )
            return
        if not tenant.readable(sub.id):
            message = (
                f"The client '{tenant.client_id}' with object id '{tenant.client_id}' does not "
                f"have authorization to perform action 'read' over scope '{path}' or the scope is "
                "invalid. If access was recently granted, please refresh your credentials."
            )
            self._send(403, _error("AuthorizationFailed", message))
            return
        if len(parts) == 3:
            self._send(200, sub.payload())
        elif path.lower() == f"/subscriptions/{sub.id.lower()}/locations":
            self._list(path, tenant.locations, query)
        else:
            value = sub.children.get(path.lower())
            if value is None:
                self._send(404, _error("ResourceNotFound", f"The resource '{path}' was not found."))
            elif isinstance(value, list):
                self._list(path, value, query)
            else:
                self._send(200, value)

    def _list(self, path: str, items: list[Row], query: dict[str, list[str]]) -> None:
        size = self.server.tenant.page_size
        start = int((query.get("$skiptoken") or ["0"])[0])
        page: Row = {"value": items[start : start + size]}
        if start + size < len(items):
            version = (query.get("api-version") or [""])[0]
            page["nextLink"] = (
                f"{self.server.url}{path}?api-version={version}&$skiptoken={start + size}"
            )
        self._send(200, page)

    # -- Resource Graph ---------------------------------------------------------------------

    def _graph(self, body: bytes) -> None:
        tenant = self.server.tenant
        allowed, remaining, resets = tenant.quota.spend()
        quota = {
            "x-ms-user-quota-remaining": str(remaining),
            "x-ms-user-quota-resets-after": _resets(resets),
        }
        if not allowed:
            headers = {**quota, "Retry-After": str(max(int(resets + 0.999), 1))}
            self._send(
                429,
                _error(
                    "RateLimiting", "Please provide below info when asking for support: throttled"
                ),
                headers,
            )
            return
        try:
            request = json.loads(body)
            query = parse(str(request["query"]))
        except (ValueError, KeyError, TypeError) as exc:
            self._send(400, _error("BadRequest", f"Please check the query: {exc}"), quota)
            return
        options = request.get("options") or {}
        top = int(options.get("$top") or 100)
        token = options.get("$skipToken")
        rows, start = self.server.result(query, request, token)
        page = rows[start : start + top]
        answer: Row = {
            "totalRecords": len(rows),
            "count": len(page),
            "data": page,
            "facets": [],
            "resultTruncated": "false",
        }
        if start + top < len(rows):
            answer["$skipToken"] = self.server.token_for(rows, start + top)
        self._send(200, answer, quota)


class _Server(LoopbackHTTPServer):
    def __init__(self, tenant: FakeTenant, tls: ssl.SSLContext) -> None:
        super().__init__(_Handler, tls=tls)
        self.tenant = tenant
        self.tokens: set[str] = set()
        self._results: dict[str, list[Row]] = {}
        self._lock = threading.Lock()

    def _scope(self, request: Row) -> list[str]:
        tenant = self.tenant
        subs = request.get("subscriptions")
        groups = request.get("managementGroups")
        if groups:
            subs = [s for g in groups for s in tenant.management_groups.get(str(g), [])]
        chosen = subs if subs else list(tenant.subscriptions)
        return [s.lower() for s in chosen if tenant.readable(str(s))]

    def result(self, query: Any, request: Row, token: str | None) -> tuple[list[Row], int]:
        """The query's rows (computed on the first page, kept for the next) and a start."""
        if token:
            key, _, start = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
            with self._lock:
                rows = self._results.get(key)
            if rows is not None:
                return rows, int(start)
            raise KqlError("the $skipToken has expired")
        subs = self._scope(request)
        if query.table == "resources":
            source = [
                r for s in subs if (sub := self.tenant.subscriptions.get(s)) for r in sub.resources
            ]
        else:
            source = [self._container(s) for s in subs if s in self.tenant.subscriptions]
        return query.run(source), 0

    def _container(self, sub_id: str) -> Row:
        sub = self.tenant.subscriptions[sub_id]
        return {
            "id": f"/subscriptions/{sub.id}",
            "name": sub.name,
            "type": "microsoft.resources/subscriptions",
            "subscriptionId": sub.id,
            "tenantId": sub.tenant,
            "properties": {"state": sub.state},
        }

    def token_for(self, rows: list[Row], start: int) -> str:
        key = secrets.token_hex(8)
        with self._lock:
            if len(self._results) >= _MAX_CACHED:
                self._results.pop(next(iter(self._results)))
            self._results[key] = rows
        return base64.urlsafe_b64encode(f"{key}:{start}".encode()).decode()


class FakeAzure(Service):
    """The fake on a free loopback port, in a thread, while entered."""

    def __init__(self, tenant: FakeTenant) -> None:
        self.tenant = tenant
        self._dir = tempfile.TemporaryDirectory(prefix="cloudcensus-fake-azure-")
        self.ca_path = Path(self._dir.name) / "ca.pem"
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(self.ca_path))
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(self._context)
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not running")
        return self._server.url

    def start(self) -> Self:
        self._server = _Server(self.tenant, self._context)
        self._server.serve_in_thread("fake-azure")
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        self._dir.cleanup()

    @property
    def issued_tokens(self) -> frozenset[str]:
        """The access tokens handed out so far (tests check none of them leaks)."""
        return frozenset(self._server.tokens) if self._server else frozenset()

    def environment(self) -> dict[str, str]:
        """The client-secret credential variables that sign in to this fake."""
        return {
            "AZURE_TENANT_ID": self.tenant.tenant_id,
            "AZURE_CLIENT_ID": self.tenant.client_id,
            "AZURE_CLIENT_SECRET": self.tenant.client_secret,
        }

    def provider_settings(self) -> dict[str, Any]:
        """The `providers.azure` section that points the provider at this fake."""
        return {
            "cloud": "custom",
            "authority_host": self.url,
            "arm_endpoint": self.url,
            "offering": "azure",
            "connection_verify": str(self.ca_path),
        }
