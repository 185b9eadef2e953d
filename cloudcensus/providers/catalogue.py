"""Region and provider catalogues: data files, loaded once, read by pure code.

Each provider package ships `catalogue.yaml`:

- `offerings`: who operates each offering (operator, legal seat, ultimate parent, whether
  non-EU law reaches it) and the certifications the offering holds;
- `regions`: one row per (region, offering). A row is either a physical region, with the
  ISO country of its data centres, or a logical location (`logical: true`: Azure's
  `global`, a GCP multi-region), which says where it is in at most one way: one
  `country` (GCP `US`), the physical regions it `spans` (its location is derived from
  theirs), or a stated `eu`/`eea` membership when its countries are not published (GCP
  `EU`); a logical row that says none of these is unknown. A row's `certifications` add
  to its offering's for the resources in that region.

Region names are unique within an offering, not across a catalogue: OpenStack clouds
reuse names ("RegionOne"), so a lookup names the offering when the caller knows it. A
name-only lookup (AWS, Azure: names are unique there) works while the name belongs to
one offering, and raises `CatalogueError` when it is ambiguous.

EU/EEA membership of a country comes from `countries.yaml`, written down once.
Certifications have one spelling across catalogues and configurations
(`CERTIFICATIONS`). A malformed file fails to load with every problem listed as
`file:line: region X: what is wrong`. An unknown region gives a `Location` whose fields
are all `None`: rules treat that as unknown, never as compliant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from cloudcensus.scanner.inventory import GLOBAL_REGION, Jurisdiction, Location

__all__ = [
    "CERTIFICATIONS",
    "Catalogue",
    "CatalogueError",
    "canonical_certifications",
    "load_catalogue",
    "location_of_countries",
    "location_of_country",
    "parse_catalogue",
]

#: The one spelling of each certification a catalogue or a configuration may name: what
#: rules compare against (`SOV-CRT-01`'s `required_certifications`). Add a line here to
#: admit a new one.
CERTIFICATIONS: frozenset[str] = frozenset(
    {
        "SecNumCloud",  # ANSSI qualification (France)
        "C5",  # BSI Cloud Computing Compliance Criteria Catalogue attestation (Germany)
        "EUCS-Basic",  # ENISA's EU cloud scheme, by assurance level (once adopted)
        "EUCS-Substantial",
        "EUCS-High",
        "HDS",  # Hebergeur de Donnees de Sante (France)
        "ISO27001",
        "ISO27017",
        "ISO27018",
    }
)
_BY_FOLDED = {re.sub(r"[\W_]", "", name).lower(): name for name in CERTIFICATIONS}
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class CatalogueError(Exception):
    """A catalogue data file is missing or malformed, or a lookup is ambiguous."""


def canonical_certifications(values: Iterable[str]) -> tuple[str, ...]:
    """`values` when every one is spelled as in `CERTIFICATIONS`; else a `ValueError`
    naming the canonical spelling (`secnumcloud` -> `SecNumCloud`) or the known ones."""
    names = tuple(values)
    for name in names:
        if name in CERTIFICATIONS:
            continue
        known = _BY_FOLDED.get(re.sub(r"[\W_]", "", name).lower())
        if known is not None:
            raise ValueError(f"certification {name!r} is spelled {known!r}")
        raise ValueError(
            f"unknown certification {name!r} (known: {', '.join(sorted(CERTIFICATIONS))})"
        )
    return names


def _iso_country(value: str) -> str:
    if not _COUNTRY.fullmatch(value):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 code in upper case")
    return value


Country = Annotated[str, AfterValidator(_iso_country)]
Certifications = Annotated[tuple[str, ...], AfterValidator(canonical_certifications)]


class _Offering(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    operator: str
    legal_seat: Country
    parent: str
    parent_country: Country
    non_eu_law: bool
    certifications: Certifications = ()


class _Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    region: str = Field(min_length=1)
    name: str
    offering: str
    country: Country | None = None
    logical: bool = False
    spans: tuple[str, ...] = ()
    eu: bool | None = None
    eea: bool | None = None
    verified: bool = True
    certifications: Certifications = ()

    @model_validator(mode="after")
    def _placed(self) -> _Region:
        membership = self.eu is not None or self.eea is not None
        if not self.logical:
            if self.country is None:
                raise ValueError(
                    "country is null: give the ISO country of its data centres, or mark "
                    "the row `logical: true` if it is not one place"
                )
            if self.spans or membership:
                raise ValueError(
                    "`spans`, `eu` and `eea` are for logical rows only (a physical "
                    "region's EU/EEA membership comes from its country)"
                )
            return self
        ways = [self.country is not None, bool(self.spans), membership]
        if sum(ways) > 1:
            raise ValueError(
                "a logical row says where it is in one way only: `country`, `spans`, or `eu`/`eea`"
            )
        if self.eu is True and self.eea is False:
            raise ValueError("`eu: true` with `eea: false`: the EU is part of the EEA")
        return self


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


def location_of_countries(countries: Iterable[str | None]) -> Location:
    """The location of data spread over `countries`: their country when they all share
    one; else no country, and EU/EEA membership only when every country has it (an
    unknown country makes the whole location unknown)."""
    codes = set(countries)
    if not codes or None in codes:
        return Location()
    places = [location_of_country(code) for code in codes]
    if len(places) == 1:
        return places[0]
    return Location(eu=all(p.eu for p in places), eea=all(p.eea for p in places))


Key = tuple[str, str]  # (offering, region)
Issue = tuple[int, str]  # (1-based line, 0 when unknown; what is wrong)
Lines = dict[tuple[str, str | int], int]  # ("offerings", key) / ("regions", index) -> line


class Catalogue:
    """One provider's catalogue: region -> location, offering -> jurisdiction. Pure."""

    def __init__(self, data: _CatalogueFile) -> None:
        self.provider = data.provider
        self._offerings = data.offerings
        self._rows: dict[Key, _Region] = {(r.offering, r.region): r for r in data.regions}
        self._offerings_of: dict[str, list[str]] = {}
        for offering, region in self._rows:
            self._offerings_of.setdefault(region, []).append(offering)
        self._locations = {key: self._place(row) for key, row in self._rows.items()}
        self._jurisdictions: dict[tuple[str, str | None], Jurisdiction] = {}

    def _place(self, row: _Region) -> Location:
        if row.spans:
            members = (self._rows[row.offering, m].country for m in row.spans)
            return location_of_countries(members)
        if row.country is None and (row.eu is not None or row.eea is not None):
            return Location(eu=row.eu, eea=True if row.eu else row.eea)
        return location_of_country(row.country)

    # -- names -------------------------------------------------------------------------

    @property
    def regions(self) -> list[str]:
        """Every region name of every offering, sorted."""
        return sorted(self._offerings_of)

    def has_offering(self, offering: str) -> bool:
        return offering in self._offerings

    def offering_regions(self, offering: str) -> list[str]:
        return sorted(region for o, region in self._rows if o == offering)

    def region_offering(self, region: str) -> str | None:
        """The offering a region name belongs to; None when no offering lists it.
        Raises `CatalogueError` when several do (look it up with `offering=`)."""
        offerings = self._offerings_of.get(region, [])
        if len(offerings) > 1:
            raise CatalogueError(
                f"{self.provider}: region {region!r} is in offerings "
                f"{', '.join(sorted(offerings))}: look it up with its offering"
            )
        return offerings[0] if offerings else None

    def _key(self, region: str, offering: str | None) -> Key | None:
        if offering is None:
            offering = self.region_offering(region)
            if offering is None:
                return None
        key = (offering, region)
        return key if key in self._rows else None

    # -- where -------------------------------------------------------------------------

    def location(self, region: str, offering: str | None = None) -> Location:
        """Location of a region (within `offering` when given); `global` and unknown
        regions are unknown."""
        if region == GLOBAL_REGION:
            return Location()
        key = self._key(region, offering)
        return Location() if key is None else self._locations[key]

    def region_country(self, region: str, offering: str | None = None) -> str | None:
        return self.location(region, offering).country

    def is_logical(self, region: str, offering: str | None = None) -> bool:
        """True for `global` and rows marked logical (not one physical place)."""
        if region == GLOBAL_REGION:
            return True
        key = self._key(region, offering)
        return key is not None and self._rows[key].logical

    def spanned_regions(self, region: str, offering: str | None = None) -> tuple[str, ...]:
        """The physical regions a logical row spans (empty when it names none)."""
        key = self._key(region, offering)
        return () if key is None else self._rows[key].spans

    # -- whose -------------------------------------------------------------------------

    def region_certifications(self, region: str, offering: str | None = None) -> tuple[str, ...]:
        """What the row of this region adds to its offering's certifications."""
        key = self._key(region, offering)
        return () if key is None else self._rows[key].certifications

    def jurisdiction(self, offering: str, region: str | None = None) -> Jurisdiction:
        """Who operates `offering`; with a region of that offering, its certifications
        include the region's own (a qualification scoped to some regions only)."""
        cached = self._jurisdictions.get((offering, region))
        if cached is not None:
            return cached
        entry = self._offerings.get(offering)
        if entry is None:
            raise CatalogueError(f"{self.provider}: unknown offering {offering!r}")
        row = self._rows.get((offering, region)) if region is not None else None
        extra = [c for c in (row.certifications if row else ()) if c not in entry.certifications]
        fields = entry.model_dump()
        fields["certifications"] = (*entry.certifications, *extra)
        jurisdiction = Jurisdiction(offering=offering, **fields)
        self._jurisdictions[offering, region] = jurisdiction
        return jurisdiction


