"""Rule parameters: defaults, then a profile, then the agent configuration; last wins.

A parameter's default fixes its type: an override of another type (a string where a
list of ports is expected) is refused at load, naming where the value came from, rather
than making the rule fail or pass for a reason nobody wrote down.

Shape shared by profiles and configuration::

    params:
      "*": {allowed_countries: [BE]}        # every loaded rule declaring this name
      BASE-IAM-02: {max_age_days: 60}       # one rule

Within one layer a per-rule value beats a `"*"` value. A profile may name rules or
`"*"` parameters that are not loaded (it serves several packs); the configuration may
not, so a typo there is an error instead of a silently ignored setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloudcensus.policies.rules import Rule, RuleSet
from cloudcensus.policies.source import (
    LoadIssue,
    ParamError,
    YamlDocument,
    issues_from_validation,
    read_yaml,
)

__all__ = [
    "BUILTIN_PROFILES_DIR",
    "Profile",
    "load_profile",
    "resolve_params",
    "type_mismatch",
]

BUILTIN_PROFILES_DIR = Path(__file__).parent / "profiles"

ParamLayer = Mapping[str, Mapping[str, Any]]


class _ProfileSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(min_length=1)
    description: str = ""
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    """A named set of parameter values, e.g. `be-federal`."""

    name: str
    description: str
    params: ParamLayer
    document: YamlDocument


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    for python_type, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "string")):
        if isinstance(value, python_type):
            return name
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    return type(value).__name__


def _fits(expected: str, actual: str) -> bool:
    return expected == actual or (expected == "float" and actual == "int")


def type_mismatch(default: Any, value: Any) -> str | None:
    """Why `value` cannot replace `default`, or None when it can (a null default takes any)."""
    expected, actual = _kind(default), _kind(value)
    if expected == "null":
        return None
    if not _fits(expected, actual):
        return f"expected {expected} like the default, got {actual}"
    if expected == "list" and default:
        item_kind = _kind(default[0])
        for item in value:
            if not _fits(item_kind, _kind(item)):
                return f"expected a list of {item_kind}, got an item of type {_kind(item)}"
    return None


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name (`be-federal`) or a profile file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = BUILTIN_PROFILES_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in BUILTIN_PROFILES_DIR.glob("*.yaml"))
            raise ParamError([LoadIssue(str(name_or_path), 0, f"unknown profile; known: {known}")])
    document = read_yaml(path)
    try:
        spec = _ProfileSpec.model_validate(document.data)
    except ValidationError as error:
        raise ParamError(issues_from_validation(document, error)) from None
    return Profile(spec.name, spec.description, spec.params, document)


def _builtin_rule_ids() -> frozenset[str]:
    packs = Path(__file__).parent / "packs"
    return frozenset(p.stem for p in packs.glob("*/*.yaml") if p.name != "pack.yaml")


class _Layer:
    """Applies one layer of values, recording issues against its source."""

    def __init__(self, layer: ParamLayer, source: str, document: YamlDocument | None) -> None:
        self.layer, self.source, self.document = layer, source, document
        self.issues: list[LoadIssue] = []

    def fail(self, loc: tuple[str, ...], message: str) -> None:
        if self.document is not None:
            self.issues.append(self.document.issue(("params", *loc), message))
        else:
            where = ".".join(("params", *loc))
            self.issues.append(LoadIssue(self.source, 0, f"{where}: {message}"))

    def set(self, rule: Rule, values: dict[str, Any], loc: tuple[str, str], value: Any) -> None:
        name = loc[1]
        spec = rule.spec.params.get(name)
        if spec is None:
            self.fail(loc, f"rule {rule.id} has no parameter {name!r}")
            return
        problem = type_mismatch(spec.default, value)
        if problem:
            self.fail(loc, f"{rule.id}.{name}: {problem}")
            return
        values[name] = value

    def apply(self, ruleset: RuleSet, values: dict[str, dict[str, Any]], lenient: bool) -> None:
        for name, value in self.layer.get("*", {}).items():
            rules = [rule for rule in ruleset if name in rule.spec.params]
            if not rules and not lenient:
                self.fail(("*", name), f"no loaded rule declares parameter {name!r}")
            for declaring in rules:
                self.set(declaring, values[declaring.id], ("*", name), value)
        builtin = _builtin_rule_ids() if lenient else frozenset()
        for rule_id, settings in self.layer.items():
            if rule_id == "*":
                continue
            rule = ruleset.get(rule_id)
            if rule is None:
                if rule_id not in builtin:
                    self.fail((rule_id,), f"unknown rule {rule_id!r}")
                continue
            if not isinstance(settings, Mapping):
                self.fail((rule_id,), "expected a mapping of parameter names to values")
                continue
            for name, value in settings.items():
                self.set(rule, values[rule.id], (rule_id, name), value)


def resolve_params(
    ruleset: RuleSet,
    profile: str | Path | Profile | None = None,
    overrides: ParamLayer | None = None,
    source_name: str = "configuration",
) -> RuleSet:
    """A new `RuleSet` whose rules carry their resolved parameter values.

    `profile`: a built-in profile name, a profile file, or a loaded `Profile`.
    `overrides`: the `params` mapping of the agent configuration; `source_name` names it
    in errors (e.g. the config file's path). Raises `ParamError` listing every problem.
    """
    values = {rule.id: {k: p.default for k, p in rule.spec.params.items()} for rule in ruleset}
    issues: list[LoadIssue] = []
    if profile is not None:
        loaded = profile if isinstance(profile, Profile) else load_profile(profile)
        layer = _Layer(loaded.params, loaded.document.name, loaded.document)
        layer.apply(ruleset, values, lenient=True)
        issues += layer.issues
    if overrides:
        layer = _Layer(overrides, source_name, None)
        layer.apply(ruleset, values, lenient=False)
        issues += layer.issues
    if issues:
        raise ParamError(issues)
    return RuleSet([rule.with_values(values[rule.id]) for rule in ruleset])
