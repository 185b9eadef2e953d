"""Rendering the pages: the Jinja environment, security headers, errors as pages, login.

Every web route uses `WebRoute`, which turns what the shared query functions raise
(`HTTPException`: 404 outside the caller's scope, 422 for a bad filter) and request
validation errors into HTML pages, and a missing or expired session into a redirect to
`/login`. The API keeps its JSON answers: nothing here is installed app-wide.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cloudcensus import __version__
from cloudcensus.registry.deps import Db
from cloudcensus.registry.tokens import Principal
from cloudcensus.registry.web.session import SESSION_COOKIE, session_principal

__all__ = [
    "PAGE_HEADERS",
    "LoginRequired",
    "Viewer",
    "WebRoute",
    "build_environment",
    "login_redirect",
    "render",
    "safe_next",
    "url",
]

_HERE = Path(__file__).parent
TEMPLATES_DIR = _HERE / "templates"
STATIC_DIR = _HERE / "static"

# No script may run at all (there is none), styles only from our own stylesheet.
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make Origin "null" on POST
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}

STATUS_LABELS = {"pass": "comply", "explained": "explained", "fail": "violating",
                 "error": "error", "resolved": "resolved", "unverified": "unverified",
                 "absent": "not reported"}  # fmt: skip


class LoginRequired(Exception):
    """No valid session: the route answers with a redirect to the login page."""


def url(path: str, params: Mapping[str, Any] | None = None, **more: Any) -> str:
    """`path` with a query string of the given parameters (None and "" left out)."""
    merged = {**(params or {}), **more}
    query = urlencode([(k, str(v)) for k, v in merged.items() if v is not None and v != ""])
    return f"{path}?{query}" if query else path


def safe_next(value: str | None) -> str:
    """A local path to go back to after login; anything else (another site) is "/"."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in value) or value.startswith(("/login", "/logout")):
        return "/"
    return value


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(url("/login", next=safe_next(target)), status_code=303)
    response.headers.update(PAGE_HEADERS)
    return response


def _when(value: datetime | date | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):  # stored in UTC; SQLite hands it back without a zone
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def _without(values: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in keys}


def _segment(value: Any) -> str:
    return quote(str(value), safe="")


def build_environment() -> Environment:
    """The Jinja environment of the pages: autoescape on, undefined names are errors."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(when=_when, pct=_pct, num=_num, pretty=_pretty, seg=_segment)
    environment.globals.update(
        url=url, without=_without, status_labels=STATUS_LABELS, version=__version__
    )
    return environment


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from a template, with the security headers."""
    environment: Environment = request.app.state.web_templates
    viewer = getattr(request.state, "viewer", None)
    body = environment.get_template(template).render(
        viewer=viewer, path=request.url.path, **context
    )
    return HTMLResponse(body, status_code=status, headers=dict(PAGE_HEADERS))


def _viewer(request: Request, session: Db) -> Principal:
    principal = session_principal(session, request.cookies.get(SESSION_COOKIE))
    if principal is None:
        raise LoginRequired
    request.state.viewer = principal
    return principal


Viewer = Annotated[Principal, Depends(_viewer)]

_TITLES = {401: "Not logged in", 403: "Not allowed", 404: "Not found", 422: "Invalid request"}


def _validation_messages(error: RequestValidationError) -> list[str]:
    out = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "path"))
        out.append(f"{where}: {item.get('msg', 'invalid')}")
    return out


class WebRoute(APIRoute):
    """A page route: errors become pages, no session becomes a redirect to /login."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await inner(request)
            except LoginRequired:
                return login_redirect(request)
            except HTTPException as error:
                title = _TITLES.get(error.status_code, "Error")
                messages = [str(error.detail)]
                return render(
                    request, "error.html", error.status_code, title=title, messages=messages
                )
            except RequestValidationError as error:
                messages = _validation_messages(error)
                return render(request, "error.html", 422, title=_TITLES[422], messages=messages)

        return handler
