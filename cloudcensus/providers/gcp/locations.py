"""GCP locations: regions, zones, multi- and dual-regions, and the S3NS `global`.

Cloud Asset Inventory reports a resource's location as a zone (`europe-west1-b`), a
region, a multi-region (`eu`, `EU`, `europe`), a dual-region (`EUR4`, `eur4`) or `global`,
in varying case. `Locator.place` turns any of them into one canonical code (the
catalogue's spelling) with its `Location`:

- a region or zone: the region's country (catalogue);
- a dual-region: its constituent regions (`locations.yaml`); one country when they
  share it (`NAM4` = US), else no country, EU/EEA only when every country is;
- a multi-region: its stated membership (`EU`: no country, `eu` and `eea` true);
- `global`: the universe's global country (S3NS: FR), else unknown.

The catalogue loader gives a location one country or none; a location that is "in the
EU but in no single country" is expressed by `locations.yaml` until the shared loader
can say so itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from cloudcensus.providers.catalogue import Catalogue, CatalogueError, location_of_country
from cloudcensus.scanner.inventory import GLOBAL_REGION, Location

__all__ = [
    "Locator",
    "Place",
    "PlaceKind",
    "Universe",
    "location_of_countries",
    "universe",
]

_ZONE = re.compile(r"^(?P<region>[a-z]+(?:-[a-z]+)*\d+)-[a-z]$")
_GROUP = re.compile(r"^in:(?P<group>[a-z0-9-]+)-locations$")
_UNIVERSE_ERROR = "unknown universe domain {domain!r} (known: {known})"


class Universe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    offering: str
    global_country: str | None = None


class _Span(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["multi-region", "dual-region"]
    regions: tuple[str, ...] = ()
    eu: bool | None = None
    eea: bool | None = None


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    prefixes: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()


class _LocationsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    universes: dict[str, Universe]
    spans: dict[str, _Span] = Field(default_factory=dict)
    value_groups: dict[str, _Group] = Field(default_factory=dict)


@cache
def _data() -> _LocationsFile:
    text = resources.files(__package__ or "").joinpath("locations.yaml").read_text()
    raw: Any = yaml.safe_load(text)
    return _LocationsFile.model_validate(raw)


def universe(domain: str) -> Universe:
    """The universe row of a domain; raises `CatalogueError` for an unknown one."""
    rows = _data().universes
    if domain not in rows:
        raise CatalogueError(_UNIVERSE_ERROR.format(domain=domain, known=", ".join(rows)))
    return rows[domain]


def location_of_countries(countries: Iterable[str | None]) -> Location:
    """The location of data spread over `countries`: their country when they all share
    one; else no country, and EU/EEA membership only when every country has it."""
    codes = set(countries)
    if not codes or None in codes:
        return Location()
    if len(codes) == 1:
        return location_of_country(codes.pop())
    places = [location_of_country(code) for code in codes if code is not None]
    return Location(country=None, eu=all(p.eu for p in places), eea=all(p.eea for p in places))


#: What a location code is: `unknown` = not in the catalogue.
PlaceKind = Literal["global", "region", "multi-region", "dual-region", "unknown"]


@dataclass(frozen=True)
class Place:
    """One canonical location code, where its data sits, and its constituent regions."""

    code: str
    kind: PlaceKind
    location: Location
    members: tuple[str, ...] = ()

    @property
    def spans_regions(self) -> bool:
        """True for `global`, multi- and dual-regions: data in more than one region."""
        return self.kind in ("global", "multi-region", "dual-region")


class Locator:
    """Canonical location codes and `Location`s for one offering (pure, memoised)."""

    def __init__(self, catalogue: Catalogue, offering: str, global_country: str | None) -> None:
        self._catalogue = catalogue
        self._offering = offering
        self._global = global_country
        self._codes = {code.lower(): code for code in catalogue.regions}
        self._spans = {code.lower(): span for code, span in _data().spans.items()}
        self._cache: dict[str | None, Place] = {}

    def place(self, value: str | None) -> Place:
        """The `Place` of a location as an API reports it (any case, zone or URL)."""
        found = self._cache.get(value)
        if found is None:
            found = self._cache[value] = self._resolve(value)
        return found

    def region(self, value: str | None) -> str:
        return self.place(value).code

    def location(self, value: str | None) -> Location:
        return self.place(value).location

    def _canonical(self, value: str | None) -> str:
        text = (value or "").strip().rstrip("/").rsplit("/", 1)[-1].lower()
        if not text or text == GLOBAL_REGION:
            return GLOBAL_REGION
        if text in self._codes:
            return self._codes[text]
        zone = _ZONE.fullmatch(text)
        if zone and zone.group("region") in self._codes:
            return self._codes[zone.group("region")]
        return text

    def _resolve(self, value: str | None) -> Place:
        code = self._canonical(value)
        if code == GLOBAL_REGION:
            return Place(code, "global", location_of_country(self._global))
        span = self._spans.get(code.lower())
        if span is None:
            kind: PlaceKind = "region" if code in self._codes.values() else "unknown"
            return Place(code, kind, self._catalogue.location(code))
        if span.regions:
            members = tuple(self._canonical(region) for region in span.regions)
            countries = [self._catalogue.region_country(member) for member in members]
            return Place(code, span.kind, location_of_countries(countries), members)
        if span.eu is None:
            return Place(code, span.kind, self._catalogue.location(code))
        return Place(code, span.kind, Location(country=None, eu=span.eu, eea=span.eea))

    def spanning(self, regions: Iterable[str]) -> Location:
        """The location of data placed in several regions (a custom dual-region)."""
        return location_of_countries(self.location(region).country for region in regions)

    # -- organisation-policy location values ------------------------------------------

    def offering_codes(self) -> list[str]:
        """Every location code of this offering, in catalogue order."""
        return self._catalogue.offering_regions(self._offering)

    def expand(self, values: Iterable[str]) -> list[str]:
        """Location codes an organisation-policy value list names, sorted and unique.

        `in:eu-locations` = every location of the offering in the EU; `in:de-locations`
        = those in Germany; `in:europe-locations` etc. from `locations.yaml`;
        `in:<region>-locations` = that region; a zone counts as its region. A value group
        this catalogue does not know stays as written, so a check against an allow list
        fails on it rather than passing silently.
        """
        codes: set[str] = set()
        for value in values:
            codes.update(self._expand_one(value.strip()))
        return sorted(codes)

    def _expand_one(self, value: str) -> set[str]:
        group = _GROUP.fullmatch(value.lower())
        if group is None:
            return {self._canonical(value)}
        name = group.group("group")
        mine = self.offering_codes()
        if name == "eu":
            return {code for code in mine if self.location(code).eu is True}
        groups = _data().value_groups
        if name in groups:
            spec = groups[name]
            wanted = {code.lower() for code in spec.locations}
            return {
                code for code in mine if code.lower() in wanted or code.startswith(spec.prefixes)
            }
        if len(name) == 2 and name.isalpha():
            country = name.upper()
            found = {code for code in mine if self.location(code).country == country}
            return found or {value}
        canonical = self._canonical(name)
        if canonical in mine:
            return {canonical}
        return {value}
