"""The evaluator: rules and one account's resources in, findings out.

Contract (the pipeline calls this, once per provider+account scope)::

    evaluator = Evaluator(ruleset, explanations)   # compiles every rule once
    findings = evaluator.evaluate_scope(resources, now)
    ...                                            # more scopes
    report = evaluator.explanation_report()        # stale / expired / expiring

Resource rules: for each resource, the rules whose `types` include its type; `where`
then `assert`. Each rule's verdict is memoised on the values it can read (`TypePlan`,
in `verdicts.py`; rules are compiled in `compiled.py`);
the rules that miss run as ONE CEL program (a list of `where ? assert : <not selected>`),
because converting the resource into CEL costs more than evaluating rules on it. If that
program raises, each of those rules runs alone, so the culprit gets an `error` finding
naming the rule, the resource and the CEL error, and the others still get their verdict.

A memoised verdict carries its finding without the resource (`compiled.finding_head`):
a finding is that head, copied, with the resource's fields and the uid filled in. At a
million findings per scan this loop is the engine's largest cost; keep it lean.

Account rules (`scope: account`): one finding per scope, on the scope's `account`
resource. With no `account` resource the finding is on a synthetic id
`<provider>:<account>:account`; an empty scope gets no account findings.

Findings of resources that look the same to a rule share its `evidence` dict: treat
findings as read-only.

Explanations are applied here, not in a later step, because matching a selector needs
the resource's tags, which findings do not carry. Without explanations the evaluator is
a pure function of its inputs.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from cloudcensus.policies.compiled import (
    CEL_ERRORS,
    NOT_SELECTED,
    CompiledRule,
    ErrorHead,
    ErrorVerdict,
    compile_rule,
    evidence_for,
    one_by_one,
)
from cloudcensus.policies.evidence import resource_map
from cloudcensus.policies.explanation_usage import ExplanationReport, ExplanationTracker
from cloudcensus.policies.explanations import ExplanationSet
from cloudcensus.policies.findings import (
    Finding,
    Status,
    build_finding,
    finding_uid_prefix,
)
from cloudcensus.policies.rules import RuleSet
from cloudcensus.policies.verdicts import RuleMemo, TypePlan
from cloudcensus.scanner.inventory import Resource

__all__ = ["CEL_ERRORS", "Evaluator"]

_MAX_EVIDENCE_IDS = 50


class Evaluator:
    """Compiles a `RuleSet` once and evaluates scopes with it (one thread at a time:
    its memos and `cel.Context`s are reused between calls)."""

    def __init__(self, ruleset: RuleSet, explanations: ExplanationSet | None = None) -> None:
        self.ruleset = ruleset
        compiled = {rule.id: compile_rule(rule, n) for n, rule in enumerate(ruleset)}
        memos: dict[str, RuleMemo] = {}
        self._plans = {
            type_: TypePlan([compiled[r.id] for r in ruleset.for_type(type_)], memos)
            for type_ in ruleset.types
        }
        self._uid_prefixes = {
            type_: [finding_uid_prefix(rule.rule.id) for rule in plan.rules]
            for type_, plan in self._plans.items()
        }
        self._account_rules = [compiled[r.id] for r in ruleset.account_rules]
        self._tracker = ExplanationTracker(explanations) if explanations is not None else None

    def memo_stats(self) -> tuple[int, int]:
        """(lookups, hits) of the verdict memos over every scope so far: a hit is a
        (rule, resource) verdict decided without running CEL on that resource."""
        lookups = sum(plan.lookups for plan in self._plans.values())
        return lookups, lookups - sum(plan.evaluated for plan in self._plans.values())

    def explanation_report(self) -> ExplanationReport | None:
        """Usage of the explanations over every scope evaluated so far (None without any)."""
        return self._tracker.report() if self._tracker is not None else None

    def evaluate_scope(self, resources: Sequence[Resource], now: datetime) -> list[Finding]:
        """Findings of every rule on the resources of ONE provider+account scope."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        findings: list[Finding] = []
        with _collector_paused():
            for resource in resources:
                plan = self._plans.get(resource.type)
                if plan is not None:
                    self._add_findings(plan, resource, now, findings)
        if resources and self._account_rules:
            findings.extend(self._evaluate_account(resources, now))
        if self._tracker is not None:
            by_id = {resource.id: resource for resource in resources}
            findings = [self._tracker.apply(f, by_id.get(f.resource_id)) for f in findings]
        return findings

    def _add_findings(
        self, plan: TypePlan, resource: Resource, now: datetime, findings: list[Finding]
    ) -> None:
        """Append the findings of `resource`: its entries' heads with the resource's fields."""
        resource_fields = _common(resource, now)
        encoded = resource.id.encode()
        prefixes = self._uid_prefixes[resource.type]
        for prefix, (_, _, head) in zip(prefixes, plan.entries(resource, now), strict=True):
            if head.__class__ is dict:
                fields = head | resource_fields
            elif head is None:
                continue  # not selected by `where`
            else:
                fields = _error_fields(head, resource, resource_fields)
            digest = prefix.copy()
            digest.update(encoded)
            fields["uid"] = digest.hexdigest()[:32]  # finding_uid(rule id, resource id)
            findings.append(build_finding(fields))

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
            verdict = one_by_one(rule, variables)
            if verdict == NOT_SELECTED:
                continue
            evidence = evidence_for(rule, variables, now)
            evidence["resources.count"] = len(selected)
            evidence["resources.ids"] = [r.id for r in selected[:_MAX_EVIDENCE_IDS]]
            findings.append(_finding(rule, subject, evidence, verdict, _common(subject, now)))
        return findings


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (if on) while findings are built.

    A scope's findings are hundreds of thousands of objects without cycles (reference
    counting frees whatever the engine drops); left on, the collector walks them again
    and again as they pile up, a quarter to a third of the evaluation time
    (`benchmarks/README.md`). It is switched back on even if evaluation raises.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def _common(resource: Resource, now: datetime) -> dict[str, Any]:
    """The fields every finding on `resource` shares."""
    return {
        "resource_id": resource.id,
        "resource_type": resource.type,
        "native_type": resource.native_type,
        "resource_name": resource.name,
        "provider": resource.provider,
        "account": resource.account,
        "region": resource.region,
        "evaluated_at": now,
    }


def _error_message(rule_id: str, resource: Resource, verdict: Any) -> str:
    problem = (
        verdict.text
        if isinstance(verdict, ErrorVerdict)
        else f"assert returned {type(verdict).__name__}, expected bool"
    )
    return f"rule {rule_id} could not be evaluated on {resource.id}: {problem}"


def _error_fields(
    head: ErrorHead, resource: Resource, resource_fields: dict[str, Any]
) -> dict[str, Any]:
    fields = head.fields | resource_fields
    fields["message"] = _error_message(fields["rule_id"], resource, head.verdict)
    return fields


def _finding(
    rule: CompiledRule,
    resource: Resource,
    evidence: dict[str, Any],
    verdict: Any,
    common: dict[str, Any],
) -> Finding:
    if verdict is True:
        status, message = Status.PASS, rule.pass_message
    elif verdict is False:
        status, message = Status.FAIL, rule.fail_message
    else:
        status, message = Status.ERROR, _error_message(rule.rule.id, resource, verdict)
    return build_finding(
        {
            **rule.fields,
            **common,
            "uid": rule.uid(resource.id),
            "status": status,
            "evidence": evidence,
            "message": message,
        }
    )
