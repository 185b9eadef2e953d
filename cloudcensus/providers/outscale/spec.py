"""The shape of one OUTSCALE collector, shared by every resource module.

An OUTSCALE account lives in one Region, so every collector runs once per account, in
that Region. Each collector pairs a `fetch` (API calls only, yields raw payloads) with a
pure `normalise` (payload -> `Resource`, no I/O).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from cloudcensus.providers.catalogue import Catalogue
from cloudcensus.providers.outscale.gateway import OscGateway
from cloudcensus.scanner.inventory import Jurisdiction, Location, Resource

__all__ = ["OosFactory", "OutscaleClients", "OutscaleCollector", "OutscaleContext"]


class OosFactory(Protocol):
    """Returns the account's boto3 S3 client on its Region's OOS endpoint."""

    def __call__(self) -> Any: ...


@dataclass(frozen=True)
class OutscaleClients:
    """What a fetch may call: the account's OSC API and OOS."""

    osc: OscGateway
    oos: OosFactory


@dataclass(frozen=True)
class OutscaleContext:
    """What a collector knows about where it runs. Pure data; no clients."""

    account: str
    region: str  # the account's Region
    offering: str | None  # catalogue offering of the Region; None when not catalogued
    catalogue: Catalogue

    def located(self, region: str | None = None) -> Location:
        return self.catalogue.location(region or self.region, self.offering)

    @property
    def jurisdiction(self) -> Jurisdiction | None:
        """The offering's operator and law, with the certifications of the account's
        Region; None (unknown) for a Region not catalogued."""
        if self.offering is None:
            return None
        return self.catalogue.jurisdiction(self.offering, self.region)

    def urn(self, kind: str, ident: str) -> str:
        """`outscale:<region>:<account>:<kind>/<id>`: OSC ids are unique per Region."""
        return f"outscale:{self.region}:{self.account}:{kind}/{ident}"


@dataclass(frozen=True)
class OutscaleCollector:
    name: str  # coverage key, e.g. 'osc.vms'
    fetch: Callable[[OutscaleClients, OutscaleContext], Iterable[Any]]
    normalise: Callable[[Any, OutscaleContext], Resource | None]
    global_: bool = False  # account-level (the account, access keys): region 'global'
