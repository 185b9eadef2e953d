"""A real registry process (uvicorn on loopback) per database backend.

SQLite always; PostgreSQL when CLOUDCENSUS_TEST_DATABASE_URL names a server: a
throw-away database is created on it for the session and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from tests.registry.server import Registry, Tenant, serve

__all__ = ["PG_ENV", "Registry", "Tenant", "fresh_database", "postgres_url", "registry"]

PG_ENV = "CLOUDCENSUS_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV} (e.g. postgresql+psycopg://...)")
    url = make_url(base)
    name = f"cloudcensus_test_{uuid.uuid4().hex[:12]}"
    server = url.set(drivername="postgresql", database="postgres")
    dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database of its own: a SQLite file in `directory`, or a
    PostgreSQL database created on the server of CLOUDCENSUS_TEST_DATABASE_URL (skipped
    without it) and dropped on exit."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'registry.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV}")
    name = f"cloudcensus_fresh_{uuid.uuid4().hex[:8]}"
    server = make_url(base).set(drivername="postgresql", database="postgres")
    dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    """The registry under test, once per backend."""
    state = tmp_path_factory.mktemp(f"registry-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{state / 'registry.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with serve(url, state / "server.log") as running:
        yield running
