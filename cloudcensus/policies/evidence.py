"""What a condition sees and what a finding keeps: resource maps, projections, evidence.

CEL receives a resource as a map. Converting Python values into CEL costs about two
microseconds per string or dict key, so the engine hands CEL a *projection*: only the
fields the rules of that resource type can reach (`expressions.field_paths` is
conservative, so the verdict is the same as on the whole resource, missing keys
included). The same paths give the evidence: the value of every field a rule read,
`None` when missing. `raw` is never copied into evidence wholesale.

`path_token` is the projection of one path as a string, cheap enough to build per
resource per rule: the engine memoises each rule's verdict on the tokens of the paths
that rule can reach, so equal tokens must mean equal projections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from pydantic import BaseModel

from cloudcensus.policies.expressions import FieldPath
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "OMITTED",
    "Projection",
    "evidence_of",
    "path_token",
    "path_tokenizer",
    "resource_map",
]

#: Evidence value recorded in place of a whole `raw` payload or a whole resource.
OMITTED = "<omitted>"

_Trie = dict[str | int, "_Trie"]
_FIELDS = tuple(Resource.model_fields)  # read once: the class attribute is slow to reach
_LEAF: _Trie = {}
_TOP = frozenset(_FIELDS)
_ABSENT = "<missing>"  # no value's repr looks like this
_MODEL_REPRS: dict[int, tuple[BaseModel, str]] = {}  # the object is kept: ids are reused


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


def path_token(resource: Resource, keys: tuple[str | int, ...]) -> str:
    """What `Projection([keys]).of(resource)` holds, as a string: equal iff equal.

    `repr` of the value at the path (reprs of distinct values of the types a resource
    holds differ: `'1'`, `1`, `True` and `1.0` included); a missing key and a
    non-mapping met before the path's end (handed to CEL whole) are marked apart.
    `location` and `jurisdiction` are walked on the models, whose fields are the keys of
    the maps CEL sees.
    """
    if not keys:
        return repr(resource_map(resource))
    if keys[0] not in _TOP:
        return _ABSENT
    value: Any = resource.__dict__[keys[0]]
    for key in keys[1:]:
        if type(value) is not dict:
            if isinstance(value, BaseModel):
                value = value.__dict__
            elif not isinstance(value, Mapping):
                return f"<whole>{value!r}"
        if key not in value:
            return _ABSENT
        value = value[key]
    return _model_repr(value) if isinstance(value, BaseModel) else repr(value)


class _Absent:
    def __repr__(self) -> str:
        return _ABSENT


_ABSENT_VALUE = _Absent()
_DICT_FIELDS = frozenset({"tags", "properties", "raw"})  # always dicts on a `Resource`


def path_tokenizer(keys: tuple[str | int, ...]) -> Callable[[Resource], str]:
    """`path_token` for one path, specialised: `tags.k` and `properties.k` are most paths."""
    if len(keys) == 2 and isinstance(keys[0], str) and keys[0] in _DICT_FIELDS:
        top, key = keys[0], keys[1]

        def one_key(resource: Resource) -> str:
            return repr(resource.__dict__[top].get(key, _ABSENT_VALUE))

        return one_key
    return partial(path_token, keys=keys)


def _model_repr(model: BaseModel) -> str:
    """`repr` of a frozen model (a scope's jurisdiction), computed once per object."""
    cached = _MODEL_REPRS.get(id(model))
    if cached is None or cached[0] is not model:
        if len(_MODEL_REPRS) >= 1024:
            _MODEL_REPRS.clear()
        cached = _MODEL_REPRS[id(model)] = (model, repr(model))
    return cached[1]


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
