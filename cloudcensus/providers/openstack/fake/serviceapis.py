"""The fake's Designate, Heat, Manila, Magnum and Trove list APIs, each in its paging style.

One row per API: the path below the service segment (`{project}`: the token's project),
the collection and answer key, and how the next page is announced:

- Designate v2 `GET /v2/zones`: `limit` + `marker`, `links: {"self", "next"}`;
- Heat `GET /v1/{project}/stacks`: `limit` + `marker`, no next link;
- Manila v2 `GET /v2/shares/detail`: `limit` + `offset`, no next link;
- Magnum `GET /v1/clusters/detail`: `limit` + `marker` (the cluster `uuid`), `next`;
- Trove `GET /v1.0/{project}/instances`: `limit` + `marker`, `links` list with "next".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cloudcensus.providers.openstack.fake.http import Reply, Request, marker_page, offset_page
from cloudcensus.providers.openstack.fake.state import FakeCloud

__all__ = ["HANDLERS"]

Handler = Callable[[FakeCloud, Request, str, list[str], str], Reply]
#: where a page says there is a next one
NextStyle = Literal["links-object", "links-list", "next", "none", "offset"]


@dataclass(frozen=True)
class _ListApi:
    segment: str  # the service's path segment, and its `max_page` key
    path: str  # below the segment, e.g. 'v1/{project}/stacks'
    collection: str  # the fake's collection of payloads
    key: str  # the list's key in the answer
    style: NextStyle
    id_key: str = "id"

    def __call__(
        self, cloud: FakeCloud, request: Request, region: str, rest: list[str], project: str
    ) -> Reply:
        if "/".join(rest) != self.path.format(project=project):
            message = f"{request.path} not found"
            return Reply(404, {"code": 404, "type": "not_found", "message": message})
        items = cloud.list(project, region, self.collection)
        cap = cloud.max_page[self.segment]
        if self.style == "offset":
            return Reply(200, {self.key: offset_page(request, items, cap)["items"]})
        page, next_href = marker_page(request, items, cap, self.id_key)
        body: dict[str, Any] = {self.key: page}
        if self.style == "links-object":
            body["links"] = {"self": f"{request.base}{request.path}"}
            body["metadata"] = {"total_count": len(items)}
        if next_href is not None and self.style == "links-object":
            body["links"]["next"] = next_href
        elif next_href is not None and self.style == "links-list":
            body["links"] = [{"rel": "next", "href": next_href}]
        elif next_href is not None and self.style == "next":
            body["next"] = next_href
        return Reply(200, body)


_APIS = (
    _ListApi("dns", "v2/zones", "zones", "zones", "links-object"),
    _ListApi("orchestration", "v1/{project}/stacks", "stacks", "stacks", "none"),
    _ListApi("share", "v2/shares/detail", "shares", "shares", "offset"),
    _ListApi("container-infra", "v1/clusters/detail", "clusters", "clusters", "next", "uuid"),
    _ListApi(
        "database", "v1.0/{project}/instances", "database_instances", "instances", "links-list"
    ),
)

HANDLERS: dict[str, Handler] = {api.segment: api for api in _APIS}
