"""The summary (kept in `finding_counts`) always equals the open findings themselves,
through new findings, changed statuses, resolution, reopening, a scan superseded by a
later one, replays and duplicated events, and batches in flight at once that write the
same findings (new and stored ones); the same batch sent several times at once is
stored once."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx

from cloudcensus.wire.v1 import REPLAYED_HEADER
from tests.registry.scans import (
    NOW,
    complete,
    deliver,
    event,
    finish,
    open_findings,
    open_scan,
    send_batch,
)
from tests.registry.server import Registry

HOUR = timedelta(hours=1)
_KINDS = {"pass": "comply", "explained": "explained", "fail": "violating", "error": "error"}


def from_the_list(reader: httpx.Client, institution: str) -> dict[str, Any]:
    """The summary's counts, computed by the test from every open finding."""
    found = open_findings(reader, institution=institution)
    out: dict[str, Any] = {"total": len(found)}
    out.update({kind: sum(f["status"] == s for f in found) for s, kind in _KINDS.items()})
    for key, field in (("by_rule", "rule"), ("by_severity", "severity"),
                       ("by_provider", "provider")):  # fmt: skip
        groups = Counter(f[field] for f in found)
        out[key] = {
            value: {kind: sum(f[field] == value and f["status"] == s for f in found)
                    for s, kind in _KINDS.items()} | {"total": n}
            for value, n in groups.items()
        }  # fmt: skip
    return out


def served(reader: httpx.Client, institution: str) -> dict[str, Any]:
    summary = reader.get(f"/api/v1/institutions/{institution}/summary").json()
    keep = ("total", *_KINDS.values())
    out: dict[str, Any] = {k: summary[k] for k in keep}
    for key in ("by_rule", "by_severity", "by_provider"):
        out[key] = {v: {k: c[k] for k in keep} for v, c in summary[key].items()}
    return out


def test_the_summary_follows_every_kind_of_write(registry: Registry) -> None:
    tenant = registry.tenant()
    one, two = "111111111111", "222222222222"
    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:

        def check() -> None:
            assert served(reader, tenant.name) == from_the_list(reader, tenant.name)

        first = [
            event("arn:a", account=one),
            event("arn:b", account=one, status="pass", severity="low"),
            event("arn:c", account=two, rule="BASE-LOG-02", status="explained"),
            event("arn:d", account=two, rule="BASE-LOG-02", status="error"),
        ]
        deliver(agent, first, [complete(one), complete(two)], started=NOW)
        check()
        # statuses change, arn:b vanishes (resolved), arn:e is new
        second = [
            event("arn:a", account=one, status="pass"),
            event("arn:c", account=two, rule="BASE-LOG-02", status="fail"),
            event("arn:d", account=two, rule="BASE-LOG-02", status="error"),
            event("arn:e", account=two, severity="critical"),
        ]
        answer = deliver(agent, second, [complete(one), complete(two)], started=NOW + HOUR)
        assert answer["resolved"] == 1
        check()
        # a scan that started earlier arrives late: superseded, it changes nothing
        late = [event("arn:a", account=one, status="fail"), event("arn:z", account=one)]
        deliver(agent, late, [complete(one)], started=NOW - HOUR)
        check()
        # an open scan's batches count at once; a replay and a duplicated event do not
        scan = open_scan(agent, started=NOW + 2 * HOUR)
        batch = [event("arn:b", account=one, status="fail"), event("arn:e", account=two)]
        batch_uid = uuid.uuid4()
        send_batch(agent, scan, batch, batch_uid).raise_for_status()
        send_batch(agent, scan, batch, batch_uid).raise_for_status()
        send_batch(agent, scan, [event("arn:e", account=two, status="pass")]).raise_for_status()
        check()
        assert served(reader, tenant.name)["total"] == 5  # arn:b is open again
        finish(agent, scan, 2, [complete(one)]).raise_for_status()  # resolves arn:a in one
        check()
        assert served(reader, tenant.name)["total"] == 4


def test_batches_in_flight_at_once_writing_the_same_findings_keep_the_counts(
    registry: Registry,
) -> None:
    """Two scans in flight at once (one delivered late while the next is pushed) write
    the same findings side by side: new ones first, stored ones then. The summary
    equals the list after each round, and the batch sent several times at once is
    stored once."""
    tenant = registry.tenant()
    account = "333333333333"
    statuses = ("fail", "pass", "explained", "error")
    resources = [f"arn:aws:s3:::shared-{n}" for n in range(40)]

    def batch(turn: int) -> list[dict[str, Any]]:
        """The 40 shared findings in a status and severity of this turn, plus ten of
        this turn alone."""
        severity = ("low", "medium", "high", "critical")[turn % 4]
        shared = [event(r, account=account, status=statuses[(n + turn) % 4],
                        severity=severity) for n, r in enumerate(resources)]  # fmt: skip
        own = [event(f"arn:aws:s3:::own-{turn}-{n}", account=account) for n in range(10)]
        return shared + own

    with registry.client(tenant.agent) as agent, registry.client(tenant.reader) as reader:
        for first_hour in (0, 2):  # the shared findings new, then stored
            scans = [open_scan(agent, started=NOW + (first_hour + n) * HOUR) for n in (0, 1)]
            sends = [(scans[turn % 2], batch(turn)) for turn in range(6)]
            with ThreadPoolExecutor(6) as pool:
                answers = list(pool.map(lambda sent: send_batch(agent, *sent), sends))
            assert [a.status_code for a in answers] == [200] * 6
            assert served(reader, tenant.name) == from_the_list(reader, tenant.name)
            assert served(reader, tenant.name)["total"] == 40 + 6 * 10
        # a batch sent four times at once, its findings already reported by the scan
        scan = open_scan(agent, started=NOW + 5 * HOUR)
        send_batch(agent, scan, batch(7)).raise_for_status()
        same, batch_uid = batch(7), uuid.uuid4()
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: send_batch(agent, scan, same, batch_uid), range(4)))
        assert [a.status_code for a in answers] == [200] * 4
        assert [a.json()["accepted"] for a in answers] == [50] * 4
        replays = [a.headers.get(REPLAYED_HEADER) for a in answers]
        assert Counter(replays) == Counter({"true": 3, None: 1})
        done = finish(agent, scan, 50, [complete(account)])
        done.raise_for_status()
        assert done.json()["findings"] == 50  # distinct findings: duplicates count once
        assert done.json()["resolved"] == 60  # the own findings of the other turns
        assert served(reader, tenant.name) == from_the_list(reader, tenant.name)
        assert served(reader, tenant.name)["total"] == 50
