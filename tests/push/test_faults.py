"""Nothing lost, nothing counted twice: the real agent pushing to a real registry process
(SQLite, and PostgreSQL when CLOUDCENSUS_TEST_DATABASE_URL is set) through a fault proxy.

The registry stopped before the push, killed (SIGKILL) in the middle of it (after it
stored a batch but before its answer left, and before a batch reached it), killed after
completing a scan, slow beyond the agent's timeout, answering 500, 429 and 413, and
connections reset before and after the registry processed them. Each time the next
push, to the registry restarted on the same database, delivers everything; then the
registry holds every finding exactly once: every open finding listed once, the summary
and each scan's own count equal to the findings queued, and `scans.events` (the events
of the batches it stored, replays excluded) equal to them too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from cloudcensus.scanner.config import AgentSettings, PushSettings
from cloudcensus.scanner.push import Pusher, PushReport, build_client
from cloudcensus.scanner.push.pusher import DEFAULT_CONCURRENCY
from cloudcensus.scanner.store import Outbox, Store
from tests.registry.server import Registry, RegistryProcess, Tenant, registry_cli

from .conftest import Sleeps, finding, finished_scan
from .faultproxy import Answer, Delay, FaultProxy, Kill, Reset
from .test_scan_and_cli import scan_with

pytestmark = pytest.mark.slow

FINDINGS = 40
BATCHES = 10  # of 4 findings


@dataclass
class Backend:
    process: RegistryProcess
    admin: str
    engine: Engine

    def up(self) -> Registry:
        """The registry, started again (on the same database) if a test stopped it."""
        if not self.process.running:
            self.process.start()
        return Registry(self.process.url, self.admin)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    state = tmp_path_factory.mktemp(f"faults-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{state / 'registry.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    admin = registry_cli(url, "token", "create", "--role", "admin")
    process = RegistryProcess(url, state / "server.log")
    process.start()
    engine = create_engine(url)
    try:
        yield Backend(process, admin, engine)
    finally:
        process.stop()
        engine.dispose()


@pytest.fixture
def tenant(backend: Backend) -> Tenant:
    return backend.up().tenant()


@pytest.fixture
def proxy(backend: Backend) -> Iterator[FaultProxy]:
    with FaultProxy(backend.up().url) as running:
        yield running


def push(
    store: Store,
    proxy: FaultProxy,
    tenant: Tenant,
    sleeps: Sleeps,
    *,
    timeout_s: float = 10,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> PushReport:
    """One run of the real agent's push, through the client factory and the proxy."""
    settings = PushSettings(url=proxy.url, token=tenant.agent, timeout_s=timeout_s)
    with build_client(settings) as client:
        return Pusher(
            client,
            store,
            max_retries=2,
            concurrency=concurrency,
            sleep=sleeps,
            random=lambda: 0.5,
        ).push()


def restart(backend: Backend, proxy: FaultProxy) -> None:
    backend.process.stop()
    proxy.upstream = backend.up().url


def assert_exactly_once(backend: Backend, tenant: Tenant, store: Store) -> None:
    """The registry holds each queued finding once, for every scan of the outbox."""
    scans = Outbox(store).scans()
    assert scans
    assert all(scan.delivered is not None for scan in scans)
    expected = sorted(finding(n).uid for n in range(FINDINGS))
    registry = backend.up()
    with registry.client(tenant.reader) as reader:
        page = reader.get("/api/v1/findings", params={"institution": tenant.name, "limit": 1000})
        summary = reader.get(f"/api/v1/institutions/{tenant.name}/summary").json()
        trend = reader.get(f"/api/v1/institutions/{tenant.name}/trend").json()["scans"]
    assert sorted(item["uid"] for item in page.json()["items"]) == expected
    assert summary["total"] == FINDINGS
    assert [(p["scan_uid"], p["total"]) for p in trend] == [(s.scan_uid, FINDINGS) for s in scans]
    with backend.engine.connect() as connection:
        for scan in scans:
            events, status = connection.execute(
                text("SELECT events, status FROM scans WHERE uid = :uid"), {"uid": scan.scan_uid}
            ).one()
            batches = connection.scalar(
                text(
                    "SELECT count(*) FROM batches b JOIN scans s ON s.id = b.scan_id "
                    "WHERE s.uid = :uid"
                ),
                {"uid": scan.scan_uid},
            )
            assert (events, batches, status) == (FINDINGS, BATCHES, "complete")


def test_the_registry_stopped_before_a_push_gets_everything_at_the_next(
    backend: Backend, tenant: Tenant, proxy: FaultProxy, store: Store, sleeps: Sleeps
) -> None:
    finished_scan(store, FINDINGS)
    finished_scan(store, FINDINGS)
    backend.process.stop()
    report = push(store, proxy, tenant, sleeps)
    assert report.stopped is not None
    assert len(Outbox(store).scans(pending_only=True)) == 2
    assert sum(proxy.forwarded.values()) == 0
    restart(backend, proxy)
    assert push(store, proxy, tenant, sleeps).complete
    assert_exactly_once(backend, tenant, store)


def stored_batches(backend: Backend, scan_uid: str) -> int:
    with backend.engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM batches b JOIN scans s ON s.id = b.scan_id "
                    "WHERE s.uid = :uid"
                ),
                {"uid": scan_uid},
            )
        )


