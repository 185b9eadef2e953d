"""Cloud profiles: whose cloud it is and where each region is, from the catalogue or, for
a private or government cloud, from what its operator states in the configuration."""

from __future__ import annotations

import pytest

from cloudcensus.providers.catalogue import load_catalogue, parse_catalogue
from cloudcensus.providers.openstack.profiles import S3_OFFERS, cloud_profile
from cloudcensus.providers.openstack.settings import CloudSettings


def _profile(**fields: object) -> CloudSettings:
    return CloudSettings.model_validate({"cloud": "c", **fields})


@pytest.mark.parametrize(
    ("profile", "region", "country", "eu"),
    [
        ("ovhcloud", "GRA11", "FR", True),
        ("ovhcloud", "SBG5", "FR", True),
        ("ovhcloud", "BHS5", "CA", False),  # Beauharnois: Canada, same French operator
        ("ovhcloud", "CA-EAST-TOR", "CA", False),
        ("ovhcloud", "UK1", "GB", False),
        ("ovhcloud", "EU-WEST-LZ-BRU-A", "BE", True),
        ("ovhcloud-us", "US-EAST-VA-1", "US", False),
        ("otc", "eu-de", "DE", True),
        ("otc", "eu-nl", "NL", True),
        ("otc-swiss", "eu-ch2", "CH", False),
        ("infomaniak", "dc3-a", "CH", False),
        ("cleura", "Sto2", "SE", True),
        ("cleura", "Fra1", "DE", True),
    ],
)
def test_catalogue_regions_have_their_country(
    profile: str, region: str, country: str, eu: bool
) -> None:
    location = cloud_profile(_profile(profile=profile)).location(region)
    assert (location.country, location.eu) == (country, eu)


def test_a_region_is_looked_up_in_its_own_offering_only() -> None:
    # US-EAST-VA-1 is OVH US LLC's; a region name under another profile is unknown there
    assert cloud_profile(_profile(profile="ovhcloud")).location("US-EAST-VA-1").country is None
    assert cloud_profile(_profile(profile="otc")).location("GRA11").country is None
    assert cloud_profile(_profile(profile="ovhcloud")).location("RegionOne").country is None


@pytest.mark.parametrize(
    ("profile", "operator", "seat", "non_eu_law"),
    [
        ("ovhcloud", "OVH SAS", "FR", False),
        ("ovhcloud-us", "OVH US LLC", "US", True),
        ("otc", "T-Systems International GmbH", "DE", False),
        ("otc-swiss", "T-Systems Schweiz AG", "CH", True),
        ("infomaniak", "Infomaniak Network SA", "CH", True),
        ("cleura", "Cleura AB", "SE", False),
    ],
)
def test_each_profile_is_a_jurisdiction_record(
    profile: str, operator: str, seat: str, non_eu_law: bool
) -> None:
    jurisdiction = cloud_profile(_profile(profile=profile)).jurisdiction
    assert (jurisdiction.offering, jurisdiction.operator) == (profile, operator)
    assert (jurisdiction.legal_seat, jurisdiction.non_eu_law) == (seat, non_eu_law)


def test_a_generic_cloud_is_where_and_whose_its_operator_says() -> None:
    settings = _profile(
        name="gov-be",
        profile="generic",
        jurisdiction={
            "operator": "Smals",
            "country": "BE",
            "legal_seat": "BE",
            "parent_country": "BE",
            "non_eu_law": False,
            "certifications": ["ISO27001"],
        },
        region_countries={"DR-Site": "LU"},
    )
    profile = cloud_profile(settings)
    assert profile.location("RegionOne").country == "BE"
    assert profile.location("DR-Site").model_dump() == {"country": "LU", "eu": True, "eea": True}
    assert profile.location("global").country is None
    jurisdiction = profile.jurisdiction
    assert jurisdiction.offering == "generic/gov-be"  # what accredited_offerings names
    assert (jurisdiction.parent, jurisdiction.non_eu_law) == ("Smals", False)
    assert jurisdiction.certifications == ("ISO27001",)


