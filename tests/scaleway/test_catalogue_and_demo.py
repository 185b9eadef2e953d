"""The Scaleway catalogue covers every region the SDK knows, and the demo's Scaleway
project is a working fake the real provider scans, changes between scans included."""

from __future__ import annotations

import httpx
import pytest
from scaleway_core.bridge.region import ALL_REGIONS
from scaleway_core.bridge.zone import ALL_ZONES

from cloudcensus.demo.scalewaycloud import ScalewayDemoCloud
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.scaleway import ScalewayProvider
from cloudcensus.providers.scaleway.settings import ScalewaySettings
from cloudcensus.providers.scaleway.spec import region_of_zone
from tests.support.collecting import Collected, collect_into


def test_every_region_and_zone_of_the_sdk_has_a_country_in_the_eu() -> None:
    catalogue = load_catalogue("cloudcensus.providers.scaleway")
    for region in {*ALL_REGIONS, *(region_of_zone(z) for z in ALL_ZONES)}:
        location = catalogue.location(region)
        assert location.country in {"FR", "NL", "PL"}, region
        assert location.eu is True, region
    jurisdiction = catalogue.jurisdiction("scaleway")
    assert (jurisdiction.legal_seat, jurisdiction.non_eu_law) == ("FR", False)
    assert jurisdiction.certifications == ()  # SecNumCloud J0 is not a qualification


def _scan(cloud: ScalewayDemoCloud) -> Collected:
    provider = ScalewayProvider(ScalewaySettings.model_validate(cloud.provider_settings()))
    try:
        return collect_into([provider])
    finally:
        provider.close()


def test_the_demo_project_is_scanned_and_changes_between_scans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ScalewayDemoCloud() as cloud:
        assert cloud.url in cloud.description
        for name, value in cloud.environment().items():
            monkeypatch.setenv(name, value)
        first = _scan(cloud)
        assert first.gaps == []
        assert first.named("compute.instance", "web-1").properties["public"] is True
        assert first.named("storage.bucket", "demo-public-assets").properties["public"] is True
        assert first.named("database.instance", "legacy-db").properties["encrypted"] is False
        cloud.change()
        second = _scan(cloud)
        assert second.named("compute.instance", "web-2").location.country == "NL"
        assert not [r for r in second.resources if r.name == "web-1-data-nightly"]
        assert second.named("database.instance", "legacy-db").properties["encrypted"] is True
        url = cloud.url
    with pytest.raises(httpx.TransportError):
        httpx.get(url, timeout=2)
