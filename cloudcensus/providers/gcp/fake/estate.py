"""The fake's data: an organisation of folders and projects holding Cloud Asset assets.

`FakeOrganization` stores assets in the shape Cloud Asset Inventory returns them
(`name`, `assetType`, `ancestors`, `updateTime`, `resource{...}`) with, per asset, its
IAM policy and organisation policies, and answers the queries the fake server serves:
which assets of which content type lie under a parent, and their search-result view.
It is thread-safe (the server reads while a test or the demo changes the estate), and
each answer is computed once per estate version, then served from memory.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CRM", "READ_TIME", "FakeOrganization", "FakeProject", "Record", "UnknownScope"]

CRM = "//cloudresourcemanager.googleapis.com/"
READ_TIME = "2026-06-01T03:00:00Z"
_NODE_TYPES = {
    "organizations": "cloudresourcemanager.googleapis.com/Organization",
    "folders": "cloudresourcemanager.googleapis.com/Folder",
    "projects": "cloudresourcemanager.googleapis.com/Project",
}


class UnknownScope(LookupError):
    """A parent or scope that names no node of the organisation."""


@dataclass
class Record:
    """One asset with its policies (what the three content types read)."""

    asset: dict[str, Any]
    iam_policy: dict[str, Any] | None = None
    org_policies: list[dict[str, Any]] | None = None


@dataclass
class FakeProject:
    """A project of the fake organisation; `add` puts assets in it."""

    project_id: str
    number: str
    ancestors: list[str]  # 'projects/N', then folders, then the organisation
    org: FakeOrganization = field(repr=False)

    @property
    def node(self) -> str:
        return f"projects/{self.number}"

    def add(
        self, asset: dict[str, Any], iam_policy: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Store an asset of this project (its ancestors are set here)."""
        asset.setdefault("ancestors", list(self.ancestors))
        asset.setdefault("updateTime", READ_TIME)
        self.org.put(Record(asset, iam_policy))
        return asset


