"""Secrets never leave the cloud through the scanner.

What a user depends on: key material of a service-account key and the values of
environment variables (which often hold tokens) never reach the store, the report
files, the findings or the logs; and a credentials error never echoes the private key
of the credentials file.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.exceptions import DefaultCredentialsError

from cloudcensus.providers.gcp import GcpProvider
from cloudcensus.providers.gcp.fake import FakeAssetServer
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.scanner.collect import collect
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.coverage import ANY, ErrorKind
from cloudcensus.scanner.outputs import write_scan_outputs
from cloudcensus.scanner.pipeline import Policy, run_scan
from cloudcensus.scanner.store import Store
from tests.support.collecting import Collected

from .conftest import Sleeps
from .estate import ENV_SECRET, ORG_ID, PRIVATE_KEY_DATA

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _settings(state: Path, gcp: dict[str, object]) -> AgentSettings:
    return AgentSettings(
        state_dir=state,
        out=state / "out",
        workers=4,
        providers={"gcp": gcp},
        formats=["json", "ocsf", "csv", "sarif"],
    )


def test_key_material_and_environment_values_stay_out_of_everything(
    fake: FakeAssetServer,
    tmp_path: Path,
    sleeps: Sleeps,
    policy: Policy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = _settings(
        tmp_path,
        {
            "organization": ORG_ID,
            "credentials": "anonymous",
            "api_endpoint": fake.endpoint,
            "list_assets_per_minute": 10**6,
            "search_per_minute": 10**6,
        },
    )
    section = settings.providers["gcp"]
    assert isinstance(section, GcpSettings)
    with Store.open(tmp_path / "cloudcensus.sqlite") as store:
        provider = GcpProvider(section, sleep=sleeps)
        result = run_scan(settings, [provider], store, policy, NOW)
        written = write_scan_outputs(store, result, settings.out, settings.formats)
        resources = {r.name: r for r in store.resources(result.scan_id)}
        findings = [f.model_dump_json() for f in store.findings(result.scan_id)]
    key = resources["0a1b2c3d4e5f"]
    assert key.type == "identity.access_key"
    assert "privateKeyData" not in key.raw["data"]
    api = resources["web-api"]
    container = api.raw["data"]["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "API_TOKEN", "value": "[redacted]"}]
    places = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 4
    assert len(places) >= len(written) + 1
    for secret in (PRIVATE_KEY_DATA, ENV_SECRET):
        assert not any(secret.encode() in data for data in places), secret
        assert not any(secret in finding for finding in findings)
        assert secret not in caplog.text


def _service_account_file(path: Path, universe: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "scanner-host",
        "private_key_id": "4f2a7c",
        "private_key": pem,
        "client_email": "scanner@scanner-host.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
        "universe_domain": universe,
    }
    path.write_text(json.dumps(info))
    return pem


def test_credentials_of_another_universe_are_refused_without_echoing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps
) -> None:
    pem = _service_account_file(tmp_path / "adc.json", "s3nsapis.fr")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "adc.json"))
    settings = _settings(tmp_path, {"organization": ORG_ID})  # googleapis.com, ADC
    section = settings.providers["gcp"]
    assert isinstance(section, GcpSettings)
    sink = Collected()
    collect([GcpProvider(section, sleep=sleeps)], sink)
    (gap,) = sink.coverage
    assert (gap.account, gap.collector, gap.error_kind) == (ANY, ANY, ErrorKind.ACCESS_DENIED)
    assert gap.message == (
        "the Application Default Credentials belong to universe 's3nsapis.fr', not the "
        "configured 'googleapis.com'"
    )
    body = pem.splitlines()[1]
    assert body not in (gap.message or "")


def test_missing_credentials_say_how_to_provide_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    provider = GcpProvider(GcpSettings(organization=ORG_ID), sleep=sleeps)
    with pytest.raises(DefaultCredentialsError) as raised:
        list(provider.scopes())
    kind, message = provider.classify(raised.value)
    assert kind is ErrorKind.ACCESS_DENIED
    assert message.startswith("no Application Default Credentials found: run `gcloud auth")
