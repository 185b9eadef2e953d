"""Which projects are scanned: an organisation, folders and projects, as configured.

Through the real provider and collection engine against the fake API. What a user
depends on: every active project found under the configured organisation and folders
is scanned once, listed projects too, excluded ones never; a folder whose projects
cannot be listed is a named gap while the rest of the scan goes on; S3NS is its own
offering, where `global` means France.
"""

from __future__ import annotations

import pytest

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.gcp import GcpProvider
from cloudcensus.providers.gcp.fake import FakeAssetServer, FakeOrganization
from cloudcensus.providers.gcp.fake import assets as build
from cloudcensus.scanner.collect import collect
from cloudcensus.scanner.coverage import ANY, CoverageStatus, ErrorKind
from tests.support.collecting import Collected

from .conftest import Sleeps, settings_for
from .estate import ORG_ID


def _accounts(provider: GcpProvider) -> list[str]:
    return [scope.account for scope in provider.scopes()]


def test_the_organisation_yields_each_active_project_once(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    fake.org.add_project("old-proj", "1009", state="DELETE_REQUESTED")
    settings = settings_for(
        fake,
        organization=ORG_ID,
        folders=["111"],
        projects=["web-dev", "listed-only"],
        exclude_projects=["1003"],
    )
    scopes = list(GcpProvider(settings, sleep=sleeps).scopes())
    assert [s.account for s in scopes] == ["web-dev", "listed-only", "fin-prod"]
    assert scopes[2].name == "Finance production"
    assert scopes[2].details == {"number": "1001"}
    assert {s.offering for s in scopes} == {"google"}


def test_a_folder_whose_projects_cannot_be_listed_is_a_gap_of_its_own(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    fake.org.add_folder("222", "Restricted")
    fake.faults.denied.add("folders/222")
    settings = settings_for(
        fake, folders=["222", "111"], list_assets_per_minute=10**6, search_per_minute=10**6
    )
    sink = Collected()
    collect([GcpProvider(settings, sleep=sleeps)], sink, workers=2)
    gaps = [e for e in sink.coverage if e.status is not CoverageStatus.COMPLETE]
    assert [(g.account, g.region, g.collector, g.error_kind) for g in gaps] == [
        ("folders/222", ANY, ANY, ErrorKind.ACCESS_DENIED)
    ]
    assert gaps[0].message is not None
    assert gaps[0].message.startswith("cannot list projects: 403 PERMISSION_DENIED")
    assert {r.account for r in sink.resources} == {"fin-prod"}


def test_nothing_configured_and_no_default_project_is_a_provider_error(
    fake: FakeAssetServer, sleeps: Sleeps
) -> None:
    with pytest.raises(ProviderError) as raised:
        _accounts(GcpProvider(settings_for(fake), sleep=sleeps))
    assert raised.value.kind is ErrorKind.NOT_ENABLED
    assert "no organization, folders or projects configured" in str(raised.value)


def test_s3ns_is_its_own_offering_where_global_is_france(sleeps: Sleeps) -> None:
    org = FakeOrganization("900000000001", "s3ns.example.fr")
    project = org.add_project("s3ns:souverain", "77001")
    build.bucket(project, "souverain-data", location="u-france-east1")
    build.firewall(project, "allow-https", ports=["443"], sources=["0.0.0.0/0"])
    with FakeAssetServer(org) as fake:
        settings = settings_for(
            fake,
            universe_domain="s3nsapis.fr",
            projects=["s3ns:souverain"],
            list_assets_per_minute=10**6,
            search_per_minute=10**6,
        )
        sink = Collected()
        collect([GcpProvider(settings, sleep=sleeps)], sink, workers=2)
    assert all(e.status is CoverageStatus.COMPLETE for e in sink.coverage)
    by_type = {r.type: r for r in sink.resources}
    assert by_type["storage.bucket"].location.country == "FR"
    firewall = by_type["network.security_group"]
    assert (firewall.region, firewall.location.country) == ("global", "FR")
    jurisdiction = firewall.jurisdiction
    assert jurisdiction is not None
    assert (jurisdiction.offering, jurisdiction.operator, jurisdiction.non_eu_law) == (
        "s3ns",
        "S3NS SAS",
        False,
    )
    assert jurisdiction.certifications == ("SecNumCloud",)
