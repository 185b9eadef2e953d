"""Rules that missed every memo on a resource, run together as ONE CEL program.

Converting a resource into CEL costs more than evaluating rules on it, so the rules of a
type that miss together run as a list of `where ? assert : <not selected>` on the
projection of what they read, compiled once per set of rules. If that program raises,
each rule runs alone on its own projection, so the culprit gets an error naming it and
the others their verdict: a value one rule reads and CEL cannot convert never turns
another rule's verdict into an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cel

from cloudcensus.policies.compiled import CEL_ERRORS, CompiledRule, one_by_one
from cloudcensus.policies.evidence import Projection
from cloudcensus.scanner.inventory import Resource

__all__ = ["Batches"]


@dataclass
class _Batch:
    program: cel.Program
    context: cel.Context
    projection: Projection
    indexes: list[int]
    uses_now: bool
    now: datetime | None = None  # the `now` the context holds


class Batches:
    """The combined programs of the rules of one type, per set of rules that missed."""

    def __init__(self, rules: list[CompiledRule]) -> None:
        self._rules = rules
        self._batches: dict[int, _Batch] = {}

    def run(self, resource: Resource, now: datetime, unknown: int) -> list[tuple[int, Any]]:
        """(rule index, verdict) of the rules in the bit mask `unknown`, in index order."""
        batch = self._batch(unknown)
        try:
            batch.context.add_variable("resource", batch.projection.of(resource))
            if batch.uses_now and now is not batch.now:  # the context keeps it
                batch.context.add_variable("now", now)
                batch.now = now
            results: list[Any] = batch.program.execute(batch.context)
        except CEL_ERRORS:
            results = [_alone(self._rules[i], resource, now) for i in batch.indexes]
        return list(zip(batch.indexes, results, strict=True))

    def _batch(self, unknown: int) -> _Batch:
        found = self._batches.get(unknown)
        if found is None:
            indexes = [i for i in range(len(self._rules)) if unknown >> i & 1]
            rules = [self._rules[i] for i in indexes]
            source = "[" + ", ".join(rule.combined_source for rule in rules) + "]"
            found = self._batches[unknown] = _Batch(
                program=cel.compile(source),
                # Only these rules' constants: once a variable of a `cel.Context` is
                # set, every other one costs again on the next call (~4 us a list).
                context=cel.Context({k: v for rule in rules for k, v in rule.constants.items()}),
                projection=Projection(dict.fromkeys(k for rule in rules for k in rule.reach)),
                indexes=indexes,
                uses_now=any(rule.uses_now for rule in rules),
            )
        return found


def _alone(rule: CompiledRule, resource: Resource, now: datetime) -> Any:
    return one_by_one(rule, {"resource": rule.projection.of(resource), "now": now})
