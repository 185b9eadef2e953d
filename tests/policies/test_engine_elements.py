"""Per-element verdicts (`elements.py`) equal evaluating the rule whole."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cloudcensus.policies import verdicts
from cloudcensus.policies.compiled import compile_rule
from cloudcensus.policies.elements import element_plan
from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.findings import Finding
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.policies.rules import RuleSet
from cloudcensus.scanner.inventory import Resource
from tests.policies.policy_helpers import RuleWriter, make_resource

OPEN = {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0"}
SHUT = {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "10.0.0.0/8"}
WEB = {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"}
INGRESS: list[Any] = [
    None,
    [],
    "sg-rules",
    [1],
    [{}],
    [OPEN, {}],
    [{}, OPEN],
    [SHUT, {}],
    [SHUT, WEB],
    [WEB, OPEN],
    [{**OPEN, "from_port": "22"}],
    [{**OPEN, "from_port": True, "to_port": 65535}],
    [{**OPEN, "from_port": 1, "to_port": 65535}],
    [{**OPEN, "protocol": None}],
    [{**OPEN, "protocol": "icmp"}],
    [SHUT, SHUT, WEB],
]
OLD = {"id": "A1", "status": "active", "created": "2020-01-01T00:00:00+00:00"}
NEW = {"id": "A2", "status": "active", "created": "2026-02-20T00:00:00+00:00"}
KEYS: list[Any] = [
    None,
    [],
    [NEW],
    [OLD],
    [{**OLD, "status": "inactive"}, NEW],
    [{**NEW, "created": None}],
    [{**NEW, "created": "not a date"}],
    [{**NEW, "created": "not a date"}, OLD],
    [{**NEW, "created": 12}],
    [{"id": "A3"}],
]


def _estate() -> list[Resource]:
    groups = [
        make_resource("network.security_group", f"sg{i}", properties={"ingress": v})
        for i, v in enumerate(INGRESS)
    ]
    groups.append(make_resource("network.security_group", "sg-none", properties={}))
    users = [
        make_resource("identity.user", f"u{i}", properties={"access_keys": v})
        for i, v in enumerate(KEYS)
    ]
    return groups + users + [make_resource("identity.user", "u-none", properties={})]


def _run(ruleset: RuleSet, resources: list[Resource]) -> dict[tuple[str, str], Finding]:
    evaluator = Evaluator(ruleset)
    found: dict[tuple[str, str], Finding] = {}
    for now in (datetime(2026, 3, 1, tzinfo=UTC), datetime(2030, 3, 1, tzinfo=UTC)):
        for _ in range(2):  # the second pass from the memos
            for f in evaluator.evaluate_scope(resources, now):
                found[(f"{now.year}:{f.rule_id}", f.resource_id)] = f
    return found


def test_per_element_verdicts_equal_whole_rule_evaluation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ruleset = resolve_params(load_rules(["sovereignty", "baseline"]), "be-federal")
    resources = _estate()
    by_id = {rule.id: compile_rule(rule, n) for n, rule in enumerate(ruleset)}
    assert {i for i, rule in by_id.items() if element_plan(rule) is not None} == {
        "BASE-EXP-02",
        "BASE-IAM-02",
    }
    fast = _run(ruleset, resources)
    monkeypatch.setattr(verdicts, "element_plan", lambda rule: None)
    whole = _run(ruleset, resources)
    assert fast == whole
    statuses = {f.status.value for k, f in fast.items() if k[0].endswith(("EXP-02", "IAM-02"))}
    assert statuses == {"pass", "fail", "error"}


def test_only_the_exact_shape_gets_a_per_element_plan(write_rule: RuleWriter) -> None:
    body = 'x.status == "on"'
    shapes = {
        f"resource.properties.xs != null && !resource.properties.xs.exists(x, {body})": True,
        f"resource.properties.xs != null && !resource.properties.xs.exists(x, {body}) && true": (
            False
        ),
        f"resource.properties.xs != null && !resource.properties.xs.exists(x, {body}) "
        "|| resource.name == 'a'": False,
        f"resource.properties.xs != null && !resource.properties.ys.exists(x, {body})": False,
        "resource.properties.xs != null && !resource.properties.xs.exists(x, "
        "x.name == resource.name)": False,
        f"!resource.properties.xs.exists(x, {body})": False,
    }
    examples = {"pass": [{"properties": {"xs": []}}], "fail": [{"properties": {"xs": None}}]}
    for number, (source, expected) in enumerate(shapes.items()):
        path = write_rule(f"EL-{number:02d}", assert_=source, examples=examples)
        (rule,) = load_rules([path])
        assert (element_plan(compile_rule(rule, number)) is not None) is expected, source
