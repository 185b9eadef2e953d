"""The HTTP plumbing of the fakes: a threading server on loopback and its request handler.

Every fake serves HTTP/1.1 with keep-alive from a `ThreadingHTTPServer` bound to
127.0.0.1 (a free port unless one is asked for), in a daemon thread of the process that
owns it. The handler base answers in one write (headers and body leave together, and
Nagle's algorithm is off: without both, the client's delayed ACK stalls every small
answer by ~40 ms), logs nothing (tests read the fake's own request log) and leaves the
body out of a HEAD answer. `LoopbackFake` is the front object of a fake whose server is
bound when the fake is built: `url`, `start`, `stop` and `with`.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

from cloudcensus.fakes.service import Service

__all__ = ["Answer", "FakeHandler", "LoopbackFake", "LoopbackHTTPServer", "json_answer"]

#: (status, body, headers) of one answer
Answer = tuple[int, bytes, dict[str, str]]


def json_answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Answer:
    """`body` as a JSON answer (`Content-Type: application/json`, then `headers`)."""
    payload = json.dumps(body).encode()
    return status, payload, {"Content-Type": "application/json", **(headers or {})}


class FakeHandler(BaseHTTPRequestHandler):
    """Base request handler of the fakes (see the module doc)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = -1  # buffered: headers and body leave in one write, flushed per request

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a fake answers thousands of requests per test run."""

    def request_body(self) -> bytes:
        """The request's body (`Content-Length` bytes; empty without one)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_answer(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        """Status, `headers`, `Content-Length`, then `body` unless the request is a HEAD."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to 127.0.0.1, served from a daemon thread.

    `tls` wraps the listening socket (the fake then speaks HTTPS: `url` says so).
    """

    daemon_threads = True

    def __init__(
        self,
        handler: type[BaseHTTPRequestHandler],
        port: int = 0,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", port), handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        scheme = "http" if tls is None else "https"
        self.url = f"{scheme}://127.0.0.1:{self.server_address[1]}"
        self._thread: threading.Thread | None = None

    def serve_in_thread(self, name: str, poll_interval: float = 0.5) -> None:
        """Serve from a daemon thread; `poll_interval`: how long `stop` may wait for it."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name=name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (when it was), close the socket, and let the thread end."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self.shutdown()
        self.server_close()
        if thread is not None:
            thread.join(timeout=5)


class LoopbackFake(Service):
    """The front object of a fake whose `_server` is bound when the fake is built."""

    thread_name: ClassVar[str] = "fake"
    poll_interval: ClassVar[float] = 0.5
    _server: LoopbackHTTPServer

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`, known before `start`."""
        return self._server.url

    def start(self) -> Self:
        self._server.serve_in_thread(self.thread_name, self.poll_interval)
        return self

    def stop(self) -> None:
        self._server.stop()
