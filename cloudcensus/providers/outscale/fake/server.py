"""The fake OUTSCALE on loopback: the OSC API calls the provider makes, and OOS in front
of a moto server.

OSC API: `POST /api/v1/<Action>` with a JSON body, signed OSC4-HMAC-SHA256 (the fake
recomputes the signature with the key's secret and the Region of the credential scope:
an unknown key, a wrong secret or another Region's account answer 401 code 1, as the
API does), `ResultsPerPage`/`NextPageToken` paging (`ReadApiLogs` included: the
account's own calls, newest first), the `AccountIds` owner filter of snapshots and
images, `FirstItem`/`HasMoreItems` paging of `ReadUsers`, and the errors of the API's
error table (`{"Errors": [{"Code", "Type", "Details"}]}`): 401 code 4
(unauthorized operation), 429 code 24 with `Retry-After`, 5xx (a gateway's HTML page).

OOS: a request signed with AWS Signature V4 by an account's root key is forwarded to
moto in that account; an EIM user's key is refused (EIM does not apply to OOS).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from cloudcensus.fakes import (
    Answer,
    FakeHandler,
    LoopbackFake,
    LoopbackHTTPServer,
    PatternFault,
    forward_request,
    gateway_error,
    json_answer,
    s3_error,
)
from cloudcensus.providers.outscale.fake.state import FakeOutscale, OscKey, RequestRecord

__all__ = ["OutscaleFakeServer"]

_OSC_AUTH = re.compile(
    r"^OSC4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/api/"
    r"osc4_request, SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]+)$"
)
_S3_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_PAGED = {
    "ReadVms": "Vms",
    "ReadVolumes": "Volumes",
    "ReadSnapshots": "Snapshots",
    "ReadImages": "Images",
    "ReadSecurityGroups": "SecurityGroups",
    "ReadPublicIps": "PublicIps",
    "ReadNets": "Nets",
}


def _errors(
    status: int, code: str, error_type: str, headers: dict[str, str] | None = None
) -> Answer:
    body = {
        "Errors": [{"Code": code, "Type": error_type, "Details": ""}],
        "ResponseContext": {"RequestId": str(uuid.uuid4())},
    }
    return json_answer(status, body, headers)


def _context() -> dict[str, str]:
    return {"RequestId": str(uuid.uuid4())}


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _signature(key: OscKey, region: str, date: str, stamp: str, canonical: str) -> str:
    """The OSC4-HMAC-SHA256 signature of a canonical request (AWS Signature V4 scheme
    with the `OSC4` prefix and the `osc4_request` terminator)."""
    scope = f"{date}/{region}/api/osc4_request"
    to_sign = "\n".join(
        ["OSC4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    signing = _hmac(
        _hmac(_hmac(_hmac(f"OSC4{key.secret_key}".encode(), date), region), "api"), "osc4_request"
    )
    return hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()


class _Handler(FakeHandler):
    """OSC API calls answered here (each logged in the state), OOS calls forwarded."""

    server: _Server

    def _handle(self) -> None:
        if self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            self.send_answer(*self.server.oos(self))
            return
        body = self.request_body().decode()
        self.send_answer(*self._osc(urlsplit(self.path).path, body))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    def _authenticate(self, path: str, body: str) -> OscKey | None:
        match = _OSC_AUTH.match(self.headers.get("Authorization", ""))
        key = self.server.state.key(match["key"]) if match else None
        if match is None or key is None:
            return None
        account = self.server.state.accounts.get(key.account_id)
        if account is None or account.region != match["region"]:
            return None
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        stamp = self.headers.get("X-Osc-Date", "")
        content_type = self.headers.get("Content-Type", "")
        canonical = "\n".join(
            [
                "POST",
                path,
                "",
                f"content-type:{content_type}",
                f"host:{host}",
                f"x-osc-date:{stamp}",
                "",
                match["signed"],
                hashlib.sha256(body.encode()).hexdigest(),
            ]
        )
        expected = _signature(key, match["region"], match["date"], stamp, canonical)
        return key if hmac.compare_digest(expected, match["signature"]) else None

    def _osc(self, path: str, body: str) -> Answer:
        state = self.server.state
        action = path.rstrip("/").rsplit("/", 1)[-1]
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            return _errors(400, "4110", "InvalidParameterValue")
        key = self._authenticate(path, body)
        if key is None:
            answer = _errors(401, "1", "AccessDenied")
        elif (fault := state.take_fault(action, key.account_id)) is not None:
            answer = _fault_answer(fault)
        else:
            answer = _dispatch(state, key, action, params)
        state.record(RequestRecord(key.account_id if key else None, action, params, answer[0]))
        return answer


def _fault_answer(fault: PatternFault) -> Answer:
    if fault.status in (401, 403):
        return _errors(fault.status, "4", "AccessDenied")
    if fault.status == 429:
        return _errors(429, "24", "AccessDenied", {"Retry-After": fault.retry_after or "0"})
    if fault.html:
        return gateway_error(fault.status)
    return _errors(fault.status, "2000", "InternalError")


def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None] | None:
    size = params.get("ResultsPerPage", 100)
    if not isinstance(size, int) or not 1 <= size <= 1000:
        return None
    token = params.get("NextPageToken")
    start = int(token.removeprefix("page-")) if isinstance(token, str) and token else 0
    chunk = items[start : start + size]
    return chunk, (f"page-{start + size}" if start + size < len(items) else None)


def _dispatch(state: FakeOutscale, key: OscKey, action: str, params: dict[str, Any]) -> Answer:
    account = state.accounts[key.account_id]
    if action in _PAGED:
        items = state.items(account.account_id, _PAGED[action])
        owners = (params.get("Filters") or {}).get("AccountIds")
        if owners:
            items = [i for i in items if not isinstance(i, dict) or i.get("AccountId") in owners]
        paged = _page(items, params)
        if paged is None:
            return _errors(400, "4045", "InvalidParameterValue")
        chunk, token = paged
        answer: dict[str, Any] = {_PAGED[action]: chunk, "ResponseContext": _context()}
        return json_answer(200, answer | ({"NextPageToken": token} if token else {}))
    if action == "ReadLoadBalancers":
        return json_answer(
            200,
            {
                "LoadBalancers": state.items(account.account_id, "LoadBalancers"),
                "ResponseContext": _context(),
            },
        )
    if action == "ReadAccounts":
        return json_answer(200, {"Accounts": [account.info], "ResponseContext": _context()})
    if action == "ReadApiLogs":
        paged = _page(state.items(account.account_id, "Logs"), params)
        if paged is None:
            return _errors(400, "4045", "InvalidParameterValue")
        logs, token = paged
        answer = {"Logs": logs, "ResponseContext": _context()}
        return json_answer(200, answer | ({"NextPageToken": token} if token else {}))
    if action == "ReadAccessKeys":
        user = params.get("UserName") or key.user
        keys = (
            account.user_keys.get(user, [])
            if user
            else state.items(account.account_id, "AccessKeys")
        )
        return json_answer(200, {"AccessKeys": keys, "ResponseContext": _context()})
    if action == "ReadUsers":
        users = state.items(account.account_id, "Users")
        first, size = int(params.get("FirstItem") or 0), int(params.get("ResultsPerPage") or 100)
        chunk = users[first : first + size]
        return json_answer(
            200,
            {
                "Users": chunk,
                "HasMoreItems": first + size < len(users),
                "ResponseContext": _context(),
            },
        )
    return _errors(400, "4118", "InvalidAction")


class _Server(LoopbackHTTPServer):
    def __init__(self, state: FakeOutscale, s3_backend: str | None) -> None:
        super().__init__(_Handler)
        self.state = state
        self.s3_backend = s3_backend

    def oos(self, handler: _Handler) -> Answer:
        """Forward one signed S3 request to moto, in the key's account."""
        match = _S3_CREDENTIAL.search(handler.headers.get("Authorization", ""))
        key = self.state.key(match[1]) if match else None
        if key is None:
            return s3_error(403, "InvalidAccessKeyId", "The access key is not known")
        path = urlsplit(handler.path).path
        fault = self.state.take_fault(f"oos:{path}", key.account_id)
        if key.user is not None or (fault is not None and fault.status in (401, 403)):
            return s3_error(403, "AccessDenied", "Access Denied")
        if fault is not None:
            return s3_error(fault.status, "InternalError", "injected")
        return forward_request(handler, self.s3_backend, key.account_id, "OOS")


class OutscaleFakeServer(LoopbackFake):
    """Serves a `FakeOutscale` on 127.0.0.1 (a free port) from a background thread."""

    thread_name = "fake-outscale"

    def __init__(self, state: FakeOutscale, *, s3_backend: str | None = None) -> None:
        self.state = state
        self._server = _Server(state, s3_backend)

    @property
    def api_endpoint(self) -> str:
        """The OSC API endpoint to configure (`endpoints.api` of an OSC profile)."""
        return f"{self.url}/api/v1"
