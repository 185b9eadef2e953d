"""A configured cloud's profile: its offering, its jurisdiction, where each region is, and
the S3-compatible object storage it offers.

OpenStack region names are chosen by each operator and collide across clouds
("RegionOne"), so a region is looked up only within the cloud's own offering
(`Catalogue.location(region, offering)`), never across the whole catalogue. The
`generic` profile takes everything from the configuration: the operator's stated
jurisdiction and the country of its regions. A region that neither the catalogue nor
the configuration places stays unknown (country `None`), which the residency rules treat
as failing. Certifications a catalogue row gives one region reach the resources there
(`jurisdiction_in`).

S3: the offers below are rows, not branches. OVHcloud's S3 Object Storage is a product of
its own since 2023 (its buckets are not the Swift containers); Infomaniak's S3 is Swift's
s3api and Cleura's is Ceph radosgw, two doors to the same containers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cloudcensus.providers.catalogue import Catalogue, load_catalogue, location_of_country
from cloudcensus.providers.openstack.settings import CloudSettings
from cloudcensus.scanner.inventory import GLOBAL_REGION, Jurisdiction, Location

__all__ = [
    "CATALOGUE_PACKAGE",
    "S3_OFFERS",
    "CloudProfile",
    "S3Offer",
    "cloud_profile",
    "generic_offering",
]

CATALOGUE_PACKAGE = "cloudcensus.providers.openstack"


@dataclass(frozen=True)
class S3Offer:
    """Where a cloud's S3 API answers and what its buckets are. Pure data."""

    endpoint: str  # '{region}' = the S3 region in lower case
    same_containers: bool  # True: the S3 view of the Swift containers, not buckets of its own
    #: catalog region -> S3 region, by the `s3` group of this pattern (no match: the name)
    pattern: str | None = None
    regions: Mapping[str, str] = field(default_factory=dict)  # explicit catalog -> S3 region
    endpoints: Mapping[str, str] = field(default_factory=dict)  # S3 region -> its own endpoint

    def region(self, catalog_region: str) -> str:
        """The S3 region serving a catalog region (OVHcloud: GRA11 -> GRA)."""
        if catalog_region in self.regions:
            return self.regions[catalog_region]
        match = re.fullmatch(self.pattern, catalog_region) if self.pattern else None
        return match.group("s3") if match else catalog_region

    def url(self, s3_region: str) -> str:
        return self.endpoints.get(s3_region) or self.endpoint.format(region=s3_region.lower())


#: The S3-compatible object storage of each profile (sources: docs/openstack.md).
S3_OFFERS: dict[str, S3Offer] = {
    "ovhcloud": S3Offer(
        "https://s3.{region}.io.cloud.ovh.net", False, pattern=r"(?P<s3>[A-Z]+)\d+"
    ),
    "infomaniak": S3Offer(
        "https://s3.{region}.infomaniak.cloud",  # a region not below: fails, named
        True,
        endpoints={
            "dc3-a": "https://s3.pub1.infomaniak.cloud",
            "dc4-a": "https://s3.pub2.infomaniak.cloud",
        },
    ),
    "cleura": S3Offer("https://s3-{region}.citycloud.com", True),
}


def generic_offering(label: str) -> str:
    """The offering key of a generic cloud (what `accredited_offerings` names)."""
    return f"generic/{label}"


@dataclass(frozen=True)
class CloudProfile:
    """Where and under whose law one configured cloud's resources are. Pure data."""

    offering: str
    jurisdiction: Jurisdiction  # the offering's, before any region's own certifications
    stated: Mapping[str, str] = field(default_factory=dict)  # configured region -> country
    catalogue: Catalogue | None = None  # None: a generic cloud, placed by its configuration
    default_country: str | None = None  # generic clouds: every region not stated
    s3: S3Offer | None = None  # None: its S3-compatible storage is not read

    def country(self, region: str) -> str | None:
        return self.location(region).country

    def location(self, region: str) -> Location:
        if region == GLOBAL_REGION:
            return Location()
        if region in self.stated:
            return location_of_country(self.stated[region])
        if self.catalogue is not None:
            return self.catalogue.location(region, self.offering)
        return location_of_country(self.default_country)

    def jurisdiction_in(self, region: str) -> Jurisdiction:
        """The jurisdiction of a resource in `region`: the offering's, with the
        certifications the catalogue gives that region."""
        if self.catalogue is None:
            return self.jurisdiction
        return self.catalogue.jurisdiction(self.offering, region)


def _s3_offer(settings: CloudSettings) -> S3Offer | None:
    wanted = settings.s3
    offer = S3_OFFERS.get(settings.profile)
    if not wanted.enabled or (offer is None and wanted.endpoint is None):
        return None
    base = offer or S3Offer(wanted.endpoint or "", True)
    same = base.same_containers if wanted.same_containers is None else wanted.same_containers
    endpoint = wanted.endpoint or base.endpoint
    endpoints = {} if wanted.endpoint else dict(base.endpoints)
    regions = {**base.regions, **wanted.regions}
    return S3Offer(endpoint, same, base.pattern, regions, endpoints)


def cloud_profile(settings: CloudSettings, catalogue: Catalogue | None = None) -> CloudProfile:
    """The profile of one configured cloud, from the catalogue or the configuration."""
    stated = settings.jurisdiction
    s3 = _s3_offer(settings)
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
        countries = dict(settings.region_countries)
        return CloudProfile(offering, jurisdiction, countries, None, stated.country, s3)
    catalogue = catalogue or load_catalogue(CATALOGUE_PACKAGE)
    offering = settings.profile
    jurisdiction = catalogue.jurisdiction(offering)
    return CloudProfile(offering, jurisdiction, dict(settings.region_countries), catalogue, s3=s3)
