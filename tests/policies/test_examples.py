"""`rules test`: examples are run, wrong ones are reported with their file and line."""

from __future__ import annotations

from cloudcensus.policies.examples import example_resource, run_examples
from cloudcensus.policies.loader import load_rules
from tests.policies.policy_helpers import RuleWriter


def test_examples_that_hold_are_ok(write_rule: RuleWriter) -> None:
    path = write_rule(
        "EX-01",
        where="resource.properties.public != null",
        examples={
            "pass": [{"properties": {"public": False}}, {"properties": {"public": None}}],
            "fail": [{"properties": {"public": True}}],
        },
    )
    results = run_examples(load_rules([path]))
    assert [(r.kind, r.index, r.got, r.ok) for r in results] == [
        ("pass", 0, "pass", True),
        ("pass", 1, "not-selected", True),  # left out by `where`: complies
        ("fail", 0, "fail", True),
    ]


def test_wrong_and_erroring_examples_fail_with_their_line(write_rule: RuleWriter) -> None:
    path = write_rule(
        "EX-02", examples={"pass": [{"properties": {"public": True}}], "fail": [{"properties": {}}]}
    )
    results = run_examples(load_rules([path]))
    lines = path.read_text().splitlines()
    wrong, erroring = results
    assert (wrong.ok, wrong.got) == (False, "fail")
    assert lines[wrong.line - 1].lstrip().startswith("- properties")
    assert (erroring.ok, erroring.got) == (False, "error")
    assert "missing key 'public'" in erroring.detail
    assert f"{path}:{wrong.line}: EX-02 pass[0] FAILED" in str(wrong)


def test_example_params_override_the_rule_params(write_rule: RuleWriter) -> None:
    path = write_rule(
        "EX-03",
        assert_="resource.location.country in params.countries",
        params={"countries": {"default": ["IE"]}},
        examples={"pass": [{}], "fail": [{"params": {"countries": ["BE"]}}]},
    )
    assert all(result.ok for result in run_examples(load_rules([path])))


def test_account_examples(write_rule: RuleWriter) -> None:
    path = write_rule(
        "EX-04",
        scope="account",
        types=["storage.bucket"],
        assert_="account.properties.root_mfa == true && resources.size() > 0",
        examples={
            "pass": [{"account": {"properties": {"root_mfa": True}}, "resources": [{}]}],
            "fail": [{"account": {"properties": {"root_mfa": True}}}],
        },
    )
    assert all(result.ok for result in run_examples(load_rules([path])))


def test_partial_examples_get_neutral_defaults() -> None:
    resource = example_resource({"properties": {"public": True}}, "storage.bucket", "x")
    assert (resource.provider, resource.account, resource.region) == (
        "example",
        "000000000000",
        "eu-west-1",
    )
    assert (resource.location.country, resource.location.eu, resource.type) == (
        "IE",
        True,
        "storage.bucket",
    )
