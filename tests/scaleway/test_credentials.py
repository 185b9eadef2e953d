"""Where the Scaleway provider finds its API key (the SDK's chain: scw config file and
profiles, SCW_* variables on top) and what a user reads when it is missing or wrong:
an error naming the setting, never the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cloudcensus.providers.scaleway import instance
from cloudcensus.providers.scaleway.fake import ScalewayFakeServer
from cloudcensus.scanner.config import ConfigError, load_settings
from cloudcensus.scanner.coverage import ErrorKind
from tests.scaleway.conftest import Scan
from tests.scaleway.estate import ACCESS_KEY, ORG, SECRET_KEY

SERVERS = [c for c in instance.COLLECTORS if c.name == "instance.servers"]


def _only_gap(scan: Scan, **settings: object) -> str:
    result = scan(SERVERS, **settings)
    [entry] = result.coverage
    assert (entry.account, entry.error_kind) == ("*", ErrorKind.ACCESS_DENIED)
    return entry.message or ""


def _without_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCW_ACCESS_KEY", "SCW_SECRET_KEY", "SCW_API_URL", "SCW_DEFAULT_ORGANIZATION_ID"):
        monkeypatch.delenv(name, raising=False)


def test_no_api_key_anywhere_is_a_gap_saying_where_to_put_one(
    scan: Scan, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_key(monkeypatch)
    assert "SCW_ACCESS_KEY and SCW_SECRET_KEY" in _only_gap(scan)


def test_a_malformed_access_key_is_named_without_its_value(
    scan: Scan, monkeypatch: pytest.MonkeyPatch
) -> None:
    pasted = "c2d6e0a8-5a1b-4d3c-9e8f-7a6b5c4d3e2f"  # a secret pasted as the access key
    monkeypatch.setenv("SCW_ACCESS_KEY", pasted)
    message = _only_gap(scan)
    assert "access key does not have the expected format" in message
    assert pasted not in message


def test_a_profile_of_the_scw_config_file_is_used(
    scan: Scan, fake: ScalewayFakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without_key(monkeypatch)
    config = tmp_path / "config.yaml"
    audit = {
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "api_url": fake.url,
        "default_organization_id": ORG,
    }
    config.write_text(
        yaml.safe_dump({"access_key": "SCWWRONGWRONGWRONG01", "profiles": {"audit": audit}})
    )
    result = scan(SERVERS, profile="audit", config_file=config, projects=[ORG], zones=["fr-par-1"])
    assert {r.name for r in result.of_type("compute.instance")} == {"web-1", "batch-1", "db-1"}
    # SCW_* variables win over the file, as in the SDK and the scw CLI.
    monkeypatch.setenv("SCW_SECRET_KEY", "99999999-9999-4999-8999-999999999999")
    assert "denied_authentication" in _only_gap(scan, profile="audit", config_file=config)


def test_a_configured_profile_that_does_not_exist_is_named(
    scan: Scan, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"access_key": ACCESS_KEY, "profiles": {}}))
    message = _only_gap(scan, profile="auditor", config_file=config)
    assert "Profile 'auditor' not found" in message
    assert _only_gap(scan, config_file=tmp_path / "missing.yaml").endswith("does not exist")


def test_bad_settings_are_refused_naming_the_field_and_line(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text(
        "providers:\n"
        "  scaleway:\n"
        "    regions: [fr-par]\n"
        "    zones: [paris-1]\n"
        "    page_size: 500\n"
        "    secret_key: do-not-put-it-here\n"
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    text = str(refused.value)
    assert "providers.scaleway.page_size" in text
    assert "providers.scaleway.secret_key: unknown field" in text
    assert "providers.scaleway.zones.0: String should match pattern" in text
    assert "do-not-put-it-here" not in text
