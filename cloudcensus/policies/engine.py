"""The evaluator: rules and one account's resources in, findings out.

Contract (the pipeline calls this, once per provider+account scope)::

    evaluator = Evaluator(ruleset, explanations)   # compiles every rule once
    findings = evaluator.evaluate_scope(resources, now)
    ...                                            # more scopes
    report = evaluator.explanation_report()        # stale / expired / expiring

Resource rules: for each resource, the rules whose `types` include its type; `where`
then `assert`. All the rules of one type run as ONE CEL program per resource (a list of
`where ? assert : <not selected>`), because converting the resource into CEL costs more
than evaluating many rules on it. If that program raises, each rule of the type is run
on its own, so the culprit gets an `error` finding naming the rule, the resource and the
CEL error, and the others still get their verdict.

Account rules (`scope: account`): one finding per scope, on the scope's `account`
resource. With no `account` resource the finding is on a synthetic id
`<provider>:<account>:account`; an empty scope gets no account findings.

Findings of resources that look the same to a type's rules share one `evidence` dict
(verdicts are memoised on the fields the rules read): treat findings as read-only.

Explanations are applied here, not in a later step, because matching a selector needs
the resource's tags, which findings do not carry. Without explanations the evaluator is
a pure function of its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cel

from cloudcensus.policies.evidence import Projection, evidence_of, resource_map
from cloudcensus.policies.explanation_usage import ExplanationReport, ExplanationTracker
from cloudcensus.policies.explanations import ExplanationSet
from cloudcensus.policies.expressions import FieldPath, field_paths, inline_params, tag_keys
from cloudcensus.policies.findings import Finding, Status, finding_uid
from cloudcensus.policies.rules import Rule, RuleSet
from cloudcensus.scanner.inventory import Resource

__all__ = ["CEL_ERRORS", "Evaluator"]

#: What the CEL binding raises at run time: missing key, missing variable, type mismatch,
#: conversion failure, arithmetic. Anything else is a bug and propagates.
CEL_ERRORS = (KeyError, RuntimeError, TypeError, ValueError, ArithmeticError)

_NOT_SELECTED = "cloudcensus:not-selected"
_ROOTS = ("resource", "account", "resources", "params", "now")
_MAX_EVIDENCE_IDS = 50
_MEMO_SIZE = 50_000


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    where: cel.Program | None
    check: cel.Program
    combined_source: str
    paths: tuple[FieldPath, ...]
    reach: tuple[tuple[str | int, ...], ...]  # what the projection must hold
    uses_now: bool
    raw_needed: bool
    template: Finding
    pass_message: str


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"missing key {error.args[0]!r}" if error.args else "missing key"
    return f"{type(error).__name__}: {error}"


def _compile(rule: Rule) -> _Compiled:
    where_src = inline_params(rule.spec.where, rule.values) if rule.spec.where else None
    check_src = inline_params(rule.spec.condition, rule.values)
    both = f"{rule.spec.where or ''}\n{rule.spec.condition}"
    paths = tuple(field_paths(both, _ROOTS))
    reach = [p.keys for p in paths if p.root == "resource"]
    keys = [tag_keys(src) for src in (where_src, check_src) if src is not None]
    if ("tags",) in reach and None not in keys:
        # Only these tag keys can be read: a unique `Name` tag must not defeat the memo.
        reach = [k for k in reach if k != ("tags",)]
        reach += [("tags", key) for found in keys if found for key in sorted(found)]
    combined = f"({check_src})"
    if where_src is not None:
        combined = f"(({where_src}) ? {combined} : {_NOT_SELECTED!r})"
    return _Compiled(
        rule=rule,
        where=cel.compile(where_src) if where_src is not None else None,
        check=cel.compile(check_src),
        combined_source=combined,
        paths=paths,
        reach=tuple(reach),
        uses_now=any(p.root == "now" for p in paths),
        raw_needed="raw" in both,
        template=_template(rule),
        pass_message=f"{rule.title}: complies",
    )


class _TypePlan:
    """The rules of one resource type: one combined program, one projection, one memo.

    CEL here is a pure function of its inputs (sandboxed, no I/O, parameters inlined), so
    verdicts and evidence are memoised on the projected resource: resources that look
    the same to these rules (same settings, same tags) are evaluated once.
    """

    def __init__(self, rules: list[_Compiled]) -> None:
        self.rules = rules
        self.program = cel.compile("[" + ", ".join(r.combined_source for r in rules) + "]")
        self.projection = Projection([keys for r in rules for keys in r.reach])
        self.uses_now = any(r.uses_now for r in rules)
        self.memo: dict[str, list[tuple[Any, dict[str, Any]]]] = {}

    def verdicts(self, resource: Resource, now: datetime) -> list[tuple[Any, dict[str, Any]]]:
        """(verdict, evidence) per rule; verdict is a bool, `_NOT_SELECTED` or an error."""
        variables: dict[str, Any] = {"resource": self.projection.of(resource)}
        if self.uses_now:
            variables["now"] = now
        key = repr(variables)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        try:
            results: list[Any] = self.program.execute(variables)
        except CEL_ERRORS:
            results = [_one_by_one(rule, variables) for rule in self.rules]
        out = []
        for rule, verdict in zip(self.rules, results, strict=True):
            evidence = {} if verdict == _NOT_SELECTED else _evidence(rule, variables, now)
            out.append((verdict, evidence))
        if len(self.memo) >= _MEMO_SIZE:
            self.memo.clear()
        self.memo[key] = out
        return out


class Evaluator:
    """Compiles a `RuleSet` once and evaluates scopes with it."""

    def __init__(self, ruleset: RuleSet, explanations: ExplanationSet | None = None) -> None:
        self.ruleset = ruleset
        compiled = {rule.id: _compile(rule) for rule in ruleset}
        self._plans = {
            type_: _TypePlan([compiled[r.id] for r in ruleset.for_type(type_)])
            for type_ in ruleset.types
        }
        self._account_rules = [compiled[r.id] for r in ruleset.account_rules]
        self._tracker = ExplanationTracker(explanations) if explanations is not None else None

    def explanation_report(self) -> ExplanationReport | None:
        """Usage of the explanations over every scope evaluated so far (None without any)."""
        return self._tracker.report() if self._tracker is not None else None

    def evaluate_scope(self, resources: Sequence[Resource], now: datetime) -> list[Finding]:
        """Findings of every rule on the resources of ONE provider+account scope."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        findings: list[Finding] = []
        for resource in resources:
            plan = self._plans.get(resource.type)
            if plan is not None:
                findings.extend(self._evaluate_resource(plan, resource, now))
        if resources and self._account_rules:
            findings.extend(self._evaluate_account(resources, now))
        if self._tracker is not None:
            by_id = {resource.id: resource for resource in resources}
            findings = [self._tracker.apply(f, by_id.get(f.resource_id)) for f in findings]
        return findings

    def _evaluate_resource(
        self, plan: _TypePlan, resource: Resource, now: datetime
    ) -> list[Finding]:
        findings = []
        for rule, (verdict, evidence) in zip(plan.rules, plan.verdicts(resource, now), strict=True):
            if verdict != _NOT_SELECTED:
                findings.append(_finding(rule, resource, evidence, verdict, now))
        return findings

    def _evaluate_account(self, resources: Sequence[Resource], now: datetime) -> list[Finding]:
        account = next((r for r in resources if r.type == "account"), None)
        subject = account or _synthetic_account(resources[0])
        findings = []
        for rule in self._account_rules:
            selected = [r for r in resources if r.type in rule.rule.types]
            maps = [_account_view(r, rule.raw_needed) for r in selected]
            variables: dict[str, Any] = {
                "account": _account_view(account, rule.raw_needed) if account else None,
                "resources": maps,
                "now": now,
            }
            verdict = _one_by_one(rule, variables)
            if verdict == _NOT_SELECTED:
                continue
            evidence = _evidence(rule, variables, now)
            evidence["resources.count"] = len(selected)
            evidence["resources.ids"] = [r.id for r in selected[:_MAX_EVIDENCE_IDS]]
            findings.append(_finding(rule, subject, evidence, verdict, now))
        return findings


