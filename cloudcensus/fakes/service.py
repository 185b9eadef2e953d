"""The lifecycle every local server of the project has: `start`, `stop`, and `with`.

The fakes on loopback threads, the moto and registry subprocesses of the demo: each is
started by `start()` (which returns it, so `Server(...).start()` reads as one step),
stopped by `stop()`, and a `with` block does both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

__all__ = ["Service"]


class Service(ABC):
    """Something that runs between `start()` and `stop()`; a context manager."""

    @abstractmethod
    def start(self) -> Self:
        """Start serving; returns self."""

    @abstractmethod
    def stop(self) -> None:
        """Stop serving and release what `start` took (idempotent)."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
