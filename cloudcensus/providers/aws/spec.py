"""The shape of one AWS collector, shared by every resource module.

A resource module (`ec2.py`, `s3.py`, ...) exports `COLLECTORS: tuple[AwsCollector, ...]`.
Each collector pairs a `fetch` (SDK calls only, yields raw payloads) with a pure
`normalise` (payload -> `Resource`, no I/O). Adding a resource type touches one module,
one catalogue line and one fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cloudcensus.providers.catalogue import Catalogue
from cloudcensus.scanner.inventory import Jurisdiction, Location, Resource

__all__ = ["AwsCollector", "AwsContext", "ClientFactory"]


class ClientFactory(Protocol):
    """Returns a boto3 client for a service in a region of the scanned account."""

    def __call__(self, service: str, region: str) -> Any: ...


@dataclass(frozen=True)
class AwsContext:
    """What a collector knows about where it runs. Pure data; no clients."""

    account: str
    region: str  # the region collected, or 'global' for global collectors
    partition: str  # 'aws', 'aws-eusc', 'aws-us-gov', 'aws-cn'
    home_region: str  # region used for global services' clients
    regions: tuple[str, ...]  # every region scanned in this account
    catalogue: Catalogue
    # What the provider read at organisation level for this account (management account
    # credentials): {"organization_id": str|None, "region_guardrail": {...}|None,
    # "region_guardrail_readable": bool}. None outside an organisation.
    organization: Mapping[str, Any] | None = None

    def location(self, region: str | None = None) -> Location:
        return self.catalogue.location(region or self.region)

    @property
    def jurisdiction(self) -> Jurisdiction:
        return self.catalogue.jurisdiction(self.partition)

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        """An ARN in this account and partition (`region=''` for global services)."""
        reg = self.region if region is None else region
        return f"arn:{self.partition}:{service}:{reg}:{self.account}:{resource}"


@dataclass(frozen=True)
class AwsCollector:
    name: str  # coverage key, e.g. 'ec2.instances'
    fetch: Callable[[ClientFactory, AwsContext], Iterable[Any]]
    normalise: Callable[[Any, AwsContext], Resource | None]
    native_types: tuple[str, ...]  # CloudFormation types modelled (the tagging sweep skips them)
    global_: bool = False  # collected once per account (IAM, S3 listing, the account)
