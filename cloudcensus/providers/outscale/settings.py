"""Settings of the OUTSCALE provider: the `providers.outscale` section of the agent config.

Credentials are never settings: access keys, secret keys, Regions and endpoints come from
osc-sdk-python's own chain, as `oapi-cli` reads them: the profile of the OSC config file
(`~/.osc/config.json` or `OSC_CONFIG_FILE`), with the `OSC_*` environment filling what
the profile leaves out. An OUTSCALE
account belongs to one Region, so one profile is one account; list several profiles to
scan several accounts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OutscaleSettings"]

Region = Annotated[str, Field(pattern=r"^[a-z]+(-[a-z]+)*-\d+$")]
ProfileName = Annotated[str, Field(min_length=1, pattern=r"\S")]


class OutscaleSettings(BaseModel):
    """Which OUTSCALE accounts (profiles) to scan, and how fast."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profiles: list[ProfileName] | None = Field(
        default=None,
        description="profiles of the OSC config file, one per account; None = the SDK's "
        "default (OSC_PROFILE, else 'default', with the OSC_* environment on top)",
    )
    config_file: Path | None = Field(
        default=None, description="OSC config file; None = OSC_CONFIG_FILE, else ~/.osc/config.json"
    )
    regions: list[Region] | None = Field(
        default=None, description="scan only the profiles whose Region is listed; None = all"
    )
    oos: bool = Field(
        default=True,
        description="read OOS buckets (S3-compatible); OOS accepts only the account's root "
        "access keys, so an EIM user's scan records them as access denied",
    )
    eim_users: bool = Field(
        default=True, description="also list the access keys of every EIM user (ReadUsers)"
    )
    results_per_page: int = Field(
        default=1000, ge=1, le=1000, description="ResultsPerPage of paged Read calls"
    )
    requests_per_second: int = Field(
        default=5, ge=1, le=100, description="client-side rate limit per account (SDK limiter)"
    )
    max_retries: int = Field(
        default=3, ge=0, le=10, description="retries of a call on 429, 5xx and connection errors"
    )
    retry_backoff_factor: float = Field(
        default=1.0, ge=0, description="exponential backoff factor between retries (seconds)"
    )
    retry_backoff_jitter: float = Field(
        default=3.0, ge=0, description="random jitter added to each backoff (seconds)"
    )
    retry_backoff_max: float = Field(default=30.0, ge=0, description="longest backoff (seconds)")
    connect_timeout_s: float = Field(default=10.0, gt=0, description="connect timeout of OOS calls")
    read_timeout_s: float = Field(default=60.0, gt=0, description="read timeout of OOS calls")
