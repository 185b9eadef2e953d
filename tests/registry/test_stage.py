"""The database's checks of staged events never accept what the wire model refuses.

Hundreds of mutations of a real event (every field the registry reads: removed, or set
to values of every JSON type) are staged one by one, in SQLite and in PostgreSQL; for
each: when the database says `ok`, pydantic (plus `storable`) accepts the event too and
the staged columns are what Python derives from it; and whatever pydantic accepts,
re-encoded as the slow path does, the database accepts.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cloudcensus.registry import batches
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.settings import RegistrySettings
from cloudcensus.registry.stage import fill, stage
from cloudcensus.wire import v1
from tests.registry.scans import event

_PATHS: list[tuple[str | int, ...]] = [
    ("class_uid",), ("time",), ("severity",), ("severity_id",), ("message",), ("metadata",),
    ("metadata", "version"), ("finding_info",), ("finding_info", "uid"),
    ("finding_info", "title"), ("compliance",), ("compliance", "control"), ("resources",),
    ("resources", 0), ("resources", 0, "uid"), ("resources", 0, "type"),
    ("resources", 0, "region"), ("resources", 0, "name"), ("cloud",), ("cloud", "provider"),
    ("cloud", "region"), ("cloud", "account"), ("cloud", "account", "uid"), ("unmapped",),
    ("unmapped", "cloudcensus"), ("unmapped", "cloudcensus", "status"),
    ("unmapped", "cloudcensus", "explanation_id"),
]  # fmt: skip
_VALUES: list[Any] = [
    None, 0, 2003, -1, 1.5, 4.0, 99, 100, 10**15, True, "", "x", "2003", "1.5.0", "pass",
    "High", "ÉLEVÉ", "x" * 200, {}, [], [{}], {"uid": "u"}, [{"uid": "u"}], {"0": {"uid": "u"}},
]  # fmt: skip
_DELETE = object()


def _mutations() -> Iterator[tuple[str, Any]]:
    base = event("arn:aws:s3:::stage", region="eu-west-1", status="explained")
    base["resources"][0]["name"] = "stage"
    yield "as is", base
    for path in _PATHS:
        for value in [_DELETE, *_VALUES]:
            mutated = copy.deepcopy(base)
            target: Any = mutated
            for key in path[:-1]:
                target = target[key]
            if value is _DELETE:
                del target[path[-1]]
            else:
                target[path[-1]] = copy.deepcopy(value)
            shown = "<deleted>" if value is _DELETE else repr(value)
            yield f"{'.'.join(map(str, path))}={shown}", mutated
    for extra in ({"uid": "second"}, {"uid": ""}, {"type": 5, "uid": "r"}, 3, None):
        mutated = copy.deepcopy(base)
        mutated["resources"].append(extra)
        yield f"resources+={extra!r}", mutated
    yield "not an object", 7
    yield "a list", [base]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Session]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('stage') / 'registry.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_db_engine(RegistrySettings(database_url=url, state_dir=Path(".")))
    migrate(engine)
    with session_factory(engine)() as opened:
        yield opened
    engine.dispose()


def _staged(session: Session, events: str) -> dict[str, Any] | None:
    """The staged row of a one-event array; None when the database refused it."""
    refused: DBAPIError | None = None
    try:
        fill(session, events)
        row = session.execute(select(stage)).mappings().one_or_none()
    except DBAPIError as error:
        refused, row = error, None
    session.rollback()
    if refused is not None:
        assert batches.refused_by_database(refused), refused  # not any other failure
    return dict(row) if row is not None else None


def _accepted(candidate: Any) -> v1.FindingBatch | None:
    body = json.dumps({"batch_uid": str(uuid.uuid4()), "events": [candidate]}).encode()
    try:
        batch = batches.validated(body, "application/json")
        batches.storable(batch)
    except RequestValidationError:
        return None
    return batch


def _expected(e: v1.ComplianceFindingEvent) -> dict[str, Any]:
    resource = e.resources[0]
    return {
        "uid": e.finding_info.uid,
        "provider": e.cloud.provider,
        "account": e.cloud.account.uid,
        "region": resource.region or e.cloud.region or "global",
        "rule": e.compliance.control,
        "severity": e.severity.lower(),
        "status": e.unmapped.cloudcensus.status.value,
        "resource_id": resource.uid,
        "resource_type": resource.type,
        "title": e.finding_info.title,
        "message": e.message,
        "explanation_id": e.unmapped.cloudcensus.explanation_id,
        "seen": datetime.fromtimestamp(e.time / 1000, UTC),
    }


def _columns(row: dict[str, Any]) -> dict[str, Any]:
    seen = row["seen"]
    if seen is not None:
        seen = seen.replace(tzinfo=UTC) if seen.tzinfo is None else seen.astimezone(UTC)
    return {**row, "seen": seen}


def test_the_database_never_accepts_what_the_wire_model_refuses(session: Session) -> None:
    accepted = refused_valid = 0
    for label, candidate in _mutations():
        row = _staged(session, json.dumps([candidate]))
        batch = _accepted(candidate)
        if row is not None and row["ok"]:
            assert batch is not None, f"{label}: staged as ok, but the wire model refuses it"
            expected = _expected(batch.events[0])
            assert {k: _columns(row)[k] for k in expected} == expected, label
            accepted += 1
        if batch is not None:
            again = _staged(session, batches.canonical(batch).events)
            assert again is not None, f"{label}: canonical form refused"
            assert again["ok"], f"{label}: canonical form refused"
            refused_valid += row is None or not row["ok"]
    assert accepted > 100  # the checks are not simply refusing everything
    assert refused_valid < accepted
