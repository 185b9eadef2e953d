"""The fast decoder never accepts what the wire model refuses.

Hundreds of mutations of a real event (every field the registry reads: removed, or set
to values of every JSON type) are decoded one by one; for each: when the fast decoder
(`stage.decode`) accepts it, pydantic (plus `storable`) accepts the event too and the
row's columns are what Python derives from the pydantic model; and whatever pydantic
accepts, re-encoded as the slow path does, the fast decoder accepts. The rows reach
the staging table unchanged, in SQLite and in PostgreSQL.
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
from sqlalchemy.orm import Session

from cloudcensus.registry import batches
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.settings import RegistrySettings
from cloudcensus.registry.stage import decode, fill, stage
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
    "nul\x00", "\\u0000 (a backslash, not a NUL)",
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


def _body(events: list[Any]) -> bytes:
    return json.dumps({"batch_uid": str(uuid.uuid4()), "events": events}).encode()


def _decoded(candidate: Any) -> dict[str, Any] | None:
    """The row of a one-event batch when the fast decoder accepts it, else None."""
    staged = decode(_body([candidate]))
    if staged is None:
        return None
    assert staged.count == 1
    assert len(staged.rows) == 1
    return staged.rows[0]._asdict()


def _accepted(candidate: Any) -> v1.FindingBatch | None:
    try:
        batch = batches.validated(_body([candidate]), "application/json")
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


def test_the_fast_decoder_never_accepts_what_the_wire_model_refuses() -> None:
    accepted = refused_valid = 0
    for label, candidate in _mutations():
        row = _decoded(candidate)
        batch = _accepted(candidate)
        if row is not None:
            assert batch is not None, f"{label}: decoded, but the wire model refuses it"
            expected = _expected(batch.events[0])
            assert {k: row[k] for k in expected} == expected, label
            accepted += 1
        if batch is not None:
            again = batches.canonical(batch)  # NotCanonical would fail the test
            assert len(again.events.rows) == 1, label
            refused_valid += row is None
    assert accepted > 100  # the checks are not simply refusing everything
    assert refused_valid < accepted


def test_a_body_other_than_a_batch_object_takes_the_slow_path() -> None:
    good = event("arn:aws:s3:::fine")
    uid = str(uuid.uuid4())
    for body in (
        b"", b"[]", b"nul", json.dumps({"batch_uid": uid, "events": []}).encode(),
        json.dumps({"batch_uid": uid, "events": [good], "extra": 1}).encode(),
        json.dumps({"batch_uid": "not-a-uuid", "events": [good]}).encode(),
        json.dumps({"batch_uid": uid, "events": [good] * (v1.MAX_BATCH_EVENTS + 1)}).encode(),
        b'{"batch_uid":"%s","events":[%s' % (uid.encode(), json.dumps(good).encode()),
        b'{"batch_uid":"%s","events":[{"x":"\\ud800"}]}' % uid.encode(),
    ):  # fmt: skip
        assert decode(body) is None, body[:80]


def test_staged_rows_reach_the_database_unchanged(session: Session) -> None:
    events = [event(f"arn:aws:s3:::stage-{n}", region="eu-west-1") for n in range(3)]
    events[1]["message"] = None
    events[2]["time"] = 1_700_000_000_123
    staged = decode(_body(events))
    assert staged is not None
    fill(session, staged.rows, [(10 + n, 20 + n) for n in range(len(staged.rows))])
    stored = session.execute(select(stage).order_by(stage.c.ord)).mappings().all()
    session.rollback()
    assert [_columns(dict(r)) for r in stored] == [
        {**r._asdict(), "resource_text_id": 10 + n, "message_text_id": 20 + n}
        for n, r in enumerate(staged.rows)
    ]


def _columns(row: dict[str, Any]) -> dict[str, Any]:
    seen = row["seen"]
    seen = seen.replace(tzinfo=UTC) if seen.tzinfo is None else seen.astimezone(UTC)
    return {**row, "seen": seen}
