"""The built-in packs and the be-federal profile, through the real loader and engine.

Each rule's own examples say what one rule does on one partial resource. These tests
check what a user of the packs depends on beyond that: both packs load with the rule ids
the documentation promises, every rule maps to framework controls, shared parameters
agree (so a profile's `"*"` means one thing), the be-federal profile resolves and
changes verdicts, and realistic resources, as a provider produces them, get the
expected verdicts from every rule at once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.examples import run_examples
from cloudcensus.policies.findings import Finding
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import load_profile, resolve_params
from cloudcensus.policies.rules import RuleSet
from cloudcensus.scanner.inventory import Jurisdiction, Location, Resource

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

SOVEREIGNTY_IDS = {
    "SOV-CRT-01",
    "SOV-RES-01",
    "SOV-RES-02",
    "SOV-RES-03",
    "SOV-JUR-01",
    "SOV-KEY-01",
    "SOV-KEY-02",
    "SOV-CLS-01",
    "SOV-GRD-01",
}
BASELINE_IDS = {
    "BASE-IAM-03",
    "BASE-AZ-01",
    "BASE-AZ-02",
    "BASE-AZ-03",
    "BASE-AZ-04",
    "BASE-GCP-01",
    "BASE-GCP-02",
    "BASE-EXP-01",
    "BASE-EXP-02",
    "BASE-EXP-03",
    "BASE-EXP-04",
    "BASE-EXP-05",
    "BASE-ENC-01",
    "BASE-ENC-02",
    "BASE-ENC-03",
    "BASE-KEY-01",
    "BASE-IAM-01",
    "BASE-IAM-02",
    "BASE-LOG-01",
    "BASE-BCK-01",
    "BASE-TAG-01",
    "BASE-TAG-02",
}
FRAMEWORKS = {"CSF", "NIS2", "SecNumCloud", "ISO27001", "CIS-AWS", "C5"}
CONTROL_FORMS = {
    "CSF": re.compile(r"^SOV-[1-8]$"),
    "NIS2": re.compile(r"^(Art\. 21\(2\)\([a-j]\)|IR \d+\.\d+(\.\d+)?)$"),
    "SecNumCloud": re.compile(r"^\d+\.\d+$"),
    "ISO27001": re.compile(r"^A\.[5-8]\.\d+$"),
    "CIS-AWS": re.compile(r"^\d+(\.\d+)+$"),
}

AWS = Jurisdiction(
    offering="aws",
    operator="Amazon Web Services, Inc.",
    legal_seat="US",
    parent="Amazon.com, Inc.",
    parent_country="US",
    non_eu_law=True,
)
SCALEWAY = Jurisdiction(
    offering="scaleway",
    operator="Scaleway SAS",
    legal_seat="FR",
    parent="Iliad SA",
    parent_country="FR",
    non_eu_law=False,
)
IRELAND = Location(country="IE", eu=True, eea=True)
OWNED = {"owner": "team-a@example.org", "cost-centre": "CC-104"}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(["sovereignty", "baseline"])


@pytest.fixture(scope="module")
def federal(rules: RuleSet) -> RuleSet:
    return resolve_params(rules, "be-federal")


def _resource(type_: str, id_: str, **fields: Any) -> Resource:
    data: dict[str, Any] = {
        "provider": "aws",
        "account": "111111111111",
        "region": "eu-west-1",
        "type": type_,
        "native_type": "native",
        "id": id_,
        "location": IRELAND,
        "jurisdiction": AWS,
    }
    data.update(fields)
    return Resource.model_validate(data)


def _bucket(id_: str, **fields: Any) -> Resource:
    properties: dict[str, Any] = {
        "public": False,
        "public_via": [],
        "public_access_block": None,
        "account_public_access_block": None,
        "public_access_blocked": True,
        "encrypted": True,
        "key_id": None,
        "key_management": "provider",
        "encryption_algorithm": "AES256",
        "versioning": True,
        "replicas": [],
    }
    properties.update(fields.pop("properties", {}))
    return _resource(
        "storage.bucket", id_, native_type="AWS::S3::Bucket", properties=properties, **fields
    )


@functools.cache
def _evaluator(ruleset: RuleSet) -> Evaluator:
    return Evaluator(ruleset)  # compiling every rule costs more than one evaluation


def _verdicts(ruleset: RuleSet, resources: Iterable[Resource]) -> dict[tuple[str, str], Finding]:
    findings = _evaluator(ruleset).evaluate_scope(list(resources), NOW)
    return {(f.rule_id, f.resource_id): f for f in findings}


def _status(found: dict[tuple[str, str], Finding], rule_id: str, resource_id: str) -> str:
    finding = found.get((rule_id, resource_id))
    return "not-selected" if finding is None else finding.status.value


def _eea() -> list[str]:
    countries = yaml.safe_load((REPO / "cloudcensus/providers/countries.yaml").read_text())
    return [*countries["eu"], *countries["eea_only"]]


# --- the packs as a whole ---------------------------------------------------------


def test_both_packs_load_with_the_documented_rule_ids(rules: RuleSet) -> None:
    by_pack: dict[str, set[str]] = {}
    for rule in rules:
        by_pack.setdefault(rule.pack, set()).add(rule.id)
    assert by_pack == {"sovereignty": SOVEREIGNTY_IDS, "baseline": BASELINE_IDS}


def test_every_example_gets_its_expected_verdict(rules: RuleSet) -> None:
    results = run_examples(rules)
    assert [str(r) for r in results if not r.ok] == []
    for rule in rules:
        kinds = [r.kind for r in results if r.rule_id == rule.id]
        assert kinds.count("pass") >= 2, rule.id
        assert kinds.count("fail") >= 2, rule.id


def test_every_rule_maps_to_framework_controls(rules: RuleSet) -> None:
    for rule in rules:
        controls = rule.spec.controls
        assert controls, f"{rule.id} maps to no framework"
        assert set(controls) <= FRAMEWORKS, rule.id
        for framework, ids in controls.items():
            assert ids, f"{rule.id}: empty {framework} list"
            form = CONTROL_FORMS.get(framework)
            for control in ids:
                assert form is None or form.match(control), f"{rule.id}: {framework} {control}"
        assert "NIS2" in controls, rule.id
        assert "ISO27001" in controls, rule.id
        if rule.pack == "sovereignty":
            assert "CSF" in controls, f"{rule.id} maps to no Cloud Sovereignty objective"


def test_every_rule_is_versioned_and_remediable(rules: RuleSet) -> None:
    for rule in rules:
        assert rule.version == 1
        assert rule.spec.message, f"{rule.id} has no failure message"
        # A concrete step in some provider's CLI and a cloud-neutral sentence (docs/packs.md).
        clis = ("aws", "az ", "gcloud ", "openstack ", "scw ", "oapi-cli ")
        assert any(cli in rule.spec.remediation.lower() for cli in clis), rule.id
        assert "In any cloud" in rule.spec.remediation, rule.id
        for name, param in rule.spec.params.items():
            assert param.description, f"{rule.id}.{name} has no description"


def test_shared_parameters_mean_the_same_in_every_rule(rules: RuleSet) -> None:
    defaults: dict[str, list[tuple[str, Any]]] = {}
    for rule in rules:
        for name, param in rule.spec.params.items():
            defaults.setdefault(name, []).append((rule.id, param.default))
    shared = {name: uses for name, uses in defaults.items() if len(uses) > 1}
    assert {"allowed_countries", "classification_tag", "protected_levels", "vocabulary"} <= set(
        shared
    )
    for name, uses in shared.items():
        assert len({repr(default) for _, default in uses}) == 1, (name, uses)


def test_default_allowed_countries_are_the_eea_as_strings(rules: RuleSet) -> None:
    # YAML 1.1 reads a bare NO (Norway) as false: every list must hold the string.
    eea = _eea()
    assert len(eea) == 30
    for rule in rules:
        if "allowed_countries" in rule.spec.params:
            assert rule.spec.params["allowed_countries"].default == eea, rule.id
    levels = rules.get("SOV-RES-02")
    assert levels is not None
    assert levels.spec.params["countries_by_level"].default == {
        "sensitive": eea,
        "restricted": ["BE"],
    }


def test_docs_table_lists_every_rule_with_its_severity(rules: RuleSet) -> None:
    text = (REPO / "docs/packs.md").read_text()
    for rule in rules:
        row = next((line for line in text.splitlines() if line.startswith(f"| {rule.id} |")), None)
        assert row is not None, f"docs/packs.md misses {rule.id}"
        assert f"| {rule.spec.severity.value} |" in row, rule.id
        assert rule.spec.title in row, rule.id


# --- the be-federal profile -------------------------------------------------------


def test_be_federal_profile_resolves_to_belgian_parameters(federal: RuleSet) -> None:
    profile = load_profile("be-federal")
    assert profile.name == "be-federal"
    res02, cls01, tag02 = (federal.get(i) for i in ("SOV-RES-02", "SOV-CLS-01", "BASE-TAG-02"))
    assert res02 is not None
    assert cls01 is not None
    assert tag02 is not None
    assert res02.values["countries_by_level"]["restricted"] == ["BE"]
    assert res02.values["countries_by_level"]["sensitive"] == _eea()
    assert {"public", "internal", "sensitive", "restricted", "RESTREINT", "ZEER GEHEIM"} <= set(
        tag02.values["vocabulary"]
    )
    assert "CONFIDENTIAL" in cls01.values["markings"]
    assert "RESTRICTED" not in cls01.values["markings"]
    for rule in federal:
        if "allowed_countries" in rule.values:
            assert rule.values["allowed_countries"] == _eea(), rule.id


# --- realistic resources through the engine ---------------------------------------


def test_sensitive_bucket_in_virginia_fails_every_residency_rule(rules: RuleSet) -> None:
    bucket = _bucket(
        "arn:aws:s3:::crm-exports",
        region="us-east-1",
        location=Location(country="US", eu=False, eea=False),
        tags={**OWNED, "data-classification": "sensitive"},
    )
    found = _verdicts(rules, [bucket])
    for rule_id in ("SOV-RES-01", "SOV-RES-02", "SOV-JUR-01", "SOV-KEY-01"):
        assert _status(found, rule_id, bucket.id) == "fail", rule_id
    for rule_id in ("SOV-RES-03", "BASE-EXP-01", "BASE-EXP-04", "BASE-ENC-02", "BASE-TAG-01"):
        assert _status(found, rule_id, bucket.id) == "pass", rule_id
    evidence = found[("SOV-RES-01", bucket.id)].evidence
    assert evidence.get("resource.location.country") == "US"


def test_sovereign_bucket_with_customer_key_and_eu_replica_complies(rules: RuleSet) -> None:
    bucket = _bucket(
        "scw:fr-par:bucket/dossiers",
        provider="scaleway",
        region="fr-par",
        location=Location(country="FR", eu=True, eea=True),
        jurisdiction=SCALEWAY,
        tags={**OWNED, "data-classification": "sensitive"},
        properties={
            "key_management": "customer",
            "key_id": "key-1",
            "replicas": [{"id": "r", "region": "nl-ams", "country": "NL", "eu": True, "eea": True}],
        },
    )
    found = _verdicts(rules, [bucket])
    # Only the bucket's own findings: the scope has no account resource, so the account
    # rules fail on a synthetic one (tested below).
    statuses = {rule_id: f.status.value for (rule_id, rid), f in found.items() if rid == bucket.id}
    assert set(statuses.values()) == {"pass"}, statuses
    assert "SOV-CLS-01" in statuses
    assert "SOV-RES-03" in statuses


def test_restricted_data_must_be_in_belgium(rules: RuleSet, federal: RuleSet) -> None:
    dublin = _bucket("arn:aws:s3:::restricted-dublin", tags={"data-classification": "Restricted"})
    belgium = _bucket(
        "gcs:restricted-ghislain",
        provider="gcp",
        region="europe-west1",
        location=Location(country="BE", eu=True, eea=True),
        jurisdiction=SCALEWAY,
        tags={"data-classification": "restricted"},
    )
    for ruleset in (rules, federal):
        found = _verdicts(ruleset, [dublin, belgium])
        assert _status(found, "SOV-RES-02", dublin.id) == "fail"
        assert _status(found, "SOV-RES-02", belgium.id) == "pass"
    # "Restricted" is outside the vocabulary: BASE-TAG-02 names it.
    assert _status(_verdicts(rules, [dublin]), "BASE-TAG-02", dublin.id) == "fail"


def test_misspelt_classification_fails_closed(rules: RuleSet) -> None:
    sloppy = _bucket("arn:aws:s3:::sloppy", tags={**OWNED, "data-classification": "Sensitive"})
    plain = _bucket("arn:aws:s3:::plain", tags={**OWNED, "data-classification": "internal"})
    found = _verdicts(rules, [sloppy, plain])
    for rule_id in ("SOV-RES-02", "SOV-JUR-01", "SOV-KEY-01", "BASE-TAG-02"):
        assert _status(found, rule_id, sloppy.id) == "fail", rule_id
        assert _status(found, rule_id, plain.id) in ("pass", "not-selected"), rule_id
    assert _status(found, "SOV-JUR-01", plain.id) == "not-selected"


def test_be_federal_allows_legally_classified_data_nowhere(federal: RuleSet) -> None:
    secret = _bucket(
        "gcs:secret-in-belgium",
        provider="gcp",
        region="europe-west1",
        location=Location(country="BE", eu=True, eea=True),
        tags={**OWNED, "data-classification": "SECRET"},
        properties={"key_management": "customer", "key_id": "k"},
    )
    found = _verdicts(federal, [secret])
    for rule_id in ("SOV-RES-02", "SOV-JUR-01", "SOV-CLS-01"):
        assert _status(found, rule_id, secret.id) == "fail", rule_id
    assert _status(found, "SOV-KEY-01", secret.id) == "pass"
    assert _status(found, "BASE-TAG-02", secret.id) == "pass"


def test_unknown_location_is_not_compliant(rules: RuleSet) -> None:
    instance = _resource(
        "compute.instance",
        "arn:aws:ec2:xx-new-1:111111111111:instance/i-1",
        region="xx-new-1",
        location=Location(),
        properties={"state": "running", "public_ips": [], "public": False},
    )
    found = _verdicts(rules, [instance])
    assert _status(found, "SOV-RES-01", instance.id) == "fail"
    assert _status(found, "BASE-EXP-05", instance.id) == "pass"


def test_internet_ingress_to_a_port_range_containing_postgres_fails(rules: RuleSet) -> None:
    def group(id_: str, ingress: list[dict[str, Any]]) -> Resource:
        return _resource(
            "network.security_group",
            id_,
            properties={"ingress": ingress, "egress": [], "network": "vpc-1", "attached": True},
        )

    wide = group(
        "sg-wide", [{"protocol": "tcp", "from_port": 5000, "to_port": 6000, "source": "::/0"}]
    )
    web = group(
        "sg-web",
        [
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"},
            {"protocol": "tcp", "from_port": 5432, "to_port": 5432, "source": "10.0.0.0/8"},
            {"protocol": "icmp", "from_port": None, "to_port": None, "source": "0.0.0.0/0"},
        ],
    )
    found = _verdicts(rules, [wide, web])
    assert _status(found, "BASE-EXP-02", wide.id) == "fail"
    assert _status(found, "BASE-EXP-02", web.id) == "pass"


def test_access_key_age_is_measured_against_now(rules: RuleSet, federal: RuleSet) -> None:
    def user(id_: str, age_days: int, status: str = "active") -> Resource:
        created = (NOW - timedelta(days=age_days)).isoformat()
        key = {"id": "AKIA" + id_, "status": status, "created": created, "last_used": None}
        return _resource(
            "identity.user",
            id_,
            region="global",
            location=Location(),
            properties={
                "console_access": True,
                "mfa": age_days < 50,
                "access_keys": [key],
                "last_login": None,
            },
        )

    fresh, stale, retired = user("fresh", 30), user("stale", 91), user("retired", 400, "inactive")
    found = _verdicts(rules, [fresh, stale, retired])
    assert _status(found, "BASE-IAM-02", fresh.id) == "pass"
    assert _status(found, "BASE-IAM-02", stale.id) == "fail"
    assert _status(found, "BASE-IAM-02", retired.id) == "pass"
    assert _status(found, "BASE-IAM-01", fresh.id) == "pass"
    assert _status(found, "BASE-IAM-01", stale.id) == "fail"
    stricter = resolve_params(rules, overrides={"BASE-IAM-02": {"max_age_days": 20}})
    assert _status(_verdicts(stricter, [fresh]), "BASE-IAM-02", fresh.id) == "fail"


@pytest.mark.parametrize(
    ("value", "default", "be_federal"),
    [
        ("CONFIDENTIEL", "fail", "fail"),
        ("Restreint / Beperkt", "fail", "fail"),
        ("Très Secret", "fail", "fail"),
        ("DIFFUSION RESTREINTE", "pass", "pass"),
        ("CONFIDENTIAL", "pass", "fail"),
        ("streng-geheim", "fail", "fail"),
        ("restricted", "pass", "pass"),
    ],
)
def test_classified_markings(
    rules: RuleSet, federal: RuleSet, value: str, default: str, be_federal: str
) -> None:
    volume = _resource(
        "storage.volume",
        "vol-classified",
        tags={"data-classification": value},
        properties={
            "encrypted": True,
            "key_id": "k",
            "key_management": "customer",
            "size_gb": 8,
            "state": "in-use",
            "attached_to": [],
        },
    )
    assert _status(_verdicts(rules, [volume]), "SOV-CLS-01", volume.id) == default
    assert _status(_verdicts(federal, [volume]), "SOV-CLS-01", volume.id) == be_federal


def test_legal_marking_is_valid_vocabulary_only_under_be_federal(
    rules: RuleSet, federal: RuleSet
) -> None:
    bucket = _bucket("arn:aws:s3:::marked", tags={"data-classification": "RESTREINT"})
    assert _status(_verdicts(rules, [bucket]), "BASE-TAG-02", bucket.id) == "fail"
    found = _verdicts(federal, [bucket])
    assert _status(found, "BASE-TAG-02", bucket.id) == "pass"
    assert _status(found, "SOV-CLS-01", bucket.id) == "fail"


def test_multi_region_key_replica_outside_the_eea_fails(rules: RuleSet) -> None:
    key = _resource(
        "security.key",
        "arn:aws:kms:eu-west-1:111111111111:key/mrk-1",
        properties={
            "key_management": "customer",
            "state": "enabled",
            "usage": "encrypt_decrypt",
            "key_spec": "SYMMETRIC_DEFAULT",
            "symmetric": True,
            "rotation_enabled": True,
            "multi_region": True,
            "replicas": [
                {"id": "mrk-1", "region": "us-east-1", "country": "US", "eu": False, "eea": False}
            ],
        },
    )
    found = _verdicts(rules, [key])
    assert _status(found, "SOV-RES-03", key.id) == "fail"
    assert _status(found, "SOV-KEY-02", key.id) == "pass"
    assert _status(found, "BASE-KEY-01", key.id) == "pass"


def _account(guardrail: dict[str, Any] | None, readable: bool) -> Resource:
    return _resource(
        "account",
        "arn:aws:organizations::000000000000:account/o-1/111111111111",
        region="global",
        location=Location(),
        properties={
            "password_policy": None,
            "root_mfa": True,
            "public_access_block": None,
            "region_guardrail": guardrail,
            "region_guardrail_readable": readable,
            "regions": ["eu-west-1"],
            "organization_id": "o-1",
        },
    )


def _trail(id_: str, multi_region: bool, logging: bool | None) -> Resource:
    return _resource(
        "logging.audit_trail",
        id_,
        properties={
            "logging": logging,
            "multi_region": multi_region,
            "home_region": "eu-west-1",
            "log_file_validation": True,
            "key_id": None,
            "destination": "audit-bucket",
        },
    )


def test_account_rules_read_the_guardrail_and_the_trails(rules: RuleSet, federal: RuleSet) -> None:
    unreadable = _account(None, readable=False)
    found = _verdicts(rules, [unreadable, _trail("t-regional", False, True)])
    assert _status(found, "SOV-GRD-01", unreadable.id) == "fail"
    assert "could not be read" in found[("SOV-GRD-01", unreadable.id)].message
    assert _status(found, "BASE-LOG-01", unreadable.id) == "fail"

    guarded = _account({"allowed_regions": ["eu-west-1", "us-east-1"], "policy_ids": ["p-1"]}, True)
    scope = [guarded, _trail("t-regional", False, True), _trail("t-org", True, True)]
    found = _verdicts(rules, scope)
    assert _status(found, "SOV-GRD-01", guarded.id) == "pass"
    assert _status(found, "BASE-LOG-01", guarded.id) == "pass"
    # be-federal also requires the guardrail to allow EU/EEA regions only.
    assert _status(_verdicts(federal, scope), "SOV-GRD-01", guarded.id) == "fail"
