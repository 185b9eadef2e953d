"""Access keys of the account: the caller's own (`ReadAccessKeys`) and, with
`eim_users`, every EIM user's (`ReadUsers`, then `ReadAccessKeys` per user name).

Whether a key has passed its `ExpirationDate` is decided when it is listed (`fetch` adds
`Expired`, so `normalise` stays pure): an expired key no longer signs requests. The API
never returns a secret key when listing; any `SecretKey` field is dropped anyway. A key
listed twice (the caller is an EIM user) is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from cloudcensus.providers.outscale.resource import osc_resource, parse_time
from cloudcensus.providers.outscale.spec import OutscaleClients, OutscaleCollector, OutscaleContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_access_keys", "normalise_access_key"]

Raw = dict[str, Any]


def _listed(key: Any, owner: str | None, now: datetime) -> Any:
    if not isinstance(key, dict):
        return key
    item = {k: v for k, v in key.items() if k != "SecretKey"}
    item["UserName"] = owner
    try:
        expires = parse_time(item.get("ExpirationDate"))
        item["Expired"] = expires is not None and expires <= now
    except (TypeError, ValueError):
        item["Expired"] = None
    return item


def fetch_access_keys(
    clients: OutscaleClients,
    ctx: OutscaleContext,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[Raw]:
    seen: set[str] = set()

    def unseen(keys: list[Any], owner: str | None) -> Iterator[Any]:
        for key in keys:
            ident = key.get("AccessKeyId") if isinstance(key, dict) else None
            if ident is None or ident not in seen:
                seen.update([ident] if ident else [])
                yield _listed(key, owner, now())

    yield from unseen(clients.osc.call("ReadAccessKeys").get("AccessKeys") or [], None)
    if not clients.osc.settings.eim_users:
        return
    for user in clients.osc.numbered_pages("ReadUsers", "Users"):
        name = user.get("UserName") if isinstance(user, dict) else None
        if name:
            keys = clients.osc.call("ReadAccessKeys", UserName=name).get("AccessKeys") or []
            yield from unseen(keys, name)


def normalise_access_key(raw: Raw, ctx: OutscaleContext) -> Resource:
    active = raw.get("State") == "ACTIVE" and not raw.get("Expired")
    return osc_resource(
        ctx,
        type_="identity.access_key",
        native_type="osc.AccessKey",
        id_=ctx.urn("access-key", raw["AccessKeyId"]),
        raw=raw,
        name=raw.get("Tag") or raw["AccessKeyId"],
        created=raw.get("CreationDate"),
        account_level=True,
        properties={
            "status": "active" if active else "inactive",
            "owner": raw.get("UserName"),
            "last_used": None,  # the OSC API does not say when a key was last used
        },
    )


COLLECTORS: tuple[OutscaleCollector, ...] = (
    OutscaleCollector("osc.access_keys", fetch_access_keys, normalise_access_key, global_=True),
)
