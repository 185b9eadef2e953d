"""Rules compiled for the evaluator, and running one rule alone.

`compile_rule` turns a `Rule` into what the evaluator needs: its `where` and `assert`
programs, the combined source the verdict cache runs several rules at once with
(`where ? assert : <not selected>`, list and map parameters bound as variables), the
paths the rule can read (memo key, evidence) and the fields all its findings share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cel

from cloudcensus.policies.evidence import Projection, evidence_of
from cloudcensus.policies.expressions import FieldPath, field_paths, inline_params, tag_keys
from cloudcensus.policies.findings import Finding, finding_uid_of_rule
from cloudcensus.policies.rules import Rule

__all__ = [
    "CEL_ERRORS",
    "NOT_SELECTED",
    "CompiledRule",
    "ErrorVerdict",
    "compile_rule",
    "evidence_for",
    "one_by_one",
    "template",
]

#: What the CEL binding raises at run time: missing key, missing variable, type mismatch,
#: conversion failure, arithmetic. Anything else is a bug and propagates.
CEL_ERRORS = (KeyError, RuntimeError, TypeError, ValueError, ArithmeticError)

#: The verdict of a rule whose `where` did not select the resource.
NOT_SELECTED = "cloudcensus:not-selected"
_ROOTS = ("resource", "account", "resources", "params", "now")


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    where: cel.Program | None
    check: cel.Program
    combined_source: str  # where ? assert : not-selected, list and map params as variables
    constants: dict[str, Any]  # those variables
    paths: tuple[FieldPath, ...]
    reach: tuple[tuple[str | int, ...], ...]  # what the projection must hold
    projection: Projection  # of `reach`: what the rule's evidence shows
    uses_now: bool
    raw_needed: bool
    fields: dict[str, Any]  # what all its findings share (`template`)
    pass_message: str
    fail_message: str
    uid: Callable[[str], str]  # finding_uid with this rule's id


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"missing key {error.args[0]!r}" if error.args else "missing key"
    return f"{type(error).__name__}: {error}"


def compile_rule(rule: Rule, number: int) -> CompiledRule:
    constants: dict[str, Any] = {}

    def bind(name: str, value: Any) -> str:
        constants[f"cc_param_{number}_{name}"] = value
        return f"cc_param_{number}_{name}"

    where_src = inline_params(rule.spec.where, rule.values) if rule.spec.where else None
    check_src = inline_params(rule.spec.condition, rule.values)
    where_bound = inline_params(rule.spec.where, rule.values, bind) if rule.spec.where else None
    combined = f"({inline_params(rule.spec.condition, rule.values, bind)})"
    if where_bound is not None:
        combined = f"(({where_bound}) ? {combined} : {NOT_SELECTED!r})"
    both = f"{rule.spec.where or ''}\n{rule.spec.condition}"
    paths = tuple(field_paths(both, _ROOTS))
    reach = [p.keys for p in paths if p.root == "resource"]
    keys = [tag_keys(src) for src in (where_src, check_src) if src is not None]
    if ("tags",) in reach and None not in keys:
        # Only these tag keys can be read: a unique `Name` tag must not defeat the memo.
        reach = [k for k in reach if k != ("tags",)]
        reach += [("tags", key) for found in keys if found for key in sorted(found)]
    return CompiledRule(
        rule=rule,
        where=cel.compile(where_src) if where_src is not None else None,
        check=cel.compile(check_src),
        combined_source=combined,
        constants=constants,
        paths=paths,
        reach=tuple(dict.fromkeys(reach)),
        projection=Projection(reach),
        uses_now=any(p.root == "now" for p in paths),
        raw_needed="raw" in both,
        fields=dict(template(rule).__dict__),
        pass_message=f"{rule.title}: complies",
        fail_message=rule.spec.message or rule.spec.title,
        uid=finding_uid_of_rule(rule.id),
    )


def one_by_one(rule: CompiledRule, variables: dict[str, Any]) -> Any:
    """One rule alone: `where`, then `assert`; a CEL failure becomes an error verdict."""
    stage = "where"
    try:
        if rule.where is not None:
            selected = rule.where.execute(variables)
            if not isinstance(selected, bool):
                return ErrorVerdict(f"where returned {type(selected).__name__}, expected bool")
            if not selected:
                return NOT_SELECTED
        stage = "assert"
        return rule.check.execute(variables)
    except CEL_ERRORS as error:
        return ErrorVerdict(f"{stage}: {_describe(error)}")


@dataclass(frozen=True)
class ErrorVerdict:
    text: str


def evidence_for(rule: CompiledRule, variables: dict[str, Any], now: datetime) -> dict[str, Any]:
    return evidence_of(rule.paths, {**variables, "params": rule.rule.values, "now": now})


def template(rule: Rule) -> Finding:
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
