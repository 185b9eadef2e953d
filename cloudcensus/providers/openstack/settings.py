"""Settings of the OpenStack provider: the `providers.openstack` section of the agent config.

Credentials stay where every OpenStack tool reads them: `clouds.yaml` (+ `secure.yaml`,
`OS_CLIENT_CONFIG_FILE`) or the `OS_*` environment. These settings only name the clouds
to scan, say whose cloud each one is (its profile: the operator, legal seat and region
countries come from the catalogue), and bound the scan. A private or government cloud
uses the `generic` profile and states its own jurisdiction here. The S3-compatible
object storage a cloud offers beside Swift is read with the keys the scanning user
already has (its Keystone EC2 credentials) or those of a named AWS shared-credentials
profile: `s3` says where, never which secret.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cloudcensus.providers.catalogue import canonical_certifications

__all__ = [
    "PROFILES",
    "CloudSettings",
    "GenericJurisdiction",
    "OpenStackSettings",
    "Profile",
    "S3Settings",
]

Profile = Literal["ovhcloud", "ovhcloud-us", "otc", "otc-swiss", "infomaniak", "cleura", "generic"]
#: the profiles whose jurisdiction and regions come from the catalogue
PROFILES: tuple[str, ...] = ("ovhcloud", "ovhcloud-us", "otc", "otc-swiss", "infomaniak", "cleura")

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"


def _country(value: str) -> str:
    code = value.strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise ValueError(f"not an ISO 3166-1 alpha-2 country code: {value!r}")
    return code


class GenericJurisdiction(BaseModel):
    """Who runs a cloud that has no profile, and where: stated by the operator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operator: str = Field(min_length=1, description="legal entity that operates the cloud")
    country: str = Field(description="ISO country of the data centres (every region)")
    legal_seat: str = Field(description="ISO country of the operator's statutory seat")
    parent: str | None = Field(
        default=None, description="ultimate parent company (default: the operator itself)"
    )
    parent_country: str = Field(description="ISO country of the ultimate parent")
    non_eu_law: bool = Field(
        description="the operator or its parent is exposed to non-EU law (e.g. the US "
        "CLOUD Act, or a seat outside the EU)"
    )
    certifications: tuple[str, ...] = Field(
        default=(),
        description="qualifications, spelled as the catalogues do: 'SecNumCloud', 'C5', "
        "'EUCS-High', 'HDS', 'ISO27001', ... (cloudcensus.providers.catalogue.CERTIFICATIONS)",
    )

    @field_validator("country", "legal_seat", "parent_country")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        return _country(value)

    @field_validator("certifications")
    @classmethod
    def _spelled(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return canonical_certifications(value)


class S3Settings(BaseModel):
    """A cloud's S3-compatible object storage: read where its profile (or `endpoint`)
    says it has one, with the scanning user's Keystone EC2 credentials for the project
    (or the keys of `aws_profile`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description="read it; false accepts the Swift view alone (S3-side grants unseen)",
    )
    endpoint: str | None = Field(
        default=None,
        pattern=r"^https?://[^/]",
        description="S3 endpoint, '{region}' replaced by the S3 region in lower case; "
        "default: the profile's (OVHcloud, Infomaniak, Cleura); required for another cloud",
    )
    regions: dict[str, str] = Field(
        default_factory=dict,
        description="catalog region -> S3 region, where the profile's naming does not say "
        "it (OVHcloud: GRA11 -> GRA)",
    )
    same_containers: bool | None = Field(
        default=None,
        description="the S3 API shows the Swift containers (Swift's s3api, Ceph radosgw): "
        "its view completes each container; false: its buckets are a product of their own "
        "(OVHcloud since 2023). Default: the profile's, else true",
    )
    aws_profile: str | None = Field(
        default=None,
        min_length=1,
        description="profile of the AWS shared credentials file holding the S3 keys, for "
        "a cloud whose S3 keys are not Keystone EC2 credentials of the scanning user",
    )


class CloudSettings(BaseModel):
    """One OpenStack cloud: an entry of clouds.yaml (or the OS_* environment) and whose it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: str | None = Field(
        default=None,
        min_length=1,
        description="name of the cloud in clouds.yaml; None = OS_CLOUD, else the OS_* "
        "environment variables",
    )
    name: str | None = Field(
        default=None,
        pattern=_NAME,
        description="label of this cloud in resource ids and coverage (default: `cloud`, "
        "else 'env'); keep it stable, ids change with it",
    )
    profile: Profile = Field(
        description="whose cloud it is: ovhcloud (OVH SAS), ovhcloud-us (OVH US LLC), otc "
        "(Open Telekom Cloud / T Cloud Public), otc-swiss, infomaniak, cleura, or generic "
        "(any other cloud; state `jurisdiction`)"
    )
    jurisdiction: GenericJurisdiction | None = Field(
        default=None, description="operator, seat and country; only (and required) for generic"
    )
    region_countries: dict[str, str] = Field(
        default_factory=dict,
        description="region -> ISO country, for regions the catalogue does not list (e.g. a "
        "new OVHcloud Local Zone) or a generic cloud spread over several countries",
    )
    regions: list[str] | None = Field(
        default=None, description="regions to scan; None = every region in the catalog"
    )
    s3: S3Settings = Field(
        default_factory=S3Settings, description="the cloud's S3-compatible object storage"
    )
    exclude_regions: list[str] = Field(
        default_factory=list, description="regions never scanned, applied after `regions`"
    )
    projects: list[str] | None = Field(
        default=None,
        description="project ids or names to scan; None = every project the credentials "
        "can scope to (Keystone /v3/auth/projects); an application credential scans its own",
    )
    unread_services: list[str] = Field(
        default_factory=list,
        description="catalog service types cloudcensus does not read that you accept as "
        "unread: no `catalog.<type>` coverage gap for them (e.g. 'workflow')",
    )
    page_size: int = Field(default=1000, ge=1, le=10000, description="items asked per page")
    max_concurrent_requests: int = Field(
        default=8, ge=1, le=64, description="requests in flight to this cloud at once"
    )
    retries: int = Field(
        default=5, ge=0, le=20, description="retries of a throttled (429, 413) or 502/503/504 call"
    )
    timeout_s: float = Field(default=60.0, gt=0, le=600, description="per-request timeout")

    @field_validator("region_countries")
    @classmethod
    def _countries(cls, value: dict[str, str]) -> dict[str, str]:
        return {region: _country(code) for region, code in value.items()}

    @model_validator(mode="after")
    def _jurisdiction_matches_profile(self) -> CloudSettings:
        if self.profile == "generic" and self.jurisdiction is None:
            raise ValueError(
                "profile 'generic' needs `jurisdiction` (operator, country, legal_seat, "
                "parent_country, non_eu_law)"
            )
        if self.profile != "generic" and self.jurisdiction is not None:
            raise ValueError(
                f"`jurisdiction` is only for profile 'generic'; profile {self.profile!r} "
                "takes it from the catalogue"
            )
        if not re.fullmatch(_NAME, self.label):
            raise ValueError(
                f"cloud name {self.label!r} cannot label resource ids: set `name` (letters, "
                "digits, '.', '_', '-')"
            )
        return self

    @property
    def label(self) -> str:
        """The cloud's name in resource ids and coverage."""
        return self.name or self.cloud or "env"


class OpenStackSettings(BaseModel):
    """Which OpenStack clouds to scan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clouds: list[CloudSettings] = Field(min_length=1, description="the clouds to scan")
    regions: list[str] | None = Field(
        default=None,
        description="regions to scan in every cloud (the command line's --region); a "
        "cloud's own `regions` wins",
    )

    @model_validator(mode="after")
    def _unique_labels(self) -> OpenStackSettings:
        labels = [cloud.label for cloud in self.clouds]
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise ValueError(f"two clouds share the label {duplicates}: set a distinct `name`")
        return self
