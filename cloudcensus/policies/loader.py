"""Loading rule packs: every problem is a `RuleLoadError` naming the file and the line.

`load_rules(["baseline", "./my-pack", "./extra/MY-01.yaml"])` loads built-in packs by
name, pack directories and single rule files, validates everything it can (format,
CEL syntax, resource types, id = file name, unique ids, parameter names and example
resources) and only then raises, once, with every issue found. A rule that loads is a
rule the engine can evaluate; what remains possible at run time (a missing key in one
resource) becomes an `error` finding, never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from cloudcensus.policies.examples import build_examples
from cloudcensus.policies.expressions import check_syntax, field_paths
from cloudcensus.policies.params import type_mismatch
from cloudcensus.policies.rules import PackSpec, Rule, RuleSet, RuleSpec
from cloudcensus.policies.source import (
    LoadIssue,
    PolicyLoadError,
    RuleLoadError,
    YamlDocument,
    issues_from_validation,
    read_yaml,
)
from cloudcensus.scanner.inventory import RESOURCE_TYPES

__all__ = ["BUILTIN_PACKS_DIR", "builtin_packs", "load_rule_file", "load_rules"]

BUILTIN_PACKS_DIR = Path(__file__).parent / "packs"
_RULE_SUFFIXES = (".yaml", ".yml")


def builtin_packs() -> list[str]:
    """Names of the packs shipped with cloudcensus (`sovereignty`, `baseline`, ...)."""
    return sorted(p.name for p in BUILTIN_PACKS_DIR.iterdir() if p.is_dir())


def load_rules(sources: Sequence[str | Path]) -> RuleSet:
    """Load packs (built-in names or directories) and rule files into one `RuleSet`.

    Parameters carry their defaults; apply a profile and the configuration with
    `cloudcensus.policies.params.resolve_params`. Raises `RuleLoadError` with all issues.
    """
    issues: list[LoadIssue] = []
    rules: dict[str, Rule] = {}
    for source in sources:
        for rule in _load_source(source, issues):
            first = rules.get(rule.id)
            if first is not None:
                message = f"duplicate rule id {rule.id!r}, first defined in {first.path}"
                issues.append(LoadIssue(str(rule.path), rule.line_of("id"), message))
                continue
            rules[rule.id] = rule
    if issues:
        raise RuleLoadError(issues)
    return RuleSet(list(rules.values()))


def _load_source(source: str | Path, issues: list[LoadIssue]) -> list[Rule]:
    path = Path(source)
    if isinstance(source, str) and source in builtin_packs() and not path.exists():
        path = BUILTIN_PACKS_DIR / source
    if path.is_dir():
        return _load_pack(path, issues)
    if path.is_file():
        rule = _collect(path, _pack_name(path.parent, issues), issues)
        return [rule] if rule else []
    known = ", ".join(builtin_packs()) or "none"
    issues.append(LoadIssue(str(source), 0, f"no such pack or file (built-in packs: {known})"))
    return []


def _pack_name(directory: Path, issues: list[LoadIssue]) -> str:
    manifest = directory / "pack.yaml"
    if not manifest.is_file():
        return directory.name
    try:
        document = read_yaml(manifest)
        return PackSpec.model_validate(document.data).name
    except PolicyLoadError as error:
        issues.extend(error.issues)
    except ValidationError as error:
        issues.extend(issues_from_validation(document, error))
    return directory.name


def _load_pack(directory: Path, issues: list[LoadIssue]) -> list[Rule]:
    pack = _pack_name(directory, issues)
    files = sorted(
        p for p in directory.iterdir() if p.suffix in _RULE_SUFFIXES and p.stem != "pack"
    )
    if not files:
        issues.append(LoadIssue(str(directory), 0, "pack holds no rule files"))
    loaded = (_collect(path, pack, issues) for path in files)
    return [rule for rule in loaded if rule is not None]


def _collect(path: Path, pack: str, issues: list[LoadIssue]) -> Rule | None:
    try:
        return load_rule_file(path, pack)
    except PolicyLoadError as error:
        issues.extend(error.issues)
        return None


def load_rule_file(path: Path, pack: str) -> Rule:
    """Load and validate one rule file; raises `RuleLoadError` with all its issues."""
    document = read_yaml(path)
    if not isinstance(document.data, dict):
        raise RuleLoadError([document.issue((), "a rule file must be a YAML mapping")])
    try:
        spec = RuleSpec.model_validate(document.data)
    except ValidationError as error:
        raise RuleLoadError(issues_from_validation(document, error)) from None
    issues = _check(spec, path, document)
    rule = Rule(
        spec=spec,
        pack=pack,
        path=path,
        values={name: param.default for name, param in spec.params.items()},
        lines=document.lines,
    )
    if not issues:
        issues = [document.issue(loc, message) for loc, message in build_examples(rule)[1]]
    if issues:
        raise RuleLoadError(issues)
    return rule


def _check(spec: RuleSpec, path: Path, document: YamlDocument) -> list[LoadIssue]:
    issues = []
    if spec.id != path.stem:
        issues.append(document.issue(("id",), f"id {spec.id!r} differs from file name"))
    for index, type_ in enumerate(spec.types):
        if type_ not in RESOURCE_TYPES:
            message = f"unknown type {type_!r} (known: {', '.join(sorted(RESOURCE_TYPES))})"
            issues.append(document.issue(("types", index), message))
    for name, param in spec.params.items():
        if name.startswith("_") or not name.replace("_", "a").isalnum():
            issues.append(document.issue(("params", name), f"bad parameter name {name!r}"))
        if type_mismatch(param.default, param.default):
            message = "default list mixes item types"
            issues.append(document.issue(("params", name, "default"), message))
    for field_name, source in (("where", spec.where), ("assert", spec.condition)):
        if source is None:
            continue
        error = check_syntax(source)
        if error is not None:
            issues.append(document.issue((field_name,), f"{field_name}: CEL {error}"))
            continue
        for path_ in field_paths(source, ("params",)):
            if path_.keys and path_.keys[0] not in spec.params:
                message = f"{field_name}: uses undeclared parameter {path_.keys[0]!r}"
                issues.append(document.issue((field_name,), message))
    return issues
