"""Memo keys: a resource's values as the rules see them, cheap to build per resource.

The verdict memo (`verdicts.py`) looks up every (rule, resource) pair, about seven per
resource, so its keys must cost a few hundred nanoseconds, not the microseconds of a
`repr`. A key is built from *tokens*, one per path a rule reads:

- a string, `True`, `False` and `None` are their own token;
- an `int` is `(INT, value)`, so `1` differs from `True` (equal in Python, not in CEL);
- a pydantic model (`location`, `jurisdiction`) is one marker per distinct value;
- anything else (lists, maps, floats, datetimes) is `(REPR, repr(value))`;
- a missing key is `MISSING`; a non-map met before the end of the path (which CEL is
  handed whole) is `(WHOLE, token of that value)`.

Equal tokens mean equal values as CEL sees them, so a verdict and its evidence may be
reused. `coarse` merges the values a rule cannot tell apart (`literals.py`): strings
into `OTHER`, maps and lists into one token each, for the verdict alone; evidence
always uses exact tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

from pydantic import BaseModel

from cloudcensus.policies.literals import Literals
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "AS_IS",
    "LIST_VALUE",
    "MAP_VALUE",
    "MISSING",
    "OTHER",
    "Reader",
    "coarse",
    "coarse_reader",
    "exact",
    "is_map_key",
    "locate",
    "reader",
    "simple_values",
    "surely_converts",
    "token",
]


class _Marker:
    """A token no value can produce: compared by identity."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"<{self._name}>"


MISSING: Final = _Marker("missing")  # the key is not in the map
OTHER: Final = _Marker("other string")  # a string the rule compares with no constant
MAP_VALUE: Final = _Marker("a map")  # ... a map, where the rule only compares with constants
LIST_VALUE: Final = _Marker("a list")  # ... a list, likewise
_INT: Final = _Marker("int")
_REPR: Final = _Marker("repr")
_WHOLE: Final = _Marker("whole")

#: Classes whose values are their own token.
AS_IS: Final = frozenset({str, bool, type(None), _Marker})
_DICT_FIELDS = frozenset({"tags", "properties", "raw"})  # always dicts on a `Resource`
_MODEL_FIELDS = frozenset({"location", "jurisdiction"})  # a model (jurisdiction: or None)
_TOP = frozenset(Resource.model_fields)
_INT64 = range(-(2**63), 2**63)
_MODEL_CACHE = 4096
_MODEL_IDS: dict[int, tuple[BaseModel, _Marker]] = {}
_MODEL_VALUES: dict[tuple[type, tuple[Any, ...]], _Marker] = {}

Reader = Callable[[dict[str, Any]], Any]


def exact(value: Any) -> Any:
    """The token of a value: equal tokens iff CEL sees equal values."""
    cls = value.__class__
    if cls in AS_IS:
        return value
    if cls is int:
        return (_INT, value)
    if isinstance(value, BaseModel):
        return _model_token(value)
    return (_REPR, repr(value))


def _model_token(model: BaseModel) -> Any:
    """One marker per distinct model value, so a key holding it hashes by identity.

    Models are frozen; the marker of an object is remembered by id (the object is kept,
    so its id is not reused), the marker of a value in `_MODEL_VALUES`. A scope's
    resources usually share their `jurisdiction` and `location` objects, or at least
    their values.
    """
    known = _MODEL_IDS.get(id(model))
    if known is not None and known[0] is model:
        return known[1]
    fields = tuple(exact(value) for value in model.__dict__.values())
    value = (model.__class__, fields)
    marker = _MODEL_VALUES.get(value)
    if marker is None:
        if len(_MODEL_VALUES) >= _MODEL_CACHE:
            _MODEL_VALUES.clear()
        marker = _MODEL_VALUES[value] = _Marker(f"{model.__class__.__name__} {fields!r}")
    if len(_MODEL_IDS) >= _MODEL_CACHE:
        _MODEL_IDS.clear()
    _MODEL_IDS[id(model)] = (model, marker)
    return marker


def coarse(value: Any, literals: Literals, dumped: bool = False) -> Any:
    """The token of `value` (raw, `MISSING`, or as `locate` gives it) for a path the
    condition compares only with `literals` (None: keyed exactly).

    An ASCII string outside `literals` is `OTHER`; a map or list that surely converts
    into CEL is `MAP_VALUE` or `LIST_VALUE` (CEL answers the same for any of them, see
    `literals.py`). Strings that might not convert stay apart: a value CEL cannot take
    is an error of its own. `dumped`: a model here reaches CEL as its `model_dump()`
    (`location`, `jurisdiction`); elsewhere it does not convert.
    """
    if literals is not None:
        cls = value.__class__
        if cls is str:
            if value not in literals and value.isascii():
                return OTHER
        elif cls is dict or (dumped and isinstance(value, BaseModel)):
            if surely_converts(value):
                return MAP_VALUE
        elif (cls is list or cls is tuple) and surely_converts(value):
            return LIST_VALUE
    return token(value)


