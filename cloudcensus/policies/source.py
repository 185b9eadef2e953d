"""YAML documents that remember where each value came from.

Rule packs, profiles and explanation files are written by people; an error that says
"invalid rule" without a file and a line wastes their afternoon. Every policy file is
read through `read_yaml`, which keeps a map from each value's path (the same tuple
pydantic reports as an error's `loc`) to its line, so any validation error can name
`file:line`. All load errors of one run are collected into one `PolicyLoadError`, so a
user fixes a whole pack in one pass instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = [
    "ExplanationLoadError",
    "LoadIssue",
    "ParamError",
    "PolicyLoadError",
    "RuleLoadError",
    "YamlDocument",
    "issues_from_validation",
    "read_yaml",
]

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadIssue:
    """One problem in one policy file, at one line (1-based; 0 when unknown)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class PolicyLoadError(Exception):
    """A policy file (rule, profile, explanation) is invalid. `issues` lists every problem."""

    def __init__(self, issues: Sequence[LoadIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class RuleLoadError(PolicyLoadError):
    """A rule pack or rule file cannot be loaded."""


class ParamError(RuleLoadError):
    """A parameter value from a profile or the configuration does not fit the rule."""


class ExplanationLoadError(PolicyLoadError):
    """An explanations file is refused: nothing from it is applied."""


@dataclass
class YamlDocument:
    """A parsed YAML file: its data and the line of every mapping key / list item."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path)

    def line_of(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest parent that exists (for a missing field)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return 1

    def issue(self, loc: Loc, message: str) -> LoadIssue:
        return LoadIssue(self.name, self.line_of(loc), message)


def read_yaml(path: Path) -> YamlDocument:
    """Parse one YAML file with its line map; syntax errors and duplicate keys raise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyLoadError([LoadIssue(str(path), 0, f"cannot read: {error.strerror}")]) from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = error.problem or error.context or "invalid YAML"
        raise PolicyLoadError([LoadIssue(str(path), line, f"YAML syntax: {problem}")]) from None
    except yaml.YAMLError as error:
        raise PolicyLoadError([LoadIssue(str(path), 0, f"YAML syntax: {error}")]) from None
    document = YamlDocument(path=path, data=data)
    if node is not None:
        issues: list[LoadIssue] = []
        _index(node, (), document, issues)
        if issues:
            raise PolicyLoadError(issues)
    return document


def _index(node: yaml.Node, loc: Loc, document: YamlDocument, issues: list[LoadIssue]) -> None:
    document.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                issues.append(
                    LoadIssue(document.name, key_node.start_mark.line + 1, f"duplicate key {key!r}")
                )
            seen.add(key)
            document.lines[(*loc, key)] = key_node.start_mark.line + 1
            _index(value_node, (*loc, key), document, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*loc, index), document, issues)


def issues_from_validation(
    document: YamlDocument, error: ValidationError, prefix: Loc = ()
) -> list[LoadIssue]:
    """Translate pydantic errors into issues at the line of the offending field."""
    issues = []
    for detail in error.errors(include_url=False):
        loc: Loc = (*prefix, *detail["loc"])
        where = ".".join(str(part) for part in loc[len(prefix) :]) or "document"
        kind = detail["type"]
        if kind == "extra_forbidden":
            message = f"unknown field {where!r}"
        elif kind == "missing":
            message = f"missing field {where!r}"
        else:
            message = f"{where}: {detail['msg']}"
        issues.append(document.issue(loc, message))
    return issues
