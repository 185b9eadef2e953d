"""Every provider's catalogue (`cloudcensus/providers/*/catalogue.yaml`, present and
future) loads, and places every region it lists: the sovereignty rules can only judge a
resource whose region has a country.

A row may leave `country` null only when it is explicitly marked as not being one place:
`logical: true` on the row, or its region listed under `logical` or `spans` (locations
covering several countries) in the package's `locations.yaml`.
"""

from __future__ import annotations

import pkgutil
import re
from importlib import resources
from typing import Any

import pytest
import yaml

import cloudcensus.providers
from cloudcensus.providers.catalogue import load_catalogue

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _packages() -> list[str]:
    found = []
    for module in pkgutil.iter_modules(cloudcensus.providers.__path__):
        package = f"cloudcensus.providers.{module.name}"
        if module.ispkg and resources.files(package).joinpath("catalogue.yaml").is_file():
            found.append(package)
    return sorted(found)


PACKAGES = _packages()


def _raw(package: str, name: str) -> Any:
    path = resources.files(package).joinpath(name)
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def _marked_logical(package: str) -> set[str]:
    locations = _raw(package, "locations.yaml") or {}
    return {str(r) for key in ("logical", "spans") for r in locations.get(key) or {}}


def test_the_built_in_providers_are_all_checked() -> None:
    names = {package.rsplit(".", 1)[-1] for package in PACKAGES}
    assert {"aws", "openstack"} <= names


@pytest.mark.parametrize("package", PACKAGES)
def test_every_region_has_a_country_or_is_marked_logical(package: str) -> None:
    load_catalogue(package)  # the loader accepts the file
    rows = _raw(package, "catalogue.yaml")["regions"]
    marked = _marked_logical(package)
    unplaced = [
        row["region"]
        for row in rows
        if row.get("country") is None and not row.get("logical") and row["region"] not in marked
    ]
    assert unplaced == [], f"{package}: regions without a country"
    badly_coded = [
        r["region"] for r in rows if r.get("country") and not _COUNTRY.match(r["country"])
    ]
    assert badly_coded == [], f"{package}: country codes must be ISO 3166-1 alpha-2"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_region_belongs_to_a_listed_offering_once(package: str) -> None:
    data = _raw(package, "catalogue.yaml")
    offerings = set(data["offerings"])
    assert {row["offering"] for row in data["regions"]} <= offerings
    names = [row["region"] for row in data["regions"]]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    # the loader keys regions by name: a second row would silently replace the first
    assert duplicates == [], f"{package}: region listed twice"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_offering_names_its_operator_and_law(package: str) -> None:
    catalogue = load_catalogue(package)
    for offering in _raw(package, "catalogue.yaml")["offerings"]:
        jurisdiction = catalogue.jurisdiction(offering)
        assert _COUNTRY.match(jurisdiction.legal_seat), offering
        assert _COUNTRY.match(jurisdiction.parent_country), offering
        assert jurisdiction.operator, offering
        assert jurisdiction.parent, offering
