"""Settings of the Azure provider: the `providers.azure` section of the agent config.

The cloud is configuration, never a branch: `cloud` names a row of `CLOUDS` (public,
US Government, China), and a partner or private cloud (Bleu, Delos, a test fake) gives
its own `authority_host`, `arm_endpoint` and `offering` (the catalogue row that says who
operates it). Credentials are never settings: `DefaultAzureCredential` finds them
(environment, workload identity, managed identity, Azure CLI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cloudcensus.providers.catalogue import load_catalogue

__all__ = ["ALLOWED_LOCATIONS_DEFINITION", "CLOUDS", "AzureCloud", "AzureSettings"]

#: The built-in Azure Policy definition "Allowed locations" (parameter listOfAllowedLocations).
ALLOWED_LOCATIONS_DEFINITION = (
    "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c"
)

_GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
#: A subscription id: a GUID.
SubscriptionId = Annotated[str, StringConstraints(pattern=_GUID)]
_HOST = re.compile(r"^(https://)?[A-Za-z0-9.-]+(:\d+)?/?$")


@dataclass(frozen=True)
class AzureCloud:
    """Where one Azure cloud answers: its Entra ID authority and its ARM endpoint."""

    name: str
    authority_host: str  # host (or https URL) of the Entra ID authority
    arm_endpoint: str  # ARM base URL, also the Resource Graph endpoint
    credential_scope: str  # OAuth scope of ARM tokens
    offering: str  # catalogue offering key (operator, jurisdiction)


#: The clouds reachable by name. Partner clouds publish their own hosts: configure them.
CLOUDS: dict[str, AzureCloud] = {
    cloud.name: cloud
    for cloud in (
        AzureCloud(
            "public",
            "login.microsoftonline.com",
            "https://management.azure.com",
            "https://management.azure.com/.default",
            "azure",
        ),
        AzureCloud(
            "usgov",
            "login.microsoftonline.us",
            "https://management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net/.default",
            "azure-us-gov",
        ),
        AzureCloud(
            "china",
            "login.chinacloudapi.cn",
            "https://management.chinacloudapi.cn",
            "https://management.chinacloudapi.cn/.default",
            "azure-china",
        ),
    )
}


class AzureSettings(BaseModel):
    """Which Azure subscriptions to scan, in which cloud, and how hard to push the APIs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: str = Field(
        default="public",
        description="a named cloud (public, usgov, china) or 'custom' for a partner or private "
        "cloud, which then needs authority_host, arm_endpoint and offering",
    )
    authority_host: str | None = Field(
        default=None, description="Entra ID authority host; overrides the named cloud's"
    )
    arm_endpoint: str | None = Field(
        default=None, description="ARM / Resource Graph base URL (https); overrides the cloud's"
    )
    credential_scope: str | None = Field(
        default=None,
        description="OAuth scope of ARM tokens; default: the cloud's, or <arm_endpoint>/.default",
    )
    offering: str | None = Field(
        default=None,
        description="catalogue offering that operates the cloud (azure, azure-us-gov, "
        "azure-china, bleu, delos); default: the named cloud's",
    )
    tenant_id: str | None = Field(
        default=None,
        pattern=_GUID,
        description="scan only subscriptions of this tenant (and prefer it for workload "
        "identity and developer sign-in); None = every tenant the identity sees",
    )
    subscriptions: list[SubscriptionId] = Field(
        default_factory=list,
        description="subscription ids to scan; empty = every subscription the identity sees "
        "(or those under `management_group`)",
    )
    exclude_subscriptions: list[SubscriptionId] = Field(
        default_factory=list, description="subscription ids never scanned"
    )
    management_group: str | None = Field(
        default=None,
        min_length=1,
        max_length=90,
        description="scan the subscriptions under this management group (Resource Graph)",
    )
    connection_verify: Path | None = Field(
        default=None,
        description="PEM CA bundle to verify Azure endpoints (private clouds, TLS-inspecting "
        "proxies, tests); None = the system CAs",
    )
    page_size: int = Field(
        default=1000, ge=1, le=1000, description="Resource Graph rows per page ($top, max 1000)"
    )
    subscriptions_per_query: int = Field(
        default=200,
        ge=1,
        le=1000,
        description="most subscriptions one Resource Graph query covers; small subscriptions "
        "share a query until it would exceed one page",
    )
    max_retries: int = Field(
        default=6, ge=0, le=20, description="retries per call (429 and 5xx, Retry-After honoured)"
    )
    max_throttle_wait_s: float = Field(
        default=60.0,
        gt=0,
        description="longest pause before a call when Resource Graph says the quota is used up "
        "(x-ms-user-quota-resets-after)",
    )
    timeout_s: float = Field(default=60.0, gt=0, description="per-call connect and read timeout")
    location_policies: list[str] = Field(
        default_factory=lambda: [ALLOWED_LOCATIONS_DEFINITION],
        description="policy definition ids read as the region guardrail when assigned with a "
        "`listOfAllowedLocations` parameter and a Deny effect",
    )

    @model_validator(mode="after")
    def _consistent(self) -> AzureSettings:
        if self.subscriptions and self.management_group:
            raise ValueError("give either `subscriptions` or `management_group`, not both")
        if self.cloud != "custom" and self.cloud not in CLOUDS:
            raise ValueError(f"cloud: {self.cloud!r} is not one of {[*CLOUDS, 'custom']}")
        if self.cloud == "custom":
            needed = ("authority_host", "arm_endpoint", "offering")
            missing = [f for f in needed if not getattr(self, f)]
            if missing:
                raise ValueError(f"cloud 'custom' needs {', '.join(missing)}")
        if self.authority_host and not _HOST.match(self.authority_host):
            raise ValueError("authority_host: a host name or https URL, e.g. login.example.eu")
        if self.arm_endpoint and not self.arm_endpoint.startswith("https://"):
            raise ValueError("arm_endpoint: must be an https URL (tokens never go over http)")
        catalogue = load_catalogue("cloudcensus.providers.azure")
        if self.offering and not catalogue.has_offering(self.offering):
            raise ValueError(
                f"offering: {self.offering!r} is not in the Azure catalogue "
                "(azure, azure-us-gov, azure-china, bleu, delos)"
            )
        return self

    def resolved_cloud(self) -> AzureCloud:
        """The cloud record these settings select, explicit endpoints applied."""
        base = CLOUDS.get(self.cloud)
        arm = (self.arm_endpoint or (base.arm_endpoint if base else "")).rstrip("/")
        scope = self.credential_scope or (
            base.credential_scope if base and not self.arm_endpoint else f"{arm}/.default"
        )
        return AzureCloud(
            name=self.cloud,
            authority_host=self.authority_host or (base.authority_host if base else ""),
            arm_endpoint=arm,
            credential_scope=scope,
            offering=self.offering or (base.offering if base else ""),
        )
