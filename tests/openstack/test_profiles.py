"""Cloud profiles: whose cloud it is and where each region is, from the catalogue or, for
a private or government cloud, from what its operator states in the configuration."""

from __future__ import annotations

import pytest

from cloudcensus.providers.openstack.profiles import cloud_profile
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
            "certifications": ["iso27001"],
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
    assert jurisdiction.certifications == ("iso27001",)


def test_a_stated_country_places_a_region_the_catalogue_does_not_know() -> None:
    settings = _profile(profile="ovhcloud", region_countries={"EU-WEST-LZ-AMS-A": "NL"})
    assert cloud_profile(settings).location("EU-WEST-LZ-AMS-A").country == "NL"
