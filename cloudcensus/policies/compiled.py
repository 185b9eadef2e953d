"""Rules compiled for the evaluator, and running one rule alone.

`compile_rule` turns a `Rule` into what the evaluator needs: its `where` and `assert`
programs, the combined source the verdict cache runs several rules at once with
(`where ? assert : <not selected>`, list and map parameters bound as variables), the
paths the rule can read (memo key, evidence), the strings it compares each path with
(`literals.py`) and the fields all its findings share. `finding_head` is a finding
without its resource: built once per memoised verdict, copied per finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import cel

from cloudcensus.policies.evidence import Projection, evidence_of
from cloudcensus.policies.expressions import FieldPath, field_paths, inline_params, tag_keys
from cloudcensus.policies.findings import Finding, Status, finding_uid_of_rule
from cloudcensus.policies.literals import Literals, literal_sets
from cloudcensus.policies.rules import Rule

__all__ = [
    "CEL_ERRORS",
    "NOT_SELECTED",
    "RESOURCE_FIELDS",
    "CompiledRule",
    "ErrorHead",
    "ErrorVerdict",
    "compile_rule",
    "evidence_for",
    "finding_head",
    "one_by_one",
    "template",
]

#: What the CEL binding raises at run time: missing key, missing variable, type mismatch,
#: conversion failure, arithmetic. Anything else is a bug and propagates.
CEL_ERRORS = (KeyError, RuntimeError, TypeError, ValueError, ArithmeticError)

#: The verdict of a rule whose `where` did not select the resource.
NOT_SELECTED = "cloudcensus:not-selected"
_ROOTS = ("resource", "account", "resources", "params", "now")

#: The fields of a finding that come from its resource and the evaluation, in the order
#: the engine writes them (after the rule's, before uid, status, evidence and message).
RESOURCE_FIELDS = (
    "resource_id",
    "resource_type",
    "native_type",
    "resource_name",
    "provider",
    "account",
    "region",
    "evaluated_at",
)


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    where: cel.Program | None
    check: cel.Program
    combined_source: str  # where ? assert : not-selected, list and map params as variables
    constants: dict[str, Any]  # those variables
    paths: tuple[FieldPath, ...]
    reach: tuple[tuple[str | int, ...], ...]  # what the projection must hold
    literals: tuple[Literals, ...]  # per `reach` path: the strings it is compared with
    projection: Projection  # of `reach`: what the rule's evidence shows
    uses_now: bool
    raw_needed: bool
    fields: dict[str, Any]  # what all its findings share (`template`)
    pass_message: str
    fail_message: str
    uid: Callable[[str], str]  # finding_uid with this rule's id
    heads: dict[bool, dict[str, Any]] = field(default_factory=dict)  # by verdict; see finding_head

    def __post_init__(self) -> None:
        self.heads[True] = _head(self, Status.PASS, self.pass_message)
        self.heads[False] = _head(self, Status.FAIL, self.fail_message)


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
    reach = list(dict.fromkeys(reach))
    sets = literal_sets(combined, "resource", reach, constants)
    return CompiledRule(
        rule=rule,
        where=cel.compile(where_src) if where_src is not None else None,
        check=cel.compile(check_src),
        combined_source=combined,
        constants=constants,
        paths=paths,
        reach=tuple(reach),
        literals=tuple(sets[keys] for keys in reach),
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


@dataclass(frozen=True)
class ErrorHead:
    """The head of an error finding: its message names the resource, so it is per finding."""

    fields: dict[str, Any]
    verdict: Any


def finding_head(
    rule: CompiledRule, verdict: Any, evidence: dict[str, Any]
) -> dict[str, Any] | ErrorHead | None:
    """A finding of `rule` without its resource (None where `RESOURCE_FIELDS` and uid go),
    in the engine's field order; None when `where` left the resource out."""
    if verdict is True or verdict is False:
        fields = rule.heads[verdict].copy()
        fields["evidence"] = evidence
        return fields
    if verdict == NOT_SELECTED:
        return None
    fields = _head(rule, Status.ERROR, "")
    fields["evidence"] = evidence
    return ErrorHead(fields, verdict)


def _head(rule: CompiledRule, status: Status, message: str) -> dict[str, Any]:
    fields = _HEAD.copy()
    fields.update(rule.fields)
    fields["status"] = status
    fields["message"] = message
    return fields


class _Fields:
    """Holds a finding's fields as attributes, only to lend `_HEAD` its shared keys."""


def _head_template() -> dict[str, Any]:
    """Every field of a finding, None, in the engine's order, as a *key-sharing* dict.

    An instance `__dict__` shares its keys with its class (PEP 412), and so do its
    copies and their copies updated in place: a finding's dict, copied from a head,
    then holds only its values, a third less memory to write per finding.
    """
    placeholders: dict[str, Any] = dict.fromkeys(_RULE_FIELDS)
    rule_fields = Finding.model_construct(**placeholders).__dict__  # in `template`'s order
    names = dict.fromkeys([*rule_fields, *RESOURCE_FIELDS, "uid", "status", "evidence", "message"])
    holder = _Fields()
    for name in names:
        setattr(holder, name, None)
    return holder.__dict__


def template(rule: Rule) -> Finding:
    """The fields a rule gives all its findings; `_finding` copies it per resource."""
    spec = rule.spec
    values = (
        spec.id,
        spec.version,
        spec.title,
        rule.pack,
        spec.severity,
        None,  # explanation_id
        None,  # explanation_note
        spec.controls,
        spec.remediation,
    )
    fields: dict[str, Any] = dict(zip(_RULE_FIELDS, values, strict=True))
    return Finding.model_construct(**fields)


_RULE_FIELDS = (
    "rule_id",
    "rule_version",
    "rule_title",
    "pack",
    "severity",
    "explanation_id",
    "explanation_note",
    "controls",
    "remediation",
)
_HEAD = _head_template()
