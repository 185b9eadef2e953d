"""What a condition sees and what a finding keeps: resource maps, projections, evidence.

CEL receives a resource as a map. Converting Python values into CEL costs about two
microseconds per string or dict key, so the engine hands CEL a *projection*: only the
fields the rules of that resource type can reach (`expressions.field_paths` is
conservative, so the verdict is the same as on the whole resource, missing keys
included). The same paths give the evidence: the value of every field a rule read,
`None` when missing. `raw` is never copied into evidence wholesale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cloudcensus.policies.expressions import FieldPath
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "OMITTED",
    "Projection",
    "evidence_of",
    "resource_map",
]

#: Evidence value recorded in place of a whole `raw` payload or a whole resource.
OMITTED = "<omitted>"

_Trie = dict[str | int, "_Trie"]
_FIELDS = tuple(Resource.model_fields)  # read once: the class attribute is slow to reach
_LEAF: _Trie = {}


def _top_value(resource: Resource, key: str) -> Any:
    if key == "location":
        location = resource.location
        return {"country": location.country, "eu": location.eu, "eea": location.eea}
    if key == "jurisdiction":
        jurisdiction = resource.jurisdiction
        return None if jurisdiction is None else jurisdiction.model_dump()
    return resource.__dict__[key]


def resource_map(resource: Resource) -> dict[str, Any]:
    """The whole resource as CEL sees it: `model_dump()` in python mode (datetimes kept)."""
    return {key: _top_value(resource, key) for key in _FIELDS}


class Projection:
    """The part of a resource that a set of field paths (all on `resource`) can reach."""

    def __init__(self, paths: Iterable[tuple[str | int, ...]]) -> None:
        self.whole = False
        self._trie: _Trie = {}
        for keys in paths:
            if not keys:
                self.whole = True
                continue
            self._add(keys)

    def _add(self, keys: tuple[str | int, ...]) -> None:
        node = self._trie
        for position, key in enumerate(keys):
            child = node.get(key)
            if child is _LEAF:
                return  # an ancestor is already taken whole
            if position == len(keys) - 1:
                node[key] = _LEAF
            else:
                node = node.setdefault(key, {})

    def of(self, resource: Resource) -> dict[str, Any]:
        """The projected resource map; missing fields stay missing."""
        if self.whole:
            return resource_map(resource)
        out: dict[str, Any] = {}
        for key, sub in self._trie.items():
            if key in _FIELDS:
                value = _top_value(resource, key)
                out[key] = value if sub is _LEAF else _project(value, sub)
        return out


def _project(value: Any, trie: _Trie) -> Any:
    if not isinstance(value, Mapping):
        return value  # a list or a scalar: hand it over whole, CEL decides
    out = {}
    for key, sub in trie.items():
        if key in value:
            out[key] = value[key] if sub is _LEAF else _project(value[key], sub)
    return out


def _lookup(value: Any, keys: tuple[str | int, ...]) -> Any:
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
        if value is None:
            return None
    return value


def evidence_of(paths: Iterable[FieldPath], variables: Mapping[str, Any]) -> dict[str, Any]:
    """`{"resource.properties.public": False, ...}`: each path's value, None when missing."""
    evidence: dict[str, Any] = {}
    for path in paths:
        if not path.keys and path.root in ("resource", "account", "resources"):
            continue  # whole resources are not evidence; their fields are
        if path.root in ("resource", "account") and path.keys == ("raw",):
            evidence[path.text] = OMITTED
            continue
        evidence[path.text] = _lookup(variables.get(path.root), path.keys)
    return evidence
