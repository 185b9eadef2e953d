"""Login, sessions and logout over plain HTTP: who gets a session, what the cookie holds,
forgery, revocation, and that the session never opens the API."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from cloudcensus.registry.web.session import SESSION_COOKIE, cookie_value
from tests.registry.browser.estate import Estate
from tests.registry.browser.web_client import csrf_of, login, status_with_cookie, web_client
from tests.registry.server import Registry

PAGES = [
    "/",
    "/findings?status=fail",
    "/institutions/x",
    "/rules/BASE-ENC-01",
    "/explanations/expiring",
    "/institutions/x/findings/y",
    "/exports/findings.csv",
]


def test_pages_without_a_session_redirect_to_login(registry: Registry) -> None:
    with httpx.Client(base_url=registry.url) as anonymous:
        for path in PAGES:
            answer = anonymous.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == httpx.URL("/login", params={"next": path})
    forged = "v1.0123456789abcdef.9999999999.forged"
    assert status_with_cookie(registry, "/", forged) == 303


def test_login_opens_a_strict_httponly_session_without_the_token(
    registry: Registry, estate: Estate
) -> None:
    token = estate.a.tenant.reader
    with httpx.Client(base_url=registry.url) as client:
        answer = login(client, token, next_="/findings?status=fail")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/findings?status=fail"
        cookie = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith("cc_session=")
        )
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=strict", "path=/"} <= attributes
        assert "secure" not in attributes  # plain http on loopback; https sets it
        secret = token.split("_", 2)[2]
        assert secret not in cookie
        page = client.get("/findings?status=fail")
        assert page.status_code == 200
        assert estate.a.name in page.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_to_another_site(
    registry: Registry, estate: Estate, target: str
) -> None:
    with httpx.Client(base_url=registry.url) as client:
        assert login(client, estate.a.tenant.reader, next_=target).headers["location"] == "/"
        assert "evil" not in client.get("/login", params={"next": target}).text


def test_agent_unknown_and_revoked_tokens_get_no_session(
    registry: Registry, estate: Estate
) -> None:
    with httpx.Client(base_url=registry.url) as client:
        agent = login(client, estate.a.tenant.agent)
        assert agent.status_code == 403
        assert "log in with a reader token" in agent.text
        assert SESSION_COOKIE not in agent.cookies
        unknown = login(client, "cc_0123456789abcdef_not-the-secret")
        assert unknown.status_code == 401
        assert "cc_0123456789abcdef_not-the-secret" not in unknown.text
    tenant = registry.tenant()
    with web_client(registry, tenant.reader) as reader:
        assert reader.get("/").status_code == 200
        with registry.client(registry.admin) as admin:
            public_id = tenant.reader.split("_")[1]
            assert admin.delete(f"/api/v1/admin/tokens/{public_id}").status_code == 204
        assert reader.get("/").status_code == 303  # revoking the token ends its sessions


def test_an_admin_token_may_log_in(registry: Registry, estate: Estate) -> None:
    with web_client(registry, registry.admin) as admin:
        page = admin.get("/")
        assert estate.a.name in page.text
        assert estate.b.name in page.text


def test_login_form_refuses_forged_posts(registry: Registry, estate: Estate) -> None:
    token = estate.a.tenant.reader
    origin = registry.url
    with httpx.Client(base_url=registry.url) as client:
        csrf = csrf_of(client.get("/login"))
        form = {"csrf": csrf, "token": token, "next": "/"}
        cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        attempts = [
            ({**form, "csrf": "guessed"}, {"Origin": origin}),
            (form, cross_site),
            (form, {"Origin": "https://evil.example"}),
            (form, {"Origin": origin, "Sec-Fetch-Site": "cross-site"}),
        ]
        for data, headers in attempts:
            answer = client.post("/login", data=data, headers=headers)
            assert answer.status_code == 403, (data, headers)
            assert SESSION_COOKIE not in answer.cookies
    with httpx.Client(base_url=registry.url) as fresh:  # no anti-forgery cookie at all
        answer = fresh.post("/login", data=form, headers={"Origin": origin})
        assert answer.status_code == 403


def test_expired_or_tampered_session_cookies_are_refused(
    registry: Registry, estate: Estate
) -> None:
    token = estate.a.tenant.reader
    public_id, stored = token.split("_")[1], hashlib.sha256(token.encode()).hexdigest()
    now = int(time.time())
    valid = cookie_value(public_id, stored, now + 60)
    assert status_with_cookie(registry, "/", valid) == 200
    assert status_with_cookie(registry, "/", cookie_value(public_id, stored, now - 1)) == 303
    stretched = valid.replace(f".{now + 60}.", f".{now + 10**6}.")
    assert status_with_cookie(registry, "/", stretched) == 303
    guessed = cookie_value(public_id, hashlib.sha256(b"guess").hexdigest(), now + 60)
    assert status_with_cookie(registry, "/", guessed) == 303


def test_the_session_does_not_open_the_api(registry: Registry, estate: Estate) -> None:
    with web_client(registry, estate.all_reader) as browser:
        assert browser.get("/api/v1/findings").status_code == 401
        assert browser.get("/api/v1/exports/findings.csv").status_code == 401


def test_logout_forgets_the_session(registry: Registry, estate: Estate) -> None:
    with web_client(registry, estate.a.tenant.reader) as client:
        answer = client.get("/logout")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login"
        assert client.get("/").status_code == 303
