"""deploy/compose.yaml: valid Compose, hardened services, secrets from files, a config the
agent accepts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.scanner.config import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is missing")
def test_compose_validates_against_the_compose_schema() -> None:
    done = subprocess.run(
        ["docker-compose", "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_services_wait_for_healthy_dependencies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "registry", "agent"}
    assert services["registry"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["agent"]["depends_on"]["registry"]["condition"] == "service_healthy"
    for name in ("postgres", "registry"):
        assert services[name]["healthcheck"]["test"], name


def test_our_services_are_hardened_and_keep_state_on_volumes(compose: dict[str, Any]) -> None:
    for name in ("registry", "agent"):
        service = compose["services"][name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
    agent = compose["services"]["agent"]
    assert "agent-state:/var/lib/cloudcensus" in agent["volumes"]


def test_secrets_come_from_ignored_files(compose: dict[str, Any]) -> None:
    files = {s["file"] for s in compose["secrets"].values()}
    assert all(f.startswith("./compose/secrets/") for f in files)
    ignored = (DEPLOY.parent / ".gitignore").read_text().splitlines()
    assert "deploy/compose/secrets/" in ignored
    text = (DEPLOY / "compose.yaml").read_text().lower()
    assert "password:" not in text.replace("postgres_password:", "")
    registry = compose["services"]["registry"]["environment"]
    assert registry["CLOUDCENSUS_REGISTRY_DATABASE_URL_FILE"].startswith("/run/secrets/")


def test_the_agent_configuration_is_accepted_by_the_agent(tmp_path: Path) -> None:
    settings = load_settings(DEPLOY / "compose" / "cloudcensus.yaml")
    assert settings.registry is not None
    assert settings.registry.url == "http://registry:8080"
    assert settings.registry.token_file == Path("/run/secrets/agent_token")
