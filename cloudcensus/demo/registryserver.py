"""The demo's embedded registry: `cloudcensus registry serve` as a process on loopback.

A subprocess, as for moto: the registry is the very process an operator runs (its own
event loop, its own GIL, its own migrations at start, nothing shared with the agent but
HTTP), it never competes with the scanner's threads, and `terminate` stops it cleanly
whatever it is doing; a uvicorn server in a thread would share the demo's interpreter
and need its signal handling disabled. It costs about a second at start, which the demo
overlaps with building the estate (`start` does not wait; `ready` does).

The institution and the tokens are created in-process with the registry's own code
(`add_institution`, `issue_token`) on its SQLite file, exactly as `cloudcensus registry
institution add` and `token create` do. Importing this module needs the `registry`
extra: `cloudcensus.demo.runner` treats ModuleNotFoundError as "run without it".
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.text import Text

from cloudcensus.demo.motoserver import free_port
from cloudcensus.demo.process import LocalServer
from cloudcensus.registry.admin import add_institution
from cloudcensus.registry.db import create_db_engine, session_factory
from cloudcensus.registry.settings import RegistrySettings
from cloudcensus.registry.tokens import Role, issue_token
from cloudcensus.scanner.config import PushSettings

__all__ = ["DEMO_INSTITUTION", "DemoRegistry", "DemoTokens"]

DEMO_INSTITUTION = "demo"
_CLI = "from cloudcensus.registry.cli import registry; registry()"
_LOG_TAIL_CHARS = 2000


@dataclass(frozen=True)
class DemoTokens:
    agent: str
    reader: str


class DemoRegistry(LocalServer):
    """A registry process on 127.0.0.1 (a free port), its SQLite file in `state_dir`."""

    def __init__(self, state_dir: Path, startup_timeout_s: float = 30.0) -> None:
        self.state_dir = state_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = RegistrySettings(state_dir=state_dir)
        self._timeout = startup_timeout_s
        self._log = state_dir / "registry.log"

    def start(self) -> DemoRegistry:
        """Spawn the server (it migrates its database first); does not wait for it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-c", _CLI, "--state-dir", str(self.state_dir), "serve",
                   "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        return self

    def ready(self) -> DemoTokens:
        """Wait until the registry answers `/readyz`; create the institution and tokens."""
        deadline = time.monotonic() + self._timeout
        while True:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"the demo registry exited:\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the demo registry did not answer on {self.url}")
            time.sleep(0.1)
        engine = create_db_engine(self.settings)
        try:
            with session_factory(engine)() as session:
                add_institution(session, DEMO_INSTITUTION)
                agent = issue_token(session, Role.AGENT, [DEMO_INSTITUTION], description="demo")
                reader = issue_token(session, Role.READER, [DEMO_INSTITUTION], description="demo")
                session.commit()
        finally:
            engine.dispose()
        return DemoTokens(agent=agent, reader=reader)

    def push_settings(self, agent_token: str) -> PushSettings:
        """The demo agent's `registry:` section."""
        return PushSettings(url=self.url, token=SecretStr(agent_token), max_retries=2)

    def summary(self, reader_token: str) -> dict[str, Any]:
        """The demo institution's summary, read back through the API."""
        path = f"/api/v1/institutions/{DEMO_INSTITUTION}/summary"
        headers = {"Authorization": f"Bearer {reader_token}"}
        answer = httpx.get(f"{self.url}{path}", headers=headers, timeout=30, trust_env=False)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def print_summary(self, console: Console, tokens: DemoTokens) -> None:
        """Where the registry is, how to read it, and what it holds for the demo."""
        s = self.summary(tokens.reader)
        console.print(Text(f"Registry: {self.url} (API docs at {self.url}/docs)", "bold"))
        console.print(Text(f"Reader token for institution {DEMO_INSTITUTION}: {tokens.reader}"))
        console.print(
            Text(
                f"Registry summary of {DEMO_INSTITUTION}: {s['total']} open findings, "
                f"{s['comply']} comply, {s['explained']} explained, {s['violating']} violating, "
                f"{s['error']} error"
            )
        )

    def _log_tail(self) -> str:
        try:
            return self._log.read_text(errors="replace")[-_LOG_TAIL_CHARS:]
        except OSError:
            return ""
