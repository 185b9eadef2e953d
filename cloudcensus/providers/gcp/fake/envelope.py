"""Shared pieces of the fake's asset builders: the Cloud Asset envelope of an asset, a
default IAM policy, stable ids."""

from __future__ import annotations

import hashlib
from typing import Any

from cloudcensus.providers.gcp.fake.estate import CRM, FakeProject

__all__ = ["CREATED", "LOGGING_AGENT", "envelope", "iam_policy", "stable_number"]

CREATED = "2025-03-01T10:00:00Z"
LOGGING_AGENT = "service-{number}@gcp-sa-logging.iam.gserviceaccount.com"


def stable_number(*parts: str) -> str:
    """A stable numeric id derived from `parts` (same in every process)."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return str(int(digest[:15], 16))


def _owners(project: FakeProject) -> list[dict[str, Any]]:
    return [
        {"role": "roles/owner", "members": [f"group:owners@{project.project_id}.example.org"]},
    ]


def iam_policy(project: FakeProject, public_role: str | None) -> dict[str, Any]:
    bindings = _owners(project)
    if public_role:
        bindings.append({"role": public_role, "members": ["allUsers"]})
    return {"version": 1, "etag": "BwXhqDz1Xyo=", "bindings": bindings}


def envelope(
    project: FakeProject, name: str, asset_type: str, data: dict[str, Any], location: str
) -> dict[str, Any]:
    service = asset_type.split(".", 1)[0]
    return {
        "name": name,
        "assetType": asset_type,
        "resource": {
            "version": "v1",
            "discoveryDocumentUri": f"https://{service}.googleapis.com/$discovery/rest",
            "discoveryName": asset_type.rsplit("/", 1)[-1],
            "parent": f"{CRM}projects/{project.number}",
            "data": data,
            "location": location,
        },
    }
