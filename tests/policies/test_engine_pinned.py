"""Findings pinned for a fixed input: uids, statuses, evidence and JSON stay what they were.

The engine memoises, abstracts and batches for speed; none of that may change a finding.
The expected values below were produced by the engine before those optimisations.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.findings import Finding
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.rules import RuleSet
from cloudcensus.scanner.inventory import Resource
from tests.policies.policy_helpers import RuleWriter, make_resource

NOW = datetime(2026, 3, 1, tzinfo=UTC)
_PASS_FAIL: dict[str, Any] = {"pass": [{}], "fail": [{}]}


@pytest.fixture
def pinned_rules(write_rule: RuleWriter) -> RuleSet:
    write_rule(
        "P-TAG",
        assert_='params.required.all(k, k in resource.tags && resource.tags[k] != "")',
        params={"required": {"default": ["owner", "cost-centre"]}},
        examples={"pass": [{"tags": {"owner": "a", "cost-centre": "b"}}], "fail": [{}]},
    )
    write_rule(
        "P-CLS",
        where='"level" in resource.tags',
        assert_='resource.tags["level"] in params.allowed && resource.location.country != null',
        params={"allowed": {"default": ["public", "internal"]}},
        examples={"pass": [{"tags": {"level": "public"}}], "fail": [{"tags": {"level": "x"}}]},
    )
    write_rule(
        "P-ENC",
        assert_='resource.properties.encrypted == true && resource.properties.kms == "customer"',
        examples={
            "pass": [{"properties": {"encrypted": True, "kms": "customer"}}],
            "fail": [{"properties": {"encrypted": False, "kms": "customer"}}],
        },
    )
    write_rule(
        "P-NET",
        types=["network.security_group"],
        assert_=(
            "resource.properties.ingress != null && !resource.properties.ingress.exists(r, "
            'r.source == "0.0.0.0/0" && (r.port == null || r.port in params.ports))'
        ),
        params={"ports": {"default": [22, 3389]}},
        examples={
            "pass": [{"properties": {"ingress": []}}],
            "fail": [{"properties": {"ingress": None}}],
        },
    )
    path = write_rule(
        "P-RAW",
        types=["network.security_group", "storage.bucket"],
        assert_='resource.raw["Owner"] == resource.account && resource.jurisdiction == null',
        examples={"pass": [{"raw": {"Owner": "000000000000"}}], "fail": [{"raw": {"Owner": "x"}}]},
    )
    return load_rules([path.parent])


def _estate() -> list[Resource]:
    tags: list[dict[str, str]] = [
        {"owner": "ops", "cost-centre": "CC-1", "level": "public", "Name": "a"},
        {"owner": "", "level": "SECRET", "Name": "b"},
        {"cost-centre": "CC-1", "Name": "c"},
        {"owner": "ops", "cost-centre": "CC-1", "level": "internal", "Name": "d"},
    ]
    props: list[dict[str, Any]] = [
        {"encrypted": True, "kms": "customer"},
        {"encrypted": True, "kms": "provider"},
        {"encrypted": 1, "kms": "customer"},
        {"kms": "customer"},
    ]
    buckets = [
        make_resource(rid=f"arn:aws:s3:::bucket-{i}", tags=t, properties=p, raw={"Owner": o})
        for i, (t, p, o) in enumerate(
            zip(tags, props, ["111111111111", "x", "", "111111111111"], strict=True)
        )
    ]
    ingress: list[Any] = [
        [{"source": "0.0.0.0/0", "port": 443}, {"source": "10.0.0.0/8", "port": 22}],
        [{"source": "0.0.0.0/0", "port": 22}],
        None,
        [{"source": "0.0.0.0/0"}],
    ]
    groups = [
        make_resource(
            "network.security_group",
            rid=f"sg-{i}",
            native_type="AWS::EC2::SecurityGroup",
            properties={"ingress": rules},
            raw={"Owner": "111111111111"},
        )
        for i, rules in enumerate(ingress)
    ]
    return buckets + groups


def _line(finding: Finding) -> str:
    evidence = json.dumps(finding.evidence)
    return f"{finding.rule_id} {finding.resource_id} {finding.uid} {finding.status} {evidence}"


def test_findings_stay_as_pinned(pinned_rules: RuleSet) -> None:
    evaluator = Evaluator(pinned_rules)
    first = evaluator.evaluate_scope(_estate(), NOW)
    again = evaluator.evaluate_scope(_estate(), NOW)  # from the memos
    assert [_line(f) for f in again] == [_line(f) for f in first]
    assert [_line(f) for f in first] == EXPECTED
    assert {(f.rule_id, f.resource_id): f.message for f in first if f.status == "error"} == ERRORS
    assert first[0].model_dump_json() == "".join(EXPECTED_JSON)


# One line per finding, in the order the engine returns them:
# rule resource uid status evidence-as-JSON (key order included)
EXPECTED = [
    (
        'P-CLS arn:aws:s3:::bucket-0 546005efdd7aa58eb29ba8fd3d80b9d6 pass {"resource.tags": '
        '{"level": "public"}, "resource.tags[\\"level\\"]": "public", "params.allowed": ["publi'
        'c", "internal"], "resource.location.country": "IE"}'
    ),
    (
        'P-ENC arn:aws:s3:::bucket-0 374530cfc95448ebcf0094f17b3d5896 pass {"resource.propert'
        'ies.encrypted": true, "resource.properties.kms": "customer"}'
    ),
    (
        'P-RAW arn:aws:s3:::bucket-0 c31dd2987ed67a4899d3cd888678f32c pass {"resource.raw[\\"O'
        'wner\\"]": "111111111111", "resource.account": "111111111111", "resource.jurisdiction'
        '": null}'
    ),
    (
        'P-TAG arn:aws:s3:::bucket-0 69a8d0fc60f7c3a6abc756c0492c08a4 pass {"params.required"'
        ': ["owner", "cost-centre"], "resource.tags": {"cost-centre": "CC-1", "owner": "ops"}'
        "}"
    ),
    (
        'P-CLS arn:aws:s3:::bucket-1 60959bce56c28355308514450c4f7f7a fail {"resource.tags": '
        '{"level": "SECRET"}, "resource.tags[\\"level\\"]": "SECRET", "params.allowed": ["publi'
        'c", "internal"], "resource.location.country": "IE"}'
    ),
    (
        'P-ENC arn:aws:s3:::bucket-1 91e9de1caf9f18d2151a3adba2919887 fail {"resource.propert'
        'ies.encrypted": true, "resource.properties.kms": "provider"}'
    ),
    (
        'P-RAW arn:aws:s3:::bucket-1 89f730c52bc0f8b0bf70243edfc3ada9 fail {"resource.raw[\\"O'
        'wner\\"]": "x", "resource.account": "111111111111", "resource.jurisdiction": null}'
    ),
    (
        'P-TAG arn:aws:s3:::bucket-1 654e55ede18f27d3a79f3f43d3511b17 fail {"params.required"'
        ': ["owner", "cost-centre"], "resource.tags": {"owner": ""}}'
    ),
    (
        'P-ENC arn:aws:s3:::bucket-2 f9c20474427763db6ca23977924c06bc fail {"resource.propert'
        'ies.encrypted": 1, "resource.properties.kms": "customer"}'
    ),
    (
        'P-RAW arn:aws:s3:::bucket-2 d82f233eae4feb33a040d43e267cee18 fail {"resource.raw[\\"O'
        'wner\\"]": "", "resource.account": "111111111111", "resource.jurisdiction": null}'
    ),
    (
        'P-TAG arn:aws:s3:::bucket-2 5d1556843f67387c754047020d129626 fail {"params.required"'
        ': ["owner", "cost-centre"], "resource.tags": {"cost-centre": "CC-1"}}'
    ),
    (
        'P-CLS arn:aws:s3:::bucket-3 c410c55108cad165935e118e994d2db4 pass {"resource.tags": '
        '{"level": "internal"}, "resource.tags[\\"level\\"]": "internal", "params.allowed": ["p'
        'ublic", "internal"], "resource.location.country": "IE"}'
    ),
    (
        'P-ENC arn:aws:s3:::bucket-3 517b0645efec1b25e19a9ee890c5849c error {"resource.proper'
        'ties.encrypted": null, "resource.properties.kms": "customer"}'
    ),
    (
        'P-RAW arn:aws:s3:::bucket-3 7e4d1d1f20c41d94f8cd3d451dd1f4c2 pass {"resource.raw[\\"O'
        'wner\\"]": "111111111111", "resource.account": "111111111111", "resource.jurisdiction'
        '": null}'
    ),
    (
        'P-TAG arn:aws:s3:::bucket-3 4e5edbe9399a2a84d0471ce2d9bd1db7 pass {"params.required"'
        ': ["owner", "cost-centre"], "resource.tags": {"cost-centre": "CC-1", "owner": "ops"}'
        "}"
    ),
    (
        'P-NET sg-0 a252c006fb4b790f9148281e4405bdc4 pass {"resource.properties.ingress": [{"'
        'source": "0.0.0.0/0", "port": 443}, {"source": "10.0.0.0/8", "port": 22}], "params.p'
        'orts": [22, 3389]}'
    ),
    (
        'P-RAW sg-0 b3c0e63e4c331ec4dd6639c9bc790370 pass {"resource.raw[\\"Owner\\"]": "111111'
        '111111", "resource.account": "111111111111", "resource.jurisdiction": null}'
    ),
    (
        'P-NET sg-1 bbf6aa9605cfa156a9b68fa12913cc08 fail {"resource.properties.ingress": [{"'
        'source": "0.0.0.0/0", "port": 22}], "params.ports": [22, 3389]}'
    ),
    (
        'P-RAW sg-1 a46ea0a8de23c5799c6f2c32a1e643cf pass {"resource.raw[\\"Owner\\"]": "111111'
        '111111", "resource.account": "111111111111", "resource.jurisdiction": null}'
    ),
    (
        'P-NET sg-2 8ce6e62777e134e95b48c700b455bdfd fail {"resource.properties.ingress": nul'
        'l, "params.ports": [22, 3389]}'
    ),
    (
        'P-RAW sg-2 422ba7a7499ca379dcec1328fec5b03a pass {"resource.raw[\\"Owner\\"]": "111111'
        '111111", "resource.account": "111111111111", "resource.jurisdiction": null}'
    ),
    (
        'P-NET sg-3 5cf25ca09faad4f6be3e688620f685ee error {"resource.properties.ingress": [{'
        '"source": "0.0.0.0/0"}], "params.ports": [22, 3389]}'
    ),
    (
        'P-RAW sg-3 2812a91da082f5f8db3c8292f6c98edb pass {"resource.raw[\\"Owner\\"]": "111111'
        '111111", "resource.account": "111111111111", "resource.jurisdiction": null}'
    ),
]
ERRORS = {
    ("P-ENC", "arn:aws:s3:::bucket-3"): (
        "rule P-ENC could not be evaluated on arn:aws:s3:::bucket-3: assert: mi"
        "ssing key 'encrypted'"
    ),
    ("P-NET", "sg-3"): ("rule P-NET could not be evaluated on sg-3: assert: missing key 'port'"),
}
EXPECTED_JSON = (
    '{"rule_id":"P-CLS","rule_version":1,"rule_title":"P-CLS title","pack":"pack","severi'
    'ty":"high","resource_name":null,"evidence":{"resource.tags":{"level":"public"},"reso'
    'urce.tags[\\"level\\"]":"public","params.allowed":["public","internal"],"resource.loca'
    'tion.country":"IE"},"explanation_id":null,"explanation_note":null,"controls":{"CIS-A'
    'WS":["2.1.4"]},"remediation":"Fix it.","resource_id":"arn:aws:s3:::bucket-0","resour'
    'ce_type":"storage.bucket","native_type":"AWS::S3::Bucket","provider":"aws","account"'
    ':"111111111111","region":"eu-west-1","evaluated_at":"2026-03-01T00:00:00Z","uid":"54'
    '6005efdd7aa58eb29ba8fd3d80b9d6","status":"pass","message":"P-CLS title: complies"}'
)
