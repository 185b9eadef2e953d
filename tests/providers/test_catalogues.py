"""Every provider's catalogue (`cloudcensus/providers/*/catalogue.yaml`, present and
future) loads, and places every region it lists: the sovereignty rules can only judge a
resource whose region has a country.

A physical region has an ISO country. A row may leave `country` null only when it says
explicitly that it is not one place (`logical: true`: Azure's `global`, a GCP
multi-region); the loader refuses anything else, naming the file and the line.
"""

from __future__ import annotations

import pkgutil
import re
from importlib import resources
from typing import Any

import pytest
import yaml

import cloudcensus.providers
from cloudcensus.providers.catalogue import CERTIFICATIONS, load_catalogue

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _packages() -> list[str]:
    found = []
    for module in pkgutil.iter_modules(cloudcensus.providers.__path__):
        package = f"cloudcensus.providers.{module.name}"
        if module.ispkg and resources.files(package).joinpath("catalogue.yaml").is_file():
            found.append(package)
    return sorted(found)


PACKAGES = _packages()


def _raw(package: str) -> Any:
    path = resources.files(package).joinpath("catalogue.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_built_in_providers_are_all_checked() -> None:
    names = {package.rsplit(".", 1)[-1] for package in PACKAGES}
    assert {"aws", "azure", "openstack", "scaleway", "outscale"} <= names


@pytest.mark.parametrize("package", PACKAGES)
def test_every_physical_region_has_a_country_and_logical_rows_say_so(package: str) -> None:
    catalogue = load_catalogue(package)  # the loader accepts the file
    rows = _raw(package)["regions"]
    unplaced = [r["region"] for r in rows if r.get("country") is None and not r.get("logical")]
    assert unplaced == [], f"{package}: regions without a country"
    badly_coded = [
        r["region"] for r in rows if r.get("country") and not _COUNTRY.match(r["country"])
    ]
    assert badly_coded == [], f"{package}: country codes must be ISO 3166-1 alpha-2"
    for row in rows:
        located = catalogue.location(row["region"], row["offering"])
        if not row.get("logical"):
            assert located.country == row["country"], row["region"]
            assert located.eu is not None, row["region"]
            assert located.eea is not None, row["region"]
        assert catalogue.is_logical(row["region"], row["offering"]) is bool(row.get("logical"))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_region_belongs_to_a_listed_offering_once(package: str) -> None:
    data = _raw(package)
    offerings = set(data["offerings"])
    assert {row["offering"] for row in data["regions"]} <= offerings
    keys = [(row["offering"], row["region"]) for row in data["regions"]]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert duplicates == [], f"{package}: region listed twice in one offering"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_offering_names_its_operator_law_and_certifications(package: str) -> None:
    catalogue = load_catalogue(package)
    data = _raw(package)
    for offering in data["offerings"]:
        jurisdiction = catalogue.jurisdiction(offering)
        assert _COUNTRY.match(jurisdiction.legal_seat), offering
        assert _COUNTRY.match(jurisdiction.parent_country), offering
        assert jurisdiction.operator, offering
        assert jurisdiction.parent, offering
        assert set(jurisdiction.certifications) <= CERTIFICATIONS, offering
    for row in data["regions"]:
        assert set(row.get("certifications") or ()) <= CERTIFICATIONS, row["region"]
