"""A configured cloud's profile: its offering, its jurisdiction, the country of each region.

OpenStack region names are chosen by each operator and collide across clouds
("RegionOne"), so a region is looked up only among the regions of the cloud's own
offering, never across the whole catalogue. The `generic` profile takes everything from
the configuration: the operator's stated jurisdiction and the country of its regions.
A region that neither the catalogue nor the configuration places stays unknown (country
`None`), which the residency rules treat as failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cloudcensus.providers.catalogue import Catalogue, load_catalogue, location_of_country
from cloudcensus.providers.openstack.settings import CloudSettings
from cloudcensus.scanner.inventory import GLOBAL_REGION, Jurisdiction, Location

__all__ = ["CATALOGUE_PACKAGE", "CloudProfile", "cloud_profile", "generic_offering"]

CATALOGUE_PACKAGE = "cloudcensus.providers.openstack"


def generic_offering(label: str) -> str:
    """The offering key of a generic cloud (what `accredited_offerings` names)."""
    return f"generic/{label}"


@dataclass(frozen=True)
class CloudProfile:
    """Where and under whose law one configured cloud's resources are. Pure data."""

    offering: str
    jurisdiction: Jurisdiction
    countries: Mapping[str, str | None]  # region -> ISO country, this offering's only
    default_country: str | None = None  # generic clouds: every unlisted region

    def country(self, region: str) -> str | None:
        if region == GLOBAL_REGION:
            return None
        return self.countries.get(region, self.default_country)

    def location(self, region: str) -> Location:
        return location_of_country(self.country(region))

    def known_regions(self) -> list[str]:
        return sorted(self.countries)


def cloud_profile(settings: CloudSettings, catalogue: Catalogue | None = None) -> CloudProfile:
    """The profile of one configured cloud, from the catalogue or the configuration."""
    stated = settings.jurisdiction
    if settings.profile == "generic" and stated is not None:
        offering = generic_offering(settings.label)
        jurisdiction = Jurisdiction(
            offering=offering,
            operator=stated.operator,
            legal_seat=stated.legal_seat,
            parent=stated.parent or stated.operator,
            parent_country=stated.parent_country,
            non_eu_law=stated.non_eu_law,
            certifications=stated.certifications,
        )
        return CloudProfile(offering, jurisdiction, dict(settings.region_countries), stated.country)
    catalogue = catalogue or load_catalogue(CATALOGUE_PACKAGE)
    offering = settings.profile
    countries: dict[str, str | None] = {
        region: catalogue.region_country(region) for region in catalogue.offering_regions(offering)
    }
    countries.update(settings.region_countries)
    return CloudProfile(offering, catalogue.jurisdiction(offering), countries)
