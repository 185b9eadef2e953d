"""Shared fixtures: a real moto server process on loopback for every AWS test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloudcensus.demo.motoserver import MotoServer, aws_env


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server for the session. Tests that seed state call `moto_server.reset()`
    first or build on a session-scoped estate fixture."""
    with MotoServer() as server, aws_env(server.endpoint):
        yield server
