"""Verdicts cached per list element, for rules that test each element of one list.

A rule whose whole condition is (no `where`)::

    resource.<field>.<key> != null && !resource.<field>.<key>.exists(<v>, <body>)

with a `body` that reads nothing of the resource but `<v>` (parameters and `now` are
allowed), is decided by the body on each element alone: on a list whose elements are
all maps, if the body is `true` on one element the verdict is `false` (CEL's `exists`
is `true` as soon as one element is, whatever the others give), and if it is `false`
on every element (or there is none) the verdict is `true`. In every other case (the
value missing, null, not a list, an element not a map, the body raising or not returning a bool
before an element gave `true`) this module answers None and the rule is evaluated
whole, so errors and their messages are those of the whole rule.

Security groups and IAM users rarely repeat as a whole (unique CIDRs, key ids), and
neither do their ingress rules (a private CIDR each), but what the body can tell apart
about an element is little: `rule.source == "0.0.0.0/0"` cannot tell one private CIDR
from another. When the body reads the element only as `<v>.<field>` and every value of
the element surely converts into CEL (`keys.simple_values`), the body's verdict is
memoised on the coarse tokens of the fields it reads (`literals.py`, `keys.py`), and
CEL is handed only those fields (what else the element holds cannot change the body,
and would not fail to convert); otherwise the verdict is memoised on the element's
`repr` and CEL is handed the whole element. `now` joins the key when the body reads it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import cel

from cloudcensus.policies.compiled import CEL_ERRORS, CompiledRule
from cloudcensus.policies.expressions import field_paths
from cloudcensus.policies.keys import AS_IS, MISSING, OTHER, coarse, simple_values
from cloudcensus.policies.literals import Literals, literal_sets
from cloudcensus.scanner.inventory import Resource

__all__ = ["ElementPlan", "element_plan"]

_MEMO_SIZE = 50_000
_DICT_FIELDS = frozenset({"properties", "tags", "raw"})  # always dicts on a `Resource`
_SHAPE = re.compile(
    r"\(\s*resource\.(?P<top>\w+)\.(?P<key>\w+)\s*!=\s*null\s*&&\s*"
    r"!\s*resource\.(?P=top)\.(?P=key)\.exists\(\s*(?P<var>[A-Za-z_]\w*)\s*,"
    r"(?P<body>.*)\)\s*\)",
    re.DOTALL,
)
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_OTHER_ROOTS = re.compile(r"\b(resource|resources|account)\b")


def _balanced(source: str) -> bool:
    depth = 0
    for char in source:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def element_plan(rule: CompiledRule) -> ElementPlan | None:
    """The per-element plan of a rule of the shape above, None for any other rule."""
    if rule.where is not None:
        return None
    found = _SHAPE.fullmatch(rule.combined_source)
    if found is None or found["top"] not in _DICT_FIELDS:
        return None
    body, var = found["body"], found["var"]
    code = _STRING.sub('""', body)
    # The body must be the whole argument of `exists` and read only the element.
    if not _balanced(code) or _OTHER_ROOTS.search(code):
        return None
    if var in ("now", "params") or var in rule.constants:
        return None
    try:
        program = cel.compile(body)
    except CEL_ERRORS:
        return None
    return ElementPlan(
        found["top"], found["key"], var, program, rule, _read_fields(body, var, rule)
    )


def _read_fields(
    body: str, var: str, rule: CompiledRule
) -> tuple[tuple[str, Literals], ...] | None:
    """The fields the body reads of the element and the strings it compares each with;
    None when it reads the element otherwise (whole, nested, with a computed key)."""
    chains = field_paths(body, [var])
    names = [path.keys[0] for path in chains if len(path.keys) == 1]
    if len(names) != len(chains) or not all(isinstance(name, str) for name in names):
        return None
    paths = [(name,) for name in names]
    sets = literal_sets(body, var, paths, rule.constants)
    return tuple((str(path[0]), sets[path]) for path in paths)


class ElementPlan:
    """One rule's body, run on each element of the list, memoised per element."""

    def __init__(
        self,
        top: str,
        key: str,
        var: str,
        program: cel.Program,
        rule: CompiledRule,
        fields: tuple[tuple[str, Literals], ...] | None,
    ) -> None:
        self._top = top
        self._key = key
        self._var = var
        self._program = program
        self._context = cel.Context(dict(rule.constants))
        self._uses_now = rule.uses_now
        self._fields = fields
        self._now: datetime | None = None  # the `now` the context holds
        self._memo: dict[Any, bool] = {}
        self.misses = 0  # elements the body ran on

    def verdict(self, resource: Resource, now: datetime) -> bool | None:
        """The rule's verdict on `resource`, or None: evaluate the rule whole."""
        value = resource.__dict__[self._top].get(self._key)
        if type(value) is not list:
            return None  # an empty list falls through: `exists` is false, the verdict true
        memo = self._memo
        for element in value:
            if type(element) is not dict:
                return None
            # Read by field when every value surely converts (see the module docstring).
            by_field = self._fields is not None and simple_values(element)
            key = self._field_key(element) if by_field else repr(element)
            if self._uses_now:
                key = (key, now)
            result = memo.get(key)
            if result is None:
                self.misses += 1
                result = self._run(self._read(element) if by_field else element, now)
                if result is None:
                    return None
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[key] = result
            if result:
                return False  # `exists` is true: the condition is false
        return True

    def _field_key(self, element: dict[str, Any]) -> tuple[Any, ...]:
        """What the body can tell apart about `element`: the coarse token of each field
        (`keys.coarse`, its usual cases inline: this runs per element)."""
        key = []
        for name, literals in self._fields or ():
            value = element.get(name, MISSING)
            cls = value.__class__
            if cls is str:
                if literals is not None and value not in literals and value.isascii():
                    value = OTHER
            elif cls not in AS_IS:
                value = coarse(value, literals)
            key.append(value)
        return tuple(key)

    def _read(self, element: dict[str, Any]) -> dict[str, Any]:
        """The fields the body reads: all CEL needs (strings cost microseconds each)."""
        fields = self._fields or ()
        return {name: element[name] for name, _ in fields if name in element}

    def _run(self, element: dict[str, Any], now: datetime) -> bool | None:
        try:
            self._context.add_variable(self._var, element)
            if self._uses_now and now is not self._now:  # the context keeps it
                self._context.add_variable("now", now)
                self._now = now
            result = self._program.execute(self._context)
        except CEL_ERRORS:
            return None
        return result if isinstance(result, bool) else None
