"""The rule model: what a rule file may say (docs/rules.md) and the loaded `RuleSet`.

`RuleSpec` is the file format, validated strictly (`extra="forbid"`) so a misspelt
field is a load error rather than a rule that silently never fires. A `Rule` is a spec
plus what loading learned: its pack, its file and lines, and its resolved parameter
values. A `RuleSet` indexes rules by resource type, which is how the engine asks for
them: "which rules apply to a `storage.bucket`?".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cloudcensus.policies.findings import Severity

__all__ = [
    "AccountExample",
    "Examples",
    "PackSpec",
    "ParamSpec",
    "Rule",
    "RuleSet",
    "RuleSpec",
]

_STRICT = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ParamSpec(BaseModel):
    """A tunable value of a rule; its default fixes the type every override must have."""

    model_config = _STRICT
    default: Any = Field(description="value used unless a profile or the config sets one")
    description: str = Field(default="", description="what the value means, for the docs")


class Examples(BaseModel):
    """Partial resources the rule must pass and fail on; the test suite runs them all."""

    model_config = _STRICT
    pass_: list[dict[str, Any]] = Field(alias="pass", min_length=1)
    fail: list[dict[str, Any]] = Field(min_length=1)


class AccountExample(BaseModel):
    """An example of an `account`-scope rule: the account resource and its resources."""

    model_config = _STRICT
    account: dict[str, Any] | None = Field(default_factory=dict)
    resources: list[dict[str, Any]] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)


class PackSpec(BaseModel):
    """`pack.yaml`: the name findings carry and a description for `rules list`."""

    model_config = _STRICT
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""


class RuleSpec(BaseModel):
    """One rule file. Field meanings: docs/rules.md."""

    model_config = _STRICT
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="equals the file name")
    version: int = Field(ge=1, description="bumped when the meaning changes")
    title: str = Field(min_length=1)
    severity: Severity
    types: list[str] = Field(min_length=1, description="normalised types the rule applies to")
    scope: Literal["resource", "account"] = "resource"
    where: str | None = Field(default=None, description="CEL: selects the resources")
    condition: str = Field(alias="assert", min_length=1, description="CEL: must hold")
    message: str | None = Field(default=None, description="shown on failing findings")
    params: dict[str, ParamSpec] = Field(default_factory=dict)
    controls: dict[str, list[str]] = Field(default_factory=dict)
    remediation: str = Field(min_length=1)
    examples: Examples


@dataclass(frozen=True)
class Rule:
    """A loaded rule: its spec, where it came from, and its resolved parameter values."""

    spec: RuleSpec
    pack: str
    path: Path
    values: Mapping[str, Any]
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> int:
        return self.spec.version

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def severity(self) -> Severity:
        return self.spec.severity

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.spec.types)

    @property
    def scope(self) -> str:
        return self.spec.scope

    def line_of(self, *loc: str | int) -> int:
        """Line of a field of the rule file (of its nearest present parent)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return 1

    def with_values(self, values: Mapping[str, Any]) -> Rule:
        return replace(self, values=dict(values))


class RuleSet:
    """Loaded rules, in load order, indexed by id and by resource type."""

    def __init__(self, rules: Mapping[str, Rule] | list[Rule]) -> None:
        items = list(rules.values()) if isinstance(rules, Mapping) else list(rules)
        self._by_id: dict[str, Rule] = {rule.id: rule for rule in items}
        self._by_type: dict[str, list[Rule]] = {}
        self._account: list[Rule] = []
        for rule in items:
            if rule.scope == "account":
                self._account.append(rule)
                continue
            for type_ in rule.types:
                self._by_type.setdefault(type_, []).append(rule)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def get(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    @property
    def types(self) -> list[str]:
        """Resource types with at least one `resource`-scope rule."""
        return list(self._by_type)

    def for_type(self, type_: str) -> list[Rule]:
        """The `resource`-scope rules that apply to resources of `type_`, in load order."""
        return list(self._by_type.get(type_, ()))

    @property
    def account_rules(self) -> list[Rule]:
        return list(self._account)

    def replace_rules(self, rules: list[Rule]) -> RuleSet:
        """A new set with the given rules replacing those of the same id."""
        merged = dict(self._by_id)
        merged.update({rule.id: rule for rule in rules})
        return RuleSet(list(merged.values()))
