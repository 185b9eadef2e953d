"""Migrations: a database of the first release gains the counts of its open findings
and of its completed scans, and the migrated schema is the one the models declare
(SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.orm import Session

import cloudcensus.registry.db as registry_db
from cloudcensus.registry import texts
from cloudcensus.registry.models import Base, Finding, SearchText
from cloudcensus.registry.queries import EventReader
from cloudcensus.registry.texts import digest, message_text
from tests.registry.conftest import fresh_database

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
ONLY_POSTGRESQL = {"ix_search_texts_trigrams"}  # the optional trigram index (pg_trgm)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database."""
    with fresh_database(request.param, tmp_path) as url:
        created = create_engine(url)
        yield created
        created.dispose()


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(registry_db.__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def upgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, revision, down=True)


def _institution_and_scan(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO institutions (id, name, created) VALUES (1, 'a', :t)"), {"t": NOW}
        )
        connection.execute(
            text(
                "INSERT INTO scans (id, uid, institution_id, agent_version, started, providers, "
                "received, events) VALUES (1, 'u1', 1, '0.1', :t, '[]', :t, 1)"
            ),
            {"t": NOW},
        )


def test_a_first_release_database_gains_its_counts(engine: Engine) -> None:
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO institutions (id, name, created) VALUES (1, 'a', :t), (2, 'b', :t)"),
            {"t": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO scans (id, uid, institution_id, agent_version, started, providers, "
                "received, events) VALUES (1, 'u1', 1, '0.1', :t, '[]', :t, 0), "
                "(2, 'u2', 2, '0.1', :t, '[]', :t, 0)"
            ),
            {"t": NOW},
        )
        rows = [
            (1, "f1", "R1", "high", "fail", None),
            (1, "f2", "R1", "high", "fail", None),
            (1, "f3", "R1", "high", "pass", None),
            (1, "f4", "R2", "low", "fail", NOW),  # resolved: not counted
            (2, "f1", "R1", "high", "fail", None),
        ]
        for institution, uid, rule, severity, status, resolved in rows:
            values = {"i": institution, "uid": uid, "r": rule, "s": severity, "st": status}
            connection.execute(
                text(
                    "INSERT INTO findings (institution_id, uid, provider, account, region, rule, "
                    "severity, status, resource_id, title, first_seen, last_seen, resolved_at, "
                    "last_scan_id, last_started, event) VALUES (:i, :uid, 'aws', '1', 'eu', :r, "
                    ":s, :st, 'arn', 'title', :t, :t, :res, :i, :t, '{}')"
                ),
                {**values, "t": NOW, "res": resolved},
            )
        connection.execute(
            text("UPDATE scans SET status = 'complete', finished = :t WHERE id = 1"), {"t": NOW}
        )
        connection.execute(
            text(
                "INSERT INTO scan_findings (scan_id, uid, status) VALUES (1, 'f1', 'fail'), "
                "(1, 'f2', 'fail'), (1, 'f3', 'pass'), (2, 'f1', 'fail')"
            )
        )
    upgrade(engine, "head")
    with engine.connect() as connection:
        counts = connection.execute(
            text(
                "SELECT institution_id, rule, severity, provider, status, n FROM finding_counts "
                "ORDER BY 1, 2, 5"
            )
        ).all()
        per_scan = connection.execute(
            text("SELECT scan_id, status, n FROM scan_counts ORDER BY 1, 2")
        ).all()
    assert [tuple(row) for row in counts] == [
        (1, "R1", "high", "aws", "fail", 2),
        (1, "R1", "high", "aws", "pass", 1),
        (2, "R1", "high", "aws", "fail", 1),
    ]
    assert [tuple(row) for row in per_scan] == [(1, "fail", 2), (1, "pass", 1)]  # completed


def test_the_migrated_schema_is_the_models_schema(engine: Engine) -> None:
    upgrade(engine, "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": lambda obj, name, kind, reflected, compare_to: (
                    name not in ONLY_POSTGRESQL
                )
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_events_stored_in_their_rows_before_0005_stay_readable(engine: Engine) -> None:
    upgrade(engine, "0004")
    _institution_and_scan(engine)
    stored = {"class_uid": 2003, "finding_info": {"uid": "f1", "title": "t"}, "extra": [1]}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO findings (institution_id, uid, provider, account, region, rule, "
                "severity, status, resource_id, title, first_seen, last_seen, last_scan_id, "
                "last_started, event) VALUES (1, 'f1', 'aws', '1', 'eu', 'R1', 'high', 'fail', "
                "'arn', 't', :t, :t, 1, :t, :event)"
            ),
            {"t": NOW, "event": json.dumps(stored)},
        )
    upgrade(engine, "head")
    with Session(engine) as session:
        finding = session.scalars(select(Finding)).one()
        assert finding.events_id is None
        assert EventReader(session).event(finding) == stored


