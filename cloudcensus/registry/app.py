"""The registry application factory: `create_app(settings)`; nothing happens at import."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from cloudcensus import __version__
from cloudcensus.registry import admin, ingest, read
from cloudcensus.registry.body import BodyLimitMiddleware
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.metrics import install_metrics
from cloudcensus.registry.settings import RegistrySettings

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

    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    install_metrics(app)  # last: its middleware is outermost, so it sees every answer
    return app
