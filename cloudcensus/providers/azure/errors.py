"""Translate Azure SDK errors into coverage error kinds, once, at the provider boundary.

ARM and Resource Graph answer errors as `{"error": {"code", "message"}}` with an HTTP
status; azure-core raises `HttpResponseError` (its `error.code` parsed when the SDK
knows the format) and our raw ARM reads raise `ArmError` with the same fields. The kind
comes from the code first (`AuthorizationFailed` is access denied whatever the status),
then the status. Messages are one short line without credentials: bearer tokens, any
long token-like run and the client secret the credential read from the environment are
redacted before the message is cut.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from azure.core.exceptions import (
    ClientAuthenticationError,
    DecodeError,
    HttpResponseError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.rest import HttpResponse
from pydantic import ValidationError

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.redaction import redact_values
from cloudcensus.scanner.coverage import ErrorKind, shorten_message

__all__ = ["ArmError", "classify_error", "environment_secrets", "raise_for_arm_error", "redact"]

_DENIED = frozenset(
    {
        "AuthorizationFailed",
        "AuthenticationFailed",
        "InvalidAuthenticationToken",
        "InvalidAuthenticationTokenTenant",
        "ExpiredAuthenticationToken",
        "LinkedAuthorizationFailed",
        "SubscriptionNotFound",
        "InvalidSubscriptionId",
        "Forbidden",
    }
)
_THROTTLED = frozenset({"TooManyRequests", "RateLimiting", "ResourceRequestsThrottled"})
_NOT_ENABLED = frozenset(
    {"DisallowedProvider", "MissingSubscriptionRegistration", "SubscriptionNotRegistered"}
)
_SECRET_ENV = ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_PASSWORD")

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)bearer\s+\S+")
_TOKEN = re.compile(r"[A-Za-z0-9+=_~.-]{40,}")


class ArmError(Exception):
    """An ARM error answer read through the raw pipeline (status, ARM error code)."""

    def __init__(self, status: int, code: str | None, message: str, operation: str) -> None:
        super().__init__(f"{operation}: {code or status}: {message}")
        self.status = status
        self.code = code
        self.operation = operation


def raise_for_arm_error(response: HttpResponse, operation: str) -> None:
    """Raise the `ArmError` of an error answer (status 400 or more), with the code and
    message of its `{"error": ...}` body (else the start of the body); else nothing."""
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    message = str(error.get("message") or response.text()[:500])
    raise ArmError(response.status_code, error.get("code"), message, operation)


def environment_secrets() -> list[str]:
    """Secret values the Azure credential chain may read from the environment."""
    return [value for name in _SECRET_ENV if (value := os.environ.get(name))]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the given secret values and anything token-shaped from `text`."""
    text = redact_values(text, secrets)
    text = _JWT.sub("[redacted]", text)
    text = _BEARER.sub("Bearer [redacted]", text)
    return _TOKEN.sub("[redacted]", text)


def _kind(code: str | None, status: int | None) -> ErrorKind:
    if code in _DENIED or status in (401, 403):
        return ErrorKind.ACCESS_DENIED
    if code in _THROTTLED or status == 429:
        return ErrorKind.THROTTLED
    if code in _NOT_ENABLED:
        return ErrorKind.NOT_ENABLED
    if status in (408, 504) or code in ("GatewayTimeout", "RequestTimeout"):
        return ErrorKind.TIMEOUT
    return ErrorKind.UNEXPECTED


def _http_error(error: HttpResponseError) -> tuple[ErrorKind, str]:
    odata = getattr(error, "error", None)
    code = getattr(odata, "code", None) if odata is not None else None
    status = error.status_code
    text = getattr(odata, "message", None) or error.message or str(error)
    if isinstance(error, ClientAuthenticationError) and status is None:
        # The credential chain says why each credential failed on lines of their own.
        lines = [line.strip() for line in str(text).splitlines() if line.strip()]
        useful = [line for line in lines if "troubleshoot" not in line.lower()]
        return ErrorKind.ACCESS_DENIED, f"authentication failed: {' '.join(useful)}"
    label = f"{code or 'HTTP'} ({status})" if status else (code or "error")
    return _kind(code, status), f"{label}: {text}"


def classify_error(error: BaseException, secrets: Iterable[str] = ()) -> tuple[ErrorKind, str]:
    """The `ErrorKind` of an error raised while collecting, and a short secret-free line.

    `secrets` are extra values never to echo; the credential's environment secrets are
    always redacted.
    """
    hidden = [*secrets, *environment_secrets()]
    kind: ErrorKind
    if isinstance(error, ProviderError):
        kind, message = error.kind, str(error)
    elif isinstance(error, ArmError):
        kind, message = _kind(error.code, error.status), str(error)
    elif isinstance(error, DecodeError):
        kind, message = ErrorKind.MALFORMED, f"answer is not valid JSON: {error.message}"
    elif isinstance(error, HttpResponseError):
        kind, message = _http_error(error)
    elif isinstance(error, ServiceRequestTimeoutError | ServiceResponseTimeoutError):
        kind, message = ErrorKind.TIMEOUT, f"timeout: {error}"
    elif isinstance(error, ServiceRequestError | ServiceResponseError):
        kind, message = ErrorKind.UNEXPECTED, f"connection failed: {error}"
    elif isinstance(error, ValidationError | LookupError | TypeError | ValueError):
        kind, message = ErrorKind.MALFORMED, f"unexpected answer: {type(error).__name__}: {error}"
    else:
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    return kind, shorten_message(redact(message, hidden))
