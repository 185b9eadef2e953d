"""The shutdown request: SIGTERM or SIGINT, a grace period, and what the work does with it.

The first signal starts the grace period: no new work starts (`stop` is set, so the
collection engine schedules no new task), running collection tasks get half the grace
period to end, then are abandoned (`stop.interrupt()`, each recorded as interrupted),
and the rest is for evaluating, recording and queueing the scan and a last push. A
second signal interrupts at once. The signal handler only sets flags: logging from a
handler can deadlock, so the main thread reports what happened.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from cloudcensus.scanner.collect.engine import StopSignal

__all__ = ["Shutdown", "install_signal_handlers"]

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Shutdown:
    """One process's shutdown request, shared by the main thread and the worker."""

    def __init__(self, grace_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.grace_s = grace_s
        self.stop = StopSignal()
        self.signal_name: str | None = None
        self._monotonic = monotonic
        self._deadline: float | None = None

    @property
    def requested(self) -> bool:
        return self.stop.is_set()

    def request(self, signal_name: str = "request") -> None:
        """Start shutting down (first call) or interrupt running tasks (second call)."""
        if self._deadline is None:
            self.signal_name = signal_name
            self._deadline = self._monotonic() + self.grace_s
            self.stop.set()
        else:
            self.stop.interrupt()

    def remaining(self) -> float | None:
        """Seconds left of the grace period (None before a request, 0 when spent)."""
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self._monotonic())

    def interrupt_due_in(self) -> float:
        """Seconds until running tasks are interrupted: half of the grace period."""
        remaining = self.remaining()
        return 0.0 if remaining is None else max(0.0, remaining - self.grace_s / 2)


def install_signal_handlers(shutdown: Shutdown) -> Callable[[], None]:
    """Route SIGTERM and SIGINT to `shutdown` (main thread only); returns a function
    restoring the previous handlers."""

    def handle(signum: int, frame: FrameType | None) -> None:
        shutdown.request(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("signal handlers can only be installed from the main thread")
    previous = {sig: signal.signal(sig, handle) for sig in _SIGNALS}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
