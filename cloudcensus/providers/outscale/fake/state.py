"""The fake OUTSCALE's accounts, their data and the armed faults.

An account is created for one Region, as on OUTSCALE; its root keys and its EIM users'
keys authenticate OSC API calls (signature checked) and, for the root keys only, OOS
calls. Items are stored exactly as the OSC API returns them (see `items.py`), per
account and per response key (`Vms`, `Volumes`, ...). Tests and the demo change them
between scans, seed malformed ones, and arm faults per action and account: an access
denial, a number of 5xx answers, a number of 429 answers with `Retry-After`. Every call
is logged for assertions.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeAccount", "FakeOutscale", "Fault", "OscKey", "RequestRecord"]


@dataclass(frozen=True)
class OscKey:
    """An access key the fake accepts; `user` is None for the account's root keys."""

    access_key: str
    secret_key: str
    account_id: str
    user: str | None = None


@dataclass
class FakeAccount:
    """One account in one Region, with its items per OSC response key."""

    account_id: str
    region: str
    info: dict[str, Any]
    data: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    user_keys: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Fault:
    """An armed failure: matching calls answer `status` (`times` times, or always)."""

    pattern: re.Pattern[str]
    status: int
    account: str | None = None
    times: int | None = None
    retry_after: str | None = None
    html: bool = False

    def matches(self, action: str, account: str) -> bool:
        return (self.account in (None, account)) and bool(self.pattern.search(action))


@dataclass(frozen=True)
class RequestRecord:
    account: str | None
    action: str
    params: dict[str, Any]
    status: int


@dataclass
class FakeOutscale:
    """Every fake account. Thread-safe: the HTTP server serves requests in threads."""

    accounts: dict[str, FakeAccount] = field(default_factory=dict)
    keys: list[OscKey] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def add_account(self, account: FakeAccount, key: OscKey) -> None:
        with self.lock:
            self.accounts[account.account_id] = account
            self.keys.append(key)

    def add_key(self, key: OscKey) -> None:
        with self.lock:
            self.keys.append(key)

    def key(self, access_key: str) -> OscKey | None:
        return next((k for k in self.keys if k.access_key == access_key), None)

    def add(self, account_id: str, key: str, *items: Any) -> None:
        """Append items to a listing, e.g. `add(account, "Vms", vm)`."""
        with self.lock:
            self.accounts[account_id].data[key].extend(items)

    def remove(self, account_id: str, key: str, id_field: str, item_id: str) -> None:
        with self.lock:
            items = self.accounts[account_id].data[key]
            items[:] = [
                i for i in items if not (isinstance(i, dict) and i.get(id_field) == item_id)
            ]

    def items(self, account_id: str, key: str) -> list[Any]:
        with self.lock:
            return list(self.accounts[account_id].data.get(key, []))

    # -- faults -----------------------------------------------------------------------

    def deny(self, action: str = ".", *, account: str | None = None) -> None:
        """401 AccessDenied (code 4, unauthorized operation) on matching calls."""
        self._arm(Fault(re.compile(action), 401, account=account))

    def fail(
        self,
        action: str,
        *,
        status: int = 502,
        times: int | None = 1,
        html: bool = True,
        account: str | None = None,
    ) -> None:
        """`status` on the next `times` matching calls (None = always)."""
        self._arm(Fault(re.compile(action), status, account=account, times=times, html=html))

    def throttle(
        self, action: str, *, times: int = 1, retry_after: str = "0", account: str | None = None
    ) -> None:
        """429 (code 24, request rate exceeded) on the next `times` matching calls."""
        fault = Fault(
            re.compile(action), 429, account=account, times=times, retry_after=retry_after
        )
        self._arm(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()

    def _arm(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, action: str, account: str) -> Fault | None:
        """The first armed fault matching this call, consuming one of its times."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(action, account):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
            return None

    def record(self, record: RequestRecord) -> None:
        with self.lock:
            self.requests.append(record)
