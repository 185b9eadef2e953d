"""The agent's log lines: JSON a collector can parse, with the scan id and extra fields,
and no secret whatever the code (or a library) put in the message."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.logsetup import (
    MASK,
    build_handler,
    clear_log_context,
    secret_values,
    set_log_context,
)

TOKEN = "reg-token-0f4e9a7c-log-check"
EXTERNAL_ID = "ext-id-5b1d-log-check"
AWS_SECRET = "aws-secret-9c2e77-log-check"


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    settings = AgentSettings(
        registry={"url": "https://registry.example.org", "token": TOKEN},
        providers={"aws": {"external_id": EXTERNAL_ID}},
    )
    secrets = secret_values(settings, {"AWS_SECRET_ACCESS_KEY": AWS_SECRET, "HOME": "/root"})
    out = io.StringIO()
    logger = logging.getLogger("tests.agent.logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = build_handler("json", secrets, stdout=out)
    logger.addHandler(handler)
    yield logger, out
    logger.removeHandler(handler)
    clear_log_context()


def records(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_every_line_is_a_json_object_with_context_and_extras(
    lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = lines
    set_log_context(scan_id=42)
    logger.info("scan %d complete", 42, extra={"status": "complete", "resources": 7})
    clear_log_context("scan_id")
    logger.warning("idle")
    first, second = records(out)
    assert first["level"] == "info"
    assert first["logger"] == "tests.agent.logs"
    assert first["message"] == "scan 42 complete"
    assert (first["scan_id"], first["status"], first["resources"]) == (42, "complete", 7)
    assert first["time"].endswith("+00:00")
    assert "scan_id" not in second


def test_known_secrets_and_credential_shapes_are_masked_everywhere(
    lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = lines
    logger.info("sending Authorization: Bearer %s to the registry", TOKEN)
    logger.info("assume role with ExternalId=%s", EXTERNAL_ID)
    logger.info('boto said {"SecretAccessKey": "%s"}', "wJalrXUtnFEMI-K7MDENG")
    logger.info("password=hunter2-long, user=ops")
    logger.info("role", extra={"external_id": "anything", "note": f"key {AWS_SECRET} here"})
    try:
        raise RuntimeError(f"token {TOKEN} refused")
    except RuntimeError:
        logger.exception("push failed")
    text = out.getvalue()
    for secret in (TOKEN, EXTERNAL_ID, AWS_SECRET, "wJalrXUtnFEMI-K7MDENG", "hunter2-long"):
        assert secret not in text
    logged = records(out)
    assert logged[3]["message"] == f"password={MASK}, user=ops"
    assert logged[4]["external_id"] == MASK
    assert logged[4]["note"] == f"key {MASK} here"
    assert "RuntimeError" in logged[5]["exception"]


def test_ordinary_messages_are_left_alone(lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = lines
    message = "registry.token_file /run/secrets/token: cannot read: No such file or directory"
    logger.error(message)
    logger.warning("scan 3: token refused: HTTP 401 Unauthorized")
    assert [r["message"] for r in records(out)] == [
        message,
        "scan 3: token refused: HTTP 401 Unauthorized",
    ]


def test_secret_values_come_from_settings_and_the_environment() -> None:
    settings = AgentSettings(registry={"url": "https://r.example.org", "token": SecretStr(TOKEN)})
    found = secret_values(
        settings, {"AWS_SESSION_TOKEN": "session-abc", "AWS_REGION": "eu-west-1", "X": "y"}
    )
    assert TOKEN in found
    assert "session-abc" in found
    assert "eu-west-1" not in found