def _account_view(resource: Resource, raw_needed: bool) -> dict[str, Any]:
    view = resource_map(resource)
    if not raw_needed:
        view["raw"] = {}
    return view


def _synthetic_account(sample: Resource) -> Resource:
    return Resource(
        provider=sample.provider,
        account=sample.account,
        region="global",
        type="account",
        native_type="account",
        id=f"{sample.provider}:{sample.account}:account",
    )


def _one_by_one(rule: _Compiled, variables: dict[str, Any]) -> Any:
    """One rule alone: `where`, then `assert`; a CEL failure becomes an error verdict."""
    stage = "where"
    try:
        if rule.where is not None:
            selected = rule.where.execute(variables)
            if not isinstance(selected, bool):
                return _Error(f"where returned {type(selected).__name__}, expected bool")
            if not selected:
                return _NOT_SELECTED
        stage = "assert"
        return rule.check.execute(variables)
    except CEL_ERRORS as error:
        return _Error(f"{stage}: {_describe(error)}")


@dataclass(frozen=True)
class _Error:
    text: str


def _evidence(rule: _Compiled, variables: dict[str, Any], now: datetime) -> dict[str, Any]:
    return evidence_of(rule.paths, {**variables, "params": rule.rule.values, "now": now})


def _template(rule: Rule) -> Finding:
    """The fields a rule gives all its findings; `_finding` copies it per resource."""
    spec = rule.spec
    fields: dict[str, Any] = {
        "rule_id": spec.id,
        "rule_version": spec.version,
        "rule_title": spec.title,
        "pack": rule.pack,
        "severity": spec.severity,
        "explanation_id": None,
        "explanation_note": None,
        "controls": spec.controls,
        "remediation": spec.remediation,
    }
    return Finding.model_construct(**fields)


