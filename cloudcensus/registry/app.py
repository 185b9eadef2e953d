"""The registry application factory: `create_app(settings)`; nothing happens at import."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy import text

from cloudcensus import __version__
from cloudcensus.registry import admin, ingest, read
from cloudcensus.registry.body import BodyLimitMiddleware
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.metrics import install_metrics
from cloudcensus.registry.settings import RegistrySettings
from cloudcensus.registry.web import install_web

__all__ = ["create_app"]


def create_app(settings: RegistrySettings) -> FastAPI:
    """Build the app: engine, migrations (unless disabled), routers, body limit, metrics."""
    engine = create_db_engine(settings)
    if settings.migrate_on_start:
        migrate(engine)
    app = FastAPI(
        title="cloudcensus registry",
        version=__version__,
        description="Findings of every institution's cloudcensus agent, in one place.",
    )
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.include_router(ingest.router)
    app.include_router(read.router)
    app.include_router(admin.router)
    install_web(app)  # pages for people: /, /login, /findings, ... and /static

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], response_model=None)
    def readyz() -> dict[str, str] | JSONResponse:
        """The database answers."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            return JSONResponse({"status": "unavailable", "error": type(error).__name__}, 503)
        return {"status": "ready"}

    def openapi() -> dict[str, Any]:
        """FastAPI's spec, plus the findings route's body (read raw by the route)."""
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            ingest.document_batch_body(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    install_metrics(app)  # last: its middleware is outermost, so it sees every answer
    return app
