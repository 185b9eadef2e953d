"""The verdict cache: per resource type, each rule's verdict memoised on what it reads.

CEL here is a pure function of its inputs (sandboxed, no I/O), so a rule's verdict and
evidence can be reused for every resource that looks the same to that rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

import cel

from cloudcensus.policies.compiled import (
    CEL_ERRORS,
    NOT_SELECTED,
    CompiledRule,
    evidence_for,
    one_by_one,
)
from cloudcensus.policies.elements import ElementPlan, element_plan
from cloudcensus.policies.evidence import Projection, path_tokenizer
from cloudcensus.scanner.inventory import Resource

__all__ = ["Memo", "TypePlan"]

_MEMO_SIZE = 50_000

Memo = dict[Any, tuple[Any, dict[str, Any]]]  # memo key -> (verdict, evidence)


class TypePlan:
    """The rules of one resource type, each memoised on what it can read.

    CEL here is a pure function of its inputs (sandboxed, no I/O), so a rule's verdict
    and evidence are memoised on the tokens (`path_token`) of the paths it can reach,
    plus `now` if it reads it; one memo per rule, shared by all types. In a real estate
    most rules read a few low-cardinality fields (country, encryption, classification)
    and hit, while a resource as a whole (owners, ingress rules, key dates) rarely
    repeats. The rules that miss run as ONE CEL program on the projection of what they
    read, compiled once per set of missing rules.
    """

    def __init__(
        self,
        rules: list[CompiledRule],
        memos: dict[str, Memo],
        elements: dict[str, ElementPlan | None],
    ) -> None:
        self.rules = rules
        reach = list(dict.fromkeys(keys for r in rules for keys in r.reach))
        self._reach = reach
        self._tokenizers = [path_tokenizer(keys) for keys in reach]
        self._getters = [_getter([reach.index(k) for k in r.reach]) for r in rules]
        # A rule reads the same paths whatever the type: its memo serves every type.
        self._memos = [memos.setdefault(rule.rule.id, {}) for rule in rules]
        for rule in rules:
            if rule.rule.id not in elements:
                elements[rule.rule.id] = element_plan(rule)
        # Rules over each element of a list: memoised per element (`elements.py`).
        self._elements = [elements[rule.rule.id] for rule in rules]
        self._subsets: dict[int, _Subset] = {}
        self.lookups = 0
        self.hits = 0

    def verdicts(self, resource: Resource, now: datetime) -> list[tuple[Any, dict[str, Any]]]:
        """(verdict, evidence) per rule; verdict is a bool, `NOT_SELECTED` or an error."""
        tokens = [tokenizer(resource) for tokenizer in self._tokenizers]
        out: list[Any] = []  # the memo's (verdict, evidence), None where it missed
        keys: list[Any] = []
        missing = 0
        element_misses = 0
        for index, rule in enumerate(self.rules):
            plan = self._elements[index]
            if plan is not None:
                before = plan.misses
                verdict = plan.verdict(resource, now)
                element_misses += plan.misses > before
                if verdict is not None:
                    own = {"resource": rule.projection.of(resource)}
                    out.append((verdict, evidence_for(rule, own, now)))
                    continue
            key = self._getters[index](tokens)
            if rule.uses_now:
                key = (key, now)
            cached = self._memos[index].get(key)
            if cached is None:
                missing |= 1 << index
                keys.append(key)
            out.append(cached)
        self.lookups += len(self.rules)
        self.hits += len(self.rules) - len(keys) - element_misses
        if not missing:
            return out
        self._evaluate_missing(resource, now, missing, keys, out)
        return out

    def _evaluate_missing(
        self,
        resource: Resource,
        now: datetime,
        missing: int,
        keys: list[Any],
        out: list[Any],
    ) -> None:
        subset = self._subset(missing)
        variables: dict[str, Any] = {"resource": subset.projection.of(resource)}
        if subset.uses_now:
            variables["now"] = now
        try:
            for name, value in variables.items():
                subset.context.add_variable(name, value)
            results: list[Any] = subset.program.execute(subset.context)
        except CEL_ERRORS:
            results = [one_by_one(self.rules[i], variables) for i in subset.indexes]
        for index, key, verdict in zip(subset.indexes, keys, results, strict=True):
            rule = self.rules[index]
            evidence = {}
            if verdict != NOT_SELECTED:
                own = {**variables, "resource": rule.projection.of(resource)}
                evidence = evidence_for(rule, own, now)
            memo = self._memos[index]
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = out[index] = (verdict, evidence)

    def _subset(self, missing: int) -> _Subset:
        found = self._subsets.get(missing)
        if found is None:
            indexes = [i for i in range(len(self.rules)) if missing >> i & 1]
            rules = [self.rules[i] for i in indexes]
            source = "[" + ", ".join(rule.combined_source for rule in rules) + "]"
            wanted = {keys for rule in rules for keys in rule.reach}
            found = self._subsets[missing] = _Subset(
                program=cel.compile(source),
                # Only these rules' constants: once a variable of a `cel.Context` is
                # set, every other one costs again on the next call (~4 us a list).
                context=cel.Context({k: v for rule in rules for k, v in rule.constants.items()}),
                projection=Projection([keys for keys in self._reach if keys in wanted]),
                indexes=indexes,
                uses_now=any(rule.uses_now for rule in rules),
            )
        return found


@dataclass(frozen=True)
class _Subset:
    """The rules of a type that missed the memo together, as one program."""

    program: cel.Program
    context: cel.Context
    projection: Projection
    indexes: list[int]
    uses_now: bool


def _getter(indexes: list[int]) -> Callable[[list[str]], Any]:
    """The memo key of a rule from the type's path tokens: a token or a tuple of them."""
    if not indexes:
        return lambda tokens: ()
    return itemgetter(*indexes)
