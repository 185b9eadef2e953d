"""The OUTSCALE catalogue covers every Region of the API with its country and operator,
the SecNumCloud Region is flagged, and the demo's OUTSCALE accounts are a working fake
the real provider scans, changes between scans included."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cloudcensus.demo.outscalecloud import OutscaleDemoCloud
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.outscale import OutscaleProvider
from cloudcensus.providers.outscale.provider import offering_of
from cloudcensus.providers.outscale.settings import OutscaleSettings
from tests.support.collecting import Collected, collect_into

#: The API's Regions (osc-sdk-python 0.42, docs.outscale.com endpoints reference).
API_REGIONS = {
    "eu-west-2": ("FR", "outscale"),
    "cloudgouv-eu-west-1": ("FR", "outscale-cloudgouv"),
    "us-east-2": ("US", "outscale-us"),
    "us-west-1": ("US", "outscale-us"),
    "ap-northeast-1": ("JP", "outscale"),
}


def test_every_region_has_a_country_and_an_offering() -> None:
    catalogue = load_catalogue("cloudcensus.providers.outscale")
    assert set(catalogue.regions) == set(API_REGIONS)
    for region, (country, offering) in API_REGIONS.items():
        assert catalogue.location(region).country == country, region
        assert offering_of(region) == offering, region
    assert offering_of("eu-north-9") is None


def test_only_the_cloudgouv_region_is_secnumcloud_and_us_regions_are_under_us_law() -> None:
    catalogue = load_catalogue("cloudcensus.providers.outscale")
    # the qualification is the offer's: every resource of a cloudgouv account carries it
    gouv = catalogue.jurisdiction("outscale-cloudgouv", "cloudgouv-eu-west-1")
    assert gouv.certifications == ("SecNumCloud",)
    assert (
        catalogue.jurisdiction("outscale-cloudgouv", "global").certifications == gouv.certifications
    )
    assert catalogue.jurisdiction("outscale", "eu-west-2").certifications == ()
    us = catalogue.jurisdiction("outscale-us")
    assert (us.legal_seat, us.non_eu_law) == ("US", True)
    assert not catalogue.jurisdiction("outscale").non_eu_law


def _scan(cloud: OutscaleDemoCloud) -> Collected:
    provider = OutscaleProvider(OutscaleSettings.model_validate(cloud.provider_settings()))
    try:
        return collect_into([provider])
    finally:
        provider.close()


def test_the_demo_accounts_are_scanned_and_change_between_scans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with OutscaleDemoCloud() as cloud:
        for name, value in cloud.environment().items():
            monkeypatch.setenv(name, value)
        first = _scan(cloud)
        assert first.gaps == []
        ohio = first.named("compute.instance", "ohio-analytics")
        assert (ohio.region, ohio.location.country) == ("us-east-2", "US")
        assert first.named("storage.snapshot", "ohio-shared").properties["public"] is True
        assert first.named("storage.bucket", "demo-ohio-exports").properties["public"] is True
        cloud.change()
        second = _scan(cloud)
        assert second.named("compute.instance", "ohio-etl").region == "us-east-2"
        assert not [r for r in second.resources if r.name == "paris-db"]
        config = Path(cloud.environment()["OSC_CONFIG_FILE"])
        assert config.is_file()
        endpoint = cloud.description.rsplit(" ", 1)[-1]
    assert not config.exists()  # the file of fake keys is deleted on exit
    with pytest.raises(httpx.TransportError):
        httpx.get(endpoint, timeout=2)
