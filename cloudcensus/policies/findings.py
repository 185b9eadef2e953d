"""Findings: the verdict of one rule on one resource, with the evidence that decided it."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["Finding", "Severity", "Status", "finding_uid"]


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    EXPLAINED = "explained"  # failing, but covered by a valid explanation
    ERROR = "error"  # the rule could not be evaluated on this resource


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = list(Severity)


def finding_uid(rule_id: str, resource_id: str) -> str:
    """Stable identity of a finding across scans: the same rule on the same resource."""
    digest = hashlib.sha256(f"{rule_id}\x00{resource_id}".encode()).hexdigest()
    return digest[:32]


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    uid: str = Field(description="finding_uid(rule_id, resource_id)")
    rule_id: str
    rule_version: int
    rule_title: str
    pack: str = Field(description="rule pack the rule came from, e.g. 'baseline'")
    severity: Severity
    status: Status
    resource_id: str
    resource_type: str
    native_type: str
    resource_name: str | None = None
    provider: str
    account: str
    region: str
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="the values the rule's condition read"
    )
    message: str = Field(description="one sentence a person can act on")
    explanation_id: str | None = None
    explanation_note: str | None = Field(
        default=None,
        description="why an explanation did or did not apply (expired, other rule version)",
    )
    controls: dict[str, list[str]] = Field(
        default_factory=dict, description="framework -> control ids, e.g. NIS2 -> [21(2)(h)]"
    )
    remediation: str = ""
    evaluated_at: AwareDatetime
