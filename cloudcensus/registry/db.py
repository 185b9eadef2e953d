"""Database engine and migrations: SQLite (embedded default) or PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    ColumnElement,
    Engine,
    Text,
    any_,
    cast,
    create_engine,
    event,
    func,
    literal,
    make_url,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from cloudcensus.registry.settings import RegistrySettings

__all__ = [
    "SessionFactory",
    "create_db_engine",
    "insert_of",
    "migrate",
    "one_of",
    "session_factory",
]

_MIGRATIONS = Path(__file__).parent / "migrations"

SessionFactory = sessionmaker[Session]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_db_engine(settings: RegistrySettings) -> Engine:
    """The engine for the configured URL; creates the SQLite file's directory."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration shipped in the package (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def one_of(
    session: Session, column: InstrumentedAttribute[Any] | ColumnElement[Any], values: list[str]
) -> ColumnElement[bool]:
    """`column` is one of `values` (strings, at most a few thousand): on PostgreSQL one
    parameter, a JSON array unpacked into an SQL array (`= ANY`: an index lookup each
    whatever the statistics; a JSON text costs the driver a twentieth of an array
    parameter's CPU); elsewhere `IN`."""
    if session.get_bind().dialect.name == "postgresql":
        encoded = literal(msgspec.json.encode(values).decode(), Text())
        unpacked = select(func.jsonb_array_elements_text(cast(encoded, JSONB))).scalar_subquery()
        return column == any_(func.array(unpacked, type_=postgresql.ARRAY(Text())))
    return column.in_(values)


def insert_of(session: Session) -> Any:
    """The `insert` of the session's dialect, with `ON CONFLICT` (PostgreSQL or SQLite)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
