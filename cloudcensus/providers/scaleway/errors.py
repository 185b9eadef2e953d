"""Translate Scaleway API, Object Storage and transport errors into coverage kinds, once.

The message names the call and Scaleway's error type and text (they say which
permission is missing), on one short line, and never a credential: the secret key and
the access key are redacted wherever they might be echoed (a gateway error page, a
misconfigured proxy).
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx
from botocore.exceptions import BotoCoreError, ClientError

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.redaction import redact_values
from cloudcensus.providers.scaleway.api import ScalewayApiError
from cloudcensus.scanner.coverage import ErrorKind, shorten_message

__all__ = ["classify_error"]

_DENIED_TYPES = frozenset({"permissions_denied", "denied_authentication", "authorization_required"})
_DENIED_S3 = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
)
_THROTTLED_S3 = frozenset({"SlowDown", "TooManyRequests", "RequestLimitExceeded"})


def _api_kind(error: ScalewayApiError) -> ErrorKind:
    if error.status in (401, 403) or error.error_type in _DENIED_TYPES:
        return ErrorKind.ACCESS_DENIED
    if error.status == 429 or error.error_type == "too_many_requests":
        return ErrorKind.THROTTLED
    if error.status == 504:
        return ErrorKind.TIMEOUT
    if error.error_type == "malformed":
        return ErrorKind.MALFORMED
    return ErrorKind.UNEXPECTED


def _s3_error(error: ClientError) -> tuple[ErrorKind, str]:
    details = error.response.get("Error", {})
    code = str(details.get("Code") or "Unknown")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    kind = ErrorKind.UNEXPECTED
    if code in _DENIED_S3 or status == 403:
        kind = ErrorKind.ACCESS_DENIED
    elif code in _THROTTLED_S3 or status in (429, 503):
        kind = ErrorKind.THROTTLED
    operation = getattr(error, "operation_name", None) or "call"
    text = str(details.get("Message") or "")
    return kind, f"Object Storage {operation}: {code}" + (f": {text}" if text else "")


def classify_error(error: BaseException, secrets: Iterable[str] = ()) -> tuple[ErrorKind, str]:
    """The `ErrorKind` of an error raised while collecting and a short message free of
    the given secrets (the API key's secret and access keys)."""
    secrets = list(secrets)
    kind: ErrorKind
    if isinstance(error, ProviderError):
        kind, message = error.kind, str(error)
    elif isinstance(error, ScalewayApiError):
        kind = _api_kind(error)
        detail = f": {error.message}" if error.message else ""
        message = f"{error}{detail}"
    elif isinstance(error, ClientError):
        kind, message = _s3_error(error)
    elif isinstance(error, httpx.TimeoutException):
        kind, message = ErrorKind.TIMEOUT, f"timeout: {type(error).__name__}"
    elif isinstance(error, httpx.TransportError | BotoCoreError):
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    elif isinstance(error, ValueError):  # a response that is not JSON
        kind, message = ErrorKind.MALFORMED, f"unreadable answer: {type(error).__name__}"
    else:
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    return kind, shorten_message(redact_values(message, secrets))
