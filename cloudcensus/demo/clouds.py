"""The demo's emulated clouds beyond AWS: one fake API server per provider on loopback.

Each provider package ships a demo cloud (`cloudcensus.demo.<provider>cloud`) that starts
the project's own fake of that provider's API, seeds a small estate with some compliant
and some violating resources, and says how the agent must be configured to scan it. The
demo runner starts every demo cloud whose SDK extra is installed, merges their
`providers:` sections into the demo configuration, scans, calls `change()`, and scans
again, so the drift shows changes on every cloud.

`ServedDemoCloud` is the base the demo clouds share: whatever `_start` starts (the fake,
its moto server from `start_moto`, a `scratch_dir` for config files) goes on one exit
stack, closed in reverse when the cloud stops, so a failed start leaves nothing running.
"""

from __future__ import annotations

import importlib.util
import tempfile
from abc import abstractmethod
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.fakes import Service

__all__ = ["DemoCloud", "ServedDemoCloud", "scratch_dir", "start_moto"]


class DemoCloud(Protocol):
    """A fake cloud for the demo; a context manager that runs its server while entered."""

    #: the provider's entry-point name, e.g. 'azure'; also the key of its config section
    provider: str
    #: one line for the terminal, e.g. 'Azure tenant (2 subscriptions) on https://127.0.0.1:P'
    description: str

    def __enter__(self) -> Self:
        """Start the fake server on a free loopback port and seed the demo estate."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server and remove anything written to disk."""
        ...

    def provider_settings(self) -> Mapping[str, Any]:
        """The `providers.<provider>` config section that points the provider at the fake."""
        ...

    def environment(self) -> Mapping[str, str]:
        """Environment variables the provider's SDK needs while scanning (fake credentials)."""
        ...

    def change(self) -> None:
        """Change the estate between the demo's two scans (add, remove, reconfigure)."""
        ...


class ServedDemoCloud(Service):
    """Base of the demo clouds (a `DemoCloud` once `provider_settings`, `environment` and
    `change` are added): `start` runs `_start` on an exit stack, `stop` closes it."""

    #: the provider's entry-point name (see `DemoCloud`)
    provider: str
    #: one line for the terminal (see `DemoCloud`); `_start` says where it runs
    description: str
    _stack: ExitStack | None = None

    @abstractmethod
    def _start(self, stack: ExitStack) -> None:
        """Start the fake (and what it needs) on `stack`, seed it, set `description`."""

    def start(self) -> Self:
        with ExitStack() as stack:
            self._start(stack)
            self._stack = stack.pop_all()
        return self

    def stop(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def _running(self) -> None:
        """Raise unless the cloud is started (what needs its server or its files)."""
        if self._stack is None:
            raise RuntimeError(f"the {self.provider} demo cloud is not started")


def scratch_dir(stack: ExitStack, prefix: str) -> Path:
    """A private temporary directory (config files), removed when `stack` closes."""
    scratch = tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True)
    return Path(stack.enter_context(scratch))


def start_moto(stack: ExitStack) -> str | None:
    """The endpoint of a moto server of the cloud's own (a subprocess: its buckets are this
    demo's alone), stopped when `stack` closes; None without moto (the demo extra)."""
    if importlib.util.find_spec("moto") is None:
        return None
    moto: MotoServer = stack.enter_context(MotoServer())
    return moto.endpoint