def _insert_finding(
    connection: Connection, uid: str, resource: str, message: str | None, at: int | None = None
) -> None:
    """A finding row of institution 1 and scan 1 (`at`: in position 0 of event batch `at`)."""
    connection.execute(
        text(
            "INSERT INTO findings (institution_id, uid, provider, account, region, rule, "
            "severity, status, resource_id, title, message, first_seen, last_seen, "
            "last_scan_id, last_started, events_id, event_index) VALUES (1, :uid, 'aws', '1', "
            "'eu', 'R1', 'high', 'fail', :resource, 'Buckets are private', :message, :t, :t, "
            "1, :t, :at, :index)"
        ),
        {"uid": uid, "resource": resource, "message": message, "t": NOW, "at": at,
         "index": None if at is None else 0},
    )  # fmt: skip


def test_findings_stored_before_0006_are_found_by_text(engine: Engine) -> None:
    """The migration gives stored findings their search texts, stored once each."""
    upgrade(engine, "0005")
    _institution_and_scan(engine)
    with engine.begin() as connection:
        for uid, resource, message in (
            ("f1", "arn:aws:s3:::Payroll-Archive", "Bucket is public"),
            ("f2", "arn:aws:s3:::Payroll-Archive", None),
            ("f3", "arn:aws:s3:::web", "Bucket is public"),
        ):
            _insert_finding(connection, uid, resource, message)
    upgrade(engine, "head")
    with Session(engine) as session:
        stored = {t.id: t for t in session.scalars(select(SearchText))}
        assert {t.digest for t in stored.values()} == {digest(t.text) for t in stored.values()}
        assert sorted(t.text for t in stored.values()) == sorted([
            "Buckets are private\n", "Buckets are private\nBucket is public",
            "arn:aws:s3:::Payroll-Archive", "arn:aws:s3:::web",
        ])  # fmt: skip
        for finding in session.scalars(select(Finding)):
            assert finding.resource_text_id is not None
            assert finding.message_text_id is not None
            assert stored[finding.resource_text_id].text == finding.resource_id
            expected = message_text(finding.title, finding.message)
            assert stored[finding.message_text_id].text == expected

        def found(value: str) -> list[str]:
            where = texts.matching(session, f"%{value}%")
            return sorted(session.scalars(select(Finding.uid).where(where)))

        assert found("payroll-arch") == ["f1", "f2"]
        assert found("is public") == ["f1", "f3"]
        assert found("private") == ["f1", "f2", "f3"]
        assert found("nowhere") == []
        # a new finding's texts: the stored ones keep their ids, a new one is added
        known = texts.ids(session, ["arn:aws:s3:::web", "arn:aws:s3:::new"])
        assert stored[known["arn:aws:s3:::web"]].text == "arn:aws:s3:::web"
        assert known["arn:aws:s3:::new"] not in stored


def test_the_migrations_go_back_and_forth_with_data(engine: Engine) -> None:
    """Down to 0004 (events back in their rows, from gzip bodies as agents send them),
    then up again: the schema is the models' and the data is whole."""
    upgrade(engine, "head")
    _institution_and_scan(engine)
    event = {"class_uid": 2003, "finding_info": {"uid": "f1", "title": "t"}, "extra": [1]}
    body = gzip.compress(json.dumps({"batch_uid": str(uuid.uuid4()), "events": [event]}).encode())
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO event_batches (id, refs, body) VALUES (1, 1, :b)"), {"b": body}
        )
        _insert_finding(connection, "f1", "arn:x", "m", at=1)
        connection.execute(
            text("INSERT INTO scan_findings (scan_id, uid, status) VALUES (1, 'f1', 'fail')")
        )
    downgrade(engine, "0004")
    with engine.connect() as connection:
        (stored,) = connection.execute(text("SELECT event FROM findings")).one()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == event
    upgrade(engine, "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_object": lambda o, name, k, r, c: name not in ONLY_POSTGRESQL},
        )
        assert compare_metadata(context, Base.metadata) == []
    with Session(engine) as session:
        finding = session.scalars(select(Finding)).one()
        assert EventReader(session).event(finding) == event
        where = texts.matching(session, "%arn:x%")
        assert session.scalars(select(Finding.uid).where(where)).all() == ["f1"]
