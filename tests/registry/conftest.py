"""A real registry process (uvicorn on loopback) per database backend.

SQLite always; PostgreSQL when CLOUDCENSUS_TEST_DATABASE_URL names a server: a
throw-away database is created on it for the session and dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import make_url

PG_ENV = "CLOUDCENSUS_TEST_DATABASE_URL"
_CLI = "from cloudcensus.registry.cli import registry; registry()"


@dataclass
class Tenant:
    name: str
    agent: str
    reader: str


@dataclass
class Registry:
    url: str
    admin: str

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def tenant(self) -> Tenant:
        """A fresh institution with an agent and a reader token, through the admin API."""
        name = f"inst-{uuid.uuid4().hex[:8]}"
        with self.client(self.admin) as admin:
            admin.post("/api/v1/admin/institutions", json={"name": name}).raise_for_status()
            tokens = [
                admin.post(
                    "/api/v1/admin/tokens", json={"role": role, "institutions": [name]}
                ).json()["token"]
                for role in ("agent", "reader")
            ]
        return Tenant(name, *tokens)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _CLI, "--database-url", url, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV} (e.g. postgresql+psycopg://...)")
    url = make_url(base)
    name = f"cloudcensus_test_{uuid.uuid4().hex[:12]}"
    server = url.set(drivername="postgresql", database="postgres")
    dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _serve(database_url: str, log: Path) -> Iterator[Registry]:
    admin = _cli(database_url, "token", "create", "--role", "admin")
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", _CLI, "--database-url", database_url, "serve",
             "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"registry did not start: {log.read_text()}")
                time.sleep(0.1)
            yield Registry(url, admin)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    """The registry under test, once per backend."""
    state = tmp_path_factory.mktemp(f"registry-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{state / 'registry.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    yield from _serve(url, state / "server.log")
