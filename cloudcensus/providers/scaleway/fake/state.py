"""The fake Scaleway's data and its armed faults, shared by the HTTP handler and callers.

Items are stored exactly as the API returns them (JSON objects of the documented
shapes, see `estate.py`), per listing: a zoned or regional collection keyed by
(collection, zone or region), a sub-listing keyed by (collection, parent id). Tests and
the demo add, change and remove items between scans, seed malformed ones, and arm
faults: an access denial for one project or one path, a number of 5xx answers, a number
of 429 answers with `Retry-After`. Every request is logged for assertions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cloudcensus.fakes import FaultLog

__all__ = ["ApiKey", "FakeScaleway", "RequestRecord"]


@dataclass(frozen=True)
class ApiKey:
    """An API key the fake accepts: its secret authenticates REST calls, its access key
    (optionally `@project`) signs Object Storage calls."""

    access_key: str
    secret_key: str
    default_project: str


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    status: int


@dataclass
class FakeScaleway(FaultLog[RequestRecord]):
    """One organisation's state. Thread-safe: the HTTP server serves requests in threads.
    Faults match a regex on the path, within a project when given (`FaultLog`)."""

    organization: str
    keys: list[ApiKey] = field(default_factory=list)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    collections: dict[tuple[str, str], list[Any]] = field(default_factory=lambda: defaultdict(list))
    #: (api, zone or region) where a product is not offered: its paths answer 404
    unavailable: set[tuple[str, str]] = field(default_factory=set)

    # -- data -------------------------------------------------------------------------

    def add_project(self, project: dict[str, Any]) -> None:
        with self.lock:
            self.projects[project["id"]] = project

    def add(self, collection: str, where: str, *items: Any) -> None:
        """Append items to a listing, e.g. `add("servers", "fr-par-1", server)`."""
        with self.lock:
            self.collections[(collection, where)].extend(items)

    def remove(self, collection: str, where: str, item_id: str) -> None:
        with self.lock:
            items = self.collections[(collection, where)]
            items[:] = [i for i in items if not (isinstance(i, dict) and i.get("id") == item_id)]

    def items(self, collection: str, where: str) -> list[Any]:
        with self.lock:
            return list(self.collections.get((collection, where), []))

    def update(self, collection: str, where: str, item_id: str, **changes: Any) -> None:
        with self.lock:
            for item in self.collections[(collection, where)]:
                if isinstance(item, dict) and item.get("id") == item_id:
                    item.update(changes)

    def is_unavailable(self, path: str) -> bool:
        """True for a path of a product not offered in the path's zone or region."""
        parts = path.strip("/").split("/")
        with self.lock:
            return len(parts) > 3 and (parts[0], parts[3]) in self.unavailable

    def key_for_secret(self, secret: str | None) -> ApiKey | None:
        return next((k for k in self.keys if k.secret_key == secret), None)

    def key_for_access(self, access_key: str) -> ApiKey | None:
        return next((k for k in self.keys if k.access_key == access_key), None)

    # -- faults -----------------------------------------------------------------------

    def deny(self, path: str = ".", *, project: str | None = None) -> None:
        """403 permissions_denied on every matching request (a regex on the path), or on
        every request filtered by `project`."""
        self.arm(path, 403, scope=project)

    def fail(
        self,
        path: str,
        *,
        status: int = 502,
        times: int | None = 1,
        html: bool = True,
        project: str | None = None,
    ) -> None:
        """`status` on the next `times` matching requests (None = always)."""
        self.arm(path, status, scope=project, times=times, html=html)

    def throttle(
        self, path: str, *, times: int = 1, retry_after: str = "0", project: str | None = None
    ) -> None:
        """429 with `Retry-After` on the next `times` matching requests."""
        self.arm(path, 429, scope=project, times=times, retry_after=retry_after)
