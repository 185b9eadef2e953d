"""Every built-in rule's own examples, one test each, with default and be-federal params."""

from __future__ import annotations

import pytest

from cloudcensus.policies.examples import ExampleResult, run_examples
from cloudcensus.policies.loader import BUILTIN_PACKS_DIR, load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.policies.rules import RuleSet

PACKS = ["sovereignty", "baseline"]


def _rule_ids() -> list[str]:
    return sorted(
        p.stem
        for pack in PACKS
        for p in (BUILTIN_PACKS_DIR / pack).glob("*.yaml")
        if p.name != "pack.yaml"
    )


@pytest.fixture(scope="module")
def builtin() -> RuleSet:
    return load_rules(PACKS)


@pytest.fixture(scope="module")
def results(builtin: RuleSet) -> dict[str, dict[str, list[ExampleResult]]]:
    by_profile: dict[str, dict[str, list[ExampleResult]]] = {}
    for profile, ruleset in (
        ("defaults", builtin),
        ("be-federal", resolve_params(builtin, "be-federal")),
    ):
        grouped: dict[str, list[ExampleResult]] = {}
        for result in run_examples(ruleset):
            grouped.setdefault(result.rule_id, []).append(result)
        by_profile[profile] = grouped
    return by_profile


def test_both_builtin_packs_exist_and_hold_rules(builtin: RuleSet) -> None:
    for pack in PACKS:
        assert (BUILTIN_PACKS_DIR / pack / "pack.yaml").is_file(), pack
        assert any(rule.pack == pack for rule in builtin), f"pack {pack} holds no rules"


@pytest.mark.parametrize("profile", ["defaults", "be-federal"])
@pytest.mark.parametrize("rule_id", _rule_ids())
def test_builtin_rule_examples(
    results: dict[str, dict[str, list[ExampleResult]]], rule_id: str, profile: str
) -> None:
    rule_results = results[profile].get(rule_id)
    assert rule_results, f"{rule_id} has no examples"
    assert {r.kind for r in rule_results} == {"pass", "fail"}
    failed = [str(r) for r in rule_results if not r.ok]
    assert not failed, "\n".join(failed)
