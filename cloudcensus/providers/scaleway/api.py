"""The one HTTP client of the Scaleway provider: credentials, paging, retries, errors.

Why not the SDK's typed `list_*_all` calls: they unmarshal every page into dataclasses,
so one malformed item fails the whole listing, a field the API left out silently gets a
default (a server without `state` becomes "running"), no call has a timeout, and nothing
is retried. A scanner needs the opposite: the raw items (each normalised on its own, a
bad one recorded and skipped), unknown kept unknown, bounded calls, and throttling
honoured. So the SDK provides what it is good at, the credential chain (`scw` config
file, profiles, `SCW_*` environment) and its validation; this module makes the calls, on
the same REST paths and with the same `X-Auth-Token` header.

Paging: the Instance API pages with `page`/`per_page` and answers the total in the
`X-Total-Count` header; the newer APIs page with `page`/`page_size` and answer
`total_count` in the body. `pages` reads both and stops at the total or at an empty page.
Retries: 429 and 5xx answers and transport errors, up to `max_attempts` calls, waiting
`Retry-After` when the API sends it, else exponential backoff with full jitter.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal

import httpx
from scaleway_core.client import Client

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.redaction import redact_values
from cloudcensus.providers.scaleway.settings import ScalewaySettings
from cloudcensus.scanner.coverage import ErrorKind, shorten_message

__all__ = ["PageStyle", "ScalewayApi", "ScalewayApiError", "load_client"]

_log = logging.getLogger(__name__)

PageStyle = Literal["per_page", "page_size"]
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "cloudcensus"


class ScalewayApiError(Exception):
    """A Scaleway API call answered an error. Carries no credential."""

    def __init__(self, status: int, error_type: str | None, message: str, path: str) -> None:
        super().__init__(f"GET {path}: HTTP {status}" + (f" {error_type}" if error_type else ""))
        self.status = status
        self.error_type = error_type
        self.message = message
        self.path = path


def load_client(settings: ScalewaySettings) -> Client:
    """The SDK client from the `scw` config file and the `SCW_*` environment.

    The environment wins over the file, as in the SDK and the `scw` CLI. A profile or
    file named in the settings must exist; problems never echo a credential's value.
    """
    profile_name = settings.profile or os.environ.get("SCW_PROFILE") or "default"
    explicit = settings.profile is not None or settings.config_file is not None
    path = Client.get_default_config_file_path(
        str(settings.config_file) if settings.config_file else None
    )
    if Path(path).is_file():
        try:
            from_file = Client.from_config_file(path, profile_name)
        except (OSError, ValueError) as exc:
            raise ProviderError(
                ErrorKind.ACCESS_DENIED, f"scw config file {path}: {_first_line(exc)}"
            ) from None
        client = Client.from_env(force_none=True)
        client.merge(from_file)
    elif explicit:
        raise ProviderError(ErrorKind.ACCESS_DENIED, f"scw config file {path} does not exist")
    else:
        client = Client.from_env()
    _validate(client)
    return client


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _validate(client: Client) -> None:
    """The SDK's checks, with messages that never repeat a key (a secret pasted into the
    access-key field would otherwise be printed)."""
    if not client.access_key or not client.secret_key:
        raise ProviderError(
            ErrorKind.ACCESS_DENIED,
            "no Scaleway API key found: set SCW_ACCESS_KEY and SCW_SECRET_KEY or a scw "
            "config file profile",
        )
    try:
        client.validate()
    except ValueError as exc:
        text = str(exc)
        field = "access key" if "access key" in text else "secret key" if "secret" in text else ""
        what = (
            f"the {field} does not have the expected format" if field else _redacted(text, client)
        )
        raise ProviderError(ErrorKind.ACCESS_DENIED, f"invalid Scaleway settings: {what}") from None


def _redacted(text: str, client: Client) -> str:
    text = redact_values(text, (client.secret_key or "", client.access_key or ""))
    return text.splitlines()[0][:200] if text else "invalid value"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _error(response: httpx.Response, path: str) -> ScalewayApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        error_type = body.get("type")
        message = str(body.get("message") or "")
        return ScalewayApiError(
            response.status_code, str(error_type) if error_type else None, message, path
        )
    # Not JSON: a gateway's page or a proxy's text; its first meaningful line (an HTML
    # page's title) says what happened.
    return ScalewayApiError(response.status_code, None, shorten_message(response.text), path)


class ScalewayApi:
    """Authenticated GETs on the Scaleway API for one scan; thread-safe (httpx.Client)."""

    def __init__(
        self,
        client: Client,
        settings: ScalewaySettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.secret = client.secret_key or ""
        self.access_key = client.access_key or ""
        self._settings = settings
        self._sleep = sleep
        timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
        self._http = httpx.Client(
            base_url=client.api_url,
            headers={
                "X-Auth-Token": self.secret,
                "Accept": "application/json",
                "User-Agent": f"{_USER_AGENT} {client.user_agent}",
            },
            timeout=timeout,
            verify=not client.api_allow_insecure,
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """One GET, retried on throttling, 5xx and transport errors; raises on errors."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempts = self._settings.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.get(path, params=query)
            except httpx.TransportError:
                if attempt == attempts:
                    raise
                self._sleep(self._backoff(attempt))
                continue
            if response.status_code < 400:
                return response
            if response.status_code not in _RETRY_STATUSES or attempt == attempts:
                raise _error(response, path)
            wait = _retry_after(response)
            wait = self._backoff(attempt) if wait is None else wait
            _log.debug("GET %s: HTTP %d, retry in %.1fs", path, response.status_code, wait)
            self._sleep(min(wait, self._settings.max_retry_wait_s))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._settings.max_retry_wait_s, 0.5 * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography

    def pages(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any] | None = None,
        *,
        style: PageStyle = "page_size",
    ) -> Iterator[Any]:
        """Every item of a paged listing under `key`, page by page."""
        size = self._settings.page_size
        seen = 0
        page = 1
        while True:
            query = {**(params or {}), "page": page, style: size}
            response = self.get(path, query)
            body = response.json()
            items = body.get(key) if isinstance(body, Mapping) else None
            if not isinstance(items, list):
                raise ScalewayApiError(response.status_code, "malformed", f"no {key!r} list", path)
            yield from items
            seen += len(items)
            total = _total(response, body)
            if not items or (total is not None and seen >= total):
                return
            if total is None and len(items) < size:
                return
            page += 1


def _total(response: httpx.Response, body: Mapping[str, Any]) -> int | None:
    for value in (response.headers.get("x-total-count"), body.get("total_count")):
        try:
            if value is not None:
                return int(value)
        except (TypeError, ValueError):
            continue
    return None
