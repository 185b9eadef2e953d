"""Region and provider catalogues: data files, loaded once, read by pure code.

Each provider package ships `catalogue.yaml` with its offerings (operator, legal seat,
ultimate parent, jurisdiction) and its regions (country). EU/EEA membership is derived
from `countries.yaml`, so it is written down once. An unknown region gives a `Location`
whose fields are all `None`: rules treat that as unknown, never as compliant.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloudcensus.scanner.inventory import GLOBAL_REGION, Jurisdiction, Location

__all__ = ["Catalogue", "CatalogueError", "load_catalogue", "location_of_country"]


class CatalogueError(Exception):
    """A catalogue data file is missing or malformed."""


class _Offering(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str
    legal_seat: str
    parent: str
    parent_country: str
    non_eu_law: bool
    certifications: tuple[str, ...] = ()


class _Region(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str
    name: str
    country: str | None
    offering: str
    verified: bool = True
    certifications: tuple[str, ...] = ()


class _CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: str
    offerings: dict[str, _Offering]
    regions: list[_Region] = Field(default_factory=list)


@cache
def _country_groups() -> tuple[frozenset[str], frozenset[str]]:
    text = resources.files("cloudcensus.providers").joinpath("countries.yaml").read_text()
    data: dict[str, list[str]] = yaml.safe_load(text)
    eu = frozenset(data["eu"])
    return eu, eu | frozenset(data["eea_only"])


@cache
def location_of_country(country: str | None) -> Location:
    """The `Location` of an ISO country code (`None` -> all unknown)."""
    if country is None:
        return Location()
    eu, eea = _country_groups()
    code = country.upper()
    return Location(country=code, eu=code in eu, eea=code in eea)


class Catalogue:
    """One provider's catalogue: region -> location, offering -> jurisdiction."""

    def __init__(self, data: _CatalogueFile) -> None:
        self.provider = data.provider
        self._offerings = data.offerings
        self._regions = {r.region: r for r in data.regions}

    @property
    def regions(self) -> list[str]:
        return sorted(self._regions)

    def offering_regions(self, offering: str) -> list[str]:
        return sorted(r.region for r in self._regions.values() if r.offering == offering)

    def has_offering(self, offering: str) -> bool:
        return offering in self._offerings

    def region_country(self, region: str) -> str | None:
        entry = self._regions.get(region)
        return entry.country if entry else None

    def location(self, region: str) -> Location:
        """Location of a region; `global` and unknown regions are unknown."""
        if region == GLOBAL_REGION:
            return Location()
        return location_of_country(self.region_country(region))

    def jurisdiction(self, offering: str) -> Jurisdiction:
        entry = self._offerings.get(offering)
        if entry is None:
            raise CatalogueError(f"{self.provider}: unknown offering {offering!r}")
        return Jurisdiction(offering=offering, **entry.model_dump())

    def region_certifications(self, region: str) -> tuple[str, ...]:
        entry = self._regions.get(region)
        return entry.certifications if entry else ()


@cache
def load_catalogue(package: str) -> Catalogue:
    """Load `catalogue.yaml` from a provider package, e.g. 'cloudcensus.providers.aws'."""
    try:
        text = resources.files(package).joinpath("catalogue.yaml").read_text()
        raw: Any = yaml.safe_load(text)
        return Catalogue(_CatalogueFile.model_validate(raw))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"{package}/catalogue.yaml: {exc}") from exc
