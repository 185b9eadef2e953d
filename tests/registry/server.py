"""Run a real registry process (uvicorn on loopback) for tests: the public helper.

    with serve("sqlite:///.../registry.db", log_path) as registry:
        tenant = registry.tenant()
        with registry.client(tenant.agent) as agent: ...

`serve` creates an admin token through the CLI, starts `cloudcensus registry serve` on a
free port, waits for `/readyz` and stops the process on exit. `RegistryProcess` is the
process itself, for tests that kill and restart it.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from cloudcensus.demo.motoserver import free_port

__all__ = ["Registry", "RegistryProcess", "Tenant", "registry_cli", "serve"]

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


def registry_cli(database_url: str, *args: str) -> str:
    """Run `cloudcensus registry --database-url URL ARGS...`; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", _CLI, "--database-url", database_url, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


class RegistryProcess:
    """`cloudcensus registry serve` on a database, as a child process on loopback: it can
    be stopped, killed (SIGKILL, as by the OOM killer) and started again on the same
    database (on a new port: read `url` after each start)."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.database_url = database_url
        self.log = log
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 30) -> str:
        """Start it (migrating the database) and wait until it is ready; its URL."""
        port = free_port()
        with self.log.open("a") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CLI, "--database-url", self.database_url, "serve",
                 "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/readyz").status_code == 200:
                    return self.url
            except httpx.TransportError:
                pass
            if not self.running or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"registry did not start: {self.log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; whatever was not committed is lost."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)


@contextmanager
def serve(database_url: str, log: Path, *, start_timeout: float = 30) -> Iterator[Registry]:
    """A registry process on the database, its output in `log`; stopped on exit."""
    admin = registry_cli(database_url, "token", "create", "--role", "admin")
    log.write_text("")
    process = RegistryProcess(database_url, log)
    try:
        yield Registry(process.start(start_timeout), admin)
    finally:
        process.stop()