class FakeOrganization:
    """An organisation, its folders, projects and their assets (see the module doc)."""

    def __init__(self, org_id: str = "123456789012", display_name: str = "example.org") -> None:
        self.org_id = org_id
        self.node = f"organizations/{org_id}"
        self._lock = threading.RLock()
        self._records: dict[str, Record] = {}
        self._projects: dict[str, FakeProject] = {}  # by id and by number
        self._ancestry: dict[str, list[str]] = {self.node: [self.node]}
        self._version = 0
        self._answers: dict[tuple[Any, ...], list[str]] = {}
        self._put_node(self.node, {"displayName": display_name, "name": self.node})

    # -- building ---------------------------------------------------------------------

    def _put_node(self, node: str, data: dict[str, Any]) -> None:
        kind = node.split("/", 1)[0]
        asset = {
            "name": CRM + node,
            "assetType": _NODE_TYPES[kind],
            "ancestors": list(self._ancestry[node]),
            "updateTime": READ_TIME,
            "resource": {
                "version": "v1",
                "discoveryName": kind[:-1].capitalize(),
                "parent": CRM + self._ancestry[node][1] if len(self._ancestry[node]) > 1 else "",
                "data": data,
                "location": "global",
            },
        }
        old = self._records.get(CRM + node)
        self.put(Record(asset, old.iam_policy if old else None, old.org_policies if old else None))

    def add_folder(self, folder_id: str, display_name: str, parent: str | None = None) -> str:
        node, parent = f"folders/{folder_id}", parent or self.node
        with self._lock:
            self._ancestry[node] = [node, *self._ancestry[parent]]
            self._put_node(node, {"name": node, "displayName": display_name, "parent": parent})
        return node

    def add_project(
        self,
        project_id: str,
        number: str,
        *,
        parent: str | None = None,
        display_name: str | None = None,
        labels: dict[str, str] | None = None,
        state: str = "ACTIVE",
    ) -> FakeProject:
        node, parent = f"projects/{number}", parent or self.node
        with self._lock:
            self._ancestry[node] = [node, *self._ancestry[parent]]
            project = FakeProject(project_id, number, self._ancestry[node], self)
            self._projects[project_id] = self._projects[number] = project
            kind, _, parent_id = parent.partition("/")
            self._put_node(
                node,
                {
                    "projectNumber": number,
                    "projectId": project_id,
                    "lifecycleState": state,
                    "name": display_name or project_id,
                    "labels": labels or {},
                    "createTime": "2024-02-01T09:00:00Z",
                    "parent": {"type": kind[:-1], "id": parent_id},
                },
            )
        return project

    def project(self, key: str) -> FakeProject:
        """A project by id or number."""
        return self._projects[key]

    def put(self, record: Record) -> None:
        with self._lock:
            self._records[str(record.asset["name"])] = record
            self._version += 1

    def remove(self, name: str) -> None:
        with self._lock:
            self._records.pop(name, None)
            self._version += 1

    def set_iam_policy(self, name: str, policy: dict[str, Any] | None) -> None:
        with self._lock:
            self._records[name].iam_policy = policy
            self._version += 1

    def set_org_policies(self, node: str, policies: list[dict[str, Any]]) -> None:
        """Organisation policies set on a node ('organizations/1', 'folders/2', 'projects/3')."""
        with self._lock:
            self._records[CRM + self.resolve(node)].org_policies = policies
            self._version += 1

    # -- queries ----------------------------------------------------------------------

    def resolve(self, scope: str) -> str:
        """'projects/<id or number>' -> 'projects/<number>'; raises `UnknownScope`."""
        kind, _, key = scope.partition("/")
        if kind == "projects" and key in self._projects:
            return self._projects[key].node
        if scope in self._ancestry:
            return scope
        raise UnknownScope(scope)

    def ancestry(self, node: str) -> list[str]:
        return list(self._ancestry[self.resolve(node)])

    def _matching(self, scope: str, types: Iterable[str]) -> list[Record]:
        node = self.resolve(scope)
        wanted = set(types)
        return [
            record
            for record in self._records.values()
            if node in record.asset.get("ancestors", ())
            and (not wanted or record.asset.get("assetType") in wanted)
        ]

    def answer(self, key: tuple[Any, ...], build: Callable[[], list[str]]) -> list[str]:
        """The JSON text of every item of a query, cached per estate version."""
        with self._lock:
            cached = self._answers.get((self._version, *key))
            if cached is None:
                if len(self._answers) > 256:
                    self._answers.clear()
                cached = self._answers[(self._version, *key)] = build()
            return cached

    def assets(self, parent: str, content: str, types: tuple[str, ...]) -> list[str]:
        """ListAssets items of `parent` for one content type, as JSON texts."""

        def build() -> list[str]:
            items = []
            for record in sorted(self._matching(parent, types), key=lambda r: r.asset["name"]):
                item = _content(record, content)
                if item is not None:
                    items.append(json.dumps(item, separators=(",", ":")))
            return items

        return self.answer(("assets", self.resolve(parent), content, types), build)

    def search(self, scope: str, types: tuple[str, ...], mask: tuple[str, ...]) -> list[str]:
        """SearchAllResources results of `scope`, as JSON texts."""

        def build() -> list[str]:
            items = []
            for record in sorted(self._matching(scope, types), key=lambda r: r.asset["name"]):
                result = _search_result(record.asset)
                if mask:
                    result = {k: v for k, v in result.items() if k in mask}
                items.append(json.dumps(result, separators=(",", ":")))
            return items

        return self.answer(("search", self.resolve(scope), types, mask), build)


def _content(record: Record, content: str) -> dict[str, Any] | None:
    asset = record.asset
    head: dict[str, Any] = {
        k: asset[k] for k in ("name", "assetType", "ancestors", "updateTime") if k in asset
    }
    if content == "RESOURCE":
        return asset
    if content == "IAM_POLICY":
        return {**head, "iamPolicy": record.iam_policy} if record.iam_policy else None
    if content == "ORG_POLICY":
        return {**head, "orgPolicy": record.org_policies} if record.org_policies else None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _search_result(asset: dict[str, Any]) -> dict[str, Any]:
    """The ResourceSearchResult view of an asset (default fields)."""
    resource = asset.get("resource") or {}
    found = resource.get("data")
    data: dict[str, Any] = found if isinstance(found, dict) else {}
    ancestors = [str(a) for a in asset.get("ancestors", [])]
    project = next((a for a in ancestors if a.startswith("projects/")), None)
    result = {
        "name": asset.get("name"),
        "assetType": asset.get("assetType"),
        "project": project,
        "folders": [a for a in ancestors if a.startswith("folders/")],
        "organization": next((a for a in ancestors if a.startswith("organizations/")), None),
        "displayName": data.get("displayName") or data.get("name") or data.get("id"),
        "location": resource.get("location"),
        "labels": data.get("labels") or {},
        "createTime": data.get("createTime")
        or data.get("timeCreated")
        or data.get("creationTimestamp"),
        "state": _text(data.get("state")) or _text(data.get("status")),
        "parentFullResourceName": resource.get("parent"),
    }
    return {key: value for key, value in result.items() if value not in (None, [], "")}
