"""The `registry` settings section and the one client factory."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from cloudcensus.scanner.config import ConfigError, PushSettings, load_settings
from cloudcensus.scanner.push import PushConfigError, build_client, http2_available, read_token

from .fakeregistry import TOKEN, FakeRegistry


def settings(**fields: object) -> PushSettings:
    return PushSettings.model_validate({"url": "https://registry.example.org/", **fields})


def test_the_section_is_optional_and_read_from_file_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text("registry:\n  url: https://registry.example.org\n  batch_size: 500\n")
    monkeypatch.setenv("CLOUDCENSUS_REGISTRY__TOKEN", TOKEN)
    loaded = load_settings(config).registry
    assert loaded is not None
    assert (loaded.url, loaded.batch_size, read_token(loaded)) == (
        "https://registry.example.org",
        500,
        TOKEN,
    )
    assert TOKEN not in repr(loaded)
    monkeypatch.delenv("CLOUDCENSUS_REGISTRY__TOKEN")
    config.write_text("workers: 2\n")
    assert load_settings(config).registry is None


def test_bad_sections_are_refused_without_echoing_the_token(tmp_path: Path) -> None:
    config = tmp_path / "cloudcensus.yaml"
    config.write_text(
        "registry:\n  url: http://registry.example.org\n  token: s3cr3t-value\n"
        "  batch_size: 999999\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    text = str(caught.value)
    assert "registry.batch_size" in text
    assert "s3cr3t-value" not in text
    for fields, message in [
        ({}, "a token is required"),
        ({"token": "a", "token_file": "/x"}, "not both"),
        ({"token": "a", "client_key": "k.pem"}, "client_key needs client_cert"),
        ({"token": "a", "url": "http://registry.example.org"}, "in clear"),
        ({"token": "a", "url": "ftp://x"}, "http"),
    ]:
        with pytest.raises(ValidationError, match=message):
            settings(**fields)
    assert settings(token="a", url="http://127.0.0.1:8000").url == "http://127.0.0.1:8000"
    assert settings(token="a", url="http://reg.internal", insecure_http=True).insecure_http


def test_token_file_is_read_and_checked(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\n")
    assert read_token(settings(token_file=token_file)) == TOKEN
    token_file.write_text("\n")
    with pytest.raises(PushConfigError, match="empty"):
        read_token(settings(token_file=token_file))
    with pytest.raises(PushConfigError, match="cannot read"):
        read_token(settings(token_file=tmp_path / "missing"))


def test_the_factory_builds_a_client_bound_to_the_registry() -> None:
    registry = FakeRegistry()
    with build_client(
        settings(token=TOKEN, timeout_s=12), transport=httpx.MockTransport(registry)
    ) as client:
        assert str(client.base_url) == "https://registry.example.org"
        assert client.timeout.read == 12
        assert client.timeout.connect == 10
        assert TOKEN not in repr(client.headers)
        client.post("/api/v1/scans", content=b"{}")
    [request] = registry.requests
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"].startswith("cloudcensus-agent/")


def test_tls_files_are_checked_when_the_client_is_built(tmp_path: Path) -> None:
    with pytest.raises(PushConfigError, match="ca_bundle"):
        build_client(settings(token="a", ca_bundle=tmp_path / "none.pem"))
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(PushConfigError, match="client_cert"):
        build_client(settings(token="a", client_cert=bad))


def test_http2_only_when_h2_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = importlib.util.find_spec("h2") is not None
    assert http2_available() is installed
    with build_client(settings(token="a")) as client:
        assert client._transport._pool._http2 is installed  # type: ignore[attr-defined]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert http2_available() is False
