"""Run a real registry process (uvicorn on loopback) for tests: the public helper.

    with serve("sqlite:///.../registry.db", log_path) as registry:
        tenant = registry.tenant()
        with registry.client(tenant.agent) as agent: ...

`serve` creates an admin token through the CLI, starts `cloudcensus registry serve` on a
free port, waits for `/readyz` and stops the process on exit.
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

__all__ = ["Registry", "Tenant", "registry_cli", "serve"]

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


@contextmanager
def serve(database_url: str, log: Path, *, start_timeout: float = 30) -> Iterator[Registry]:
    """A registry process on the database, its output in `log`; stopped on exit."""
    admin = registry_cli(database_url, "token", "create", "--role", "admin")
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", _CLI, "--database-url", database_url, "serve",
             "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
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
