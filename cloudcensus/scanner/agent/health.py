"""`/healthz`, `/readyz` and `/metrics` over plain HTTP, from the standard library.

A `ThreadingHTTPServer` on its own daemon thread: no web framework in the agent, and a
slow scrape never delays a scan. The answers:

- `GET /healthz`: 200 `ok` while the process runs (a liveness probe);
- `GET /readyz`: 200 when every readiness check passes, else 503; the body is JSON
  naming each check with its reason (`AgentState.readiness`);
- `GET /metrics`: the Prometheus text exposition;
- anything else: 404. `HEAD` works as `GET` without the body.

Nothing here reads or writes the store: the worker updates the state and the metrics.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from cloudcensus.scanner.agent.state import Check

__all__ = ["HealthServer"]

logger = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A fresh agent must be able to take its address back right after a restart.
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class HealthServer:
    """The agent's HTTP endpoints on `host:port` (port 0: any free port)."""

    def __init__(
        self,
        host: str,
        port: int,
        readiness: Callable[[], dict[str, Check]],
        metrics: Callable[[], bytes],
    ) -> None:
        self._readiness = readiness
        self._metrics = metrics
        server = _Server6 if ":" in host else _Server
        self._server = server((host, port), self._handler())  # OSError: taken, no such host
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _answer(self, path: str) -> tuple[int, str, bytes]:
        if path == "/healthz":
            return 200, "text/plain; charset=utf-8", b"ok\n"
        if path == "/readyz":
            checks = self._readiness()
            ready = all(check.ok for check in checks.values())
            document = {"ready": ready, "checks": {k: asdict(v) for k, v in checks.items()}}
            return 200 if ready else 503, "application/json", json.dumps(document).encode()
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, self._metrics()
        return 404, "text/plain; charset=utf-8", b"not found\n"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "cloudcensus-agent"
            sys_version = ""

            def _reply(self, body: bool) -> None:
                path = self.path.split("?", 1)[0]
                try:
                    status, media_type, payload = server._answer(path)
                except Exception:  # the request boundary: a probe must get an answer
                    logger.exception("answering %s failed", path)
                    status, media_type, payload = 500, "text/plain", b"internal error\n"
                self.send_response(status)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if body:
                    self.wfile.write(payload)

            def do_GET(self) -> None:
                self._reply(body=True)

            def do_HEAD(self) -> None:
                self._reply(body=False)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("%s %s", self.address_string(), format % args)

        return Handler
