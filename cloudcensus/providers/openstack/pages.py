"""Raw JSON pages through openstacksdk's authenticated service adapters.

openstacksdk's per-item `Resource` objects cost milliseconds each; the same pages read as
JSON through the service proxy (a keystoneauth adapter: token, catalog endpoint, version
discovery, microversions) cost almost nothing (docs/openstack.md, benchmarks). So every
collector reads lists through `ServiceApi`, which:

- pages in the service's own style: `*_links` "next" (Nova, Neutron, Cinder, Octavia,
  Trove's `links`), a `next` href (Glance, Magnum), Designate's `links: {next}`,
  Barbican's `limit`/`offset` with `next`, Manila's `limit`/`offset` and Heat's marker
  on the last id until an empty page, Swift's name markers. A next link is
  never requested as given (a deployment behind a proxy may write an internal host into
  it): its query (marker, offset) is replayed on the adapter's own endpoint;
- retries 429 and 413 (rate limits, honouring `Retry-After`) and 502/503/504 through
  keystoneauth's status-code retries, the SDK's own retry mode;
- bounds the requests in flight to one cloud with a semaphore shared by its scopes;
- raises openstacksdk's `HttpException` subclasses on any other error status, for
  `errors.classify_error` to name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from openstack.exceptions import EndpointNotFound, InvalidResponse, raise_from_response
from openstack.proxy import Proxy

__all__ = ["RETRIED_STATUSES", "ServiceApi"]

#: statuses retried (with backoff, or the server's Retry-After) before a call fails
RETRIED_STATUSES = [413, 429, 502, 503, 504]

Params = Mapping[str, str | int | list[str]]


class ServiceApi:
    """One service of one region, read as raw JSON."""

    def __init__(
        self,
        proxy: Proxy,
        *,
        page_size: int,
        retries: int,
        gate: threading.Semaphore,
    ) -> None:
        self.proxy = proxy
        self.page_size = page_size
        self._retries = retries
        self._gate = gate

    def request(
        self,
        path: str,
        params: Params | None = None,
        *,
        method: str = "GET",
        microversion: str | None = None,
    ) -> requests.Response:
        """One call; raises an `HttpException` for an error status after the retries."""
        options: dict[str, Any] = {
            "params": dict(params or {}),
            "status_code_retries": self._retries,
            "retriable_status_codes": RETRIED_STATUSES,
        }
        if microversion is not None:
            options["microversion"] = microversion
        with self._gate:
            response = self.proxy.request(path, method, **options)
        raise_from_response(response)
        return response

    def json(self, path: str, params: Params | None = None, **kwargs: Any) -> Any:
        response = self.request(path, params, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise InvalidResponse(
                f"{self.proxy.service_type} {path}: the answer is not JSON"
            ) from None

    def endpoint(self) -> str:
        """The service's base URL in this region (after version discovery)."""
        url = self.proxy.get_endpoint()
        if not url:
            raise EndpointNotFound(f"no {self.proxy.service_type} endpoint")
        return str(url).rstrip("/")

    def max_microversion(self, wanted: str) -> str | None:
        """`wanted` when the endpoint supports it, else None (the base version)."""
        data = self.proxy.get_endpoint_data()
        top = getattr(data, "max_microversion", None) if data is not None else None
        if not top:
            return None
        want = tuple(int(x) for x in wanted.split("."))
        return wanted if tuple(top) >= want else None

    # -- paging styles -----------------------------------------------------------------------

    def linked(
        self,
        path: str,
        key: str,
        params: Params | None = None,
        *,
        links: str | None = None,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Items of `key`, following the "next" link of `links` (default `<key>_links`)."""
        field = links or f"{key}_links"

        def next_of(body: dict[str, Any]) -> str | None:
            return _next_href(body.get(field))

        yield from self.follow(path, key, next_of, params, **kwargs)

    def glance(self, path: str, params: Params | None = None) -> Iterator[dict[str, Any]]:
        """Glance v2 lists: `images` plus a relative `next` href."""
        yield from self.follow_next(path, "images", params)

    def follow_next(
        self, path: str, key: str, params: Params | None = None
    ) -> Iterator[dict[str, Any]]:
        """Items of `key`, following a `next` href at the top of the body (Glance, Magnum)."""
        yield from self.follow(path, key, _next_field, params)

    def follow(
        self,
        path: str,
        key: str,
        next_of: Callable[[dict[str, Any]], str | None],
        params: Params | None = None,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Items of `key`, page after page while `next_of(body)` gives a next href."""
        query: dict[str, Any] = {**(params or {}), "limit": self.page_size}
        seen: set[str] = set()
        while True:
            body = self.json(path, query, **kwargs)
            yield from _items(body, key, path)
            follow = next_of(body)
            if not follow:
                return
            query = _replay(follow, query, seen, path)

    def marked(
        self, path: str, key: str, params: Params | None = None, *, id_key: str = "id"
    ) -> Iterator[dict[str, Any]]:
        """Lists without next links (Heat): `marker` = the last item's id, until an empty
        page (a deployment may cap a page below `limit`, so a short page is no end)."""
        query: dict[str, Any] = {**(params or {}), "limit": self.page_size}
        seen: set[str] = set()
        while True:
            items = list(_items(self.json(path, query), key, path))
            yield from items
            if not items:
                return
            marker = str(items[-1].get(id_key) or "") if isinstance(items[-1], dict) else ""
            if not marker or marker in seen:
                raise InvalidResponse(f"{path}: the last item of a full page has no new id")
            seen.add(marker)
            query = {**query, "marker": marker}

    def offset(
        self, path: str, key: str, *, until_empty: bool = False, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """`limit` + `offset` lists: Barbican's, until there is no `next`; Manila's
        (`until_empty`: no next link, and a page may be capped below `limit`), until an
        empty page."""
        query: dict[str, Any] = {"limit": self.page_size, "offset": 0}
        while True:
            body = self.json(path, query, **kwargs)
            items = list(_items(body, key, path))
            yield from items
            if not items or not (until_empty or body.get("next")):
                return
            query = {**query, "offset": query["offset"] + len(items)}

    def names(self, path: str = "") -> Iterator[dict[str, Any]]:
        """Swift account listing: JSON pages after the last name. A cluster may cap a page
        below `limit`, so only an empty page (or the account's container count, when sent)
        ends the listing."""
        marker, seen = "", 0
        while True:
            query: dict[str, Any] = {"format": "json", "limit": self.page_size}
            if marker:
                query["marker"] = marker
            response = self.request(self.endpoint() + path, query)
            body = response.json() if response.status_code != 204 and response.content else []
            if not isinstance(body, list):
                raise InvalidResponse("object-store: the account listing is not a JSON list")
            yield from body
            seen += len(body)
            total = response.headers.get("X-Account-Container-Count")
            if not body or (total is not None and total.isdigit() and seen >= int(total)):
                return
            marker = str(body[-1].get("name") or "")
            if not marker:
                raise InvalidResponse("object-store: a listed container has no name")


def _items(body: Any, key: str, path: str) -> Iterator[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise InvalidResponse(f"{path}: the answer has no {key!r} list")
    yield from body[key]


def _next_field(body: dict[str, Any]) -> str | None:
    """A `next` href at the top of the body (Glance, Magnum)."""
    follow = body.get("next")
    return str(follow) if follow else None


def _next_href(links: Any) -> str | None:
    """The "next" href of a links list, or of Designate's `{"next": href}` object."""
    if isinstance(links, dict):
        follow = links.get("next")
        return str(follow) if follow else None
    for link in links or ():
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _replay(href: str, query: dict[str, Any], seen: set[str], path: str) -> dict[str, Any]:
    """The next page's query: the link's own parameters on our endpoint and path."""
    given = parse_qs(urlsplit(href).query)
    following = {k: given[k][-1] for k in ("marker", "limit") if given.get(k)}
    marker = following.get("marker", "")
    if not marker or marker in seen:
        raise InvalidResponse(f"{path}: the next link repeats or lacks its marker")
    seen.add(marker)
    return {**query, **following}
