"""The catalogue model, on small catalogues written for each case: region names scoped to
an offering, logical locations, certifications of one region reaching its resources, one
spelling of each certification, and load errors that name the file, line and row."""

from __future__ import annotations

import pytest

from cloudcensus.providers.catalogue import (
    CatalogueError,
    canonical_certifications,
    location_of_countries,
    parse_catalogue,
)
from cloudcensus.scanner.inventory import Location

SOURCE = "acme/catalogue.yaml"
HEAD = """\
provider: acme
offerings:
  public:
    operator: Acme SAS
    legal_seat: FR
    parent: Acme Group SA
    parent_country: FR
    non_eu_law: false
    certifications: [ISO27001]
  partner:
    operator: Partner GmbH
    legal_seat: DE
    parent: Partner AG
    parent_country: DE
    non_eu_law: false
regions:
"""
ROWS = """\
  - {region: RegionOne, name: "Paris", country: FR, offering: public}
  - {region: RegionOne, name: "Frankfurt", country: DE, offering: partner}
  - {region: par-2, name: "Paris (qualified)", country: FR, offering: public,
     certifications: [SecNumCloud]}
  - {region: hel-1, name: "Helsinki", country: FI, offering: public}
  - {region: ams-1, name: "Amsterdam", country: NL, offering: public}
  - {region: lon-1, name: "London", country: GB, offering: public}
  - {region: global, name: "Global", logical: true, offering: public}
  - {region: EU, name: "EU multi-region", logical: true, eu: true, offering: public}
  - {region: US, name: "US multi-region", logical: true, country: US, offering: public}
  - {region: EUR4, name: "Helsinki and Amsterdam", logical: true, spans: [hel-1, ams-1],
     offering: public}
  - {region: EUR7, name: "London and Helsinki", logical: true, spans: [lon-1, hel-1],
     offering: public}
"""
CATALOGUE = parse_catalogue(HEAD + ROWS, SOURCE)


def _problems(rows: str) -> list[str]:
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(HEAD + rows, SOURCE)
    return str(error.value).splitlines()


def test_the_same_region_name_in_two_offerings_is_two_places() -> None:
    assert CATALOGUE.location("RegionOne", "public").country == "FR"
    assert CATALOGUE.location("RegionOne", "partner").model_dump() == {
        "country": "DE",
        "eu": True,
        "eea": True,
    }
    assert CATALOGUE.offering_regions("partner") == ["RegionOne"]
    assert CATALOGUE.region_offering("par-2") == "public"
    assert CATALOGUE.region_offering("nowhere") is None
    assert CATALOGUE.location("par-2", "partner") == Location()  # not that offering's region


def test_a_name_only_lookup_of_an_ambiguous_region_refuses_to_guess() -> None:
    with pytest.raises(CatalogueError, match="'RegionOne' is in offerings partner, public"):
        CATALOGUE.location("RegionOne")
    with pytest.raises(CatalogueError, match="look it up with its offering"):
        CATALOGUE.region_offering("RegionOne")
    assert CATALOGUE.location("hel-1").country == "FI"  # unambiguous names need no offering


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("global", Location()),  # logical and says nothing: unknown, never compliant
        ("EU", Location(eu=True, eea=True)),  # stated membership, no one country
        ("US", Location(country="US", eu=False, eea=False)),
        ("EUR4", Location(eu=True, eea=True)),  # spans Finland and the Netherlands
        ("EUR7", Location(eu=False, eea=False)),  # spans the UK: not all in the EU
        ("unknown-9", Location()),
    ],
)
def test_logical_locations_say_what_they_know(region: str, expected: Location) -> None:
    assert CATALOGUE.location(region, "public") == expected


def test_logical_rows_are_marked_and_know_what_they_span() -> None:
    assert CATALOGUE.is_logical("EUR4", "public")
    assert CATALOGUE.is_logical("global", "partner")  # `global` is logical everywhere
    assert not CATALOGUE.is_logical("hel-1", "public")
    assert CATALOGUE.spanned_regions("EUR4", "public") == ("hel-1", "ams-1")


