"""The demo's emulated clouds beyond AWS: one fake API server per provider on loopback.

Each provider package ships a demo cloud (`cloudcensus.demo.<provider>cloud`) that starts
the project's own fake of that provider's API, seeds a small estate with some compliant
and some violating resources, and says how the agent must be configured to scan it. The
demo runner starts every demo cloud whose SDK extra is installed, merges their
`providers:` sections into the demo configuration, scans, calls `change()`, and scans
again, so the drift shows changes on every cloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol, Self

__all__ = ["DemoCloud"]


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
