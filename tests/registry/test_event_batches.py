"""Events are kept once per batch: each finding reads back the event that last wrote it,
and a stored batch lives exactly as long as a finding points to it (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cloudcensus.registry import batches
from cloudcensus.registry.counts import lock_institution
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.models import EventBatch, Finding, Institution, Scan
from cloudcensus.registry.queries import EventReader
from cloudcensus.registry.settings import RegistrySettings
from tests.registry.scans import event

DAY0 = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_db_engine(RegistrySettings(database_url=url, state_dir=Path(".")))
    migrate(engine)
    with session_factory(engine)() as opened:  # (PostgreSQL: other tests' rows around)
        institution = Institution(name=f"events-{uuid.uuid4().hex[:8]}", created=DAY0)
        opened.add(institution)
        opened.commit()
        opened.info["institution"] = institution.id
        opened.info["first_batch"] = opened.scalar(select(func.max(EventBatch.id))) or 0
        yield opened
    engine.dispose()


def _scan(session: Session, started: datetime) -> Scan:
    scan = Scan(uid=str(uuid.uuid4()), institution_id=_institution(session), agent_version="0.1",
                started=started, providers=["aws"], received=started, events=0)  # fmt: skip
    session.add(scan)
    session.commit()
    return scan


def _send(session: Session, scan: Scan, events: list[dict[str, Any]]) -> None:
    """What the ingest route does with an agent's batch."""
    body = json.dumps({"batch_uid": str(uuid.uuid4()), "events": events}).encode()
    parsed = batches.envelope(body)
    assert parsed is not None
    batches.prepare(session, scan, parsed.events)
    lock_institution(session, scan.institution_id)
    batches.store(session, scan, parsed.events, superseded=False)
    session.commit()


def _finding(uid: str, status: str) -> dict[str, Any]:
    sent = event(f"arn:aws:s3:::{uid}", status=status, message=f"{uid} is {status}")
    sent["finding_info"]["uid"] = uid
    return sent


def _institution(session: Session) -> int:
    found: int = session.info["institution"]
    return found


def _refs(session: Session) -> dict[int, int]:
    """The stored batches of this test's institution and their `refs`."""
    rows = session.execute(
        select(EventBatch.id, EventBatch.refs).where(EventBatch.id > session.info["first_batch"])
    )
    return {id_: refs for id_, refs in rows}


def _pointing(session: Session) -> dict[int, int]:
    """Findings per stored batch, counted from `findings`: what `refs` must say."""
    rows = session.execute(
        select(Finding.events_id, func.count())
        .where(Finding.institution_id == _institution(session))
        .group_by(Finding.events_id)
    )
    return {events_id: n for events_id, n in rows if events_id is not None}


def _events(session: Session) -> dict[str, dict[str, Any]]:
    reader = EventReader(session, cache=1)  # a batch read again after another
    findings = select(Finding).where(Finding.institution_id == _institution(session))
    return {f.uid: reader.event(f) for f in session.scalars(findings.order_by(Finding.uid))}


def test_a_batch_is_kept_while_findings_point_to_it(session: Session) -> None:
    first = _scan(session, DAY0)
    _send(session, first, [_finding(u, "fail") for u in ("f1", "f2", "f3")])
    _send(session, first, [_finding(u, "fail") for u in ("f4", "f5")])
    assert sorted(_refs(session).values()) == [2, 3]
    assert _events(session)["f4"] == _finding("f4", "fail")

    second = _scan(session, DAY0 + timedelta(days=1))
    twice = [_finding("f1", "pass"), _finding("f2", "pass"), _finding("f1", "explained")]
    _send(session, second, [*twice, _finding("f4", "pass")])
    assert _refs(session) == _pointing(session)
    assert sorted(_refs(session).values()) == [1, 1, 3]  # f3 and f5 still in the first scan's
    events = _events(session)
    assert events["f1"] == _finding("f1", "explained")  # the last event of a uid wins
    assert events["f3"] == _finding("f3", "fail")

    _send(session, second, [_finding(u, "pass") for u in ("f3", "f5")])
    assert _refs(session) == _pointing(session)
    assert sorted(_refs(session).values()) == [2, 3]  # the first scan's batches are gone

    late = _scan(session, DAY0 + timedelta(hours=12))  # started before `second`: no row kept
    before = _refs(session)
    _send(session, late, [_finding("f1", "fail")])
    assert _refs(session) == before  # nothing points to its batch: not kept
    assert _events(session)["f1"] == _finding("f1", "explained")
    assert len(_events(session)) == 5