def test_a_stated_country_places_a_region_the_catalogue_does_not_know() -> None:
    settings = _profile(profile="ovhcloud", region_countries={"EU-WEST-LZ-AMS-A": "NL"})
    assert cloud_profile(settings).location("EU-WEST-LZ-AMS-A").country == "NL"


def test_region_names_are_looked_up_in_the_catalogue_within_the_offering() -> None:
    catalogue = load_catalogue("cloudcensus.providers.openstack")
    for profile in ("ovhcloud", "ovhcloud-us", "otc", "infomaniak", "cleura"):
        located = cloud_profile(_profile(profile=profile), catalogue)
        for region in catalogue.offering_regions(profile):
            assert located.location(region) == catalogue.location(region, profile), region


def test_a_regions_own_certification_reaches_the_resources_there() -> None:
    text = (
        "provider: openstack\n"
        "offerings:\n"
        "  cleura: {operator: Cleura AB, legal_seat: SE, parent: Cleura AB,"
        " parent_country: SE, non_eu_law: false}\n"
        "regions:\n"
        "  - {region: Sto2, name: Stockholm, country: SE, offering: cleura}\n"
        "  - {region: Sto-Com, name: Compliant Cloud, country: SE, offering: cleura,"
        " certifications: [ISO27001]}\n"
    )
    catalogue = parse_catalogue(text, "openstack/catalogue.yaml")
    profile = cloud_profile(_profile(profile="cleura"), catalogue)
    assert profile.jurisdiction_in("Sto-Com").certifications == ("ISO27001",)
    assert profile.jurisdiction_in("Sto2").certifications == ()
    assert profile.jurisdiction.certifications == ()


@pytest.mark.parametrize(
    ("profile", "region", "s3_region", "endpoint"),
    [
        ("ovhcloud", "GRA11", "GRA", "https://s3.gra.io.cloud.ovh.net"),
        ("ovhcloud", "DE1", "DE", "https://s3.de.io.cloud.ovh.net"),
        ("ovhcloud", "GRA", "GRA", "https://s3.gra.io.cloud.ovh.net"),
        ("ovhcloud", "EU-WEST-PAR", "EU-WEST-PAR", "https://s3.eu-west-par.io.cloud.ovh.net"),
        ("infomaniak", "dc3-a", "dc3-a", "https://s3.pub1.infomaniak.cloud"),
        ("infomaniak", "dc4-a", "dc4-a", "https://s3.pub2.infomaniak.cloud"),
        ("cleura", "Sto2", "Sto2", "https://s3-sto2.citycloud.com"),
    ],
)
def test_each_profile_says_where_its_s3_api_answers(
    profile: str, region: str, s3_region: str, endpoint: str
) -> None:
    offer = cloud_profile(_profile(profile=profile)).s3
    assert offer is not None
    assert (offer.region(region), offer.url(offer.region(region))) == (s3_region, endpoint)
    assert offer.same_containers is (profile != "ovhcloud")  # OVHcloud: a product apart


def test_the_configuration_turns_s3_off_or_points_a_cloud_at_its_own() -> None:
    assert cloud_profile(_profile(profile="ovhcloud", s3={"enabled": False})).s3 is None
    assert cloud_profile(_profile(profile="otc")).s3 is None  # no S3 offer in the profile
    settings = _profile(
        name="gov",
        profile="generic",
        jurisdiction={
            "operator": "Smals",
            "country": "BE",
            "legal_seat": "BE",
            "parent_country": "BE",
            "non_eu_law": False,
        },
        s3={"endpoint": "https://objects.{region}.gov.example", "regions": {"RegionOne": "be-1"}},
    )
    offer = cloud_profile(settings).s3
    assert offer is not None
    assert offer.same_containers  # a generic cloud's S3 is taken to show its containers
    assert offer.url(offer.region("RegionOne")) == "https://objects.be-1.gov.example"
    assert set(S3_OFFERS) == {"ovhcloud", "infomaniak", "cleura"}
