"""Fixtures of the web page tests: a seeded registry, and one headless Chromium.

The registry is the real process of `tests.registry.conftest` (SQLite, and PostgreSQL
when configured), seeded once per backend through the ingest API. The browser is
Debian's `chromium` driven by Playwright (never `playwright install`): without it the
browser tests are skipped, unless CLOUDCENSUS_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.registry.browser.estate import Estate, seed
from tests.registry.server import Registry

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

REQUIRE_ENV = "CLOUDCENSUS_REQUIRE_BROWSER"
CHROMIUM_ENV = "CLOUDCENSUS_CHROMIUM"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic",
    # a loaded machine must not starve the compositor of a hidden headless page: its
    # screenshots would fail with "Unable to capture screenshot"
    "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]  # fmt: skip


@pytest.fixture(scope="session")
def estates() -> dict[str, Estate]:
    return {}


@pytest.fixture
def estate(registry: Registry, estates: dict[str, Estate]) -> Estate:
    """Institutions A and B, seeded once per registry process."""
    if registry.url not in estates:
        estates[registry.url] = seed(registry)
    return estates[registry.url]


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires the browser tests to run")
    pytest.skip(f"browser tests skipped: {reason} (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    executable = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium")
    if not executable:
        _unavailable("no chromium executable on PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, registry: Registry) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) on the registry, JavaScript off: the pages
    must work without it."""
    opened = browser.new_context(
        base_url=registry.url,
        java_script_enabled=False,
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    opened.set_default_timeout(10_000)
    yield opened
    opened.close()
