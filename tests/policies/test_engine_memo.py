"""What the memos may share between resources, and what stays each resource's own."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from typing import Any

import pytest

from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.findings import Finding, Status
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.rules import RuleSet
from tests.policies.policy_helpers import RuleWriter, make_resource

NOW = datetime(2026, 3, 1, tzinfo=UTC)
UNCONVERTIBLE = "\ud800"  # a lone surrogate: CEL cannot take it as a string


def _by_key(findings: list[Finding]) -> dict[tuple[str, str], Finding]:
    return {(f.rule_id, f.resource_id): f for f in findings}


def test_strings_a_rule_cannot_tell_apart_share_a_verdict_not_evidence(
    write_rule: RuleWriter,
) -> None:
    path = write_rule(
        "OWN-01",
        assert_='resource.tags["owner"] != "" && resource.properties.tier in ["gold", "silver"]',
        examples={"pass": [{"tags": {"owner": "a"}, "properties": {"tier": "gold"}}], "fail": [{}]},
    )
    evaluator = Evaluator(load_rules([path]))
    owners = [f"team-{n}" for n in range(40)] + ["", "caf\u00e9"]
    tiers = ["gold", "bronze", "iron", 1]
    resources = [
        make_resource(rid=f"r{n}", tags={"owner": owner}, properties={"tier": tier})
        for n, (owner, tier) in enumerate((o, t) for o in owners for t in tiers)
    ]
    found = _by_key(evaluator.evaluate_scope(resources, NOW))
    for resource in resources:
        finding = found[("OWN-01", resource.id)]
        owner, tier = resource.tags["owner"], resource.properties["tier"]
        assert finding.evidence == {
            'resource.tags["owner"]': owner,
            "resource.properties.tier": tier,
        }
        expected = Status.PASS if owner != "" and tier in ("gold", "silver") else Status.FAIL
        if tier == 1:
            expected = Status.FAIL  # an int is never in a list of strings: no error either
        assert finding.status is expected, (owner, tier)
    lookups, hits = evaluator.memo_stats()
    # CEL ran once per class: (empty, other, "café") x (gold, other string, the int 1).
    assert lookups - hits <= 3 * 3


def test_a_value_cel_cannot_convert_errors_only_the_rule_that_reads_it(
    write_rule: RuleWriter,
) -> None:
    write_rule(
        "BAD-01",
        assert_='resource.properties.note == "x"',
        examples={"pass": [{"properties": {"note": "x"}}], "fail": [{"properties": {"note": ""}}]},
    )
    path = write_rule("PUB-01")  # resource.properties.public == false
    rules = load_rules([path.parent])
    evaluator = Evaluator(rules)
    poisoned = make_resource(rid="poisoned", properties={"public": True, "note": UNCONVERTIBLE})
    clean = make_resource(rid="clean", properties={"public": True, "note": "x"})
    found = _by_key(evaluator.evaluate_scope([poisoned, clean], NOW))
    assert found[("BAD-01", "poisoned")].status is Status.ERROR
    assert "Conversion" in found[("BAD-01", "poisoned")].message
    assert found[("PUB-01", "poisoned")].status is Status.FAIL
    assert found[("PUB-01", "clean")].status is Status.FAIL
    assert found[("BAD-01", "clean")].status is Status.PASS


@pytest.fixture
def ingress_rule(write_rule: RuleWriter) -> RuleSet:
    path = write_rule(
        "NET-01",
        types=["network.security_group"],
        assert_=(
            "resource.properties.ingress != null && !resource.properties.ingress.exists(r, "
            'r.source == "0.0.0.0/0" && r.port == 22)'
        ),
        examples={
            "pass": [{"properties": {"ingress": []}}],
            "fail": [{"properties": {"ingress": None}}],
        },
    )
    return load_rules([path])


def test_an_element_is_judged_on_what_the_body_reads_if_it_surely_converts(
    ingress_rule: RuleSet,
) -> None:
    def group(rid: str, **extra: Any) -> Any:
        rules = [{"source": "10.0.0.0/8", "port": 22, **extra}, {"source": "::/0", "port": 22}]
        return make_resource(
            "network.security_group", rid=rid, properties={"ingress": rules}
        )  # fmt: skip

    groups = [
        group("plain"),
        group("other-cidr", source="192.168.0.0/16"),
        group("noted", note="ok"),
        group("poisoned", note=UNCONVERTIBLE),
        group("open", source="0.0.0.0/0"),
    ]
    found = _by_key(Evaluator(ingress_rule).evaluate_scope(groups, NOW))
    statuses = {rid: f.status for (_, rid), f in found.items()}
    assert statuses == {
        "plain": Status.PASS,
        "other-cidr": Status.PASS,
        "noted": Status.PASS,
        "poisoned": Status.ERROR,  # as when the whole list is handed to CEL
        "open": Status.FAIL,
    }
    assert found[("NET-01", "other-cidr")].evidence["resource.properties.ingress"][0] == {
        "source": "192.168.0.0/16",
        "port": 22,
    }


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(ingress_rule: RuleSet, enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        Evaluator(ingress_rule).evaluate_scope([make_resource("network.security_group")], NOW)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_rules_memo_serves_all_its_types_without_mixing_their_values(
    write_rule: RuleWriter,
) -> None:
    both = ["storage.bucket", "storage.volume"]
    # On volumes, rules that come first read `b` alone and `x` whole: the type reads its
    # paths in another order, and knows `x.y` by the token of `x`.
    write_rule("R1-B", types=["storage.volume"], assert_='resource.properties.b == "y"')
    write_rule("R1-X", types=["storage.volume"], assert_="resource.properties.x.size() > 0")
    write_rule(
        "R2-AB", types=both, assert_='resource.properties.a == "x" && resource.properties.b == "y"'
    )
    path = write_rule("R2-XY", types=both, assert_='resource.properties.x.y == {"y": 1}')
    evaluator = Evaluator(load_rules([path.parent]))
    bucket = make_resource(
        rid="bucket", properties={"a": "x", "b": "y", "x": {"y": {"y": {"y": 1}}}}
    )  # fmt: skip
    volume = make_resource(
        "storage.volume", rid="volume", properties={"a": "y", "b": "x", "x": {"y": {"y": 1}}}
    )  # fmt: skip
    found = _by_key(evaluator.evaluate_scope([bucket, volume], NOW))
    assert found[("R2-AB", "bucket")].status is Status.PASS
    assert found[("R2-AB", "volume")].status is Status.FAIL
    assert found[("R2-XY", "bucket")].status is Status.FAIL
    assert found[("R2-XY", "volume")].status is Status.PASS
