"""Verdicts cached per list element, for rules that test each element of one list.

A rule whose whole condition is (no `where`)::

    resource.<field>.<key> != null && !resource.<field>.<key>.exists(<v>, <body>)

with a `body` that reads nothing of the resource but `<v>` (parameters and `now` are
allowed), is decided by the body on each element alone: on a list whose elements are
all maps, if the body is `true` on one element the verdict is `false` (CEL's `exists`
is `true` as soon as one element is, whatever the others give), and if it is `false`
on every element the verdict is `true`. In every other case (the value missing, null,
not a list or empty, an element not a map, the body raising or not returning a bool
before an element gave `true`) this module answers None and the rule is evaluated
whole, so errors and their messages are those of the whole rule.

Security groups and IAM users rarely repeat as a whole (unique CIDRs, key ids), but
their ingress rules and keys are few distinct values: the body's verdict is memoised
on the element's `repr` (plus `now` when the body reads it).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import cel

from cloudcensus.policies.compiled import CEL_ERRORS, CompiledRule
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
    return ElementPlan(found["top"], found["key"], var, program, rule)


class ElementPlan:
    """One rule's body, run on each element of the list, memoised per element."""

    def __init__(
        self, top: str, key: str, var: str, program: cel.Program, rule: CompiledRule
    ) -> None:
        self._top = top
        self._key = key
        self._var = var
        self._program = program
        self._context = cel.Context(dict(rule.constants))
        self._uses_now = rule.uses_now
        self._memo: dict[Any, bool] = {}
        self.misses = 0  # elements the body ran on

    def verdict(self, resource: Resource, now: datetime) -> bool | None:
        """The rule's verdict on `resource`, or None: evaluate the rule whole."""
        value = resource.__dict__[self._top].get(self._key)
        if type(value) is not list or not value:
            return None
        memo = self._memo
        for element in value:
            if type(element) is not dict:
                return None
            key: Any = repr(element)
            if self._uses_now:
                key = (key, now)
            result = memo.get(key)
            if result is None:
                self.misses += 1
                result = self._run(element, now)
                if result is None:
                    return None
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[key] = result
            if result:
                return False  # `exists` is true: the condition is false
        return True

    def _run(self, element: dict[str, Any], now: datetime) -> bool | None:
        try:
            self._context.add_variable(self._var, element)
            if self._uses_now:
                self._context.add_variable("now", now)
            result = self._program.execute(self._context)
        except CEL_ERRORS:
            return None
        return result if isinstance(result, bool) else None
