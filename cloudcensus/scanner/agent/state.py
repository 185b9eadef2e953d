"""What the agent knows about itself, shared by its worker and its HTTP threads.

The worker writes (a scan began, succeeded, could not run), the health server reads
(`readiness`). Readiness is three checks, each with a reason a person can act on:

- `config`: the last attempt to load the policy and providers worked, and the registry
  token and certificate files can still be read (a rotated secret that vanished shows
  here before the next push fails);
- `store`: the store's directory and file are writable;
- `last_scan`: the newest successful scan started at most `max_age` ago; before the
  first one, the agent itself started at most `max_age` ago.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cloudcensus.scanner.config import PushSettings
from cloudcensus.scanner.push import PushConfigError, read_token
from cloudcensus.scanner.push.client import ssl_context

__all__ = ["AgentState", "Check", "describe_age"]


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def describe_age(age: timedelta) -> str:
    """`3d 4h`, `2h 5m`, `5m 3s`: an age a person reads at a glance."""
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {seconds}s"


def _writable(path: Path) -> Check:
    directory = path.parent
    if not directory.is_dir():
        return Check(False, f"{directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        return Check(False, f"{directory} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return Check(False, f"{path} is not writable")
    return Check(True, f"{path} is writable")


def _registry_files(registry: PushSettings | None) -> str | None:
    """Why the registry's token or certificates cannot be read, None when they can."""
    if registry is None:
        return None
    try:
        read_token(registry)
        ssl_context(registry)
    except PushConfigError as error:
        return str(error)
    return None


class AgentState:
    """Thread-safe facts about the running agent: the worker writes, probes read."""

    def __init__(
        self,
        started: datetime,
        store_path: Path,
        max_age: timedelta,
        registry: PushSettings | None = None,
    ) -> None:
        self.started = started
        self.store_path = store_path
        self.max_age = max_age
        self._registry = registry
        self._lock = threading.Lock()
        self._last_success: datetime | None = None
        self._problem: str | None = None

    @property
    def last_success(self) -> datetime | None:
        """When the newest successful scan started."""
        with self._lock:
            return self._last_success

    def scan_succeeded(self, started: datetime) -> None:
        """A scan that started at `started` succeeded."""
        with self._lock:
            newest = self._last_success
            self._last_success = max(started, newest) if newest else started

    def set_last_success(self, when: datetime | None) -> None:
        with self._lock:
            self._last_success = when

    def config_problem(self, problem: str | None) -> None:
        """Record why the last cycle could not load its policy or providers (None: it could)."""
        with self._lock:
            self._problem = problem

    def readiness(self, now: datetime) -> dict[str, Check]:
        with self._lock:
            problem, last = self._problem, self._last_success
        problem = problem or _registry_files(self._registry)
        config = Check(problem is None, problem or "valid")
        limit = describe_age(self.max_age)
        if last is None:
            age = now - self.started
            detail = f"no successful scan yet; the agent started {describe_age(age)} ago"
        else:
            age = now - last
            detail = f"the newest successful scan started {describe_age(age)} ago"
        freshness = Check(age <= self.max_age, f"{detail} (limit {limit})")
        return {"config": config, "store": _writable(self.store_path), "last_scan": freshness}
