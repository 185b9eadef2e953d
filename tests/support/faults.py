"""Arming faults on a fake that a whole test session shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cloudcensus.fakes import FaultLog

__all__ = ["faults_restored"]


@contextmanager
def faults_restored(state: FaultLog[Any]) -> Iterator[None]:
    """For a test that arms faults: the request log is emptied first, and the faults
    armed before (the estate's own) are back afterwards, whatever the test armed."""
    saved = list(state.faults)
    state.requests.clear()
    try:
        yield
    finally:
        with state.lock:
            state.faults[:] = saved
