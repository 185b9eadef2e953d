"""Rule examples: partial resources a rule must pass or fail on, and their runner.

Examples are the rule's own tests (`cloudcensus rules test PATH`, and one generated test
over every built-in rule). They are written short: missing fields get neutral defaults
(docs/rules.md), so an example states only what the rule reads. A `pass` example must
pass or be left out by `where` (a resource the rule does not select complies); a `fail`
example must fail. An `error` verdict fails the test either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.findings import Status
from cloudcensus.policies.params import type_mismatch
from cloudcensus.policies.rules import AccountExample, Rule, RuleSet
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "EXAMPLE_DEFAULTS",
    "ExampleCase",
    "ExampleResult",
    "build_examples",
    "example_resource",
    "run_examples",
]

Kind = Literal["pass", "fail"]
Loc = tuple[str | int, ...]

#: Neutral values for the fields an example leaves out (docs/rules.md, "Examples").
EXAMPLE_DEFAULTS: Mapping[str, Any] = {
    "provider": "example",
    "account": "000000000000",
    "region": "eu-west-1",
    "native_type": "example",
    "location": {"country": "IE", "eu": True, "eea": True},
}

#: Fixed evaluation time of examples, so an example's verdict never depends on the day.
EXAMPLE_NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ExampleCase:
    """One example made concrete: the scope's resources and the parameters to use."""

    rule_id: str
    kind: Kind
    index: int
    line: int
    resources: tuple[Resource, ...]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class ExampleResult:
    """The verdict on one example; `ok` is False when it contradicts the expectation."""

    rule_id: str
    kind: Kind
    index: int
    file: str
    line: int
    ok: bool
    got: str  # pass | fail | error | not-selected
    detail: str

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        text = f"{self.file}:{self.line}: {self.rule_id} {self.kind}[{self.index}] {verdict}"
        return f"{text}: got {self.got}" + (f" ({self.detail})" if self.detail else "")


def example_resource(partial: Mapping[str, Any], type_: str, resource_id: str) -> Resource:
    """A `Resource` from a partial example; raises pydantic's ValidationError."""
    data = {**EXAMPLE_DEFAULTS, "type": type_, "id": resource_id, **partial}
    return Resource.model_validate(data)


def _params_problems(rule: Rule, params: Mapping[str, Any], loc: Loc) -> list[tuple[Loc, str]]:
    problems = []
    for name, value in params.items():
        spec = rule.spec.params.get(name)
        if spec is None:
            problems.append(((*loc, "params", name), f"rule has no parameter {name!r}"))
        elif problem := type_mismatch(spec.default, value):
            problems.append(((*loc, "params", name), f"params.{name}: {problem}"))
    return problems


def _validation(error: ValidationError, loc: Loc) -> list[tuple[Loc, str]]:
    out = []
    for detail in error.errors(include_url=False):
        where = (*loc, *detail["loc"])
        out.append((where, f"example {'.'.join(map(str, where))}: {detail['msg']}"))
    return out


def _build_one(rule: Rule, kind: Kind, index: int, raw: dict[str, Any]) -> ExampleCase:
    loc: Loc = ("examples", kind, index)
    base = f"example:{rule.id}:{kind}:{index}"
    if rule.scope == "account":
        spec = AccountExample.model_validate(raw)
        resources = [
            example_resource(r, rule.types[0], f"{base}:{j}") for j, r in enumerate(spec.resources)
        ]
        if spec.account is not None:
            resources.insert(0, example_resource(spec.account, "account", base))
        params = spec.params
    else:
        partial = dict(raw)
        params = partial.pop("params", {})
        resources = [example_resource(partial, rule.types[0], base)]
    return ExampleCase(rule.id, kind, index, rule.line_of(*loc), tuple(resources), params)


def build_examples(rule: Rule) -> tuple[list[ExampleCase], list[tuple[Loc, str]]]:
    """Concrete example cases of a rule, and the problems (field location, message)."""
    cases, problems = [], []
    sets: tuple[tuple[Kind, list[dict[str, Any]]], ...] = (
        ("pass", rule.spec.examples.pass_),
        ("fail", rule.spec.examples.fail),
    )
    for kind, examples in sets:
        for index, raw in enumerate(examples):
            loc: Loc = ("examples", kind, index)
            try:
                case = _build_one(rule, kind, index, raw)
            except ValidationError as error:
                problems += _validation(error, loc)
                continue
            if not isinstance(case.params, Mapping):
                problems.append(((*loc, "params"), "example params must be a mapping"))
                continue
            problems += _params_problems(rule, case.params, loc)
            cases.append(case)
    return cases, problems


def _judge(case: ExampleCase, statuses: list[tuple[Status, str]]) -> tuple[bool, str, str]:
    if not statuses:
        return case.kind == "pass", "not-selected", ""
    status, message = statuses[0]
    if status is Status.ERROR:
        return False, "error", message
    return status.value == case.kind, status.value, "" if status.value == case.kind else message


def run_examples(ruleset: RuleSet) -> list[ExampleResult]:
    """Evaluate every example of every rule in `ruleset` (with its resolved parameters)."""
    results = []
    for rule in ruleset:
        cases, problems = build_examples(rule)
        for loc, message in problems:
            kind: Kind = "fail" if loc[1] == "fail" else "pass"
            index = int(loc[2]) if len(loc) > 2 else 0
            line = rule.line_of(*loc)
            results.append(
                ExampleResult(rule.id, kind, index, str(rule.path), line, False, "invalid", message)
            )
        for case in cases:
            local = rule.with_values({**rule.values, **case.params})
            findings = Evaluator(RuleSet([local])).evaluate_scope(case.resources, EXAMPLE_NOW)
            target = case.resources[0].id
            own = [(f.status, f.message) for f in findings if f.resource_id == target]
            ok, got, detail = _judge(
                case, own if rule.scope == "resource" else [(f.status, f.message) for f in findings]
            )
            results.append(
                ExampleResult(
                    rule.id, case.kind, case.index, str(rule.path), case.line, ok, got, detail
                )
            )
    return results
