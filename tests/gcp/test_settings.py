"""The `providers.gcp` section of the agent configuration, through the real loader.

What a user depends on: a mistake is reported with the file line and the field, before
anything is scanned; anonymous credentials can never reach a real endpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcensus.providers.catalogue import CatalogueError
from cloudcensus.providers.gcp import GcpProvider
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.scanner.config import ConfigError, load_settings


def _issues(tmp_path: Path, section: str) -> list[str]:
    path = tmp_path / "cloudcensus.yaml"
    path.write_text("providers:\n  gcp:\n" + section)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    return raised.value.issues


def test_bad_values_are_named_with_their_line(tmp_path: Path) -> None:
    issues = _issues(
        tmp_path,
        "    organization: example.org\n"
        "    projects: [Bad_Project]\n"
        "    page_size: 5000\n"
        "    colour: blue\n",
    )
    assert issues == [
        f"{tmp_path / 'cloudcensus.yaml'}:3: providers.gcp.organization: Value error, "
        "not an organisation id: 'example.org'",
        f"{tmp_path / 'cloudcensus.yaml'}:4: providers.gcp.projects: Value error, "
        "not a project id: 'Bad_Project'",
        f"{tmp_path / 'cloudcensus.yaml'}:5: providers.gcp.page_size: Input should be less "
        "than or equal to 1000",
        f"{tmp_path / 'cloudcensus.yaml'}:6: providers.gcp.colour: unknown field",
    ]


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        (
            "    credentials: anonymous\n",
            "credentials 'anonymous' needs an api_endpoint on loopback",
        ),
        (
            "    credentials: anonymous\n    api_endpoint: https://cloudasset.googleapis.com\n",
            "credentials 'anonymous' needs an api_endpoint on loopback",
        ),
        (
            "    api_endpoint: http://cloudasset.example.org\n",
            "plain http is only allowed on loopback",
        ),
    ],
)
def test_anonymous_credentials_and_plain_http_stay_on_loopback(
    tmp_path: Path, section: str, problem: str
) -> None:
    (issue,) = _issues(tmp_path, section)
    assert problem in issue


def test_ids_are_accepted_with_or_without_their_prefix() -> None:
    settings = GcpSettings(
        organization="organizations/123456789012",
        folders=["folders/111", "222"],
        projects=["projects/web-dev", "s3ns:souverain", "1001"],
    )
    assert (settings.organization, settings.folders) == ("123456789012", ["111", "222"])
    assert settings.projects == ["web-dev", "s3ns:souverain", "1001"]


def test_an_unknown_universe_is_refused_when_the_provider_is_built() -> None:
    with pytest.raises(CatalogueError, match=r"unknown universe domain 'cloud\.example'"):
        GcpProvider(GcpSettings(universe_domain="cloud.example", projects=["web-dev"]))