def test_a_regions_own_certifications_reach_its_resources_only() -> None:
    qualified = CATALOGUE.jurisdiction("public", "par-2")
    assert qualified.certifications == ("ISO27001", "SecNumCloud")
    assert CATALOGUE.jurisdiction("public", "RegionOne").certifications == ("ISO27001",)
    assert CATALOGUE.jurisdiction("public").certifications == ("ISO27001",)
    assert CATALOGUE.jurisdiction("partner", "par-2").certifications == ()  # not its region
    assert CATALOGUE.region_certifications("par-2") == ("SecNumCloud",)
    assert qualified.operator == "Acme SAS"
    with pytest.raises(CatalogueError, match="unknown offering 'gov'"):
        CATALOGUE.jurisdiction("gov")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            '  - {region: x-1, name: "X", country: null, offering: public}\n',
            "country is null: give the ISO country of its data centres, or mark the row "
            "`logical: true`",
        ),
        (
            '  - {region: x-1, name: "X", offering: public}\n',
            "country is null",
        ),
        (
            '  - {region: x-1, name: "X", country: fr, offering: public}\n',
            "country: 'fr' is not an ISO 3166-1 alpha-2 code in upper case",
        ),
        (
            '  - {region: x-1, name: "X", country: FR, offering: gov}\n',
            "offering 'gov' is not listed",
        ),
        (
            '  - {region: x-1, name: "X", country: FR, eu: true, offering: public}\n',
            "`spans`, `eu` and `eea` are for logical rows only",
        ),
        (
            '  - {region: x-1, name: "X", logical: true, country: FR, eu: true, '
            "offering: public}\n",
            "a logical row says where it is in one way only",
        ),
        (
            '  - {region: x-1, name: "X", logical: true, eu: true, eea: false, offering: public}\n',
            "the EU is part of the EEA",
        ),
        (
            '  - {region: x-1, name: "X", logical: true, spans: [RegionOne, nowhere], '
            "offering: partner}\n",
            "spans 'nowhere', not a physical region of offering partner",
        ),
        (
            '  - {region: x-1, name: "X", country: FR, offering: public, '
            "certifications: [secnumcloud]}\n",
            "certifications: certification 'secnumcloud' is spelled 'SecNumCloud'",
        ),
        (
            '  - {region: x-1, name: "X", country: FR, offering: public, '
            "certifications: [FedRAMP]}\n",
            "unknown certification 'FedRAMP' (known: C5, EUCS-Basic,",
        ),
        (
            '  - {region: hel-1, name: "again", country: FI, offering: public}\n',
            "region hel-1: listed twice in offering public",
        ),
    ],
)
def test_a_malformed_row_is_refused_naming_file_line_and_region(row: str, problem: str) -> None:
    line = HEAD.count("\n") + ROWS.count("\n") + 1
    [message] = _problems(ROWS + row)
    region = "hel-1" if "hel-1" in row else "x-1"
    assert message.startswith(f"{SOURCE}:{line}: region {region}: "), message
    assert problem in message


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    rows = (
        '  - {region: a-1, name: "A", offering: public}\n'
        '  - {region: b-1, name: "B", country: FR, offering: public, certifications: [c5]}\n'
    )
    first = HEAD.count("\n") + 1
    assert _problems(rows) == [
        f"{SOURCE}:{first}: region a-1: country is null: give the ISO country of its data "
        "centres, or mark the row `logical: true` if it is not one place",
        f"{SOURCE}:{first + 1}: region b-1: certifications: certification 'c5' is spelled 'C5'",
    ]


def test_an_offering_with_a_misspelled_certification_is_named() -> None:
    text = HEAD.replace("certifications: [ISO27001]", "certifications: [iso27001]")
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(text + ROWS, SOURCE)
    assert str(error.value) == (
        f"{SOURCE}:3: offering public: certifications: certification 'iso27001' is "
        "spelled 'ISO27001'"
    )


def test_a_file_that_is_not_yaml_is_named() -> None:
    with pytest.raises(CatalogueError, match=r"^acme/catalogue.yaml: not YAML"):
        parse_catalogue("provider: [", SOURCE)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("secnumcloud", "certification 'secnumcloud' is spelled 'SecNumCloud'"),
        ("ISO 27001", "certification 'ISO 27001' is spelled 'ISO27001'"),
        ("eucs-high", "certification 'eucs-high' is spelled 'EUCS-High'"),
        ("FedRAMP", "unknown certification 'FedRAMP'"),
    ],
)
def test_certifications_have_one_spelling(given: str, problem: str) -> None:
    assert canonical_certifications(["SecNumCloud", "C5", "EUCS-High"]) == (
        "SecNumCloud",
        "C5",
        "EUCS-High",
    )
    with pytest.raises(ValueError, match=problem):
        canonical_certifications(["C5", given])


def test_data_spread_over_countries_is_eu_only_when_every_country_is() -> None:
    assert location_of_countries(["FR", "FR"]).country == "FR"
    assert location_of_countries(["FR", "NO"]) == Location(eu=False, eea=True)
    assert location_of_countries(["FR", None]) == Location()
    assert location_of_countries([]) == Location()
