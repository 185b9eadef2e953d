"""Typed reads of Cloud Asset JSON with errors that name the field.

A malformed payload must fail its one item loudly (the collection engine records it and
goes on with the rest) and say which field was wrong: `resource.data.settings: expected
an object, got str`. Missing optional fields are `None`; a field of the wrong type is
a `ValueError`, never a silent default that could read as compliant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = [
    "PayloadError",
    "opt_bool",
    "opt_int",
    "opt_list",
    "opt_map",
    "opt_str",
    "parse_time",
    "req_str",
]

# RFC 3339 as Google writes it: up to nanoseconds, 'Z' or an offset.
_FRACTION = re.compile(r"(\.\d{6})\d+")

_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


class PayloadError(ValueError):
    """A field of an API payload is missing or has the wrong type."""


def _kind(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _where(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def opt_map(data: Mapping[str, Any], key: str, where: str = "") -> dict[str, Any] | None:
    """`data[key]` as an object; None when absent or null."""
    value = data.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise PayloadError(f"{_where(where, key)}: expected an object, got {_kind(value)}")


def opt_list(data: Mapping[str, Any], key: str, where: str = "") -> list[Any] | None:
    """`data[key]` as a list; None when absent or null."""
    value = data.get(key)
    if value is None or isinstance(value, list):
        return value
    raise PayloadError(f"{_where(where, key)}: expected a list, got {_kind(value)}")


def opt_str(data: Mapping[str, Any], key: str, where: str = "") -> str | None:
    """`data[key]` as a string; None when absent, null or empty."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise PayloadError(f"{_where(where, key)}: expected a string, got {_kind(value)}")


def req_str(data: Mapping[str, Any], key: str, where: str = "") -> str:
    """`data[key]` as a non-empty string; raises when absent."""
    value = opt_str(data, key, where)
    if value is None:
        raise PayloadError(f"{_where(where, key)}: missing")
    return value


def opt_bool(data: Mapping[str, Any], key: str, where: str = "") -> bool | None:
    """`data[key]` as a boolean; None when absent or null."""
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise PayloadError(f"{_where(where, key)}: expected a boolean, got {_kind(value)}")


def opt_int(data: Mapping[str, Any], key: str, where: str = "") -> int | None:
    """`data[key]` as an integer (JSON encodes int64 as a string); None when absent."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():  # a protobuf Struct's numbers
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise PayloadError(f"{_where(where, key)}: expected an integer, got {_kind(value)}")


def parse_time(value: str, where: str) -> datetime:
    """An RFC 3339 timestamp (nanoseconds allowed) as an aware datetime."""
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value))
    except ValueError:
        raise PayloadError(f"{where}: not an RFC 3339 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise PayloadError(f"{where}: timestamp without a time zone: {value!r}")
    return parsed
