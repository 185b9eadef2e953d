"""Comply or explain: explanation records, their validation, matching and usage report.

An explanation turns a failing finding into `explained`. Because that hides a
deviation, loading is strict: a file with one invalid record (requester = approver,
missing or too-distant expiry, unknown rule or field, empty selector) is refused whole
with an `ExplanationLoadError` naming file and line; nothing is silently applied.

Application (`ExplanationTracker.apply`, called by the `Evaluator` per finding): among
the explanations of the finding's rule whose `resources` match (id globs AND selector),
the first valid one explains the finding. An expired one, or one pinned to another rule
version, leaves the finding failing with an `explanation_note` saying why. The tracker
remembers which explanations matched a failing finding, so after the whole scan its
`report()` lists the stale ones (matched nothing), the expired and the expiring ones.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cloudcensus.policies.findings import Finding
from cloudcensus.policies.rules import RuleSet
from cloudcensus.policies.source import (
    ExplanationLoadError,
    LoadIssue,
    PolicyLoadError,
    YamlDocument,
    issues_from_validation,
    read_yaml,
)
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "Explanation",
    "ExplanationSet",
    "ExplanationSpec",
    "ResourceMatch",
    "Selector",
    "load_explanations",
]

_STRICT = ConfigDict(frozen=True, extra="forbid")


class Selector(BaseModel):
    model_config = _STRICT
    account: str | None = None
    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class ResourceMatch(BaseModel):
    """Which resources an explanation covers: id globs and/or a selector; all must match."""

    model_config = _STRICT
    ids: list[str] = Field(default_factory=list, description="fnmatch globs on resource id")
    selector: Selector | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> ResourceMatch:
        selector = self.selector
        if not self.ids and (selector is None or selector == Selector()):
            raise ValueError("empty resource selector: give ids and/or a selector")
        return self


class ExplanationSpec(BaseModel):
    """One explanation record. Field meanings: docs/rules.md."""

    model_config = _STRICT
    id: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    rule_version: int | None = Field(default=None, ge=1)
    resources: ResourceMatch
    reason: str = Field(min_length=1)
    category: Literal["waiver", "mitigated"]
    requested_by: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    approved_on: date
    expires: date
    reference: str | None = None


class _File(BaseModel):
    model_config = _STRICT
    explanations: list[ExplanationSpec]


@dataclass(frozen=True)
class Explanation:
    spec: ExplanationSpec
    file: str
    line: int

    @property
    def id(self) -> str:
        return self.spec.id

    def matches(self, finding: Finding, resource: Resource | None) -> bool:
        resources = self.spec.resources
        if resources.ids and not any(
            fnmatch.fnmatchcase(finding.resource_id, glob) for glob in resources.ids
        ):
            return False
        selector = resources.selector
        if selector is None:
            return True
        tags = resource.tags if resource is not None else {}
        return (
            selector.account in (None, finding.account)
            and selector.region in (None, finding.region)
            and all(tags.get(k) == v for k, v in selector.tags.items())
        )

    def summary(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "id": spec.id,
            "rule": spec.rule,
            "expires": spec.expires.isoformat(),
            "category": spec.category,
            "file": self.file,
            "line": self.line,
        }


@dataclass
class ExplanationSet:
    """Validated explanations, judged against `today` (expired = expires before today)."""

    explanations: list[Explanation]
    today: date
    _by_rule: dict[str, list[Explanation]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for explanation in self.explanations:
            self._by_rule.setdefault(explanation.spec.rule, []).append(explanation)

    def for_rule(self, rule_id: str) -> list[Explanation]:
        return self._by_rule.get(rule_id, [])

    def is_expired(self, explanation: Explanation) -> bool:
        return explanation.spec.expires < self.today

    def expiring(self, within_days: int = 30) -> list[Explanation]:
        """Explanations still valid today that expire within `within_days`."""
        horizon = self.today + timedelta(days=within_days)
        return [e for e in self.explanations if self.today <= e.spec.expires <= horizon]


def load_explanations(
    paths: Iterable[str | Path], ruleset: RuleSet, *, today: date, max_validity_days: int = 365
) -> ExplanationSet:
    """Load and validate explanation files; raises `ExplanationLoadError` with every issue."""
    issues: list[LoadIssue] = []
    loaded: list[Explanation] = []
    seen: dict[str, Explanation] = {}
    for path in paths:
        try:
            document = read_yaml(Path(path))
        except PolicyLoadError as error:
            issues += error.issues
            continue
        try:
            records = _read(document, ruleset, max_validity_days)
        except ExplanationLoadError as error:
            issues += error.issues
            continue
        for explanation, problems in records:
            issues += problems
            first = seen.get(explanation.id)
            if first is not None:
                where = f"{first.file}:{first.line}"
                message = f"duplicate explanation id {explanation.id!r} (first at {where})"
                issues.append(LoadIssue(explanation.file, explanation.line, message))
            seen.setdefault(explanation.id, explanation)
            loaded.append(explanation)
    if issues:
        raise ExplanationLoadError(issues)
    return ExplanationSet(loaded, today)


def _read(
    document: YamlDocument, ruleset: RuleSet, max_days: int
) -> list[tuple[Explanation, list[LoadIssue]]]:
    try:
        parsed = _File.model_validate(document.data)
    except ValidationError as error:
        raise ExplanationLoadError(issues_from_validation(document, error)) from None
    out = []
    for index, spec in enumerate(parsed.explanations):
        loc = ("explanations", index)
        explanation = Explanation(spec, document.name, document.line_of(loc))
        out.append((explanation, _check(spec, ruleset, max_days, document, loc)))
    return out


def _check(
    spec: ExplanationSpec,
    ruleset: RuleSet,
    max_days: int,
    document: YamlDocument,
    loc: tuple[str, int],
) -> list[LoadIssue]:
    problems: list[tuple[str, str]] = []
    if spec.requested_by.casefold() == spec.approved_by.casefold():
        problems.append(("approved_by", "requester and approver must be different people"))
    if spec.expires < spec.approved_on:
        problems.append(("expires", "expires before approved_on"))
    elif spec.expires > spec.approved_on + timedelta(days=max_days):
        limit = spec.approved_on + timedelta(days=max_days)
        problems.append(
            (
                "expires",
                f"expires more than {max_days} days after approval "
                f"(latest allowed {limit.isoformat()})",
            )
        )
    if spec.rule not in ruleset:
        problems.append(("rule", f"unknown rule {spec.rule!r}"))
    return [document.issue((*loc, name), f"{spec.id}: {text}") for name, text in problems]
