"""Settings of the GCP provider: the `providers.gcp` section of the agent config.

What to scan (an organisation, folders, projects: their union), which universe
(`googleapis.com`, or a sovereign one such as S3NS's `s3nsapis.fr`) and how hard the
provider may call Cloud Asset Inventory. Credentials always come from Application Default
Credentials; `credentials: anonymous` exists only for the project's own fake API on
loopback (tests, `cloudcensus demo`) and is refused anywhere else.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["GcpClient", "GcpCredentials", "GcpSettings", "is_loopback_url"]

GcpCredentials = Literal["adc", "anonymous"]
GcpClient = Literal["json", "sdk"]

_ORGANIZATION = re.compile(r"^(organizations/)?(\d{1,20})$")
_FOLDER = re.compile(r"^(folders/)?(\d{1,20})$")
# Project ids (6-30 chars, optionally with a universe prefix such as 's3ns:') or numbers.
_PROJECT = re.compile(
    r"^(projects/)?((?:[a-z][a-z0-9-]{0,40}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]|\d{1,20})$"
)
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def is_loopback_url(url: str) -> bool:
    """True when `url`'s host is a loopback address or `localhost`."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _strip(pattern: re.Pattern[str], value: str, what: str) -> str:
    match = pattern.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not {what}: {value!r}")
    return match.group(2)


class GcpSettings(BaseModel):
    """Which GCP projects to scan, in which universe, and how to reach Cloud Asset Inventory."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: str | None = Field(
        default=None,
        description="organisation id ('123456789012' or 'organizations/123456789012'): every "
        "active project under it is scanned",
    )
    folders: list[str] = Field(
        default_factory=list,
        description="folder ids ('456' or 'folders/456'): every active project under them "
        "(sub-folders included) is scanned",
    )
    projects: list[str] = Field(
        default_factory=list,
        description="project ids (or numbers) scanned in addition to those found under "
        "`organization` and `folders`; with none of the three, the ADC default project",
    )
    exclude_projects: list[str] = Field(
        default_factory=list, description="project ids never scanned, applied last"
    )
    universe_domain: str = Field(
        default="googleapis.com",
        description="the Google Cloud universe: 'googleapis.com', or 's3nsapis.fr' for S3NS "
        "(Cloud de Confiance); must match the credentials' universe",
    )
    api_endpoint: str | None = Field(
        default=None,
        description="Cloud Asset API base URL; None = https://cloudasset.<universe_domain>. "
        "Plain http only on loopback (tests, the demo's fake API)",
    )
    credentials: GcpCredentials = Field(
        default="adc",
        description="adc: Application Default Credentials; anonymous: no credentials, only "
        "allowed with an `api_endpoint` on loopback (the project's fake API)",
    )
    client: GcpClient = Field(
        default="json",
        description="json: read the REST API's JSON pages directly (fast); sdk: through "
        "google-cloud-asset's AssetServiceClient (REST transport), about 0.5 ms more per "
        "asset; its retries do not read Retry-After",
    )
    quota_project: str | None = Field(
        default=None,
        description="project billed for the API calls and whose quota they use "
        "(x-goog-user-project); None = the credentials' own",
    )
    page_size: int = Field(
        default=1000,
        ge=1,
        le=1000,
        description="ListAssets page size (SearchAllResources: at most 500)",
    )
    concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Cloud Asset calls in flight at once, all projects "
        "together (also the HTTP connection pool size)",
    )
    list_assets_per_minute: int = Field(
        default=100,
        ge=1,
        description="ListAssets calls per minute (the default quota of a consumer project is 100)",
    )
    search_per_minute: int = Field(
        default=400,
        ge=1,
        description="SearchAllResources calls per minute (default quota "
        "of a consumer project: 400)",
    )
    max_attempts: int = Field(
        default=6,
        ge=1,
        le=20,
        description="attempts per call on 429, 500, 502, 503, 504 and "
        "connection errors (exponential backoff, Retry-After honoured)",
    )
    max_retry_wait_s: float = Field(
        default=60.0, gt=0, description="longest single wait before a retry"
    )
    timeout_s: float = Field(default=60.0, gt=0, description="per-call connect+read timeout")

    @field_validator("organization")
    @classmethod
    def _organization(cls, value: str | None) -> str | None:
        return None if value is None else _strip(_ORGANIZATION, value, "an organisation id")

    @field_validator("folders")
    @classmethod
    def _folders(cls, value: list[str]) -> list[str]:
        return [_strip(_FOLDER, folder, "a folder id") for folder in value]

    @field_validator("projects", "exclude_projects")
    @classmethod
    def _projects(cls, value: list[str]) -> list[str]:
        return [_strip(_PROJECT, project, "a project id") for project in value]

    @field_validator("universe_domain")
    @classmethod
    def _universe(cls, value: str) -> str:
        if not _DOMAIN.fullmatch(value):
            raise ValueError(f"not a domain name: {value!r}")
        return value

    @field_validator("api_endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://cloudasset.example")
        if parts.scheme == "http" and not is_loopback_url(value):
            raise ValueError("plain http is only allowed on loopback")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _anonymous_only_on_loopback(self) -> GcpSettings:
        if self.credentials == "anonymous" and not (
            self.api_endpoint and is_loopback_url(self.api_endpoint)
        ):
            raise ValueError(
                "credentials 'anonymous' needs an api_endpoint on loopback (the fake API); "
                "real Cloud Asset Inventory always uses Application Default Credentials"
            )
        return self
