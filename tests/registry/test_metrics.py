"""Prometheus `/metrics` of a real registry process: the counters move with the traffic.

The registry process is shared by the session, so every check is a difference between
two scrapes.
"""

from __future__ import annotations

import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cloudcensus.registry.metrics import RegistryMetrics
from cloudcensus.wire import v1
from tests.registry.scans import complete, deliver, event, finish, open_scan, send_batch
from tests.registry.server import Registry

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(client: httpx.Client) -> Samples:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_ingest_replays_completions_and_resolutions(
    registry: Registry,
) -> None:
    tenant = registry.tenant()
    findings_route = v1.FINDINGS_PATH
    with registry.client() as anonymous, registry.client(tenant.agent) as agent:
        before = _scrape(anonymous)
        first = [event(f"arn:aws:s3:::metrics-{i}") for i in range(3)]
        deliver(agent, first, [complete("111111111111")])
        scan_uid = open_scan(agent)
        batch_uid = uuid.uuid4()
        for _ in range(2):  # the second is a replay: stored once
            assert send_batch(agent, scan_uid, first[:2], batch_uid).status_code == 200
        finish(agent, scan_uid, 2, [complete("111111111111")]).raise_for_status()
        # a replayed completion counts nothing twice
        finish(agent, scan_uid, 2, [complete("111111111111")]).raise_for_status()
        anonymous.get("/api/v1/no-such-route")
        after = _scrape(anonymous)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("cloudcensus_registry_findings_ingested_total") == 5
    assert delta("cloudcensus_registry_batches_ingested_total") == 2
    assert delta("cloudcensus_registry_batches_replayed_total") == 1
    assert delta("cloudcensus_registry_scans_completed_total", outcome="complete") == 2
    assert delta("cloudcensus_registry_findings_resolved_total") == 1  # metrics-2 is gone
    requests = "cloudcensus_registry_http_requests_total"
    assert delta(requests, route=findings_route, method="POST", status="200") == 3
    assert delta(requests, route=v1.COMPLETE_PATH, method="POST", status="200") == 3
    assert delta(requests, route="<unmatched>", method="GET", status="404") == 1
    count = "cloudcensus_registry_http_request_duration_seconds_count"
    assert delta(count, route=findings_route, method="POST") == 3
    # the raw path (with the scan uid) never becomes a label
    assert not any(str(scan_uid) in value for _, labels in after for _, value in labels)


def test_each_app_has_its_own_metrics_registry() -> None:
    one, two = RegistryMetrics(), RegistryMetrics()
    one.findings_ingested.inc(7)
    assert b"cloudcensus_registry_findings_ingested_total 7.0" in one.exposition()
    assert b"cloudcensus_registry_findings_ingested_total 0.0" in two.exposition()
