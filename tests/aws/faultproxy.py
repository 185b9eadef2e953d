"""A fault-injecting HTTP proxy on loopback, in front of the moto server.

moto grants every AssumeRole and never throttles, so the failures a scanner must survive
are injected here, in the real wire format AWS uses, without touching our code: the
proxy forwards every request to moto, except an `sts:AssumeRole` into a denied account
(403 AccessDenied, STS XML error shape), calls of a throttled action (EC2 XML
`RequestLimitExceeded` or query `Throttling`) and calls of a broken action (HTTP 500
with a whole HTML error page, as a load balancer or corporate proxy sends it).
Actions are read from the query/form `Action` or, for JSON protocols, `X-Amz-Target`.

It serves both as the endpoint (`AWS_ENDPOINT_URL`) and as a forward proxy
(`HTTP_PROXY`): as the latter, it sees every call of every boto3 client of the test
process, whatever endpoint URL the client was given.
"""

from __future__ import annotations

import http.client
import threading
import uuid
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from cloudcensus.fakes import FakeHandler, LoopbackFake, LoopbackHTTPServer

__all__ = ["FaultProxy"]

_HOP_HEADERS = {"connection", "proxy-connection", "keep-alive", "transfer-encoding", "te"}
_EC2_API_VERSION = "2016-11-15"


def _sts_denied(role_arn: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
        "<Message>User: arn:aws:sts::123456789012:assumed-role/scanner/cloudcensus is not "
        f"authorized to perform: sts:AssumeRole on resource: {role_arn}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


#: A gateway's error page: multi-line, styled, far longer than any coverage message.
ERROR_PAGE_TITLE = "500 Internal Server Error"
ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    f"<title>{ERROR_PAGE_TITLE}</title>\n"
    "<style>\nbody { font-family: sans-serif; margin: 4em; color: #333; }\n"
    + "".join(f".c{i} {{ padding: {i}px; }}\n" for i in range(40))
    + "</style>\n</head>\n<body>\n"
    "<h1>Internal Server Error</h1>\n"
    "<p>The upstream service did not answer. "
    + "Please try again later or contact the network team. " * 20
    + "</p>\n<hr><address>edge-gateway/2.4 at 127.0.0.1</address>\n</body>\n</html>\n"
)


def _throttled(ec2: bool) -> tuple[int, bytes]:
    if ec2:
        body = (
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
            "<Message>Request limit exceeded.</Message></Error></Errors>"
            f"<RequestID>{uuid.uuid4()}</RequestID></Response>"
        )
        return 503, body.encode()
    body = (
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
        "<Message>Rate exceeded</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return 400, body.encode()


class FaultProxy(LoopbackFake):
    """Forwards to `upstream` (http://host:port) with injectable faults; thread-safe."""

    thread_name = "fault-proxy"

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.denied_accounts: set[str] = set()
        self.throttled_actions: set[str] = set()
        self.broken_actions: set[str] = set()  # answered with 500 and `ERROR_PAGE`
        self.hits: Counter[str] = Counter()  # action -> requests seen (faulted or not)
        self._lock = threading.Lock()
        self._server = LoopbackHTTPServer(self._handler_class())

    def clear(self) -> None:
        with self._lock:
            self.denied_accounts.clear()
            self.throttled_actions.clear()
            self.broken_actions.clear()
            self.hits.clear()

    def _fault(self, action: str, params: dict[str, list[str]]) -> tuple[int, str, bytes] | None:
        with self._lock:
            self.hits[action] += 1
            if action in self.broken_actions:
                return 500, "text/html", ERROR_PAGE.encode()
            if action in self.throttled_actions:
                status, body = _throttled((params.get("Version") or [""])[0] == _EC2_API_VERSION)
                return status, "text/xml", body
            role_arn = (params.get("RoleArn") or [""])[0]
            if action == "AssumeRole" and any(f":{a}:" in role_arn for a in self.denied_accounts):
                return 403, "text/xml", _sts_denied(role_arn)
        return None

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders(body or None)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler_class(self) -> type[FakeHandler]:
        proxy = self

        class Handler(FakeHandler):
            def _handle(self) -> None:
                body = self.request_body()
                target = urlsplit(self.path)
                path = target.path + (f"?{target.query}" if target.query else "")
                params = parse_qs(target.query)
                content_type = self.headers.get("Content-Type", "")
                if "x-www-form-urlencoded" in content_type:
                    params.update(parse_qs(body.decode(errors="replace")))
                target_header = self.headers.get("X-Amz-Target", "")
                action = (params.get("Action") or [target_header.rpartition(".")[2]])[0]
                fault = proxy._fault(action, params)
                if fault is not None:
                    status, media_type, payload = fault
                    headers = [("Content-Type", media_type)]
                else:
                    kept = [
                        (k, v) for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS
                    ]
                    status, headers, payload = proxy._forward(self.command, path, kept, body)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in _HOP_HEADERS | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        return Handler
