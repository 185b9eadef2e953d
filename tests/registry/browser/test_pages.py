"""The pages in a real headless Chromium: log in, read the numbers, filter, drill down,
export, stay inside one's scope, log out; and screenshots that show the pages render.

Browser profiles run with JavaScript off (the pages need none), except where a test
checks that hostile text never runs and that the Content-Security-Policy blocks nothing
the pages use.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.registry.browser.estate import HOSTILE, Estate
from tests.registry.browser.png import decode
from tests.registry.server import Registry

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.parametrize("registry", ["sqlite"], indirect=True)

LABELS = {"pass": "comply", "explained": "explained", "fail": "violating"}


def log_in(context: BrowserContext, token: str, path: str = "/") -> Page:
    """Open `path`, get sent to the login form, paste the token, land on `path`."""
    page = context.new_page()
    page.goto(path)
    assert "/login?next=" in page.url
    page.fill("#token", token)
    page.click("form button[type=submit]")
    assert page.url.endswith(path), page.url
    return page


def resources(page: Page, scope: str = "") -> list[str]:
    """The resource ids of a finding table on the page, sorted."""
    cells = page.locator(f"{scope} table.findings tbody td.resource a")
    return sorted(cells.all_inner_texts())


def _cell(page: Page, institution: str, kind: str) -> str:
    row = page.locator(f'tr[data-institution="{institution}"]')
    return row.locator(f'td[data-kind="{kind}"]').inner_text().split()[0]


def test_overview_shows_what_was_pushed(context: BrowserContext, estate: Estate) -> None:
    page = log_in(context, estate.all_reader)
    for institution in (estate.a, estate.b):
        for status, kind in LABELS.items():
            assert _cell(page, institution.name, kind) == str(institution.count(status))
    assert _cell(page, estate.a.name, "gaps") == "1"  # the region the second scan missed
    assert _cell(page, estate.b.name, "gaps") == "0"
    assert _cell(page, estate.a.name, "expiring") == "1"  # EXP-SOON, not EXP-LATER
    both = [estate.a, estate.b]
    for status, card in (("pass", "#total-comply"), ("fail", "#total-violating")):
        assert page.inner_text(card) == str(sum(i.count(status) for i in both))


def test_filter_and_drill_down_to_a_finding(context: BrowserContext, estate: Estate) -> None:
    a = estate.a
    page = log_in(context, estate.all_reader)
    page.click(f'tr[data-institution="{a.name}"] th a')
    assert page.inner_text("h1") == a.name
    assert page.inner_text("#violating") == str(a.count("fail"))
    assert "333333333333" in page.inner_text("#coverage")

    form = page.locator("#findings form.filters")
    form.locator("select[name=status]").select_option("fail")
    form.locator("button[type=submit]").click()
    assert "status=fail" in page.url
    assert resources(page, "#findings") == sorted(r for r, s in a.open.items() if s == "fail")
    assert "status: violating" in page.inner_text("#findings .chips")

    form.locator("select[name=status]").select_option("explained")
    form.locator("input[name=text]").fill("a:bucket")
    form.locator("button[type=submit]").click()
    assert resources(page, "#findings") == ["arn:a:bucket-3"]
    page.click("#findings td.resource a")

    assert page.url.endswith(f"/institutions/{a.name}/findings/{a.uids['arn:a:bucket-3']}")
    evidence = page.locator("#evidence tbody tr").all_inner_texts()
    assert [re.split(r"\s+", row.strip()) for row in evidence] == [["encrypted", "false"]]
    explanation = page.inner_text("#explanation")
    for fact in ("EXP-SOON", "legacy archive", "ciso@example.org", estate.soon.isoformat()):
        assert fact in explanation
    history = page.locator("#history tbody tr td:last-child").all_inner_texts()
    assert history == ["explained", "violating"]  # newest first


def test_what_changed_since_the_previous_scan(context: BrowserContext, estate: Estate) -> None:
    a = estate.a
    page = log_in(context, estate.all_reader, f"/institutions/{a.name}")
    deltas = {
        status: page.locator(f'#changes tr[data-status="{status}"] td').all_inner_texts()[1:]
        for status in ("pass", "explained", "fail", "resolved")
    }
    assert deltas == {
        "pass": ["2", "2", "+0"],
        "explained": ["0", "2", "+2"],
        "fail": ["3", "3", "+0"],
        "resolved": ["", "1", ""],
    }
    page.click("#changes a:has-text('Every finding that changed')")
    rows = page.locator("table.changes tbody tr")
    changed = {
        row.get_attribute("data-resource"): " ".join(row.locator("td").first.inner_text().split())
        for row in rows.all()
    }
    assert changed == {
        "arn:a:bucket-3": "violating → explained",
        "arn:a:trail-2": "new, explained",
        "arn:a:bucket-6": "new, violating",
        "arn:a:hostile": "new, violating",
        "arn:a:bucket-4": "violating → resolved",
    }


def test_rule_and_expiring_pages(context: BrowserContext, estate: Estate) -> None:
    a = estate.a
    page = log_in(context, estate.all_reader, f"/institutions/{a.name}")
    page.click("#breakdown a:text-is('BASE-LOG-02')")
    assert page.url.endswith("/rules/BASE-LOG-02")
    row = page.locator(f'tr[data-institution="{a.name}"]').inner_text()
    assert row.split()[:5] == [a.name, "2", "1", "1", "0"]  # open, comply, explained, violating
    assert "EXP-LATER" in page.inner_text("#explanations")
    assert resources(page, "#findings") == ["arn:a:trail-1", "arn:a:trail-2"]

    page.click("nav a:text-is('Expiring explanations')")
    ids = page.locator("table.explanations tbody td:nth-child(2)").all_inner_texts()
    assert sorted(ids) == ["EXP-B", "EXP-SOON"]
    page.fill("input[name=days]", "365")
    page.locator("form.filters select[name=institution]").select_option(a.name)
    page.click("form.filters button[type=submit]")
    ids = page.locator("table.explanations tbody td:nth-child(2)").all_inner_texts()
    assert ids == ["EXP-SOON", "EXP-LATER"]  # soonest first


def test_export_link_downloads_the_filtered_csv(
    context: BrowserContext, estate: Estate, tmp_path: Path
) -> None:
    a = estate.a
    page = log_in(context, estate.all_reader, f"/findings?institution={a.name}&status=fail")
    with page.expect_download() as download:
        page.click(".exports a:text-is('CSV')")
    saved = tmp_path / "findings.csv"
    download.value.save_as(saved)
    with saved.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["resource_id"] for r in rows) == sorted(
        r for r, s in a.open.items() if s == "fail"
    )
    assert {r["status"] for r in rows} == {"fail"}


def test_a_scoped_reader_never_sees_the_other_institution(
    context: BrowserContext, estate: Estate
) -> None:
    a, b = estate.a, estate.b
    page = log_in(context, a.tenant.reader)
    names = page.locator("table.overview tbody th").all_inner_texts()
    assert names == [a.name]
    answer = page.goto(f"/institutions/{b.name}")
    assert answer is not None
    assert answer.status == 404
    assert page.inner_text("h1") == "Not found"
    page.goto("/findings")
    assert "arn:b:secret-bucket" not in resources(page)
    assert resources(page) == sorted(a.open)
    export = context.request.get(f"/exports/findings.csv?institution={b.name}")
    assert export.status == 404
    everything = context.request.get("/exports/findings.csv")
    assert everything.status == 200
    assert "secret-bucket" not in everything.text()


def test_hostile_text_never_runs_and_the_policy_blocks_nothing(
    browser: Browser, registry: Registry, estate: Estate
) -> None:
    a = estate.a
    context = browser.new_context(base_url=registry.url)  # JavaScript on
    context.set_default_timeout(10_000)
    try:
        page = log_in(context, estate.all_reader)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        paths = ["/", f"/institutions/{a.name}", "/findings", "/rules/BASE-ENC-01",
                 f"/institutions/{a.name}/findings/{a.uids['arn:a:hostile']}",
                 "/explanations/expiring"]  # fmt: skip
        for path in paths:
            page.goto(path)
            assert page.evaluate("typeof window.pwned") == "undefined", path
        page.goto(f"/institutions/{a.name}/findings/{a.uids['arn:a:hostile']}")
        assert page.inner_text("#message") == HOSTILE  # shown as text, as sent
        assert problems == []
    finally:
        context.close()


def test_logout(context: BrowserContext, estate: Estate) -> None:
    page = log_in(context, estate.a.tenant.reader)
    page.click("a:text-is('Log out')")
    assert page.url.endswith("/login")
    page.goto("/findings")
    assert "/login?next=%2Ffindings" in page.url


def _near(colour: str, tolerance: int = 40) -> Callable[[tuple[int, int, int]], bool]:
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return lambda p: all(abs(p[i] - target[i]) <= tolerance for i in range(3))


def _shoot(take: Callable[[], bytes]) -> bytes:
    """A screenshot, taken again when Chromium could not grab a frame in time (it says
    "Unable to capture screenshot" when a loaded machine delays the compositor)."""
    from playwright.sync_api import Error

    for attempt in range(3):
        try:
            return take()
        except Error as error:
            if "Unable to capture screenshot" not in str(error) or attempt == 2:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def test_screenshots_show_the_pages_rendered(
    context: BrowserContext, estate: Estate, tmp_path: Path
) -> None:
    page = log_in(context, estate.all_reader)
    # the top of the page (header, cards, table): enough to judge, and fast to decode
    top = _shoot(
        lambda: page.screenshot(
            path=tmp_path / "overview.png", clip={"x": 0, "y": 0, "width": 1280, "height": 400}
        )
    )
    overview = decode(top)
    assert (overview.width, overview.height) == (1280, 400)
    ink = overview.share(lambda p: min(p) < 200)
    assert ink > 0.05, f"overview looks blank ({ink:.1%} ink), see {tmp_path}"
    assert overview.count(_near("#172033", 8)) > 10_000  # the header bar: the CSS applied
    for colour in ("#2e7d32", "#f0a500", "#c62828"):
        assert overview.count(_near(colour)) > 200, colour  # rate bars and sparklines

    page.goto(f"/institutions/{estate.a.name}")
    _shoot(lambda: page.screenshot(path=tmp_path / "institution.png"))
    chart = decode(_shoot(lambda: page.locator("#trend svg.trend").screenshot()))
    red = chart.count(_near("#c62828"))
    green = chart.count(_near("#2e7d32"))
    amber = chart.count(_near("#f0a500"))
    # two scans: violating 3 + 3, comply 2 + 2, explained 0 + 2 -> areas 6 : 4 : 2
    assert amber > 500, f"the trend chart did not render, see {tmp_path}"
    assert red / amber == pytest.approx(3, rel=0.15)
    assert green / amber == pytest.approx(2, rel=0.15)
