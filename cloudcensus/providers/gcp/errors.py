"""Translate Cloud Asset and google-auth errors into coverage error kinds, once.

A scanner that mistakes "access denied" for "nothing there" reports false compliance,
so every failure is named on the scope it hit: 403 (IAM, VPC Service Controls) is
`access_denied`, unless the Cloud Asset API is not enabled in the quota project
(`not_enabled`); 429 / RESOURCE_EXHAUSTED past the retries is `throttled`; a response
that is not the documented JSON is `malformed`. The message is one short line without
secrets: OAuth tokens, key material and long token-like strings are redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import requests
from google.api_core import exceptions as api
from google.auth import exceptions as auth
from google.protobuf.json_format import ParseError
from pydantic import ValidationError

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.catalogue import CatalogueError
from cloudcensus.providers.gcp.client import MalformedResponse
from cloudcensus.providers.gcp.fields import PayloadError
from cloudcensus.providers.redaction import redact_values
from cloudcensus.scanner.coverage import ErrorKind, shorten_message

__all__ = ["classify_error", "redact"]

_SERVICE_DISABLED = ("SERVICE_DISABLED", "API_DISABLED")
_DISABLED_TEXT = re.compile(r"has not been used in project|is disabled|not enabled", re.I)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
)
_OAUTH_TOKEN = re.compile(r"\bya29\.[\w.-]+|\b1//[\w.-]{20,}")
_BEARER = re.compile(r"(?i)\b(bearer|access_token=|refresh_token=|assertion=)\s*[^\s&\"']+")
_KEY_FIELD = re.compile(r"(\"?privateKey(?:Data)?\"?\s*[:=]\s*)\"?[^\s\",}]+")
# Long unbroken token-like runs (path separators break resource names into short parts).
_TOKEN = re.compile(r"[A-Za-z0-9+=_-]{48,}")

ADC_HELP = (
    "no Application Default Credentials found: run `gcloud auth application-default "
    "login`, set GOOGLE_APPLICATION_CREDENTIALS, or run on a workload identity"
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove anything credential-shaped, and the given secret values, from `text`."""
    text = redact_values(text, secrets)
    text = _PRIVATE_KEY.sub("[redacted private key]", text)
    text = _OAUTH_TOKEN.sub("[redacted]", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} [redacted]", text)
    text = _KEY_FIELD.sub(lambda m: f"{m.group(1)}[redacted]", text)
    return _TOKEN.sub("[redacted]", text)


def _api_kind(error: api.GoogleAPICallError) -> ErrorKind:
    if isinstance(error, api.Forbidden | api.Unauthorized):
        disabled = error.reason in _SERVICE_DISABLED or _DISABLED_TEXT.search(error.message or "")
        return ErrorKind.NOT_ENABLED if disabled else ErrorKind.ACCESS_DENIED
    if isinstance(error, api.TooManyRequests | api.ResourceExhausted):
        return ErrorKind.THROTTLED
    if isinstance(error, api.GatewayTimeout | api.DeadlineExceeded):
        return ErrorKind.TIMEOUT
    return ErrorKind.UNEXPECTED


def _status_name(error: api.GoogleAPICallError) -> str:
    """The Google error status ('PERMISSION_DENIED') from the JSON error body."""
    response = error.response
    if isinstance(response, requests.Response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return str(body["error"].get("status") or "")
    return error.grpc_status_code.name if error.grpc_status_code is not None else ""


def _api_message(error: api.GoogleAPICallError) -> str:
    """'403 PERMISSION_DENIED: <message>' without the request URL (it carries page
    tokens and repeats what the coverage entry already says)."""
    status = _status_name(error)
    code = error.code if error.code is not None else ""
    text = error.message or ""
    if " http" in text and ": " in text:  # 'GET http://host/v1/...: message'
        text = text.split(": ", 1)[1]
    head = " ".join(str(part) for part in (code, status or type(error).__name__) if part)
    return f"{head}: {text}" if text else head


def classify_error(error: BaseException, secrets: Iterable[str] = ()) -> tuple[ErrorKind, str]:
    """The `ErrorKind` of an error raised while collecting, and a short, single-line
    message free of secrets (redaction runs before shortening)."""
    kind: ErrorKind
    if isinstance(error, ProviderError):
        kind, message = error.kind, str(error)
    elif isinstance(error, api.GoogleAPICallError):
        kind, message = _api_kind(error), _api_message(error)
    elif isinstance(error, auth.DefaultCredentialsError):
        kind, message = ErrorKind.ACCESS_DENIED, ADC_HELP
    elif isinstance(error, auth.RefreshError | auth.TransportError):
        kind, message = ErrorKind.ACCESS_DENIED, f"credentials could not be refreshed: {error}"
    elif isinstance(error, requests.Timeout):
        kind, message = ErrorKind.TIMEOUT, f"timeout: {error}"
    elif isinstance(error, requests.ConnectionError):
        kind, message = ErrorKind.UNEXPECTED, f"cannot reach Cloud Asset Inventory: {error}"
    elif isinstance(error, MalformedResponse | PayloadError | ParseError):
        kind, message = ErrorKind.MALFORMED, f"malformed response: {error}"
    elif isinstance(error, ValidationError):
        kind, message = ErrorKind.MALFORMED, f"payload did not normalise: {error}"
    elif isinstance(error, CatalogueError):
        kind, message = ErrorKind.UNEXPECTED, f"catalogue: {error}"
    else:
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    return kind, shorten_message(redact(message, list(secrets)))
