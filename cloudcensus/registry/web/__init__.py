"""The registry's web pages for people: server-rendered HTML, no script, no build step.

`install_web(app)` adds the pages (overview, institution, rule, finding list and detail,
expiring explanations, exports), the login and logout routes and the static files to
the registry app. Pages authenticate with a session cookie opened by pasting a reader or
admin token (`cloudcensus.registry.web.session`) and read through the read API's own
query functions, with the same scoping. See docs/web.md.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudcensus.registry.web import auth, findings, pages
from cloudcensus.registry.web.render import PAGE_HEADERS, STATIC_DIR, build_environment

__all__ = ["install_web"]


class _StaticHeaders:
    """Static files with the pages' security headers and a short public cache."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in PAGE_HEADERS.items():
                    headers[key] = value
                headers["Cache-Control"] = "public, max-age=3600"
            await send(message)

        await self.app(scope, receive, with_headers)


def install_web(app: FastAPI) -> None:
    """Add the pages, login/logout and `/static` to the registry app."""
    app.state.web_templates = build_environment()
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(findings.router)
    app.mount("/static", _StaticHeaders(StaticFiles(directory=STATIC_DIR)), name="static")
