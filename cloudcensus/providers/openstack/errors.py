"""Translate openstacksdk and keystoneauth errors into coverage error kinds, once.

A refused call must read as "access denied", never as "nothing there". The message keeps
the HTTP status, the service and the path (they say what was refused) and the first line
of the cloud's explanation, on one line, and never a credential: tokens, passwords and
application credential secrets are redacted, as is anything token-shaped (Keystone
Fernet tokens, long hex or base64 runs) and any secret the caller passes (the S3 keys
read from Keystone). botocore's errors (S3-compatible object storage) are named the same
way; botocore is looked up only when it is loaded, since the `openstack` extra does not
install it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from urllib.parse import urlsplit

from keystoneauth1 import exceptions as ks
from openstack import exceptions as sdk
from pydantic import ValidationError

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.openstack.connect import CloudConfigError
from cloudcensus.providers.redaction import redact_values
from cloudcensus.scanner.coverage import ErrorKind, shorten_message

__all__ = ["classify_error", "redact"]

_TOKENISH = re.compile(r"gAAAA[\w-]{20,}|[A-Za-z0-9_\-+=]{48,}")
_SECRET_FIELDS = re.compile(
    r"(?i)((?:password|secret|token|x-auth-token|x-subject-token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the given secret values and anything credential-shaped from `text`."""
    text = redact_values(text, secrets)
    text = _SECRET_FIELDS.sub(r"\1[redacted]", text)
    return _TOKENISH.sub("[redacted]", text)


def _kind_of_status(status: int | None) -> ErrorKind:
    if status in (401, 403):
        return ErrorKind.ACCESS_DENIED
    if status in (413, 429):
        return ErrorKind.THROTTLED
    if status == 404:
        return ErrorKind.NOT_ENABLED
    if status in (408, 504):
        return ErrorKind.TIMEOUT
    return ErrorKind.UNEXPECTED


def _where(url: str | bytes | None) -> str:
    if not url:
        return "call"
    if isinstance(url, bytes):
        url = url.decode(errors="replace")
    parts = urlsplit(url)
    return parts.path or url


def _http(error: sdk.HttpException) -> tuple[ErrorKind, str]:
    status = error.status_code
    details = str(error.details or "").strip()
    message = f"{error.method or 'GET'} {_where(error.url)}: HTTP {status}"
    if details:
        message += f": {details}"
    return _kind_of_status(status), message


def _keystone_http(error: ks.HttpError) -> tuple[ErrorKind, str]:
    status = error.http_status
    url = getattr(error, "url", None)
    message = f"{getattr(error, 'method', None) or 'call'} {_where(url)}: HTTP {status}"
    if error.message:
        message += f": {error.message}"
    if isinstance(error, ks.Unauthorized):
        message = f"Keystone refused the credentials or the project scope: {message}"
    return _kind_of_status(status), message


def _botocore(error: BaseException) -> tuple[ErrorKind, str] | None:
    """Kind and message of a botocore error; None when it is not one."""
    found = sys.modules.get("botocore.exceptions")
    if found is None:
        return None
    if isinstance(error, found.ClientError):
        response = error.response
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        details = response.get("Error", {})
        code, text = details.get("Code") or "", details.get("Message") or ""
        kind = _kind_of_status(status)
        if code in ("SlowDown", "Throttling", "TooManyRequests"):
            kind = ErrorKind.THROTTLED
        return kind, f"S3 {error.operation_name}: HTTP {status} {code}: {text}".rstrip(": ")
    if isinstance(error, found.ConnectTimeoutError | found.ReadTimeoutError):
        return ErrorKind.TIMEOUT, f"S3 timeout: {error}"
    if isinstance(error, found.EndpointConnectionError):
        return ErrorKind.UNEXPECTED, f"S3 cannot connect: {error}"
    if isinstance(error, found.BotoCoreError):
        return ErrorKind.UNEXPECTED, f"S3 {type(error).__name__}: {error}"
    return None


def classify_error(error: BaseException, secrets: Iterable[str] = ()) -> tuple[ErrorKind, str]:
    """The `ErrorKind` of an error raised while collecting, and a short, single-line
    message free of secrets (see the module doc)."""
    kind: ErrorKind
    boto = _botocore(error)
    if boto is not None:
        kind, message = boto
    elif isinstance(error, ProviderError):
        kind, message = error.kind, str(error)
    elif isinstance(error, sdk.HttpException):
        kind, message = _http(error)
    elif isinstance(error, ks.HttpError):
        kind, message = _keystone_http(error)
    elif isinstance(error, ks.ConnectTimeout):
        kind, message = ErrorKind.TIMEOUT, f"timeout: {error}"
    elif isinstance(error, ks.EndpointNotFound | sdk.EndpointNotFound):
        kind, message = ErrorKind.NOT_ENABLED, f"no endpoint in the catalog: {error}"
    elif isinstance(error, ks.ConnectionError):
        kind, message = ErrorKind.UNEXPECTED, f"cannot connect: {error}"
    elif isinstance(error, CloudConfigError):
        kind, message = ErrorKind.UNEXPECTED, f"configuration: {error}"
    elif isinstance(error, sdk.InvalidResponse | ValidationError):
        kind, message = ErrorKind.MALFORMED, f"malformed answer: {error}"
    elif isinstance(error, ks.ClientException | sdk.SDKException):
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    else:
        kind, message = ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"
    return kind, shorten_message(redact(message, list(secrets)))
