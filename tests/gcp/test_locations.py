"""Where GCP data sits: regions, zones, multi- and dual-regions, S3NS, value groups.

What a user depends on: the residency rules read a country only when the data is in
one country; a multi- or dual-region across countries has none, but is EU/EEA when all
of them are; anything unknown stays unknown (fails closed); `in:eu-locations` in a
location guardrail means the EU locations of the catalogue.
"""

from __future__ import annotations

import pytest

from cloudcensus.providers.catalogue import CatalogueError, load_catalogue
from cloudcensus.providers.gcp.locations import Locator, universe
from cloudcensus.scanner.inventory import Location

GOOGLE = Locator(load_catalogue("cloudcensus.providers.gcp"), "google", None)
S3NS = Locator(load_catalogue("cloudcensus.providers.gcp"), "s3ns", "FR")


@pytest.mark.parametrize(
    ("reported", "code", "kind", "country", "eu"),
    [
        ("europe-west1", "europe-west1", "region", "BE", True),
        ("EUROPE-WEST1", "europe-west1", "region", "BE", True),
        ("europe-west1-b", "europe-west1", "region", "BE", True),
        (
            "https://www.googleapis.com/compute/v1/projects/p/zones/europe-west4-a",
            "europe-west4",
            "region",
            "NL",
            True,
        ),
        ("europe-west2", "europe-west2", "region", "GB", False),
        ("eu", "EU", "multi-region", None, True),
        ("US", "US", "multi-region", "US", False),
        ("asia", "ASIA", "multi-region", None, False),
        ("eur4", "EUR4", "dual-region", None, True),  # Finland + Netherlands
        ("NAM4", "NAM4", "dual-region", "US", False),  # both regions in the US
        ("ASIA1", "ASIA1", "dual-region", "JP", False),
        ("EUR8", "EUR8", "dual-region", None, False),  # Frankfurt + Zurich: not all EU
        ("global", "global", "global", None, None),
        (None, "global", "global", None, None),
        ("moon-north1", "moon-north1", "unknown", None, None),
    ],
)
def test_locations_resolve_to_a_code_and_where_the_data_is(
    reported: str | None, code: str, kind: str, country: str | None, eu: bool | None
) -> None:
    place = GOOGLE.place(reported)
    assert (place.code, place.kind, place.location.country, place.location.eu) == (
        code,
        kind,
        country,
        eu,
    )


def test_the_eu_multi_region_is_in_the_eu_and_eea_but_in_no_one_country() -> None:
    assert GOOGLE.location("EU") == Location(country=None, eu=True, eea=True)


def test_a_dual_region_names_its_two_regions() -> None:
    assert GOOGLE.place("EUR4").members == ("europe-north1", "europe-west4")


def test_a_configurable_dual_region_is_located_by_its_regions() -> None:
    assert GOOGLE.spanning(["europe-west3", "europe-west10"]) == Location(
        country="DE", eu=True, eea=True
    )
    assert GOOGLE.spanning(["europe-west1", "europe-west2"]) == Location(
        country=None, eu=False, eea=False
    )


def test_on_s3ns_global_is_france() -> None:
    assert S3NS.location("global") == Location(country="FR", eu=True, eea=True)
    assert S3NS.region("u-france-east1-b") == "u-france-east1"
    assert S3NS.offering_codes() == ["u-france-east1"]


def test_universes_are_rows_and_an_unknown_one_is_refused() -> None:
    assert universe("s3nsapis.fr").offering == "s3ns"
    assert universe("googleapis.com").global_country is None
    with pytest.raises(CatalogueError, match=r"unknown universe domain 'example\.com'"):
        universe("example.com")


def test_value_groups_expand_to_catalogue_locations() -> None:
    eu = GOOGLE.expand(["in:eu-locations"])
    assert {"EU", "EUR4", "europe-west1", "europe-west3", "europe-north1"} <= set(eu)
    assert not {"europe-west2", "europe-west6", "US", "EUR8"} & set(eu)
    assert GOOGLE.expand(["in:de-locations"]) == ["europe-west10", "europe-west3"]
    assert GOOGLE.expand(["in:us-east1-locations", "europe-west9-a"]) == [
        "europe-west9",
        "us-east1",
    ]
    europe = set(GOOGLE.expand(["in:europe-locations"]))
    assert {"europe-west2", "europe-west6", "EU", "EUR8"} <= europe
    # A group the catalogue does not know stays as written: a check against an allow
    # list then fails on it instead of passing silently.
    assert GOOGLE.expand(["in:mars-locations"]) == ["in:mars-locations"]