def token(value: Any) -> Any:
    """The exact token of a value as `locate` gives it."""
    if value.__class__ in AS_IS:
        return value
    if value.__class__ is _Whole:
        return (_WHOLE, exact(value.value))
    return exact(value)


_SCALARS = frozenset({bool, type(None), float})


def surely_converts(value: Any) -> bool:
    """True when CEL surely converts `value`: strings that encode, booleans, null,
    floats, 64-bit integers, and lists, tuples, maps with string keys and models (as
    their dump) of those. False says nothing."""
    cls = value.__class__
    if cls is str:
        return value.isascii() or _encodes(value)
    if cls in _SCALARS:
        return True
    if cls is int:
        return value in _INT64
    if cls is list or cls is tuple:
        return all(surely_converts(item) for item in value)
    if cls is dict:
        return all(
            key.__class__ is str and surely_converts(key) and surely_converts(item)
            for key, item in value.items()
        )
    if isinstance(value, BaseModel):
        return all(surely_converts(item) for item in value.__dict__.values())
    return False


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_map_key(keys: tuple[str | int, ...]) -> bool:
    """Whether `keys` is one key of a field that is always a dict (`tags`, `properties`,
    `raw`): its token is `fields[keys[0]].get(keys[1], MISSING)`, made a token."""
    return len(keys) == 2 and keys[0] in _DICT_FIELDS


def reader(keys: tuple[str | int, ...]) -> Reader:
    """The token of the value at `keys` in a resource, from `resource.__dict__`."""
    if not keys:
        return _whole_resource
    top = keys[0]
    if top not in _TOP:
        return _missing
    if is_map_key(keys):
        key = keys[1]

        def one_key(fields: dict[str, Any]) -> Any:
            value = fields[top].get(key, MISSING)
            return value if value.__class__ in AS_IS else exact(value)

        return one_key
    name = keys[1] if len(keys) == 2 else None
    if top in _MODEL_FIELDS and isinstance(name, str):
        field: str = name  # narrowed for the closure

        def model_field(fields: dict[str, Any]) -> Any:
            model = fields[top]
            if model is None:
                return (_WHOLE, None)
            value = model.__dict__.get(field, MISSING)
            return value if value.__class__ in AS_IS else exact(value)

        return model_field
    return partial(_walk, keys=keys)


def coarse_reader(keys: tuple[str | int, ...], literals: Literals) -> Reader:
    """The `coarse` token of the value at `keys`, from `resource.__dict__`."""
    if not keys or keys[0] not in _TOP:
        return reader(keys)
    dumped = len(keys) == 1
    return lambda fields: coarse(locate(fields, keys), literals, dumped)


class _Whole:
    """A value that is not a map, met before the end of a path (CEL is handed it whole)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def locate(fields: Mapping[Any, Any], keys: tuple[str | int, ...]) -> Any:
    """The value at `keys` (a field name first), `MISSING`, or a `_Whole`."""
    value: Any = fields[keys[0]]
    for key in keys[1:]:
        mapping: Any = value
        if value.__class__ is not dict:
            if isinstance(value, BaseModel):
                mapping = value.__dict__
            elif not isinstance(value, Mapping):
                return _Whole(value)
        if key not in mapping:
            return MISSING
        value = mapping[key]
    return value


def _walk(fields: Mapping[Any, Any], keys: tuple[str | int, ...]) -> Any:
    return token(locate(fields, keys))


def _missing(fields: dict[str, Any]) -> Any:
    return MISSING


def _whole_resource(fields: dict[str, Any]) -> Any:
    return tuple(exact(value) for value in fields.values())


def simple_values(element: dict[Any, Any]) -> bool:
    """True when every value of `element` surely converts into CEL (`surely_converts`,
    its usual cases inline: this runs per list element)."""
    for value in element.values():
        cls = value.__class__
        if cls is str:
            if not value.isascii() and not _encodes(value):
                return False
        elif cls is int:
            if value not in _INT64:
                return False
        elif cls not in _SCALARS and not surely_converts(value):
            return False
    return True