def _finding(
    rule: _Compiled, resource: Resource, evidence: dict[str, Any], verdict: Any, now: datetime
) -> Finding:
    spec = rule.rule.spec
    if verdict is True:
        status, message = Status.PASS, rule.pass_message
    elif verdict is False:
        status, message = Status.FAIL, spec.message or spec.title
    else:
        status = Status.ERROR
        problem = (
            verdict.text
            if isinstance(verdict, _Error)
            else f"assert returned {type(verdict).__name__}, expected bool"
        )
        message = f"rule {spec.id} could not be evaluated on {resource.id}: {problem}"
    return _construct(
        rule.template,
        {
            "uid": finding_uid(spec.id, resource.id),
            "status": status,
            "resource_id": resource.id,
            "resource_type": resource.type,
            "native_type": resource.native_type,
            "resource_name": resource.name,
            "provider": resource.provider,
            "account": resource.account,
            "region": resource.region,
            "evidence": evidence,
            "message": message,
            "evaluated_at": now,
        },
    )


_FIELDS_SET = set(Finding.model_fields)


def _construct(template: Finding, values: dict[str, Any]) -> Finding:
    """A `Finding` from a rule's template plus per-resource values, without re-validation.

    What `model_construct` does, minus its per-field bookkeeping: 10x cheaper, which
    matters at a million findings per scan. Every value comes from a validated `Resource`
    or rule, and a test checks that such findings equal validated ones.
    """
    finding = Finding.__new__(Finding)
    object.__setattr__(finding, "__dict__", {**template.__dict__, **values})
    object.__setattr__(finding, "__pydantic_fields_set__", _FIELDS_SET)
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding
