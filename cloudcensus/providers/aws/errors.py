"""Translate botocore errors into coverage error kinds, once, at the provider boundary.

A scanner that mistakes "access denied" for "nothing there" reports false compliance, so
every failure is named: the collection engine records the kind on the scope it hit. The
message keeps the operation, the AWS error code and the first line of AWS's text (they
name the action and the resource, which is what an operator needs), on one line of at
most `MAX_MESSAGE_CHARS` (a 5xx from a gateway can carry a whole HTML page), and never
credentials: access key ids, long token-like strings and any secret the caller passes
are redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from pydantic import ValidationError

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.redaction import redact_values
from cloudcensus.scanner.coverage import ErrorKind, shorten_message

__all__ = ["classify_error", "error_code", "is_access_denied", "redact"]

_DENIED_CODES = frozenset(
    {
        "UnauthorizedOperation",
        "AuthFailure",
        "UnauthorizedAccess",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "AuthorizationError",
        "AllAccessDisabled",
    }
)
_THROTTLED_CODES = frozenset(
    {
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
_NOT_ENABLED_CODES = frozenset(
    {
        "OptInRequired",
        "SubscriptionRequiredException",
        "RegionDisabledException",
        "InvalidRegion",
        "NotSignedUp",
    }
)
_TIMEOUT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException"})

# AWS access key ids (AKIA long-term, ASIA temporary, ...) and long base64-ish runs that
# could be a secret key or a session token. ARNs and request ids stay readable.
_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{12,}\b")
_TOKEN = re.compile(r"[A-Za-z0-9/+=]{40,}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove anything credential-shaped, and the given secret values, from `text`."""
    text = redact_values(text, secrets)
    text = _KEY_ID.sub("[redacted]", text)
    return _TOKEN.sub("[redacted]", text)


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a `ClientError` (e.g. 'AccessDenied'), else None."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def is_access_denied(code: str | None) -> bool:
    """True for the codes AWS uses when a policy refuses a call."""
    return code is not None and (code.startswith("AccessDenied") or code in _DENIED_CODES)


def _kind_of_code(code: str, status: int | None) -> ErrorKind:
    if is_access_denied(code):
        return ErrorKind.ACCESS_DENIED
    if code.startswith("Throttl") or code in _THROTTLED_CODES:
        return ErrorKind.THROTTLED
    if code in _NOT_ENABLED_CODES or code.endswith("NotInUseException"):
        return ErrorKind.NOT_ENABLED
    if code in _TIMEOUT_CODES:
        return ErrorKind.TIMEOUT
    if status == 403:
        return ErrorKind.ACCESS_DENIED
    if status == 429:
        return ErrorKind.THROTTLED
    return ErrorKind.UNEXPECTED


def _client_error(error: ClientError, secrets: Iterable[str]) -> tuple[ErrorKind, str]:
    details = error.response.get("Error", {})
    code = str(details.get("Code") or "Unknown")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    operation = getattr(error, "operation_name", None) or "call"
    text = shorten_message(redact(str(details.get("Message") or ""), secrets))
    message = f"{operation}: {code}" + (f": {text}" if text else "")
    return _kind_of_code(code, status), message


def classify_error(error: BaseException, secrets: Iterable[str] = ()) -> tuple[ErrorKind, str]:
    """The `ErrorKind` of an error raised while collecting, and a short, single-line
    message free of secrets (see the module doc).

    `secrets` are values (e.g. the AssumeRole external id) that must never be echoed.
    Redaction runs on the whole text before it is shortened, so a cut cannot leave a
    partial secret that no longer matches.
    """
    secrets = list(secrets)
    kind: ErrorKind
    if isinstance(error, ProviderError):
        kind, message = error.kind, str(error)
    elif isinstance(error, ClientError):
        kind, message = _client_error(error, secrets)
    elif isinstance(error, ConnectTimeoutError | ReadTimeoutError):
        kind, message = ErrorKind.TIMEOUT, f"timeout: {error}"
    elif isinstance(error, NoCredentialsError | PartialCredentialsError):
        kind, message = ErrorKind.ACCESS_DENIED, "no usable AWS credentials found"
    elif isinstance(error, ValidationError):
        kind, message = ErrorKind.MALFORMED, f"payload did not normalise: {error}"
    else:  # other BotoCoreErrors (e.g. EndpointConnectionError) and anything else
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    return kind, shorten_message(redact(message, secrets))
