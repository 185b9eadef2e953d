"""Request bodies: gzip decoding and the size limit, before any JSON parsing.

A pure ASGI middleware, so the limit holds while the body streams in (a client
announcing or sending more than the limit gets 413 without the server holding it all)
and a gzip bomb is stopped at the limit of its decompressed size. Gzip is decoded by
ISA-L (`isal`), about 2.5 times faster than zlib on finding batches.

The app sees the decompressed body; a gzip body as received stays available to it
(`received_gzip`): the registry stores finding batches in that form.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, cast

from isal import isal_zlib

__all__ = ["BodyLimitMiddleware", "received_gzip"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_GZIP_KEY = "cloudcensus.received_gzip"
# ISA-L's stub declares its error class as an instance
_GZIP_ERROR = cast(type[Exception], isal_zlib.error)


def received_gzip(scope: Scope) -> bytes | None:
    """The request body as received when it was gzip-compressed (its first gzip member
    decompresses to the body the app sees), else None."""
    value = scope.get(_GZIP_KEY)
    return value if isinstance(value, bytes) else None


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        encoding = headers.get(b"content-encoding", b"identity").decode("latin-1").lower()
        try:
            announced = int(headers.get(b"content-length", b"0"))
            if announced > self.max:
                raise _Refused(413, f"request body larger than {self.max} bytes")
            body = received = await self._read(receive)
            if encoding == "gzip":
                body = self._gunzip(received)
            elif encoding not in ("identity", ""):
                raise _Refused(415, f"unsupported Content-Encoding {encoding!r}; use gzip")
        except ValueError:
            await _answer(send, 400, "malformed Content-Length")
            return
        except _Refused as refused:
            await _answer(send, refused.status, refused.detail)
            return
        kept = [
            (k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")
        ]
        scope = dict(scope, headers=[*kept, (b"content-length", str(len(body)).encode())])
        if encoding == "gzip":
            scope[_GZIP_KEY] = received
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Refused(400, "client disconnected")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max:
                raise _Refused(413, f"request body larger than {self.max} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _gunzip(self, body: bytes) -> bytes:
        decoder = isal_zlib.decompressobj(wbits=31)
        try:
            out = decoder.decompress(body, self.max + 1)
        except _GZIP_ERROR as error:
            raise _Refused(400, f"body is not valid gzip: {error}") from error
        if len(out) > self.max or decoder.unconsumed_tail:
            raise _Refused(413, f"decompressed body larger than {self.max} bytes")
        if not decoder.eof:
            raise _Refused(400, "body is not valid gzip: truncated")
        return out
