"""The provider-neutral inventory model.

Every provider turns its API payloads into `Resource` records. Rules are written once
against `type` + `properties`; `raw` keeps the provider payload for rules that need a
native detail. A `Resource` is data, not behaviour: frozen, strict, JSON-serialisable.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "GLOBAL_REGION",
    "RESOURCE_TYPES",
    "Jurisdiction",
    "Location",
    "Resource",
]

GLOBAL_REGION = "global"

#: The normalised resource types. A rule naming a type outside this set is a load error.
RESOURCE_TYPES: frozenset[str] = frozenset(
    {
        "account",
        "compute.instance",
        "compute.function",
        "compute.app",
        "container.cluster",
        "database.server",
        "database.instance",
        "database.table",
        "identity.user",
        "identity.role",
        "identity.access_key",
        "logging.audit_trail",
        "network.network",
        "network.subnet",
        "network.router",
        "network.interface",
        "network.security_group",
        "network.public_ip",
        "network.load_balancer",
        "security.key",
        "security.secret",
        "storage.bucket",
        "storage.volume",
        "storage.snapshot",
        "storage.backup",
        "other",
    }
)


class Location(BaseModel):
    """Where a resource's data physically sits, derived from the region catalogue.

    Unknown is `None`, never a guess: rules treat an unknown location as non-compliant.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 country code; None when unknown"
    )
    eu: bool | None = Field(default=None, description="country is an EU member state")
    eea: bool | None = Field(default=None, description="country is in the EEA (EU + IS, LI, NO)")


class Jurisdiction(BaseModel):
    """Who operates the cloud offering the resource lives in, and under which law."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offering: str = Field(description="catalogue key of the offering, e.g. 'aws', 'aws-eusc'")
    operator: str = Field(description="legal entity that operates the offering")
    legal_seat: str = Field(description="ISO country of the operator's statutory seat")
    parent: str = Field(description="ultimate parent company")
    parent_country: str = Field(description="ISO country of the ultimate parent")
    non_eu_law: bool = Field(
        description="exposed to non-EU extraterritorial law (e.g. US CLOUD Act) through "
        "its operator or its parent"
    )
    certifications: tuple[str, ...] = Field(
        default=(),
        description="sovereignty-relevant qualifications, spelled as in the catalogues, "
        "e.g. 'SecNumCloud'",
    )


class Resource(BaseModel):
    """One cloud resource, normalised. See docs/inventory.md for the `properties` per type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(description="provider name: aws, azure, gcp, openstack, ...")
    account: str = Field(description="AWS account id, Azure subscription, GCP project, ...")
    region: str = Field(description="provider region code, or 'global'")
    type: str = Field(description="normalised type, one of RESOURCE_TYPES")
    native_type: str = Field(description="the provider's own type name, e.g. AWS::S3::Bucket")
    id: str = Field(description="globally unique id: ARN, Azure resource id, ...")
    name: str | None = None
    tags: dict[str, str] = Field(default_factory=dict, description="tags and labels")
    created: AwareDatetime | None = None
    location: Location = Field(default_factory=Location)
    jurisdiction: Jurisdiction | None = None
    properties: dict[str, Any] = Field(
        default_factory=dict, description="normalised attributes rules read across clouds"
    )
    raw: dict[str, Any] = Field(default_factory=dict, description="the provider's payload")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RESOURCE_TYPES:
            raise ValueError(f"unknown resource type {value!r}")
        return value

    @field_validator("name")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None
