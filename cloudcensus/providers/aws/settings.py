"""Settings of the AWS provider: the `providers.aws` section of the agent config.

Only what cloudcensus decides lives here. Everything boto3 already reads from its own
environment (`AWS_ENDPOINT_URL`, `AWS_PROFILE`, `AWS_DEFAULT_REGION`, credential chain,
CA bundle, proxies) keeps working untouched: these settings never shadow it, except
retries and timeouts, which the scanner must control to bound a scan's duration.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = ["AwsMode", "AwsSettings"]

AwsMode = Literal["auto", "organization", "single", "accounts"]

_ACCOUNT_ID = r"^\d{12}$"
_REGION = r"^[a-z]{2}(-[a-z0-9]+)+-\d+$"


class AwsSettings(BaseModel):
    """Which AWS accounts and regions to scan, and how to reach them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: AwsMode = Field(
        default="auto",
        description="auto: every account of the organisation when Organizations answers, "
        "else the caller's own account; organization: the organisation's accounts (fails "
        "when Organizations cannot be read); single: the caller's account only; "
        "accounts: the ids listed in `accounts`",
    )
    accounts: list[str] = Field(
        default_factory=list,
        description="12-digit account ids to scan; only with mode 'accounts'",
    )
    role_name: str = Field(
        default="OrganizationAccountAccessRole",
        min_length=1,
        max_length=64,
        description="role assumed in every scanned account other than the caller's own",
    )
    external_id: SecretStr | None = Field(
        default=None, description="ExternalId passed to sts:AssumeRole, when the role asks one"
    )
    role_session_name: str = Field(
        default="cloudcensus",
        pattern=r"^[\w+=,.@-]{2,64}$",
        description="session name of the assumed role (shows in CloudTrail)",
    )
    regions: list[str] | None = Field(
        default=None,
        description="regions to scan; None = every region enabled in the account "
        "(EC2 DescribeRegions, opt-in status not 'not-opted-in')",
    )
    exclude_regions: list[str] = Field(
        default_factory=list, description="regions never scanned, applied after `regions`"
    )
    home_region: str | None = Field(
        default=None,
        pattern=_REGION,
        description="region of the clients for global services (STS, Organizations, IAM, "
        "S3 listing); None = boto3's configured region, else us-east-1",
    )
    profile: str | None = Field(
        default=None, description="boto3 profile name; None = boto3's default chain"
    )
    max_attempts: int = Field(
        default=8, ge=1, le=20, description="total attempts per call (botocore adaptive mode)"
    )
    connect_timeout_s: float = Field(default=10.0, gt=0, description="per-call connect timeout")
    read_timeout_s: float = Field(default=60.0, gt=0, description="per-call read timeout")
    resource_explorer: bool = Field(
        default=True,
        description="also sweep AWS Resource Explorer (where an index exists) for resources "
        "the Tagging API does not list; turn off for endpoints that do not offer it",
    )
    include_management_account: bool = Field(
        default=True,
        description="scan the organisation's management account too (organisation mode)",
    )

    @model_validator(mode="after")
    def _accounts_match_mode(self) -> AwsSettings:
        bad = [a for a in self.accounts if not re.fullmatch(_ACCOUNT_ID, a)]
        if bad:
            raise ValueError(f"accounts must be 12-digit ids, got {bad}")
        if self.mode == "accounts" and not self.accounts:
            raise ValueError("mode 'accounts' needs a non-empty `accounts` list")
        if self.mode != "accounts" and self.accounts:
            raise ValueError(f"`accounts` is only used with mode 'accounts', not {self.mode!r}")
        for region in [*(self.regions or []), *self.exclude_regions]:
            if not re.fullmatch(_REGION, region):
                raise ValueError(f"not a region code: {region!r}")
        return self
