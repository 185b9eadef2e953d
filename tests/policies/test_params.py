"""Parameters: defaults, then profile, then configuration; type and name errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.policies.rules import RuleSet
from cloudcensus.policies.source import ParamError
from tests.policies.policy_helpers import RuleWriter

_COUNTRY = "resource.location.country in params.countries"


@pytest.fixture
def ruleset(write_rule: RuleWriter) -> RuleSet:
    params = {"countries": {"default": ["BE", "IE"], "description": "allowed"}}
    write_rule("P-01", assert_=_COUNTRY, params=params)
    path = write_rule(
        "P-02",
        assert_=_COUNTRY + " && params.level >= 1",
        params={**params, "level": {"default": 2}},
    )
    return load_rules([path.parent])


def _profile(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "test-profile.yaml"
    path.write_text(body)
    return path


def _values(ruleset: RuleSet, rule_id: str) -> dict[str, object]:
    rule = ruleset.get(rule_id)
    assert rule is not None
    return dict(rule.values)


def test_defaults_apply_without_profile_or_config(ruleset: RuleSet) -> None:
    assert _values(resolve_params(ruleset), "P-01") == {"countries": ["BE", "IE"]}


def test_profile_then_config_last_wins_and_rule_beats_star(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    profile = _profile(
        tmp_path,
        "name: t\nparams:\n  '*': {countries: [FR]}\n  P-02: {countries: [DE], level: 3}\n",
    )
    resolved = resolve_params(ruleset, profile, {"P-01": {"countries": ["NL"]}})
    assert _values(resolved, "P-01") == {"countries": ["NL"]}
    assert _values(resolved, "P-02") == {"countries": ["DE"], "level": 3}


def test_profile_type_mismatch_names_profile_file_and_line(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    profile = _profile(tmp_path, "name: t\nparams:\n  P-02:\n    level: high\n")
    with pytest.raises(ParamError) as caught:
        resolve_params(ruleset, profile)
    assert f"{profile}:4: P-02.level: expected int like the default, got string" in str(
        caught.value
    )


def test_config_unknown_param_and_rule_name_the_source(ruleset: RuleSet) -> None:
    overrides: dict[str, dict[str, Any]] = {
        "P-01": {"countriez": ["BE"]},
        "P-99": {"x": 1},
        "*": {"nope": 1},
    }
    with pytest.raises(ParamError) as caught:
        resolve_params(ruleset, None, overrides, source_name="agent.yaml")
    text = str(caught.value)
    assert "agent.yaml: params.P-01.countriez: rule P-01 has no parameter 'countriez'" in text
    assert "agent.yaml: params.P-99: unknown rule 'P-99'" in text
    assert "agent.yaml: params.*.nope: no loaded rule declares parameter 'nope'" in text


def test_list_item_type_is_checked(ruleset: RuleSet) -> None:
    with pytest.raises(ParamError, match="expected a list of string, got an item of type int"):
        resolve_params(ruleset, None, {"*": {"countries": ["BE", 32]}})


def test_profile_may_name_rules_and_params_of_packs_not_loaded(
    ruleset: RuleSet, tmp_path: Path
) -> None:
    profile = _profile(
        tmp_path, "name: t\nparams:\n  '*': {vocabulary: [a]}\n  BASE-TAG-02: {vocabulary: [a]}\n"
    )
    assert _values(resolve_params(ruleset, profile), "P-01") == {"countries": ["BE", "IE"]}


def test_profile_unknown_field_is_refused(ruleset: RuleSet, tmp_path: Path) -> None:
    profile = _profile(tmp_path, "name: t\nparamz: {}\n")
    with pytest.raises(ParamError, match=r"test-profile.yaml:2: unknown field 'paramz'"):
        resolve_params(ruleset, profile)


def test_builtin_profile_by_name(ruleset: RuleSet) -> None:
    with pytest.raises(ParamError, match="unknown profile"):
        resolve_params(ruleset, "no-such-profile")
    full = load_rules(["sovereignty", "baseline"])
    resolved = resolve_params(full, "be-federal")
    assert len(resolved) == len(full)
