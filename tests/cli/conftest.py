"""Fixtures: the demo organisation in a moto process of this package's own, an agent
workspace, and one full scan of it shared by the tests that read its reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudcensus.demo.estate import Estate, build_estate
from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.demo.runner import render_explanations

from .workspace import CONFIG, EXPLANATIONS, Run, Workspace


@pytest.fixture(scope="package")
def estate_server() -> Iterator[tuple[MotoServer, Estate]]:
    """A moto process of this package's own (other packages reset theirs) and the
    demo organisation seeded into it."""
    with MotoServer() as server:
        yield server, build_estate(server.endpoint)


@pytest.fixture(scope="package")
def workspace(
    estate_server: tuple[MotoServer, Estate], tmp_path_factory: pytest.TempPathFactory
) -> Workspace:
    server, estate = estate_server
    space = Workspace(tmp_path_factory.mktemp("agent"), server.endpoint, estate)
    space.config.write_text(CONFIG)
    space.explanations.write_text(render_explanations(EXPLANATIONS, datetime.now(UTC).date()))
    return space


@pytest.fixture(scope="package")
def first_scan(workspace: Workspace) -> tuple[Path, Run]:
    """One full scan of the organisation into `out/` (fails on any failing finding),
    logging at debug level: the most a scan ever logs, checked for secrets."""
    out = workspace.root / "out"
    result = workspace.run(
        "--log-level",
        "debug",
        "scan",
        "--config",
        str(workspace.config),
        "--explanations",
        str(workspace.explanations),
        "--out",
        str(out),
        "--fail-on",
        "info",
    )
    return out, result
