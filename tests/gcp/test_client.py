"""Reading Cloud Asset Inventory within quotas: paging, throttling, refusals, bad pages.

Against the fake API on loopback, through the provider's real client (`AssetApi` on an
authorised session). What a user depends on: every page is read; a 429 is waited out as
the server asks (Retry-After) and only becomes a `throttled` gap once the retries are
spent; a refusal, a disabled API or a page that is not JSON is named as such.
"""

from __future__ import annotations

import math

import pytest
from google.api_core import exceptions as api

from cloudcensus.providers.gcp.client import AssetApi, MalformedResponse, RateLimiter
from cloudcensus.providers.gcp.credentials import connect
from cloudcensus.providers.gcp.errors import classify_error
from cloudcensus.providers.gcp.fake import FakeAssetServer
from cloudcensus.providers.gcp.provider import PROJECT_TYPE
from cloudcensus.scanner.coverage import ErrorKind

from .conftest import Sleeps, settings_for


def _api(fake: FakeAssetServer, sleeps: Sleeps, **fields: object) -> AssetApi:
    settings = settings_for(fake, **fields)
    connection = connect(settings)
    return AssetApi(
        connection.session,
        connection.endpoint,
        page_size=settings.page_size,
        max_attempts=settings.max_attempts,
        list_per_minute=10**6,
        search_per_minute=10**6,
        sleep=sleeps,
    )


def test_every_page_is_read_at_the_configured_page_size(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    api_ = _api(fake, sleeps, page_size=2)
    names = [
        a["name"] for page in api_.list_assets("projects/web-dev", "RESOURCE") for a in page.assets
    ]
    expected = fake.org.assets("projects/web-dev", "RESOURCE", ())
    assert len(names) == len(set(names)) == len(expected) > 2
    sizes = [r.params["pageSize"] for r in fake.requests]
    assert sizes == [["2"]] * math.ceil(len(expected) / 2)
    results = [r for page in api_.search_resources("projects/web-dev") for r in page]
    assert len(results) == len(expected)
    assert fake.requests[-1].params["pageSize"] == ["2"]


def test_search_pages_are_capped_at_500(fake: FakeAssetServer, sleeps: Sleeps) -> None:
    list(_api(fake, sleeps).search_resources("organizations/123456789012", [PROJECT_TYPE]))
    assert fake.requests[-1].params["pageSize"] == ["500"]


def test_a_429_is_waited_out_as_the_server_asks(fake: FakeAssetServer, sleeps: Sleeps) -> None:
    fake.faults.throttle_next, fake.faults.retry_after = 2, "7"
    pages = list(_api(fake, sleeps).list_assets("projects/fin-prod", "RESOURCE"))
    assert pages
    assert pages[0].assets
    assert sleeps.waits == [7.0, 7.0]
    assert [r.status for r in fake.requests] == [429, 429, 200]


def test_without_retry_after_the_client_backs_off_exponentially(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    fake.faults.throttle_next, fake.faults.retry_after = 3, None
    list(_api(fake, sleeps).list_assets("projects/fin-prod", "RESOURCE"))
    assert len(sleeps.waits) == 3
    for attempt, wait in enumerate(sleeps.waits):
        assert 2**attempt * 0.5 <= wait <= 2**attempt  # full backoff with jitter


def test_throttled_past_the_retries_is_a_throttled_gap(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    fake.faults.throttled_always.add("projects/web-dev")
    with pytest.raises(api.TooManyRequests) as raised:
        list(_api(fake, sleeps, max_attempts=3).list_assets("projects/web-dev", "RESOURCE"))
    assert len(fake.requests) == 3
    assert len(sleeps.waits) == 2
    kind, message = classify_error(raised.value)
    assert kind is ErrorKind.THROTTLED
    assert message.startswith("429 RESOURCE_EXHAUSTED: Quota exceeded")
    assert "http://" not in message  # the URL (and its page token) stays out of coverage


def test_a_refused_project_is_access_denied(fake: FakeAssetServer, sleeps: Sleeps) -> None:
    fake.faults.denied.add("projects/1003")  # refused by number, asked by id
    with pytest.raises(api.Forbidden) as raised:
        list(_api(fake, sleeps).list_assets("projects/secret-proj", "RESOURCE"))
    assert sleeps.waits == []  # a refusal is not retried
    assert classify_error(raised.value)[0] is ErrorKind.ACCESS_DENIED


def test_a_disabled_api_is_not_enabled(fake: FakeAssetServer, sleeps: Sleeps) -> None:
    fake.faults.api_disabled = True
    with pytest.raises(api.Forbidden) as raised:
        list(_api(fake, sleeps).list_assets("projects/fin-prod", "RESOURCE"))
    kind, message = classify_error(raised.value)
    assert kind is ErrorKind.NOT_ENABLED
    assert "Cloud Asset API has not been used" in message


def test_a_page_that_is_not_json_is_malformed(fake: FakeAssetServer, sleeps: Sleeps) -> None:
    fake.faults.garbled.add("projects/web-dev")
    with pytest.raises(MalformedResponse) as raised:
        list(_api(fake, sleeps).list_assets("projects/web-dev", "RESOURCE"))
    kind, message = classify_error(raised.value)
    assert kind is ErrorKind.MALFORMED
    assert message == (
        "malformed response: ListAssets projects/web-dev/assets: the response is not JSON "
        "(text/html)"
    )


def test_the_rate_limiter_spreads_calls_over_the_minute() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(120, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert waits == [0.5, 0.5, 0.5, 0.5]  # 120/min: one call every half second
    assert now[0] == 102.0
