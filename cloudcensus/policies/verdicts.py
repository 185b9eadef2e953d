"""The verdict cache: per resource type, each rule's verdict memoised on what it reads.

CEL here is a pure function of its inputs (sandboxed, no I/O), so a rule's verdict and
evidence can be reused for every resource that looks the same to that rule.
`TypePlan.entries` reads, once per resource, a token (`keys.py`) of each path its
type's rules reach (a path under another path the same rule reads is known by that
ancestor's token), then looks the rules up:

1. per *group*: rules whose read sets lie within the first one's share one lookup of
   the type, keyed on that read set, giving all their entries at once (a group of one
   rule is looked up in 2 directly);
2. on a miss, per rule, *exact*: its tokens (and `now` if it reads it) -> (verdict,
   evidence, finding head); this memo serves every type the rule applies to;
3. then per rule, *coarse*: its tokens with the strings it cannot tell apart merged
   (`literals.py`) -> verdict; the evidence, which shows the values themselves, is
   then read from the resource in Python, without CEL;
4. the rules still unknown run as ONE CEL program (`batch.py`).

Rules over each element of a list are decided per element (`elements.py`) and fall
back to 2-4 only when that cannot decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any

from cloudcensus.policies.batch import Batches
from cloudcensus.policies.compiled import NOT_SELECTED, CompiledRule, evidence_for, finding_head
from cloudcensus.policies.elements import ElementPlan, element_plan
from cloudcensus.policies.keys import (
    AS_IS,
    MISSING,
    Reader,
    coarse_reader,
    exact,
    is_map_key,
    reader,
)
from cloudcensus.scanner.inventory import Resource

__all__ = ["Entry", "RuleMemo", "TypePlan"]

_MEMO_SIZE = 50_000
_UNKNOWN = object()

#: (verdict, evidence, finding head): the verdict is a bool, `NOT_SELECTED` or an error.
Entry = tuple[Any, dict[str, Any], Any]
Path = tuple[str | int, ...]
Getter = Callable[[list[Any]], Any]


@dataclass
class RuleMemo:
    """What is remembered of one rule, for every type it applies to."""

    exact: dict[Any, tuple[Entry, ...]] = field(default_factory=dict)  # (entry,): group-shaped
    coarse: dict[Any, Any] | None = None  # None: no path the rule reads can be coarsened
    element: ElementPlan | None = None  # per-element verdicts (`elements.py`)

    @classmethod
    def of(cls, rule: CompiledRule) -> RuleMemo:
        element = element_plan(rule)
        coarsened = element is None and any(lits is not None for lits in rule.literals)
        return cls(coarse={} if coarsened else None, element=element)


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


class TypePlan:
    """The rules of one resource type, memoised on what they can read."""

    def __init__(self, rules: list[CompiledRule], memos: dict[str, RuleMemo]) -> None:
        self.rules = rules
        self._memos = [memos.setdefault(rule.rule.id, RuleMemo.of(rule)) for rule in rules]
        keyed = [i for i, memo in enumerate(self._memos) if memo.element is None]
        own = {i: _key_paths(rules[i]) for i in keyed}
        paths = sorted(
            dict.fromkeys(keys for i in keyed for keys in own[i]), key=lambda k: not is_map_key(k)
        )  # map keys first: read in one comprehension
        self._map_keys = [(str(keys[0]), keys[1]) for keys in paths if is_map_key(keys)]
        self._readers = [reader(keys) for keys in paths[len(self._map_keys) :]]
        # A rule's exact key: its tokens in its own order, so that its memo, shared by
        # every type it applies to, sees the same key for the same values in all of them.
        positions = {
            i: [paths.index(keys) for keys in own[i]] + ([len(paths)] if rules[i].uses_now else [])
            for i in keyed
        }
        self._getters = {i: _getter(positions[i]) for i in keyed}
        reads = {i: frozenset(positions[i]) for i in keyed}
        self._coarse = {i: _coarse_parts(rules[i]) for i in keyed}
        self._groups = _groups(keyed, reads)
        # A group of one rule is looked up in the rule's own exact memo, which every type
        # fills; a larger group in a memo of this type.
        self._group_slots: list[tuple[Getter, dict[Any, tuple[Entry, ...]]]] = [
            (self._getters[members[0]], self._memos[members[0]].exact)
            if len(members) == 1
            else (_getter(sorted(top)), {})
            for top, members in self._groups
        ]
        # Rules decided per element; their own readers for when the elements cannot.
        self._elements = [
            (i, memo.element, [reader(keys) for keys in rules[i].reach])
            for i, memo in enumerate(self._memos)
            if memo.element is not None
        ]
        order = [i for _, members in self._groups for i in members]
        order += [i for i, _, _ in self._elements]
        placed = [order.index(i) for i in range(len(rules))]
        self._order: Callable[[list[Entry]], Any] = (
            itemgetter(*placed) if len(placed) > 1 else tuple
        )
        self._batches = Batches(rules)
        self.lookups = 0  # (rule, resource) verdicts asked for
        self.evaluated = 0  # ... of which CEL evaluated on the resource or an element

    def entries(self, resource: Resource, now: datetime) -> tuple[Entry, ...]:
        """(verdict, evidence, finding head) per rule, in the order of `rules`."""
        fields = resource.__dict__
        tokens = [
            value if (value := fields[top].get(key, MISSING)).__class__ in AS_IS else exact(value)
            for top, key in self._map_keys
        ]
        tokens += [read(fields) for read in self._readers]
        tokens.append(now)
        found: list[Any] = [memo.get(getter(tokens)) for getter, memo in self._group_slots]
        decided = [self._by_element(i, plan, resource, now) for i, plan, _ in self._elements]
        self.lookups += len(self.rules)
        if None in found or None in decided:
            self._complete(resource, now, tokens, found, decided)
        found += [decided]
        ordered: tuple[Entry, ...] = self._order(list(chain.from_iterable(found)))
        return ordered

    def _by_element(
        self, index: int, plan: ElementPlan, resource: Resource, now: datetime
    ) -> Entry | None:
        before = plan.misses
        verdict = plan.verdict(resource, now)
        self.evaluated += plan.misses > before
        if verdict is None:
            return None
        rule = self.rules[index]
        evidence = evidence_for(rule, {"resource": rule.projection.of(resource)}, now)
        return verdict, evidence, finding_head(rule, verdict, evidence)

    def _complete(
        self,
        resource: Resource,
        now: datetime,
        tokens: list[Any],
        found: list[Any],
        decided: list[Entry | None],
    ) -> None:
        """Fill the groups and element rules that missed, from the rules' own memos,
        then CEL; remember the groups."""
        known: dict[int, Entry] = {}
        unknown = 0
        for (_, members), entries in zip(self._groups, found, strict=True):
            if entries is None:
                for index in members:
                    alone = self._memos[index].exact.get(self._getters[index](tokens))
                    if alone is None:
                        unknown |= 1 << index
                    else:
                        known[index] = alone[0]
        for (index, _, _), entry in zip(self._elements, decided, strict=True):
            if entry is None:
                alone = self._memos[index].exact.get(self._exact_key(index, resource, now, tokens))
                if alone is None:
                    unknown |= 1 << index
                else:
                    known[index] = alone[0]
        if unknown:
            self._resolve(resource, now, tokens, unknown, known)
        for group, ((_, members), (getter, memo)) in enumerate(
            zip(self._groups, self._group_slots, strict=True)
        ):
            if found[group] is None:
                found[group] = tuple(known[index] for index in members)
                if len(members) > 1:  # a rule alone: `_store` remembered it
                    _remember(memo, getter(tokens), found[group])
        for position, (index, _, _) in enumerate(self._elements):
            if decided[position] is None:
                decided[position] = known[index]

    def _resolve(
        self,
        resource: Resource,
        now: datetime,
        tokens: list[Any],
        unknown: int,
        known: dict[int, Entry],
    ) -> None:
        """The rules in the bit mask `unknown`: from their coarse memo, else from CEL."""
        fields = resource.__dict__
        coarse_keys: dict[int, tuple[Any, ...]] = {}
        for index in range(len(self.rules)):
            coarse_memo = self._memos[index].coarse
            if not unknown >> index & 1 or coarse_memo is None:
                continue
            key = tuple(read(fields) for read in self._coarse[index])
            if self.rules[index].uses_now:
                key += (now,)
            verdict = coarse_memo.get(key, _UNKNOWN)
            if verdict is _UNKNOWN:
                coarse_keys[index] = key
            else:
                known[index] = self._store(index, resource, now, tokens, verdict)
                unknown &= ~(1 << index)
        if not unknown:
            return
        results = self._batches.run(resource, now, unknown)
        self.evaluated += len(results)
        for index, verdict in results:
            coarse_memo = self._memos[index].coarse
            if coarse_memo is not None:
                _remember(coarse_memo, coarse_keys[index], verdict)
            known[index] = self._store(index, resource, now, tokens, verdict)

    def _exact_key(self, index: int, resource: Resource, now: datetime, tokens: list[Any]) -> Any:
        getter = self._getters.get(index)
        if getter is not None:
            return getter(tokens)
        own = next(readers for i, _, readers in self._elements if i == index)
        fields = resource.__dict__
        key = tuple(read(fields) for read in own)
        return (key, now) if self.rules[index].uses_now else key

    def _store(
        self, index: int, resource: Resource, now: datetime, tokens: list[Any], verdict: Any
    ) -> Entry:
        """Build the entry of a verdict (evidence from the resource) and memoise it."""
        rule = self.rules[index]
        evidence: dict[str, Any] = {}
        if verdict != NOT_SELECTED:
            evidence = evidence_for(rule, {"resource": rule.projection.of(resource)}, now)
        entry = (verdict, evidence, finding_head(rule, verdict, evidence))
        key = self._exact_key(index, resource, now, tokens)
        _remember(self._memos[index].exact, key, (entry,))
        return entry


def _key_paths(rule: CompiledRule) -> list[Path]:
    """The paths of a rule's exact key, in its order: those it reads, less the ones
    under another of them, whose token holds them (`keys.exact` is injective)."""
    reach = set(rule.reach)
    return [keys for keys in rule.reach if not any(keys[:n] in reach for n in range(len(keys)))]


def _coarse_parts(rule: CompiledRule) -> list[Reader]:
    """A reader of the coarse token of each path of the rule, for its coarse key."""
    return [coarse_reader(keys, lits) for keys, lits in zip(rule.reach, rule.literals, strict=True)]


def _groups(
    keyed: list[int], reads: dict[int, frozenset[int]]
) -> list[tuple[frozenset[int], list[int]]]:
    """Rules grouped so that each one's read set lies within its group's first rule's."""
    groups: list[tuple[frozenset[int], list[int]]] = []
    for index in sorted(keyed, key=lambda i: (-len(reads[i]), i)):
        home = next((members for top, members in groups if reads[index] <= top), None)
        if home is None:
            groups.append((reads[index], [index]))
        else:
            home.append(index)
    return groups


def _getter(positions: list[int]) -> Getter:
    """A memo key from the type's tokens: a token or a tuple of them."""
    if not positions:
        return lambda tokens: ()
    return itemgetter(*positions)
