"""Armed faults: answers a fake gives instead of the real one, a number of times or always.

Tests and the demo arm what real deployments do (a refusal, throttling, a 5xx, a
gateway's HTML page); the fake asks, for each request, for the first armed fault that
matches it (`take_fault`), which uses one of its `times` up and disarms it when none
are left. What a fault matches and what it answers are each fake's own; `PatternFault`
and `FaultLog` are the common case of a regex on the path or action, within one scope
(a project, an account), with a log of the requests answered.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from cloudcensus.fakes.loopback import Answer

__all__ = ["GATEWAY_PAGE", "FaultLog", "PatternFault", "gateway_error", "take_fault"]

#: The page a load balancer answers when the API behind it does not (`{status}`).
GATEWAY_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>{status} Bad Gateway</title></head>\n"
    "<body><h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>\n"
)


def gateway_error(status: int) -> Answer:
    """A gateway's HTML error page with `status` (not the API's JSON error)."""
    return status, GATEWAY_PAGE.format(status=status).encode(), {"Content-Type": "text/html"}


class _Countdown(Protocol):
    times: int | None  # None: for ever


F = TypeVar("F", bound=_Countdown)
R = TypeVar("R")


def take_fault(faults: list[F], matches: Callable[[F], bool]) -> F | None:
    """The first of `faults` that `matches`, with one of its `times` used up (removed from
    the list when none are left); None when none matches. The caller holds its lock."""
    for fault in faults:
        if matches(fault):
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    faults.remove(fault)
            return fault
    return None


@dataclass
class PatternFault:
    """Requests whose target (path, action) `pattern` searches, in `scope` when set, answer
    `status` (`times` times, or always); `html`: as a gateway's page."""

    pattern: re.Pattern[str]
    status: int
    scope: str | None = None  # the project or account it applies to; None: any
    times: int | None = None
    retry_after: str | None = None
    html: bool = False

    def matches(self, target: str, scope: str | None) -> bool:
        return self.scope in (None, scope) and bool(self.pattern.search(target))


@dataclass(kw_only=True)
class FaultLog(Generic[R]):
    """A fake state's armed faults and its log of answered requests, behind its lock
    (re-entrant: the HTTP server answers from many threads while a test arms faults)."""

    faults: list[PatternFault] = field(default_factory=list)
    requests: list[R] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def arm(
        self,
        target: str,
        status: int,
        *,
        scope: str | None = None,
        times: int | None = None,
        retry_after: str | None = None,
        html: bool = False,
    ) -> None:
        """Answer `status` to requests whose target the regex `target` searches."""
        fault = PatternFault(re.compile(target), status, scope, times, retry_after, html)
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        """Disarm every fault and forget the requests logged."""
        with self.lock:
            self.faults.clear()
            self.requests.clear()

    def take_fault(self, target: str, scope: str | None) -> PatternFault | None:
        """The first armed fault matching this request, consuming one of its times."""
        with self.lock:
            return take_fault(self.faults, lambda fault: fault.matches(target, scope))

    def record(self, record: R) -> None:
        with self.lock:
            self.requests.append(record)
