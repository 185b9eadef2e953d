"""Drift between two scans: what was added, removed, changed, and what could not be verified.

The rule that keeps drift honest: a resource missing from the newer scan is *removed*
only when its unit (provider, account, region, collector) was read completely in the newer
scan and no provider- or account-wide entry of that scan failed. Anywhere else it is
*unverified*: an access-denied account, a throttled region or a timed-out collector never
turns its resources into deletions. Changes are decided on the normalised view (the
`digest`, see `codec`), so a payload-only difference in `raw` is not drift.

All set operations run in SQLite on indexed ids; Python only holds the differences.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Literal

from cloudcensus.scanner.store.records import StoreError
from cloudcensus.scanner.store.schema import swept_sql
from cloudcensus.scanner.store.store import Store

__all__ = [
    "Change",
    "Diff",
    "FieldChange",
    "ResourceRef",
    "diff",
    "field_changes",
    "scan_pair",
]

#: Fields compared key by key; every other field (except `raw`) is compared as a whole.
_KEYED = ("properties", "tags", "location", "jurisdiction")

_REF = "r.id, r.provider, r.account, r.region, r.type, r.name"

_ADDED = f"""SELECT {_REF} FROM resources r
WHERE r.scan_id = :new AND r.stale = 0
AND NOT EXISTS (SELECT 1 FROM resources o WHERE o.scan_id = :old AND o.id = r.id)
ORDER BY r.id"""  # noqa: S608 - constant SQL

_CHANGED = f"""SELECT {_REF}, ob.json AS old_json, nb.json AS new_json
FROM resources r JOIN resources o ON o.scan_id = :old AND o.id = r.id
JOIN bodies ob ON ob.hash = o.body_hash JOIN bodies nb ON nb.hash = r.body_hash
WHERE r.scan_id = :new AND r.stale = 0 AND r.digest != o.digest
ORDER BY r.id"""  # noqa: S608 - constant SQL

_GONE = f"""SELECT {_REF}, {swept_sql("u", ":new")} AS swept
FROM resources r JOIN units u ON u.id = r.unit_id
WHERE r.scan_id = :old
AND NOT EXISTS (SELECT 1 FROM resources n WHERE n.scan_id = :new AND n.id = r.id AND n.stale = 0)
ORDER BY r.id"""  # noqa: S608 - constant SQL

_UNCHANGED = """SELECT count(*) FROM resources r
JOIN resources o ON o.scan_id = :old AND o.id = r.id
WHERE r.scan_id = :new AND r.stale = 0 AND r.digest = o.digest"""


@dataclass(frozen=True)
class ResourceRef:
    """Enough of a resource to name it in a report."""

    id: str
    provider: str
    account: str
    region: str
    type: str
    name: str | None = None


@dataclass(frozen=True)
class FieldChange:
    """One changed field: `path` is `name`, `properties.public`, `tags.owner`, ..."""

    path: str
    kind: Literal["added", "removed", "changed"]
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class Change:
    resource: ResourceRef
    fields: tuple[FieldChange, ...]


@dataclass
class Diff:
    """`old_scan` -> `new_scan`. Lists are ordered by resource id."""

    old_scan: int
    new_scan: int
    added: list[ResourceRef] = field(default_factory=list)
    removed: list[ResourceRef] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unverified: list[ResourceRef] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        """True when nothing was added, removed or changed (unverified is not drift)."""
        return not (self.added or self.removed or self.changed)


def diff(store: Store, old_scan: int, new_scan: int) -> Diff:
    """Compare two scans of `store` (see module doc for what counts as removed)."""
    store.scan(old_scan)  # both must exist: UnknownScan otherwise
    store.scan(new_scan)
    conn, params = store.connection, {"old": old_scan, "new": new_scan}
    result = Diff(old_scan, new_scan)
    result.added = [_ref(row) for row in conn.execute(_ADDED, params)]
    for row in conn.execute(_CHANGED, params):
        changes = field_changes(json.loads(row["old_json"]), json.loads(row["new_json"]))
        result.changed.append(Change(_ref(row), changes))
    for row in conn.execute(_GONE, params):
        (result.removed if row["swept"] else result.unverified).append(_ref(row))
    result.unchanged = int(conn.execute(_UNCHANGED, params).fetchone()[0])
    return result


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """The differences between two resource dicts, `raw` ignored, keyed fields per key."""
    changes: list[FieldChange] = []
    for name in sorted((old.keys() | new.keys()) - {"raw"}):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name in _KEYED and isinstance(before or {}, dict) and isinstance(after or {}, dict):
            changes.extend(_keyed_changes(name, before or {}, after or {}))
        else:
            changes.append(FieldChange(name, "changed", before, after))
    return tuple(changes)


def _keyed_changes(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    changes = []
    for key in sorted(old.keys() | new.keys()):
        path = f"{prefix}.{key}"
        if key not in old:
            changes.append(FieldChange(path, "added", None, new[key]))
        elif key not in new:
            changes.append(FieldChange(path, "removed", old[key], None))
        elif old[key] != new[key]:
            changes.append(FieldChange(path, "changed", old[key], new[key]))
    return changes


def _ref(row: sqlite3.Row) -> ResourceRef:
    return ResourceRef(
        id=row["id"],
        provider=row["provider"],
        account=row["account"],
        region=row["region"],
        type=row["type"],
        name=row["name"],
    )


def scan_pair(store: Store, old: int | None, new: int | None) -> tuple[int, int]:
    """Scan ids to compare: as given, else the latest finished scan and the one before.
    Raises `StoreError` when there is no such scan."""
    if new is None:
        latest = store.last_complete_scans(1)
        if not latest:
            raise StoreError("no finished scan in the store: run a scan first")
        new = latest[0].id
    if old is None:
        previous = store.previous_scan(new)
        if previous is None:
            raise StoreError(f"no finished scan before scan {new} to compare with")
        old = previous.id
    return old, new
