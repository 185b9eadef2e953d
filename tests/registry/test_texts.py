"""The `text` filter through the texts stored once (`search_texts`), against a real
registry process (SQLite and PostgreSQL): resource ids, titles and messages are found
case-insensitively, a text shared by several findings and by two institutions finds each
finding once and only in the reader's institution, and a text matching more texts than
the filter lists by id (`texts.FEW_MATCHES`) finds every finding all the same; two
institutions delivering the same new texts at once both succeed, and a batch's new texts
are committed before the rest of the batch (another registry process finds them at
once)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cloudcensus.registry.counts import lock_institution
from cloudcensus.registry.db import create_db_engine, migrate, session_factory
from cloudcensus.registry.models import Institution, SearchText
from cloudcensus.registry.settings import RegistrySettings
from cloudcensus.registry.texts import FEW_MATCHES, ids
from tests.registry.conftest import fresh_database
from tests.registry.scans import (
    complete,
    deliver,
    event,
    finish,
    open_findings,
    open_scan,
    send_batch,
)
from tests.registry.server import Registry

ACCOUNT = "111111111111"


def _resources(reader_findings: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted((f["resource_id"], f["rule"]) for f in reader_findings)


def test_resource_ids_titles_and_messages_are_found_in_the_readers_institution(
    registry: Registry,
) -> None:
    ours, theirs = registry.tenant(), registry.tenant()
    shared = "arn:aws:s3:::Payroll-Archive"
    with registry.client(ours.agent) as agent:
        deliver(agent, [
            event(shared), event(shared, rule="BASE-LOG-01", message="access is not logged"),
            event("arn:aws:s3:::web", message="Bucket Is Public"),
        ], [complete(ACCOUNT)])  # fmt: skip
    with registry.client(theirs.agent) as agent:
        deliver(agent, [event(shared), event("arn:aws:s3:::theirs")], [complete(ACCOUNT)])

    with registry.client(ours.reader) as reader:

        def found(text: str) -> list[tuple[object, object]]:
            return _resources(open_findings(reader, institution=ours.name, text=text))

        assert found("payroll-ARCHIVE") == [(shared, "BASE-ENC-01"), (shared, "BASE-LOG-01")]
        assert found("not logged") == [(shared, "BASE-LOG-01")]  # a message
        assert found("is public") == [("arn:aws:s3:::web", "BASE-ENC-01")]
        assert found("TITLE OF base-log") == [(shared, "BASE-LOG-01")]  # a title
        assert len(found("s3:::")) == 3
        assert found("theirs") == []  # another institution's text
        assert found("encrypted\ntitle") == []  # across two fields: never
        # without an institution, a reader scoped to one sees that one only
        everywhere = open_findings(reader, text="payroll")
        assert {f["institution"] for f in everywhere} == {ours.name}
    with registry.client(theirs.reader) as reader:
        assert len(open_findings(reader, institution=theirs.name, text="payroll")) == 1


def test_a_text_matching_very_many_texts_finds_every_finding(registry: Registry) -> None:
    tenant = registry.tenant()
    count = FEW_MATCHES + 500
    events = [event(f"arn:aws:s3:::bulk-{n:05d}") for n in range(count)]
    with registry.client(tenant.agent) as agent:
        scan_uid = open_scan(agent)
        for first in range(0, count, 1000):  # as the agent batches them
            send_batch(agent, scan_uid, events[first : first + 1000]).raise_for_status()
        finish(agent, scan_uid, count, [complete(ACCOUNT)]).raise_for_status()
    with registry.client(tenant.reader) as reader:
        many = open_findings(reader, institution=tenant.name, text="S3:::BULK-")
        few = open_findings(reader, institution=tenant.name, text="bulk-0012")
    assert len(many) == count
    assert len({f["uid"] for f in many}) == count
    assert sorted(f["resource_id"] for f in few) == [
        f"arn:aws:s3:::bulk-0012{n}" for n in range(10)
    ]


def test_institutions_delivering_the_same_new_texts_at_once_all_succeed(
    registry: Registry,
) -> None:
    """Batches of two institutions that introduce the same new texts, in flight at
    once: each waits for the other's new texts, none fails, every finding is found."""
    tenants = [registry.tenant() for _ in range(2)]
    resources = [f"arn:aws:s3:::concurrent-{uuid.uuid4().hex[:6]}-{n}" for n in range(600)]
    batches = [resources[first : first + 200] for first in range(0, 600, 200)]

    def deliver_all(agent_token: str) -> list[int]:
        with registry.client(agent_token) as agent:
            scan_uid = open_scan(agent)
            with ThreadPoolExecutor(3) as pool:
                sent = list(pool.map(
                    lambda chunk: send_batch(agent, scan_uid, [event(r) for r in chunk]),
                    batches,
                ))  # fmt: skip
            finish(agent, scan_uid, len(resources), [complete(ACCOUNT)]).raise_for_status()
        return [answer.status_code for answer in sent]

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(deliver_all, [t.agent for t in tenants]))
    assert statuses == [[200, 200, 200], [200, 200, 200]]
    for tenant in tenants:
        with registry.client(tenant.reader) as reader:
            found = open_findings(reader, institution=tenant.name, text="s3:::concurrent-")
        assert sorted(f["resource_id"] for f in found) == sorted(resources)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_batchs_new_texts_are_committed_before_the_rest_of_it(
    backend: str, tmp_path: Path
) -> None:
    """A batch holding its institution's writer lock does not hold back another batch
    that brings the same new text (two registry processes: no shared id cache); the
    text stays when the first batch fails after all."""
    with fresh_database(backend, tmp_path) as url:
        settings = RegistrySettings(database_url=url, state_dir=tmp_path)
        engines = [create_db_engine(settings) for _ in range(2)]
        migrate(engines[0])
        first_process, second_process = (session_factory(e) for e in engines)
        with first_process() as setup:
            institution = Institution(name="texts", created=datetime.now(UTC))
            setup.add(institution)
            setup.commit()
        text = f"arn:aws:s3:::new-{uuid.uuid4().hex}"

        def second_batch() -> dict[str, int]:
            with second_process() as session:
                found = ids(session, [text])
                session.commit()
                return found

        with first_process() as first, ThreadPoolExecutor(1) as pool:
            mine = ids(first, [text])
            lock_institution(first, institution.id)  # the batch goes on under its lock
            try:
                theirs = pool.submit(second_batch).result(timeout=60)
            finally:
                first.rollback()  # the first batch fails after all
        assert theirs == mine
        with second_process() as later:
            stored = later.scalar(select(SearchText.id).where(SearchText.text == text))
        assert stored == mine[text]
        for engine in engines:
            engine.dispose()
