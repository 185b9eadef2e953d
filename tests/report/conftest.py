"""Findings, resources and coverage entries that exercise every output's edge cases:
each status, unicode, commas, newlines, and values a spreadsheet would run as formulas."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloudcensus.policies.findings import Finding, Severity, Status, finding_uid
from cloudcensus.scanner.coverage import CoverageEntry, CoverageStatus, ErrorKind
from cloudcensus.scanner.inventory import Location, Resource

EVALUATED = datetime(2026, 3, 14, 9, 30, 15, 123000, tzinfo=UTC)
BUCKET = 'arn:aws:s3:::=HYPERLINK("http://evil")'
INSTANCE = "arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc"
VOLUME = "arn:aws:ec2:eu-west-1:111111111111:volume/vol-1"
USER = "arn:aws:iam::222222222222:user/jürgen"


def make_finding(
    rule_id: str,
    resource_id: str,
    status: Status,
    severity: Severity,
    **extra: object,
) -> Finding:
    fields: dict[str, object] = {
        "uid": finding_uid(rule_id, resource_id),
        "rule_id": rule_id,
        "rule_version": 1,
        "rule_title": f"Title of {rule_id}",
        "pack": "baseline",
        "severity": severity,
        "status": status,
        "resource_id": resource_id,
        "resource_type": "storage.bucket",
        "native_type": "AWS::S3::Bucket",
        "provider": "aws",
        "account": "111111111111",
        "region": "eu-west-1",
        "message": f"{rule_id} verdict",
        "evaluated_at": EVALUATED,
        "controls": {"NIS2": ["Art. 21(2)(h)"], "ISO27001": ["A.8.24"]},
        "remediation": "Fix it.",
    }
    fields.update(extra)
    return Finding.model_validate(fields)


@pytest.fixture
def findings() -> list[Finding]:
    """pass, fail (hostile values), explained, error, and a fail whose explanation expired."""
    return [
        make_finding(
            "BASE-ENC-01",
            VOLUME,
            Status.PASS,
            Severity.LOW,
            resource_type="storage.volume",
            native_type="AWS::EC2::Volume",
            evidence={"encrypted": True},
        ),
        make_finding(
            "BASE-EXP-01",
            BUCKET,
            Status.FAIL,
            Severity.HIGH,
            resource_name='=HYPERLINK("http://evil","click")',
            message="Bucket is public, readable by anyone,\nincluding Brüssel — 東京",
            evidence={"public": True, "public_via": ["acl", "policy"], "note": "a,b\nc"},
            remediation="+Turn on Block Public Access",
        ),
        make_finding(
            "BASE-EXP-05",
            INSTANCE,
            Status.EXPLAINED,
            Severity.CRITICAL,
            resource_type="compute.instance",
            native_type="AWS::EC2::Instance",
            resource_name="bastion",
            evidence={"public_ips": ["203.0.113.7"]},
            explanation_id="EXP-2026-014",
            explanation_note="bastion behind the VPN egress",
        ),
        make_finding(
            "SOV-RES-01",
            INSTANCE,
            Status.ERROR,
            Severity.MEDIUM,
            pack="sovereignty",
            resource_type="compute.instance",
            native_type="AWS::EC2::Instance",
            message="-evaluation failed: no such key: location",
            remediation="",
            controls={},
        ),
        make_finding(
            "BASE-IAM-01",
            USER,
            Status.FAIL,
            Severity.HIGH,
            resource_type="identity.user",
            native_type="AWS::IAM::User",
            resource_name="@jürgen",
            account="222222222222",
            region="global",
            evidence={"mfa": False, "console_access": True},
            explanation_note="EXP-2025-003 expired on 2026-01-31",
        ),
    ]


@pytest.fixture
def resources() -> list[Resource]:
    return [
        Resource(
            provider="aws",
            account="111111111111",
            region="eu-west-1",
            type="storage.bucket",
            native_type="AWS::S3::Bucket",
            id=BUCKET,
            name='données, "quoted"\nline',
            tags={"owner": "équipe-ops", "cost-centre": "=1+1"},
            created=EVALUATED,
            location=Location(country="IE", eu=True, eea=True),
            properties={"public": True, "replicas": []},
            raw={"Name": "x"},
        ),
        Resource(
            provider="aws",
            account="222222222222",
            region="global",
            type="identity.user",
            native_type="AWS::IAM::User",
            id=USER,
        ),
    ]


@pytest.fixture
def coverage() -> list[CoverageEntry]:
    return [
        CoverageEntry(
            provider="aws",
            account="111111111111",
            region="eu-west-1",
            collector="s3.buckets",
            status=CoverageStatus.COMPLETE,
            resources=12,
        ),
        CoverageEntry(
            provider="aws",
            account="333333333333",
            region="*",
            collector="*",
            status=CoverageStatus.FAILED,
            error_kind=ErrorKind.ACCESS_DENIED,
            message="AssumeRole denied for [red]OrganizationAccountAccessRole[/]",
            errors=1,
        ),
        CoverageEntry(
            provider="aws",
            account="111111111111",
            region="us-east-1",
            collector="ec2.instances",
            status=CoverageStatus.PARTIAL,
            error_kind=ErrorKind.MALFORMED,
            message="2 instances could not be normalised",
            resources=5,
            errors=2,
        ),
    ]
