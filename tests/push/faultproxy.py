"""A fault-injecting HTTP proxy on loopback, between the real agent and a real registry.

The pusher talks to the proxy; the proxy forwards each request to the registry process
(`upstream`, which a test may change after restarting the registry), except where a
fault is scripted for the n-th request of a kind (`open`, `findings`, `explanations`,
`complete`, counted since the proxy started):

- `Answer(status)`: answer in the registry's place (500, 429 with `Retry-After`, 413);
- `Delay(seconds)`: forward after a pause (the client's timeout may fire first);
- `Reset(after=...)`: reset the client's connection (TCP RST), before forwarding or
  after the registry answered (the answer is lost, the write is not);
- `Kill(registry, after=...)`: SIGKILL the registry process before forwarding, or once
  it has answered (then reset the client).

An unreachable registry (stopped, killed) resets the client's connection too, as a dead
host behind a load balancer would. `seen` counts requests per kind, `forwarded` those
the registry answered.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Answer", "Delay", "FaultProxy", "Kill", "Reset", "kind_of"]

_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "content-length"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delay:
    seconds: float


@dataclass(frozen=True)
class Reset:
    after: bool = False


@dataclass(frozen=True)
class Kill:
    kill: Callable[[], None]
    after: bool = False


Fault = Answer | Delay | Reset | Kill


def kind_of(method: str, path: str) -> str:
    """The outbox item kind a request delivers (`other` for anything else)."""
    if method == "POST" and path.rstrip("/").endswith("/api/v1/scans"):
        return "open"
    for kind in ("findings", "explanations", "complete"):
        if path.endswith(f"/{kind}"):
            return kind
    return "other"


class _Unreachable(Exception):
    """The registry did not answer (refused, reset, killed)."""


class FaultProxy:
    """Forwards to `upstream` (http://host:port), with faults scripted per request."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self._faults: dict[tuple[str, int], Fault] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def on(self, kind: str, number: int, fault: Fault) -> None:
        """Script `fault` for the `number`-th request (1-based, ever) of `kind`."""
        self._faults[(kind, number)] = fault

    def _fault(self, kind: str) -> Fault | None:
        with self._lock:
            self.seen[kind] += 1
            return self._faults.pop((kind, self.seen[kind]), None)

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        except (OSError, http.client.HTTPException) as error:
            raise _Unreachable(str(error)) from error
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _reset(self) -> None:
                """Close with RST: the client sees its connection reset."""
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in _HOP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = kind_of(self.command, self.path)
                fault = proxy._fault(kind)
                if isinstance(fault, Answer):
                    detail = b'{"detail":"injected by the fault proxy"}'
                    headers = [("Content-Type", "application/json"), *fault.headers.items()]
                    self._answer(fault.status, headers, detail)
                    return
                if isinstance(fault, Delay):
                    time.sleep(fault.seconds)
                if isinstance(fault, Reset | Kill) and not fault.after:
                    if isinstance(fault, Kill):
                        fault.kill()
                    self._reset()
                    return
                kept = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS]
                try:
                    status, headers, answer = proxy._forward(self.command, self.path, kept, body)
                except _Unreachable:
                    self._reset()
                    return
                with proxy._lock:
                    proxy.forwarded[kind] += 1
                if isinstance(fault, Reset | Kill):  # after the registry answered
                    if isinstance(fault, Kill):
                        fault.kill()
                    self._reset()
                    return
                try:
                    self._answer(status, headers, answer)
                except OSError:  # the client gave up (its timeout fired during a Delay)
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return Handler

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
