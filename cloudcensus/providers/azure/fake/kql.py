"""The slice of Resource Graph's query language (KQL) the fake understands.

Exactly the forms the provider sends, interpreted with their KQL meaning (`in~` and
`=~` are case-insensitive, `order by id asc` sorts the rows, `summarize count() by
subscriptionId` answers `{subscriptionId, count_}` rows). Anything else is refused the
way Resource Graph refuses a bad query (400 `BadRequest`), so a change in the provider's
queries cannot silently read the wrong rows from the fake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["KqlError", "Query", "parse"]

Row = dict[str, Any]

_LIST = re.compile(r"^where\s+type\s+(!?in~)\s*\((.*)\)$", re.IGNORECASE)
_EQUALS = re.compile(r"^where\s+type\s+=~\s*'([^']*)'$", re.IGNORECASE)
_ORDER = re.compile(r"^order\s+by\s+(\w+)\s+(asc|desc)$", re.IGNORECASE)
_COUNT = re.compile(r"^summarize\s+count\(\)\s+by\s+subscriptionId$", re.IGNORECASE)
_ITEM = re.compile(r"'([^']*)'")
TABLES = ("resources", "resourcecontainers")


class KqlError(ValueError):
    """A query outside the supported slice (answered as 400 BadRequest)."""


@dataclass(frozen=True)
class Query:
    table: str
    steps: tuple[Callable[[list[Row]], list[Row]], ...]

    def run(self, rows: Iterable[Row]) -> list[Row]:
        result = list(rows)
        for step in self.steps:
            result = step(result)
        return result


def _where(types: set[str], keep: bool) -> Callable[[list[Row]], list[Row]]:
    return lambda rows: [r for r in rows if (str(r.get("type", "")).lower() in types) == keep]


def _order(column: str, descending: bool) -> Callable[[list[Row]], list[Row]]:
    return lambda rows: sorted(rows, key=lambda r: str(r.get(column, "")), reverse=descending)


def _count(rows: list[Row]) -> list[Row]:
    counts: dict[str, int] = {}
    for row in rows:
        sub = str(row.get("subscriptionId"))
        counts[sub] = counts.get(sub, 0) + 1
    return [{"subscriptionId": sub, "count_": n} for sub, n in counts.items()]


def _step(text: str) -> Callable[[list[Row]], list[Row]]:
    if match := _LIST.match(text):
        types = {t.lower() for t in _ITEM.findall(match.group(2))}
        return _where(types, keep=match.group(1).startswith("in"))
    if match := _EQUALS.match(text):
        return _where({match.group(1).lower()}, keep=True)
    if match := _ORDER.match(text):
        return _order(match.group(1), match.group(2).lower() == "desc")
    if _COUNT.match(text):
        return _count
    raise KqlError(f"unsupported query operator: {text!r}")


def parse(text: str) -> Query:
    """Parse one query of the supported slice."""
    parts = [p.strip() for p in text.split("|")]
    table = parts[0].lower()
    if table not in TABLES:
        raise KqlError(f"unknown table {parts[0]!r}")
    return Query(table, tuple(_step(p) for p in parts[1:]))