# -- loading -------------------------------------------------------------------------------


def _lines(text: str) -> Lines:
    """(`offerings`, key) and (`regions`, index) -> 1-based line, for error messages."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    found: Lines = {}
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if key.value == "offerings" and isinstance(value, yaml.MappingNode):
            for name, _ in value.value:
                found["offerings", str(name.value)] = name.start_mark.line + 1
        if key.value == "regions" and isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value):
                found["regions", index] = item.start_mark.line + 1
    return found


def _row_name(raw: Any, index: int) -> str:
    try:
        return f"region {raw['regions'][index]['region']}"
    except (KeyError, IndexError, TypeError):
        return f"regions[{index}]"


def _validation_issues(error: ValidationError, raw: Any, lines: Lines) -> list[Issue]:
    issues = []
    for item in error.errors():
        loc = item["loc"]
        message = str(item["msg"]).removeprefix("Value error, ")
        where, line, field = "", 0, ".".join(str(part) for part in loc)
        if len(loc) >= 2 and loc[0] == "regions" and isinstance(loc[1], int):
            where, line = _row_name(raw, loc[1]), lines.get(("regions", loc[1]), 0)
            field = ".".join(str(part) for part in loc[2:])
        elif len(loc) >= 2 and loc[0] == "offerings":
            where, line = f"offering {loc[1]}", lines.get(("offerings", str(loc[1])), 0)
            field = ".".join(str(part) for part in loc[2:])
        text = f"{field}: {message}" if field else message
        issues.append((line, f"{where}: {text}" if where else text))
    return issues


def _consistency_issues(data: _CatalogueFile, lines: Lines) -> list[Issue]:
    """What each row says about the others: its offering, its spans, no duplicates."""
    issues: list[Issue] = []
    seen: set[Key] = set()
    rows = {(r.offering, r.region): r for r in data.regions}
    for index, row in enumerate(data.regions):
        line, where = lines.get(("regions", index), 0), f"region {row.region}"
        if row.offering not in data.offerings:
            issues.append((line, f"{where}: offering {row.offering!r} is not listed"))
        if (row.offering, row.region) in seen:
            issues.append((line, f"{where}: listed twice in offering {row.offering}"))
        seen.add((row.offering, row.region))
        for member in row.spans:
            spanned = rows.get((row.offering, member))
            if spanned is None or spanned.logical:
                problem = f"spans {member!r}, not a physical region of offering {row.offering}"
                issues.append((line, f"{where}: {problem}"))
    return issues


def parse_catalogue(text: str, source: str) -> Catalogue:
    """A catalogue from its YAML text; `source` names the file in error messages.

    Raises `CatalogueError` listing every problem, one per line, as
    `source:line: region X: what is wrong`.
    """
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{source}: not YAML: {exc}") from exc
    lines = _lines(text)
    try:
        data = _CatalogueFile.model_validate(raw)
    except ValidationError as exc:
        issues = _validation_issues(exc, raw, lines)
    else:
        issues = _consistency_issues(data, lines)
        if not issues:
            return Catalogue(data)
    raise CatalogueError(
        "\n".join(
            f"{source}:{line}: {text}" if line else f"{source}: {text}" for line, text in issues
        )
    )


@cache
def load_catalogue(package: str) -> Catalogue:
    """Load `catalogue.yaml` from a provider package, e.g. 'cloudcensus.providers.aws'."""
    source = f"{package.replace('.', '/')}/catalogue.yaml"
    try:
        text = resources.files(package).joinpath("catalogue.yaml").read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError) as exc:
        raise CatalogueError(f"{source}: cannot be read: {exc}") from exc
    return parse_catalogue(text, source)
