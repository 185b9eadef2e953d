"""Evaluation: verdicts, errors with the combined-program fallback, evidence, accounts."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import cel
import pytest

from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.evidence import path_token, path_tokenizer, resource_map
from cloudcensus.policies.findings import Finding, Status, finding_uid, finding_uid_of_rule
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.policies.rules import Rule, RuleSet
from cloudcensus.scanner.inventory import Resource
from tests.policies.policy_helpers import RuleWriter, make_resource

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _by_rule(findings: list[Finding]) -> dict[tuple[str, str], Finding]:
    return {(f.rule_id, f.resource_id): f for f in findings}


@pytest.fixture
def bucket_rules(write_rule: RuleWriter) -> RuleSet:
    write_rule("R-PUB")
    write_rule(
        "R-TAG",
        assert_='resource.tags["owner"] != ""',
        message="no owner",
        examples={"pass": [{"tags": {"owner": "me"}}], "fail": [{"tags": {"owner": ""}}]},
    )
    write_rule(
        "R-ENC",
        where="resource.properties.encrypted != null",
        assert_="resource.properties.encrypted == true",
        examples={
            "pass": [{"properties": {"encrypted": True}}],
            "fail": [{"properties": {"encrypted": False}}],
        },
    )
    path = write_rule(
        "R-EU",
        assert_="resource.location.country in params.countries",
        params={"countries": {"default": ["IE", "BE"]}},
        examples={"pass": [{}], "fail": [{"location": {"country": "US"}}]},
    )
    return load_rules([path.parent])


def test_pass_fail_and_not_selected(bucket_rules: RuleSet) -> None:
    good = make_resource(
        rid="good", tags={"owner": "ops"}, properties={"public": False, "encrypted": True}
    )
    bad = make_resource(
        rid="bad",
        tags={"owner": ""},
        properties={"public": True, "encrypted": None},
        location={"country": "US"},
    )
    found = _by_rule(Evaluator(bucket_rules).evaluate_scope([good, bad], NOW))
    assert {k: f.status for k, f in found.items()} == {
        ("R-PUB", "good"): Status.PASS,
        ("R-TAG", "good"): Status.PASS,
        ("R-ENC", "good"): Status.PASS,
        ("R-EU", "good"): Status.PASS,
        ("R-PUB", "bad"): Status.FAIL,
        ("R-TAG", "bad"): Status.FAIL,
        ("R-EU", "bad"): Status.FAIL,  # R-ENC's where left "bad" out: no finding
    }
    failing = found[("R-TAG", "bad")]
    assert failing.message == "no owner"
    assert failing.uid == finding_uid("R-TAG", "bad") == finding_uid_of_rule("R-TAG")("bad")
    assert (failing.pack, failing.account, failing.evaluated_at) == ("pack", "111111111111", NOW)


def test_engine_findings_are_valid_findings(bucket_rules: RuleSet) -> None:
    resource = make_resource(tags={"owner": "x"}, properties={"public": True})
    for finding in Evaluator(bucket_rules).evaluate_scope([resource], NOW):
        assert Finding.model_validate(finding.model_dump()) == finding


def test_missing_key_errors_one_rule_and_the_others_still_decide(bucket_rules: RuleSet) -> None:
    resource = make_resource(rid="untagged", properties={"public": True})  # no owner tag
    found = _by_rule(Evaluator(bucket_rules).evaluate_scope([resource], NOW))
    error = found[("R-TAG", "untagged")]
    assert error.status is Status.ERROR
    assert "R-TAG" in error.message
    assert "untagged" in error.message
    assert "missing key 'owner'" in error.message
    assert found[("R-PUB", "untagged")].status is Status.FAIL
    assert found[("R-EU", "untagged")].status is Status.PASS


def test_type_mismatch_and_non_bool_results_are_errors(write_rule: RuleWriter) -> None:
    write_rule(
        "T-TYPE",
        assert_="resource.properties.size > 10",
        examples={"pass": [{"properties": {"size": 11}}], "fail": [{"properties": {"size": 1}}]},
    )
    path = write_rule(
        "T-NULL",
        assert_="resource.properties.public",
        examples={
            "pass": [{"properties": {"public": True}}],
            "fail": [{"properties": {"public": False}}],
        },
    )
    resource = make_resource(rid="r", properties={"size": "big", "public": None})
    found = _by_rule(Evaluator(load_rules([path.parent])).evaluate_scope([resource], NOW))
    assert found[("T-TYPE", "r")].status is Status.ERROR
    assert "TypeError" in found[("T-TYPE", "r")].message
    assert found[("T-NULL", "r")].status is Status.ERROR
    assert "expected bool" in found[("T-NULL", "r")].message


def test_evidence_holds_the_values_read_and_null_for_missing(bucket_rules: RuleSet) -> None:
    resource = make_resource(
        rid="r",
        tags={"owner": "ops"},
        properties={"public": True},
        raw={"Secretish": "never in evidence"},
    )
    found = _by_rule(Evaluator(bucket_rules).evaluate_scope([resource], NOW))
    assert found[("R-PUB", "r")].evidence == {"resource.properties.public": True}
    assert found[("R-TAG", "r")].evidence == {'resource.tags["owner"]': "ops"}
    assert found[("R-EU", "r")].evidence == {
        "resource.location.country": "IE",
        "params.countries": ["IE", "BE"],
    }
    assert all("never in evidence" not in str(f.evidence) for f in found.values())


def test_raw_is_never_copied_wholesale(write_rule: RuleWriter) -> None:
    path = write_rule(
        "RAW-01",
        assert_='resource.raw.size() > 0 && resource.raw["Name"] != ""',
        examples={"pass": [{"raw": {"Name": "x"}}], "fail": [{"raw": {"Name": ""}}]},
    )
    resource = make_resource(raw={"Name": "b", "Policy": "big document"})
    (finding,) = Evaluator(load_rules([path])).evaluate_scope([resource], NOW)
    assert finding.evidence == {"resource.raw": "<omitted>", 'resource.raw["Name"]': "b"}


def test_identical_resources_still_get_their_own_findings(bucket_rules: RuleSet) -> None:
    first = make_resource(rid="one", tags={"owner": "a"}, properties={"public": False})
    second = make_resource(
        rid="two", tags={"owner": "a"}, properties={"public": False}, name="other"
    )
    findings = Evaluator(bucket_rules).evaluate_scope([first, second], NOW)
    assert {f.resource_id for f in findings} == {"one", "two"}
    assert len({f.uid for f in findings}) == len(findings)


def test_projection_gives_the_same_verdict_as_the_whole_resource(bucket_rules: RuleSet) -> None:
    resources = [
        make_resource(
            rid="a", tags={"owner": "x"}, properties={"public": False, "encrypted": False}
        ),
        make_resource(rid="b", properties={"public": None}, location={"country": None}),
    ]
    found = _by_rule(Evaluator(bucket_rules).evaluate_scope(resources, NOW))
    for rule in bucket_rules:
        for resource in resources:
            variables = {"resource": resource_map(resource), "params": dict(rule.values)}
            try:
                selected = rule.spec.where is None or cel.compile(rule.spec.where).execute(
                    variables
                )
                expected = cel.compile(rule.spec.condition).execute(variables) if selected else None
            except (KeyError, TypeError):
                expected = "error"
            got = found.get((rule.id, resource.id))
            status = None if got is None else got.status.value
            assert status == {True: "pass", False: "fail", None: None, "error": "error"}[expected]


def test_now_is_a_timestamp_and_must_be_aware(write_rule: RuleWriter) -> None:
    path = write_rule(
        "N-01",
        assert_="resource.created > now - duration('720h')",
        examples={
            "pass": [{"created": "2025-12-31T00:00:00Z"}],
            "fail": [{"created": "2020-01-01T00:00:00Z"}],
        },
    )
    evaluator = Evaluator(load_rules([path]))
    old = make_resource(rid="old", created=datetime(2025, 1, 1, tzinfo=UTC))
    new = make_resource(rid="new", created=datetime(2026, 2, 20, tzinfo=UTC))
    found = _by_rule(evaluator.evaluate_scope([old, new], NOW))
    assert found[("N-01", "old")].status is Status.FAIL
    assert found[("N-01", "new")].status is Status.PASS
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluator.evaluate_scope([old], datetime(2026, 3, 1))


@pytest.fixture
def trail_rule(write_rule: RuleWriter) -> RuleSet:
    path = write_rule(
        "ACC-01",
        scope="account",
        types=["logging.audit_trail"],
        assert_="account.properties.root_mfa == true && resources.exists(t, t.properties.logging)",
        examples={
            "pass": [
                {
                    "account": {"properties": {"root_mfa": True}},
                    "resources": [{"properties": {"logging": True}}],
                }
            ],
            "fail": [{"account": {"properties": {"root_mfa": True}}, "resources": []}],
        },
    )
    return load_rules([path])


def test_account_rule_gives_one_finding_on_the_account(trail_rule: RuleSet) -> None:
    account = make_resource(
        "account", rid="acct", native_type="AWS::::Account", properties={"root_mfa": True}
    )
    trails = [
        make_resource("logging.audit_trail", rid=f"trail-{i}", properties={"logging": i == 1})
        for i in range(2)
    ]
    bucket = make_resource(rid="bucket")
    (finding,) = Evaluator(trail_rule).evaluate_scope([account, bucket, *trails], NOW)
    assert (finding.resource_id, finding.status) == ("acct", Status.PASS)
    assert finding.evidence == {
        "account.properties.root_mfa": True,
        "resources.count": 2,
        "resources.ids": ["trail-0", "trail-1"],
    }


def test_account_rule_without_account_resource(trail_rule: RuleSet) -> None:
    trail = make_resource("logging.audit_trail", rid="trail", properties={"logging": True})
    (finding,) = Evaluator(trail_rule).evaluate_scope([trail], NOW)
    assert finding.resource_id == "aws:111111111111:account"
    assert finding.status is Status.ERROR  # `account` is null: the rule cannot read it
    assert Evaluator(trail_rule).evaluate_scope([], NOW) == []


def test_tags_a_rule_cannot_read_neither_change_verdicts_nor_show_in_evidence(
    write_rule: RuleWriter,
) -> None:
    path = write_rule(
        "TAG-01",
        assert_="params.required.all(k, k in resource.tags)",
        params={"required": {"default": ["owner"]}},
        examples={"pass": [{"tags": {"owner": "a"}}], "fail": [{}]},
    )
    evaluator = Evaluator(load_rules([path]))
    resources = [
        make_resource(rid=f"r{i}", tags={"owner": "a", "Name": f"r{i}"}) for i in range(3)
    ] + [make_resource(rid="none", tags={"Name": "x"})]
    found = _by_rule(evaluator.evaluate_scope(resources, NOW))
    assert [found[("TAG-01", f"r{i}")].status for i in range(3)] == [Status.PASS] * 3
    assert found[("TAG-01", "none")].status is Status.FAIL
    assert found[("TAG-01", "r0")].evidence == {
        "params.required": ["owner"],
        "resource.tags": {"owner": "a"},
    }


def _alone(rule: Rule, resource: Resource) -> str | None:
    """The status of one rule on the whole resource, with the uncompiled sources."""
    variables = {"resource": resource_map(resource), "params": dict(rule.values), "now": NOW}
    try:
        if rule.spec.where is not None:
            selected = cel.compile(rule.spec.where).execute(variables)
            if selected is not True:
                return "error" if selected is not False else None
        verdict = cel.compile(rule.spec.condition).execute(variables)
    except (KeyError, RuntimeError, TypeError, ValueError):
        return "error"
    return {True: "pass", False: "fail"}.get(verdict, "error")


def test_memoised_verdicts_equal_each_rule_alone_on_a_varied_estate() -> None:
    synthetic_inventory = importlib.import_module("benchmarks.estate").synthetic_inventory
    ruleset = resolve_params(load_rules(["sovereignty", "baseline"]), "be-federal")
    (scope,) = synthetic_inventory(600, 1, seed=11)
    evaluator = Evaluator(ruleset)
    first = _by_rule(evaluator.evaluate_scope(scope, NOW))
    again = _by_rule(evaluator.evaluate_scope(scope, NOW))  # every verdict from the memo
    lookups, hits = evaluator.memo_stats()
    assert 0 < hits < lookups
    assert again == first
    fresh = _by_rule(Evaluator(ruleset).evaluate_scope(list(reversed(scope)), NOW))
    per_resource = {k: f for k, f in first.items() if f.resource_type != "account"}
    assert {k: f for k, f in fresh.items() if k in per_resource} == per_resource
    statuses = set()
    for resource in scope:
        for rule in ruleset.for_type(resource.type):
            got = first.get((rule.id, resource.id))
            expected = _alone(rule, resource)
            assert (None if got is None else got.status.value) == expected, (rule.id, resource)
            statuses.add(expected)
    assert {"pass", "fail", None} <= statuses


def test_path_tokens_tell_apart_values_that_compare_equal_in_python() -> None:
    values: list[object] = [1, True, 1.0, "1", "True", None, [1], {"a": 1}]
    tokens = {
        path_token(make_resource(properties={"x": value}), ("properties", "x")) for value in values
    }
    tokens.add(path_token(make_resource(properties={}), ("properties", "x")))
    tokens.add(path_token(make_resource(properties={"x": 1}), ("properties", "x", "y")))
    assert len(tokens) == len(values) + 2
    for value in [*values, "<missing>"]:
        resource = make_resource(properties={"x": value}, tags={"k": "v"})
        for keys in [("properties", "x"), ("properties", "y"), ("tags", "k"), ("tags", "j")]:
            assert path_tokenizer(keys)(resource) == path_token(resource, keys)
    assert path_token(make_resource(), ("location", "country")) == "'IE'"
