"""Settings of the Scaleway provider: the `providers.scaleway` section of the agent config.

Credentials are never settings: the access key, the secret key and the API URL come from
the Scaleway SDK's own chain (the `scw` config file, `SCW_CONFIG_PATH`, `SCW_PROFILE`,
then the `SCW_*` environment variables, which win), exactly as the `scw` CLI reads them.
These settings only choose what to scan and bound how long a call may take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_OBJECT_STORAGE_ENDPOINT", "ScalewaySettings"]

#: Scaleway Object Storage's S3 endpoint; `{region}` is replaced by the region code.
DEFAULT_OBJECT_STORAGE_ENDPOINT = "https://s3.{region}.scw.cloud"

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ProjectId = Annotated[str, Field(pattern=_UUID)]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z]{3}$")]
Zone = Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z]{3}-\d+$")]


class ScalewaySettings(BaseModel):
    """Which Scaleway projects, regions and zones to scan, and how to reach them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: str | None = Field(
        default=None,
        description="profile of the scw config file; None = SCW_PROFILE, else 'default'",
    )
    config_file: Path | None = Field(
        default=None,
        description="scw config file; None = SCW_CONFIG_PATH, else ~/.config/scw/config.yaml",
    )
    organization_id: str | None = Field(
        default=None,
        pattern=_UUID,
        description="organisation to scan; None = the profile's default_organization_id",
    )
    projects: list[ProjectId] | None = Field(
        default=None,
        description="project ids to scan; None = every project of the organisation "
        "(Account API). Organisation-wide resources (IAM API keys) are read with the "
        "default project, whose id is the organisation id",
    )
    exclude_projects: list[ProjectId] = Field(
        default_factory=list, description="project ids never scanned, applied after `projects`"
    )
    regions: list[Region] | None = Field(
        default=None, description="regions to scan; None = fr-par, nl-ams and pl-waw"
    )
    zones: list[Zone] | None = Field(
        default=None,
        description="zones to scan for zoned products (Instances, Block Storage); "
        "None = every zone the SDK knows in the scanned regions",
    )
    object_storage: bool = Field(
        default=True, description="read Object Storage buckets through the S3-compatible API"
    )
    object_storage_endpoint: str = Field(
        default=DEFAULT_OBJECT_STORAGE_ENDPOINT,
        pattern=r"^https?://[^/]",
        description="S3 endpoint of Object Storage; '{region}' is replaced by the region",
    )
    page_size: int = Field(default=100, ge=1, le=100, description="items per list call")
    max_attempts: int = Field(
        default=5, ge=1, le=20, description="attempts per call on 429 and 5xx answers"
    )
    max_retry_wait_s: float = Field(
        default=30.0, ge=0, description="longest wait before a retry (caps Retry-After)"
    )
    connect_timeout_s: float = Field(default=10.0, gt=0, description="per-call connect timeout")
    read_timeout_s: float = Field(default=60.0, gt=0, description="per-call read timeout")
