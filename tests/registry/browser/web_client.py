"""Log in to the registry's pages over plain HTTP (httpx), as a browser would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from cloudcensus.registry.web.session import SESSION_COOKIE
from tests.registry.server import Registry

__all__ = ["csrf_of", "login", "status_with_cookie", "web_client"]

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    """The anti-forgery value of a login form page."""
    found = _CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def login(
    client: httpx.Client, token: str, *, next_: str = "/", headers: dict[str, str] | None = None
) -> httpx.Response:
    """Load the form, post the token with the form's anti-forgery value; the answer."""
    csrf = csrf_of(client.get("/login"))
    form = {"csrf": csrf, "token": token, "next": next_}
    origin = {"Origin": str(client.base_url).rstrip("/"), "Sec-Fetch-Site": "same-origin"}
    return client.post("/login", data=form, headers={**origin, **(headers or {})})


@contextmanager
def web_client(registry: Registry, token: str) -> Iterator[httpx.Client]:
    """A client holding a session opened with `token` (redirects not followed)."""
    with httpx.Client(base_url=registry.url, timeout=30) as client:
        answer = login(client, token)
        assert answer.status_code == 303, answer.text
        yield client


def status_with_cookie(registry: Registry, path: str, cookie: str) -> int:
    """The status of GET `path` with only this session cookie."""
    with httpx.Client(base_url=registry.url, cookies={SESSION_COOKIE: cookie}) as client:
        return client.get(path).status_code
