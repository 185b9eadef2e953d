"""The `providers.openstack` section: what a user may write, and the errors that name the
file, the line and the field when they write it wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcensus.providers.openstack.settings import OpenStackSettings
from cloudcensus.scanner.config import ConfigError, load_settings, with_overrides


def _issues(tmp_path: Path, section: str) -> str:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text("providers:\n  openstack:\n" + section)
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    return str(error.value)


def test_a_generic_cloud_states_its_jurisdiction(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text(
        "providers:\n  openstack:\n    clouds:\n"
        "      - cloud: gov\n        profile: generic\n        jurisdiction:\n"
        "          operator: Smals\n          country: be\n          legal_seat: BE\n"
        "          parent_country: BE\n          non_eu_law: false\n"
        "        region_countries: {RegionTwo: lu}\n"
    )
    section = load_settings(config).providers["openstack"]
    assert isinstance(section, OpenStackSettings)
    [cloud] = section.clouds
    assert cloud.jurisdiction is not None
    assert cloud.jurisdiction.country == "BE"
    assert cloud.region_countries == {"RegionTwo": "LU"}
    assert cloud.label == "gov"


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "    clouds:\n      - cloud: gov\n        profile: generic\n",
            "providers.openstack.clouds.0: Value error, profile 'generic' needs `jurisdiction`",
        ),
        (
            "    clouds:\n      - cloud: ovh\n        profile: ovhcloud\n        jurisdiction:\n"
            "          {operator: x, country: FR, legal_seat: FR, parent_country: FR,"
            " non_eu_law: false}\n",
            "`jurisdiction` is only for profile 'generic'",
        ),
        (
            "    clouds:\n      - cloud: ovh\n        profile: ovh\n",
            "providers.openstack.clouds.0.profile: Input should be 'ovhcloud'",
        ),
        (
            "    clouds:\n      - cloud: ovh\n        profile: ovhcloud\n"
            "        region_countries: {GRA11: France}\n",
            "providers.openstack.clouds.0.region_countries: Value error, not an ISO 3166-1",
        ),
        (
            "    clouds:\n      - {cloud: ovh, profile: ovhcloud}\n"
            "      - {cloud: ovh, profile: ovhcloud}\n",
            "two clouds share the label ['ovh']",
        ),
        (
            "    clouds:\n      - {cloud: ovh, profile: ovhcloud, pagesize: 10}\n",
            "providers.openstack.clouds.0.pagesize: unknown field",
        ),
        ("    {}\n", "providers.openstack.clouds: Field required"),
        (
            "    clouds:\n      - {cloud: 'my cloud', profile: ovhcloud}\n",
            "cloud name 'my cloud' cannot label resource ids: set `name`",
        ),
        (
            "    clouds:\n      - cloud: gov\n        profile: generic\n        jurisdiction:\n"
            "          {operator: x, country: BE, legal_seat: BE, parent_country: BE,"
            " non_eu_law: false, certifications: [secnumcloud]}\n",
            "providers.openstack.clouds.0.jurisdiction.certifications: Value error, "
            "certification 'secnumcloud' is spelled 'SecNumCloud'",
        ),
        (
            "    clouds:\n      - {cloud: ovh, profile: ovhcloud, s3: {endpoint: s3.gra.ovh}}\n",
            "providers.openstack.clouds.0.s3.endpoint: String should match pattern",
        ),
        (
            "    clouds:\n      - {cloud: ovh, profile: ovhcloud, s3: {access_key: AKIA}}\n",
            "providers.openstack.clouds.0.s3.access_key: unknown field",
        ),
    ],
)
def test_bad_settings_name_the_field(tmp_path: Path, section: str, expected: str) -> None:
    issues = _issues(tmp_path, section)
    assert expected in issues
    assert "cloudcensus.yaml" in issues


def test_the_command_line_region_narrows_every_cloud(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text("providers:\n  openstack:\n    clouds: [{cloud: ovh, profile: ovhcloud}]\n")
    narrowed = with_overrides(load_settings(config), regions=["GRA11"])
    section = narrowed.providers["openstack"]
    assert isinstance(section, OpenStackSettings)
    assert section.regions == ["GRA11"]
