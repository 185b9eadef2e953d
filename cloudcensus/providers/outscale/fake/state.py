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

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cloudcensus.fakes import FaultLog

__all__ = ["FakeAccount", "FakeOutscale", "OscKey", "RequestRecord"]


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


@dataclass(frozen=True)
class RequestRecord:
    account: str | None
    action: str
    params: dict[str, Any]
    status: int


@dataclass
class FakeOutscale(FaultLog[RequestRecord]):
    """Every fake account. Thread-safe: the HTTP server serves requests in threads.
    Faults match a regex on the action, within an account when given (`FaultLog`)."""

    accounts: dict[str, FakeAccount] = field(default_factory=dict)
    keys: list[OscKey] = field(default_factory=list)

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
        self.arm(action, 401, scope=account)

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
        self.arm(action, status, scope=account, times=times, html=html)

    def throttle(
        self, action: str, *, times: int = 1, retry_after: str = "0", account: str | None = None
    ) -> None:
        """429 (code 24, request rate exceeded) on the next `times` matching calls."""
        self.arm(action, 429, scope=account, times=times, retry_after=retry_after)
