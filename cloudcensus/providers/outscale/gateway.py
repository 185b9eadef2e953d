"""One OUTSCALE account's OSC API client (osc-sdk-python), and its paging.

Why the OSC API and osc-sdk-python: it is OUTSCALE's primary, fully documented API; one
call per resource family returns everything a rule needs as plain JSON (tags, links,
permissions), with one paging model (`ResultsPerPage`/`NextPageToken`); access keys are
readable (`ReadAccessKeys`); and the SDK signs requests (OSC4-HMAC-SHA256), reads the
OSC config file and `OSC_*` environment, takes an endpoint per service (so it points at a
loopback fake as easily as at `api.<region>.outscale.com`), retries 429, 5xx and
connection errors with exponential backoff, and rate-limits itself. Buckets are not in
the OSC API: they are read on OOS, the S3-compatible endpoint, with boto3 (`oos.py`).

The provider uses the SDK's `Call` (profile, signing, retries, rate limiter) rather than
its `Gateway`: a `Gateway` first converts the SDK's 20,000-line OpenAPI document to check
parameters client-side, which takes 10 to 15 seconds per instance without the optional
`ruamel.yaml.clib`; the few calls made here are fixed and tested against the fake.

The SDK's rate limiter and its `requests.Session` are not thread-safe, so every call of
one account goes through a lock: an account's tasks run one call at a time, at the
configured rate, while other accounts proceed in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from osc_sdk_python.call import Call
from osc_sdk_python.limiter import RateLimiter

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.outscale.settings import OutscaleSettings
from cloudcensus.scanner.coverage import ErrorKind

__all__ = ["OscGateway"]

_USER_AGENT = "cloudcensus"
_EIM_PAGE = 100  # the EIM listings' documented default page size; larger is not promised


class OscGateway:
    """The OSC API for one profile (one account in one Region)."""

    def __init__(self, profile: str | None, settings: OutscaleSettings) -> None:
        """Load the profile; raises `ProviderError` when it is missing or has no keys."""
        self.profile_name = profile
        self.settings = settings
        self._lock = threading.Lock()
        kwargs: dict[str, Any] = {
            "max_retries": settings.max_retries,
            "retry_backoff_factor": settings.retry_backoff_factor,
            "retry_backoff_jitter": settings.retry_backoff_jitter,
            "retry_backoff_max": settings.retry_backoff_max,
            "user_agent": _USER_AGENT,
        }
        if profile is not None:
            kwargs["profile"] = profile
        if settings.config_file is not None:
            kwargs["path"] = str(settings.config_file)
        label = f"OSC profile {profile!r}" if profile else "the default OSC profile"
        try:
            limiter = RateLimiter(timedelta(seconds=1), settings.requests_per_second)
            self._call = Call(logger=None, limiter=limiter, **kwargs)
        except FileNotFoundError as exc:
            raise ProviderError(
                ErrorKind.ACCESS_DENIED, f"{label}: OSC config file not found: {exc.filename}"
            ) from None
        except (AttributeError, TypeError, ValueError, OSError):
            raise ProviderError(
                ErrorKind.ACCESS_DENIED, f"{label}: not found or invalid in the OSC config file"
            ) from None
        self._profile = self._call.profile
        if not self._profile.access_key or not self._profile.secret_key:
            raise ProviderError(
                ErrorKind.ACCESS_DENIED,
                f"{label}: no access key (set OSC_ACCESS_KEY and OSC_SECRET_KEY or the profile)",
            )

    @property
    def region(self) -> str:
        return str(self._profile.region)

    @property
    def access_key(self) -> str:
        return str(self._profile.access_key)

    @property
    def secret_key(self) -> str:
        return str(self._profile.secret_key)

    def endpoint(self, service: str) -> str:
        """The profile's endpoint of a service ('api', 'oos', ...), default or configured."""
        return str(self._profile.get_endpoint(service))

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """One OSC API call (retried by the SDK); raises `requests.HTTPError` on errors."""
        with self._lock:
            answer: dict[str, Any] = self._call.api(action, **params)
        return answer

    def pages(self, action: str, key: str, **params: Any) -> Iterator[Any]:
        """Every item of a `ResultsPerPage`/`NextPageToken` listing under `key`."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.call(
                action,
                ResultsPerPage=self.settings.results_per_page,
                **params,
                **({"NextPageToken": token} if token else {}),
            )
            yield from page.get(key) or []
            token = page.get("NextPageToken") or None
            if token is None or token in seen:  # a repeated token would loop forever
                return
            seen.add(token)

    def numbered_pages(self, action: str, key: str, **params: Any) -> Iterator[Any]:
        """Every item of a `FirstItem`/`ResultsPerPage`/`HasMoreItems` listing (EIM)."""
        first, size = 0, min(self.settings.results_per_page, _EIM_PAGE)
        while True:
            page = self.call(action, FirstItem=first, ResultsPerPage=size, **params)
            items = page.get(key) or []
            yield from items
            if not page.get("HasMoreItems") or not items:
                return
            first += len(items)

    def close(self) -> None:
        with self._lock:
            self._call.close()
