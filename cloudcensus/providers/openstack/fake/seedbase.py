"""The common part of the fake's seeders: one project and region of a `FakeCloud`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudcensus.providers.openstack.fake.state import FakeCloud, Payload

__all__ = ["Payload", "SeederBase"]


@dataclass
class SeederBase:
    """Writes realistic payloads for one project in one region of a `FakeCloud`."""

    cloud: FakeCloud
    project: str
    region: str

    def _base(self, name: str | None, **fields: Any) -> Payload:
        return {
            "id": self.cloud.new_id(),
            "name": name,
            "tenant_id": self.project,
            "project_id": self.project,
            "created_at": self.cloud.timestamp(),
            "tags": [],
            **fields,
        }

    def _add(self, collection: str, payload: Payload) -> Payload:
        return self.cloud.add(self.project, self.region, collection, payload)
