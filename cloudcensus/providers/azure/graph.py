"""Azure Resource Graph: the queries, their paging, and subscriptions batched per query.

A query answers at most `$top` (<= 1000) rows per page and hands back a `$skipToken`
for the next; `query_rows` loops on it (the SDK call is not a pager). Every query ends
with `order by id asc` so pages are stable. An answer marked `resultTruncated` without
a token, or without a `data` list, is an error: rows must never go missing silently.

Batching: Resource Graph throttles per caller (about 15 queries per 5 s), so thousands
of small subscriptions must not cost one query each per collector. `GraphBatches` counts
the resources of up to `subscriptions_per_query` subscriptions in one query, then packs
subscriptions into groups that fit one page together; the first task of a group to ask
runs the group's query once and hands each subscription its own rows. A subscription
larger than a page has a group of its own and streams its pages, so memory holds at
most about one page per group and query, never a whole tenant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.resourcegraph import ResourceGraphClient

from cloudcensus.providers.azure.errors import raise_for_arm_error
from cloudcensus.providers.azure.resource import Raw

__all__ = ["COUNT_QUERY", "GraphBatches", "query_rows", "type_query"]

logger = logging.getLogger(__name__)

COUNT_QUERY = "resources | summarize count() by subscriptionId"
#: The Resource Graph API version azure-mgmt-resourcegraph 8 speaks.
API_VERSION = "2021-03-01"
_PATH = "/providers/Microsoft.ResourceGraph/resources"


def _quoted(types: Sequence[str]) -> str:
    return ", ".join(f"'{t.lower()}'" for t in types)


def type_query(
    *, include: Sequence[str] = (), exclude: Sequence[str] = (), table: str = "resources"
) -> str:
    """`<table> | where type in~ (...) | where type !in~ (...) | order by id asc`."""
    query = table
    if include:
        query += f" | where type in~ ({_quoted(include)})"
    if exclude:
        query += f" | where type !in~ ({_quoted(exclude)})"
    return query + " | order by id asc"


def _page(client: ResourceGraphClient, body: dict[str, Any]) -> dict[str, Any]:
    """One query page through the SDK client's pipeline (sign-in, retries, quota gate).

    The page is read as JSON: the SDK's `QueryResponse` model would walk every value of
    every row to "deserialise" an untyped `data` (two thirds of the scanner's CPU time
    for the pages, measured in benchmarks/README.md) and hand back the same dicts.
    """
    request = HttpRequest("POST", _PATH, params={"api-version": API_VERSION}, json=body)
    # The generated client names its raw-request method `_send_request` (its docstring
    # documents it as the way to run a request through the client's policies).
    response = client._send_request(request)
    raise_for_arm_error(response, "Resource Graph query")
    answer = response.json()
    if not isinstance(answer, dict):
        raise ValueError("Resource Graph answer is not a JSON object")
    return answer


def query_rows(
    client: ResourceGraphClient,
    query: str,
    page_size: int,
    *,
    subscriptions: Sequence[str] | None = None,
    management_groups: Sequence[str] | None = None,
) -> Iterator[Raw]:
    """Every row of `query`, page by page (`$skipToken`)."""
    body: dict[str, Any] = {"query": query}
    if subscriptions:
        body["subscriptions"] = list(subscriptions)
    if management_groups:
        body["managementGroups"] = list(management_groups)
    token: str | None = None
    while True:
        options: dict[str, Any] = {"$top": page_size, "resultFormat": "objectArray"}
        if token:
            options["$skipToken"] = token
        answer = _page(client, {**body, "options": options})
        data = answer.get("data")
        if not isinstance(data, list):
            raise ValueError("Resource Graph answer has no `data` row list")
        yield from data
        token = answer.get("$skipToken")
        if not token:
            if str(answer.get("resultTruncated")).lower() == "true":
                raise ValueError("Resource Graph truncated the answer without a $skipToken")
            return


@dataclass
class _Shared:
    """One query's rows for a group of subscriptions, split by subscription."""

    members: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    rows: dict[str, list[Raw]] | None = None
    error: BaseException | None = None
    taken: int = 0


class GraphBatches:
    """Resource Graph rows per subscription, small subscriptions sharing a query."""

    def __init__(
        self,
        client: ResourceGraphClient,
        subscriptions: Sequence[str],
        *,
        page_size: int,
        per_query: int,
    ) -> None:
        self._client = client
        self._page = page_size
        self._per_query = per_query
        self._order = [s.lower() for s in subscriptions]
        self._index = {s: i for i, s in enumerate(self._order)}
        self._lock = threading.Lock()
        self._groups: dict[str, tuple[str, ...]] = {}
        self._chunks: set[int] = set()
        self._shared: dict[tuple[str, tuple[str, ...]], _Shared] = {}
        self.queries = 0  # queries run, for tests and the benchmark

    def rows(self, query: str, subscription: str) -> Iterator[Raw]:
        """The rows of `query` in `subscription` (run alone or with its group)."""
        sub = subscription.lower()
        group = self._group_of(sub)
        if len(group) <= 1:
            yield from self._query(query, [sub])
            return
        yield from self._take(query, group, sub)

    def _query(self, query: str, subscriptions: Sequence[str]) -> Iterator[Raw]:
        with self._lock:
            self.queries += 1
        return query_rows(self._client, query, self._page, subscriptions=subscriptions)

    def _take(self, query: str, group: tuple[str, ...], sub: str) -> list[Raw]:
        key = (query, group)
        with self._lock:
            shared = self._shared.setdefault(key, _Shared(members=len(group)))
        with shared.lock:
            if shared.rows is None and shared.error is None:
                split: dict[str, list[Raw]] = {s: [] for s in group}
                try:
                    for row in self._query(query, group):
                        split.setdefault(str(row.get("subscriptionId", "")).lower(), []).append(row)
                    shared.rows = split
                except Exception as exc:  # noqa: BLE001 - every member re-raises it
                    shared.error = exc
            if shared.error is not None:
                raise shared.error
            assert shared.rows is not None
            mine = shared.rows.pop(sub, [])
            shared.taken += 1
            if shared.taken >= shared.members:
                with self._lock:
                    self._shared.pop(key, None)
        return mine

    def _group_of(self, sub: str) -> tuple[str, ...]:
        index = self._index.get(sub)
        if index is None:
            return (sub,)
        chunk = index // self._per_query
        with self._lock:
            if chunk not in self._chunks:
                self._chunks.add(chunk)
                start = chunk * self._per_query
                self._groups.update(self._pack(self._order[start : start + self._per_query]))
            return self._groups.get(sub, (sub,))

    def _pack(self, chunk: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Group a chunk's subscriptions so each group's resources fit one page."""
        try:
            self.queries += 1
            counted = query_rows(self._client, COUNT_QUERY, self._page, subscriptions=chunk)
            counts = {str(r["subscriptionId"]).lower(): int(r["count_"]) for r in counted}
        except Exception:
            logger.warning(
                "Resource Graph count failed: querying subscriptions one by one", exc_info=True
            )
            return {}
        groups: dict[str, tuple[str, ...]] = {}
        current: list[str] = []
        total = 0
        for sub in sorted(chunk, key=lambda s: counts.get(s, 0)):
            size = counts.get(sub, 0)
            if current and total + size > self._page:
                groups.update({s: tuple(current) for s in current})
                current, total = [], 0
            current.append(sub)
            total += size
        groups.update({s: tuple(current) for s in current})
        return groups
