"""A fake registry that follows wire protocol v1 (idempotency included) and counts what
it receives, with faults scripted per request. Used as an `httpx.MockTransport` handler
and, through `serve`, as a real HTTP server on loopback for the CLI tests."""

from __future__ import annotations

import gzip
import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from cloudcensus.wire import v1

TOKEN = "agent-token-7c1e-never-logged"


@dataclass
class AfterProcessing:
    """Fault: process the request, then fail as if the connection dropped (lost answer)."""

    error: Exception


#: None: no fault, answer normally; int / Response: answer that instead of processing;
#: Exception: raise it before processing (registry down); AfterProcessing: see above.
Fault = int | httpx.Response | Exception | AfterProcessing | None


@dataclass
class ScanState:
    opened: v1.ScanOpen
    batches: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # uid -> (body, n)
    finding_uids: set[str] = field(default_factory=set)
    explanations: v1.ExplanationsUpload | None = None
    completed: v1.ScanComplete | None = None


class FakeRegistry:
    """Callable as an httpx MockTransport handler."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.faults: deque[Fault] = deque()
        self.requests: list[httpx.Request] = []
        self.scans: dict[str, ScanState] = {}
        self.replays = 0
        self.lock = threading.Lock()

    # -- what the tests read -------------------------------------------------------------

    @property
    def events(self) -> int:
        """Distinct findings stored, over all scans."""
        return sum(len(s.finding_uids) for s in self.scans.values())

    @property
    def batches(self) -> int:
        return sum(len(s.batches) for s in self.scans.values())

    def completed(self) -> list[str]:
        return [uid for uid, s in self.scans.items() if s.completed is not None]

    def fail_next(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    # -- protocol ------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            fault = self.faults.popleft() if self.faults else None
            if isinstance(fault, Exception):
                raise fault
            if isinstance(fault, int):
                return httpx.Response(fault, json={"detail": f"scripted {fault}"})
            if isinstance(fault, httpx.Response):
                return fault
            response = self._handle(request)
            if isinstance(fault, AfterProcessing):
                raise fault.error
            return response

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"detail": "bad token"})
        body = request.content
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if len(body) > v1.MAX_BODY_BYTES:
            return httpx.Response(413, json={"detail": "too large"})
        parts = request.url.path.removeprefix(v1.SCANS_PATH).strip("/").split("/")
        try:
            if request.method == "POST" and parts == [""]:
                return self._open(v1.ScanOpen.model_validate_json(body))
            state = self.scans.get(parts[0])
            if state is None:
                return httpx.Response(404, json={"detail": "unknown scan"})
            if request.method == "POST" and parts[1:] == ["findings"]:
                batch = v1.FindingBatch.model_validate_json(body)
                return self._batch(state, request, batch, body)
            if request.method == "PUT" and parts[1:] == ["explanations"]:
                state.explanations = v1.ExplanationsUpload.model_validate_json(body)
                count = len(state.explanations.explanations)
                return httpx.Response(200, json={"scan_uid": parts[0], "accepted": count})
            if request.method == "POST" and parts[1:] == ["complete"]:
                return self._complete(state, v1.ScanComplete.model_validate_json(body))
        except ValidationError as error:
            detail = json.loads(error.json(include_url=False))
            return httpx.Response(422, json={"detail": detail})
        return httpx.Response(404, json={"detail": "no route"})

    def _open(self, opened: v1.ScanOpen) -> httpx.Response:
        uid = str(opened.scan_uid)
        status = 200 if uid in self.scans else 201
        self.scans.setdefault(uid, ScanState(opened))
        answer = {"scan_uid": uid, "institution": "inst-a", "state": "open"}
        return httpx.Response(status, json=answer)

    def _batch(
        self, state: ScanState, request: httpx.Request, batch: v1.FindingBatch, body: bytes
    ) -> httpx.Response:
        uid = str(batch.batch_uid)
        key = request.headers.get(v1.IDEMPOTENCY_HEADER)
        if key is not None and key != uid:
            return httpx.Response(422, json={"detail": "Idempotency-Key != batch_uid"})
        answer = {"scan_uid": str(state.opened.scan_uid), "batch_uid": uid}
        if uid in state.batches:
            if state.batches[uid][0] != body:
                return httpx.Response(409, json={"detail": "batch_uid reused"})
            self.replays += 1
            accepted = state.batches[uid][1]
            return httpx.Response(
                200, json={**answer, "accepted": accepted}, headers={v1.REPLAYED_HEADER: "true"}
            )
        state.batches[uid] = (body, len(batch.events))
        state.finding_uids.update(e.finding_info.uid for e in batch.events)
        return httpx.Response(201, json={**answer, "accepted": len(batch.events)})

    def _complete(self, state: ScanState, done: v1.ScanComplete) -> httpx.Response:
        if len(state.finding_uids) < done.findings:
            return httpx.Response(409, json={"detail": "batches missing"})
        state.completed = done
        answer: dict[str, Any] = {
            "scan_uid": str(state.opened.scan_uid),
            "status": done.status.value,
            "findings": len(state.finding_uids),
            "resolved": 0,
            "covered_accounts": [],
        }
        return httpx.Response(200, json=answer)


def dump(model: BaseModel) -> dict[str, Any]:
    return dict(json.loads(v1.encode(model)))


@contextmanager
def serve(registry: FakeRegistry) -> Iterator[str]:
    """`registry` behind a real HTTP/1.1 server on 127.0.0.1; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = httpx.Request(
                self.command,
                f"http://127.0.0.1{self.path}",
                headers=dict(self.headers.items()),
                content=self.rfile.read(length),
            )
            try:
                response = registry(request)
            except Exception:
                self.close_connection = True  # a scripted drop: answer nothing
                return
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_POST = do_PUT = do_GET = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
