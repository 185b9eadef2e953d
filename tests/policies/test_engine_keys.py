"""Memo keys: which strings a condition can tell apart, and tokens of values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cloudcensus.policies.keys import (
    LIST_VALUE,
    MAP_VALUE,
    MISSING,
    OTHER,
    coarse,
    exact,
    reader,
    simple_values,
)
from cloudcensus.policies.literals import literal_sets
from cloudcensus.scanner.inventory import Jurisdiction, Location
from tests.policies.policy_helpers import make_resource

OWNER = ("tags", "owner")
UNCONVERTIBLE = "\ud800"  # a lone surrogate: CEL cannot take it as a string
STATE = ("properties", "state")


def _sets(source: str, *paths: tuple[str | int, ...], **constants: Any) -> dict[Any, Any]:
    found = literal_sets(source, "resource", paths, constants)
    return {k: None if v is None else set(v) for k, v in found.items()}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('resource.tags["owner"] != ""', {""}),
        ('"" != resource.tags["owner"] && true', {""}),
        ('resource.tags["owner"] == null || resource.tags["owner"] == "ops"', {"ops"}),
        ('resource.tags["owner"] in ["a", "b", 1]', {"a", "b"}),
        ('!(resource.tags["owner"] in cc_levels)', {"x", "y"}),
        ('resource.tags["owner"] in cc_map ? 1 : 2', {"k"}),
        ('has(resource.tags.owner) && resource.tags["owner"] == "a"', {"a"}),
        ('k in resource.tags && resource.tags[k] != ""', {""}),
        ("resource.properties.public == true", {}),
    ],
)
def test_paths_only_compared_with_constants_get_their_strings(
    source: str, expected: set[str]
) -> None:
    constants = {"cc_levels": ["x", "y", 3], "cc_map": {"k": ["BE"]}}
    path = ("properties", "public") if "public" in source else OWNER
    assert _sets(source, path, **constants) == {path: set(expected)}


@pytest.mark.parametrize(
    "source",
    [
        'resource.tags["owner"].startsWith("team-")',
        'resource.tags["owner"] < "m"',
        'resource.tags["owner"] + "x" == "opsx"',
        'resource.tags["owner"] == "a" + "b"',
        'x == resource.tags["owner"] == "a"',
        '!resource.tags["owner"] == "a"',
        'cc_map[resource.tags["owner"]] == "a"',
        'size(resource.tags["owner"]) == 3',
        'resource.tags["owner"] in cc_unknown',
        'resource.tags["owner"] == "caf\\u00e9"',
        'resource.tags["owner"] == "a" ? resource.tags["owner"] : "b"',
        "resource.tags.exists(k, k == 'owner')",
    ],
)
def test_any_other_use_keys_the_path_exactly(source: str) -> None:
    constants = {"cc_map": {"a": 1}}
    assert _sets(source, OWNER, **constants) == {OWNER: None}


def test_a_field_read_of_a_path_is_the_fields_key_and_unread_paths_are_free() -> None:
    source = 'resource.properties.state.name == "a" && resource.properties.kind == "b"'
    name = ("properties", "state", "name")
    found = _sets(source, STATE, name, ("properties", "kind"), ("properties", "other"))
    assert found == {
        STATE: set(),  # read only through `name`, which has a key of its own
        name: {"a"},
        ("properties", "kind"): {"b"},
        ("properties", "other"): set(),
    }
    assert _sets(source, STATE) == {STATE: None}  # without it, the path holds the field


def test_tokens_tell_apart_values_equal_in_python() -> None:
    values: list[Any] = [1, True, 1.0, "1", None, False, 0, "", [1], (1,), {"a": 1}, "[1]"]
    tokens = [exact(value) for value in values]
    assert len(set(tokens)) == len(values)
    assert MISSING not in tokens
    assert OTHER not in tokens
    assert exact({"a": 1}) == exact({"a": 1})
    assert exact(2**70) == exact(2**70)


def test_model_tokens_follow_values_not_objects() -> None:
    def jurisdiction(non_eu_law: bool) -> Jurisdiction:
        return Jurisdiction(
            offering="x", operator="o", legal_seat="BE", parent="p", parent_country="BE",
            non_eu_law=non_eu_law,
        )  # fmt: skip

    assert exact(jurisdiction(True)) == exact(jurisdiction(True))
    assert exact(jurisdiction(True)) != exact(jurisdiction(False))
    assert exact(Location(country="BE")) != exact(Location(country="BE", eu=True))


def test_readers_mark_missing_keys_and_values_met_before_the_end() -> None:
    resource = make_resource(
        properties={"a": {"b": 1}, "s": "text", "n": None}, tags={"k": "v"}, jurisdiction=None
    )
    fields = resource.__dict__
    assert reader(("tags", "k"))(fields) == "v"
    assert reader(("tags", "j"))(fields) is MISSING
    assert reader(("properties", "a", "b"))(fields) == exact(1)
    assert reader(("properties", "a", "c"))(fields) is MISSING
    whole = {reader(("properties", key, "x"))(fields) for key in ("s", "n")}
    assert len(whole) == 2
    assert MISSING not in whole
    assert reader(("jurisdiction", "offering"))(fields) != reader(("properties", "n"))(fields)
    assert reader(("location", "country"))(fields) == "IE"
    assert reader(("nonsense",))(fields) is MISSING


def test_coarse_merges_only_values_the_constants_cannot_tell_apart() -> None:
    literals = frozenset({"customer"})
    assert coarse("customer", literals) == "customer"
    assert coarse("provider", literals) is OTHER
    assert coarse("caf\u00e9", literals) == "caf\u00e9"  # kept apart: not merged blindly
    assert coarse(1, literals) == exact(1)
    assert coarse(True, literals) is True
    assert coarse(None, literals) is None
    assert coarse(MISSING, literals) is MISSING
    assert coarse({"a": [1, "x"]}, literals) is coarse({}, literals) is MAP_VALUE
    assert coarse([1], literals) is coarse(("a",), literals) is LIST_VALUE
    poisoned = {"a": UNCONVERTIBLE}
    assert coarse(poisoned, literals) == exact(poisoned)  # CEL cannot take it: its own key
    assert coarse(Location(country="BE"), literals) == exact(Location(country="BE"))
    assert coarse(Location(country="BE"), literals, dumped=True) is MAP_VALUE
    assert coarse("provider", None) == "provider"


def test_simple_values_are_those_that_surely_convert() -> None:
    assert simple_values({"a": "x", "b": 1, "c": None, "d": 1.5, "e": True})
    assert simple_values({"a": "caf\u00e9", "b": [1, {"c": None}]})
    for odd in (UNCONVERTIBLE, [UNCONVERTIBLE], 2**64, {1: "x"}, datetime(2026, 1, 1, tzinfo=UTC)):
        assert not simple_values({"a": odd})
