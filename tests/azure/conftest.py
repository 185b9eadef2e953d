"""Azure test fixtures: the project's fake Azure (HTTPS on loopback) and its credentials."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cloudcensus.providers.azure.fake import FakeAzure
from cloudcensus.providers.azure.fake.estates import test_tenant
from cloudcensus.providers.azure.settings import AzureSettings

#: The fake's client secret: it must never show in a log, a message, a finding or the store.
SECRET = "Zq8~fake-client-secret-Value.0123456789abcdef"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    """A fresh test tenant (three subscriptions, one denied) and credentials for it."""
    for name in (
        "AZURE_AUTHORITY_HOST",
        "AZURE_FEDERATED_TOKEN_FILE",
        "IDENTITY_ENDPOINT",
        "MSI_ENDPOINT",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "HTTPS_PROXY",
        "https_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    with FakeAzure(test_tenant(SECRET)) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        yield server


def azure_settings(fake: FakeAzure, **overrides: Any) -> AzureSettings:
    """Settings pointing at the fake; one retry, so fault tests stay fast."""
    return AzureSettings.model_validate({**fake.provider_settings(), "max_retries": 1, **overrides})