@pytest.mark.parametrize("after", [True, False], ids=["after-storing", "before-reaching"])
def test_the_registry_killed_in_the_middle_of_a_push(
    backend: Backend,
    tenant: Tenant,
    proxy: FaultProxy,
    store: Store,
    sleeps: Sleeps,
    after: bool,
) -> None:
    finished_scan(store, FINDINGS)
    proxy.on("findings", 4, Kill(backend.process.kill, after=after))
    report = push(store, proxy, tenant, sleeps, concurrency=1)
    assert report.stopped is not None
    assert not backend.process.running
    [pending] = Outbox(store).scans(pending_only=True)
    assert pending.delivered_items == 4  # open + 3 batches; the 4th is not marked
    restart(backend, proxy)
    assert push(store, proxy, tenant, sleeps, concurrency=1).complete
    assert_exactly_once(backend, tenant, store)
    # stored once: when the registry had stored the 4th batch, its resend was a replay
    assert proxy.forwarded["findings"] == BATCHES + after


@pytest.mark.parametrize("after", [True, False], ids=["after-storing", "before-reaching"])
def test_the_registry_killed_with_batches_in_flight(
    backend: Backend,
    tenant: Tenant,
    proxy: FaultProxy,
    store: Store,
    sleeps: Sleeps,
    after: bool,
) -> None:
    finished_scan(store, FINDINGS)
    proxy.on("findings", 4, Kill(backend.process.kill, after=after))
    report = push(store, proxy, tenant, sleeps, concurrency=3)
    assert report.stopped is not None
    assert not backend.process.running
    [pending] = Outbox(store).scans(pending_only=True)
    # every batch marked delivered is stored; some stored ones may have lost their answer
    assert 0 < pending.delivered_items - 1 <= stored_batches(backend, pending.scan_uid) < BATCHES
    restart(backend, proxy)
    assert push(store, proxy, tenant, sleeps, concurrency=3).complete
    assert_exactly_once(backend, tenant, store)


def test_the_registry_killed_after_completing_a_scan(
    backend: Backend, tenant: Tenant, proxy: FaultProxy, store: Store, sleeps: Sleeps
) -> None:
    finished_scan(store, FINDINGS)
    proxy.on("complete", 1, Kill(backend.process.kill, after=True))
    assert push(store, proxy, tenant, sleeps).stopped is not None
    restart(backend, proxy)
    assert push(store, proxy, tenant, sleeps).complete
    assert_exactly_once(backend, tenant, store)
    assert proxy.forwarded["complete"] == 2  # the second answered as a replay


def test_a_registry_slower_than_the_timeout_counts_each_batch_once(
    backend: Backend, tenant: Tenant, proxy: FaultProxy, store: Store, sleeps: Sleeps
) -> None:
    finished_scan(store, FINDINGS)
    proxy.on("findings", 2, Delay(2.0))
    proxy.on("findings", 6, Delay(2.0))
    # one batch at a time: the faults are scripted by request number, and batches in
    # flight together would let a retry take a number scripted for another batch
    assert push(store, proxy, tenant, sleeps, timeout_s=0.5, concurrency=1).complete
    assert len(sleeps) == 2  # one retry each, after a ReadTimeout
    assert_exactly_once(backend, tenant, store)
    deadline = time.monotonic() + 10  # the delayed requests reach the registry late
    while proxy.forwarded["findings"] < BATCHES + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proxy.forwarded["findings"] == BATCHES + 2  # the late ones were replays
    assert_exactly_once(backend, tenant, store)


def test_500_429_413_and_reset_connections_lose_nothing(
    backend: Backend, tenant: Tenant, proxy: FaultProxy, store: Store, sleeps: Sleeps
) -> None:
    finished_scan(store, FINDINGS)
    proxy.on("open", 1, Answer(503))
    proxy.on("findings", 1, Answer(500))
    proxy.on("findings", 3, Answer(429, {"Retry-After": "7"}))
    proxy.on("findings", 5, Reset(after=False))
    proxy.on("findings", 7, Reset(after=True))
    proxy.on("findings", 10, Answer(413))
    # one batch at a time: a retry in flight beside other batches could take the number
    # scripted for another fault and exhaust its retries before the 413 is reached
    first = push(store, proxy, tenant, sleeps, concurrency=1)
    [refused] = first.scans
    assert refused.error is not None
    assert "HTTP 413" in refused.error
    assert 7.0 in sleeps  # Retry-After honoured
    assert push(store, proxy, tenant, sleeps).complete
    assert_exactly_once(backend, tenant, store)


def test_a_scan_of_the_real_pipeline_reaches_the_registry(
    backend: Backend, tenant: Tenant, proxy: FaultProxy, tmp_path: Path, sleeps: Sleeps
) -> None:
    settings = AgentSettings(state_dir=tmp_path, registry={"url": proxy.url, "token": tenant.agent})
    with Store.open(tmp_path / "cloudcensus.sqlite") as store:
        scan = scan_with(settings, store)
        produced = sorted(f.uid for f in store.findings(scan))
        proxy.on("findings", 1, Reset(after=True))
        assert push(store, proxy, tenant, sleeps).complete
    with backend.up().client(tenant.reader) as reader:
        page = reader.get("/api/v1/findings", params={"institution": tenant.name, "limit": 1000})
        summary = reader.get(f"/api/v1/institutions/{tenant.name}/summary").json()
    assert sorted(item["uid"] for item in page.json()["items"]) == produced
    assert summary["total"] == len(produced) > 0
