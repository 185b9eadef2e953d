"""Login and logout for people: paste a reader (or admin) token once, get a session cookie.

The login form is the only POST of the pages. It is protected against cross-site
request forgery twice: a double-submit token (a random value in a SameSite=Strict,
HttpOnly cookie that must equal the form's hidden field) and an origin check (a
browser's `Origin` header must name this host, `Sec-Fetch-Site` must not be
cross-site). The token travels only in the POST body: never in a URL, a log line or a
page. Agent tokens are refused: they write scans and read nothing.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cloudcensus.registry.deps import Db
from cloudcensus.registry.tokens import authenticate
from cloudcensus.registry.web.render import PAGE_HEADERS, WebRoute, render, safe_next
from cloudcensus.registry.web.session import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    WEB_ROLES,
    open_session,
)

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)

CSRF_COOKIE = "cc_login_csrf"
_CSRF_SECONDS = 3600
_FORM_MAX_BYTES = 4096
_FORM = "application/x-www-form-urlencoded"


def _login_page(
    request: Request, next_: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    """The form with a fresh anti-forgery value, set in its cookie too."""
    csrf = secrets.token_urlsafe(32)
    response = render(request, "login.html", status, csrf=csrf, next=next_, error=error)
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=_CSRF_SECONDS, path="/login", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.get("/login")
def login_form(
    request: Request, next_: Annotated[str | None, Query(alias="next")] = None
) -> HTMLResponse:
    """The login form."""
    return _login_page(request, safe_next(next_))


def _same_origin(request: Request) -> bool:
    """A browser's POST must come from a page of this registry."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by every client; the double-submit token still applies
    hosts = {request.headers.get("host"), request.headers.get("x-forwarded-host")}
    return urlsplit(origin).netloc in hosts - {None}


@router.post("/login")
def login_submit(
    request: Request, session: Db, body: Annotated[bytes, Body(media_type=_FORM)]
) -> Response:
    """Check the anti-forgery value and the token; on success a session cookie."""
    if len(body) > _FORM_MAX_BYTES or not request.headers.get("content-type", "").startswith(_FORM):
        return _login_page(request, "/", 400, "the login form could not be read")
    fields = {
        k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), max_num_fields=8).items()
    }
    next_ = safe_next(fields.get("next"))
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = fields.get("csrf", "")
    if not (expected and hmac.compare_digest(expected, sent) and _same_origin(request)):
        return _login_page(request, next_, 403, "the login form expired: please try again")
    principal = authenticate(session, fields.get("token", "").strip())
    if principal is None:
        return _login_page(request, next_, 401, "unknown, revoked or malformed token")
    if principal.role not in WEB_ROLES:
        message = f"a {principal.role} token cannot read: log in with a reader token"
        return _login_page(request, next_, 403, message)
    response = RedirectResponse(next_, status_code=303, headers=dict(PAGE_HEADERS))
    response.set_cookie(
        SESSION_COOKIE, open_session(session, principal), max_age=SESSION_SECONDS, path="/",
        httponly=True, samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    response.delete_cookie(CSRF_COOKIE, path="/login", httponly=True, samesite="strict")
    return response


@router.get("/logout")
def logout(request: Request) -> Response:
    """Forget the session in this browser and go back to the login form."""
    response = RedirectResponse("/login", status_code=303, headers=dict(PAGE_HEADERS))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")  # fmt: skip
    return response
