"""Cursor pagination walks every finding exactly once."""

from __future__ import annotations

from tests.registry.scans import complete, deliver, event
from tests.registry.server import Registry


def test_cursor_pages_cover_every_finding_once(registry: Registry) -> None:
    tenant = registry.tenant()
    with registry.client(tenant.agent) as agent:
        deliver(agent, [event(f"arn:b{i:02}") for i in range(25)], [complete("111111111111")])
    seen: list[str] = []
    pages = 0
    params = {"institution": tenant.name, "limit": "10"}
    with registry.client(tenant.reader) as reader:
        while True:
            body = reader.get("/api/v1/findings", params=params).json()
            pages += 1
            seen += [f["resource_id"] for f in body["items"]]
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
        assert pages == 3
        assert sorted(seen) == [f"arn:b{i:02}" for i in range(25)]
        assert len(set(seen)) == 25
        bad = reader.get("/api/v1/findings", params={"cursor": "!!not-a-cursor"})
        assert bad.status_code == 422
        too_big = reader.get("/api/v1/findings", params={"limit": "100000"})
        assert too_big.status_code == 422
