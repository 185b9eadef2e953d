"""Translate OSC API, OOS and transport errors into coverage kinds, once.

The OSC API answers errors as `{"Errors": [{"Code", "Type", "Details"}]}` with the HTTP
status of its error table: 401 `AccessDenied` (codes 1, 4, 5, 7: authentication failed,
unauthorized operation, not authorized, user not allowed), 429 (codes 24 and 25:
request rate exceeded, also typed `AccessDenied`, so the status decides), 5xx. The SDK
raises them as `requests.HTTPError` with the response attached. Messages name the call,
the type and the code, never a credential.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests
from botocore.exceptions import BotoCoreError, ClientError

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.redaction import redact_values
from cloudcensus.scanner.coverage import ErrorKind, shorten_message

__all__ = ["classify_error", "osc_error"]

_THROTTLE_CODES = frozenset({"6", "24", "25"})
_DENIED_TYPES = frozenset({"AccessDenied", "AuthFailure", "WrongAuthenticationMethod"})
_DENIED_S3 = frozenset({"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"})


def osc_error(error: requests.HTTPError) -> tuple[int | None, str | None, str | None, str]:
    """(HTTP status, error type, error code, action) of an OSC API error."""
    response = error.response
    if response is None:
        return None, None, None, "call"
    action = response.url.rstrip("/").rsplit("/", 1)[-1] if response.url else "call"
    first: dict[str, Any] = {}
    try:
        body = response.json()
        errors = body.get("Errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
    except ValueError:
        pass
    code = first.get("Code")
    kind = first.get("Type")
    return response.status_code, str(kind) if kind else None, str(code) if code else None, action


def _osc_kind(status: int | None, error_type: str | None, code: str | None) -> ErrorKind:
    if status == 429 or code in _THROTTLE_CODES:
        return ErrorKind.THROTTLED
    if status in (401, 403) or error_type in _DENIED_TYPES:
        return ErrorKind.ACCESS_DENIED
    if status == 504:
        return ErrorKind.TIMEOUT
    return ErrorKind.UNEXPECTED


def _oos_error(error: ClientError) -> tuple[ErrorKind, str]:
    details = error.response.get("Error", {})
    code = str(details.get("Code") or "Unknown")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    operation = getattr(error, "operation_name", None) or "call"
    message = f"OOS {operation}: {code}"
    if code in _DENIED_S3 or status == 403:
        hint = " (OOS accepts only the account's root access keys, not an EIM user's)"
        return ErrorKind.ACCESS_DENIED, message + hint
    if code == "SlowDown" or status in (429, 503):
        return ErrorKind.THROTTLED, message
    return ErrorKind.UNEXPECTED, message


def classify_error(error: BaseException, secrets: Iterable[str] = ()) -> tuple[ErrorKind, str]:
    """The `ErrorKind` of an error raised while collecting and a short message free of
    the given secrets (the profile's secret and access keys)."""
    secrets = list(secrets)
    kind: ErrorKind
    if isinstance(error, ProviderError):
        kind, message = error.kind, str(error)
    elif isinstance(error, requests.HTTPError):
        status, error_type, code, action = osc_error(error)
        kind = _osc_kind(status, error_type, code)
        what = " ".join(p for p in (error_type, f"(code {code})" if code else None) if p)
        message = f"{action}: HTTP {status}" + (f" {what}" if what else "")
    elif isinstance(error, ClientError):
        kind, message = _oos_error(error)
    elif isinstance(error, requests.Timeout):
        kind, message = ErrorKind.TIMEOUT, f"timeout: {type(error).__name__}"
    elif isinstance(error, requests.RequestException | BotoCoreError):
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    else:
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    return kind, shorten_message(redact_values(message, secrets))
