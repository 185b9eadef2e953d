"""The real pusher against a real registry process (uvicorn on loopback, SQLite), through
the client factory: delivered once, replays harmless, counts checked on the read side.
Uses the registry tests' public process helper (`tests/registry/server.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudcensus.scanner.config import PushSettings
from cloudcensus.scanner.push import Pusher, build_client
from cloudcensus.scanner.store import Outbox, Store
from tests.registry.server import Registry, serve

from .conftest import Sleeps, finding, finished_scan

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    state = tmp_path_factory.mktemp("registry-e2e")
    with serve(f"sqlite:///{state / 'registry.db'}", state / "server.log") as registry:
        yield registry


def test_the_agent_delivers_to_a_real_registry_exactly_once(
    live_registry: Registry, store: Store, sleeps: Sleeps, tmp_path: Path
) -> None:
    tenant = live_registry.tenant()
    token_file = tmp_path / "token"
    token_file.write_text(tenant.agent + "\n")
    settings = PushSettings(url=live_registry.url, token_file=token_file, batch_size=4)
    first = finished_scan(store, 10)
    second = finished_scan(store, 3)
    with build_client(settings) as client:
        report = Pusher(client, store, sleep=sleeps).push()
        assert report.complete, report
        assert [s.scan_id for s in report.scans] == [first, second]
        # Replaying every item of the first scan (as after a lost answer) changes nothing.
        outbox = Outbox(store)
        store.connection.execute(
            "UPDATE outbox_items SET delivered = NULL WHERE scan_id = ?", (first,)
        )
        store.connection.execute(
            "UPDATE outbox_scans SET delivered = NULL WHERE scan_id = ?", (first,)
        )
        replay = Pusher(client, store, sleep=sleeps).push()
        assert replay.complete
        assert replay.scans[0].delivered_items == outbox.scans()[0].items
    assert sleeps == []
    with live_registry.client(tenant.reader) as reader:
        page = reader.get("/api/v1/findings", params={"institution": tenant.name, "limit": 100})
        assert page.status_code == 200, page.text
        uids = [item["uid"] for item in page.json()["items"]]
    # The second (complete) scan found buckets 0-2 only: the registry resolved the other 7
    # findings of the first scan, and the replay of the first scan reopened none of them.
    assert sorted(uids) == sorted(finding(n).uid for n in range(3))
