"""The state a fake Azure serves: one tenant, its subscriptions, and injectable faults.

A subscription holds its Resource Graph rows (ARM resources as Resource Graph answers
them: lower-case `type`, `subscriptionId`, `properties`, ...) and the ARM children that
Resource Graph does not hold, keyed by their lower-case ARM path (a list for list
endpoints, an object otherwise). Tests and the demo change the state between scans.

Faults are answered instead of the real thing, in Azure's wire shapes: the access
denied subscriptions (`denied`: 403 `AuthorizationFailed` on every ARM path under them,
left out of Resource Graph answers as Resource Graph leaves out what a caller may not
read), a per-caller Resource Graph quota (429 with `Retry-After` and the
`x-ms-user-quota-*` headers once used up), and one-off answers armed with `Faults.add`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from cloudcensus.fakes import take_fault

__all__ = ["FakeSubscription", "FakeTenant", "Fault", "Faults", "GraphQuota"]

Row = dict[str, Any]


@dataclass
class FakeSubscription:
    id: str
    name: str
    tenant: str
    state: str = "Enabled"
    resources: list[Row] = field(default_factory=list)
    children: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Lists every subscription answers, empty until something is added.
        base = f"/subscriptions/{self.id}/providers"
        for kind in (
            "Microsoft.Insights/diagnosticSettings",
            "Microsoft.Authorization/policyAssignments",
        ):
            self.children.setdefault(f"{base}/{kind}".lower(), [])

    def child(self, path: str, value: Any) -> None:
        """Serve `value` at the ARM path `path` (a list: a list endpoint)."""
        self.children[path.lower().rstrip("/")] = value

    def remove(self, resource_id: str) -> None:
        """Drop a resource (and its children) from the subscription."""
        prefix = resource_id.lower()
        self.resources = [r for r in self.resources if not str(r["id"]).lower().startswith(prefix)]
        self.children = {k: v for k, v in self.children.items() if not k.startswith(prefix)}

    def find(self, resource_id: str) -> Row:
        return next(r for r in self.resources if str(r["id"]).lower() == resource_id.lower())

    def payload(self) -> Row:
        """The subscription as ARM's `GET /subscriptions/{id}` answers it."""
        return {
            "id": f"/subscriptions/{self.id}",
            "subscriptionId": self.id,
            "tenantId": self.tenant,
            "displayName": self.name,
            "state": self.state,
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "EnterpriseAgreement_2014-09-01",
                "spendingLimit": "Off",
            },
            "authorizationSource": "RoleBased",
        }


@dataclass
class Fault:
    """One armed fault: requests whose path contains `match` get this answer instead."""

    match: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1  # None: every time
    method: str | None = None


class Faults:
    """Thread-safe list of armed faults; each matching request uses one up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.served: list[str] = []  # paths that were answered with a fault

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.served.clear()

    def take(self, method: str, path: str) -> Fault | None:
        lowered = path.lower()
        with self._lock:
            fault = take_fault(
                self._faults, lambda f: f.match.lower() in lowered and f.method in (None, method)
            )
            if fault is not None:
                self.served.append(path)
            return fault


class GraphQuota:
    """Resource Graph's per-caller quota: `limit` queries per sliding `window_s`."""

    def __init__(self, limit: int = 10_000, window_s: float = 5.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._lock = threading.Lock()
        self._calls: deque[float] = deque()
        self.throttled = 0  # 429 answers given

    def spend(self) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until a slot frees) for one more query."""
        now = time.monotonic()
        with self._lock:
            while self._calls and now - self._calls[0] >= self.window_s:
                self._calls.popleft()
            resets = self.window_s - (now - self._calls[0]) if self._calls else self.window_s
            if len(self._calls) >= self.limit:
                self.throttled += 1
                return False, 0, max(resets, 0.0)
            self._calls.append(now)
            return True, self.limit - len(self._calls), max(resets, 0.0)


@dataclass
class FakeTenant:
    """Everything one fake Azure serves."""

    tenant_id: str
    client_id: str
    client_secret: str
    subscriptions: dict[str, FakeSubscription] = field(default_factory=dict)
    locations: list[Row] = field(default_factory=list)
    management_groups: dict[str, list[str]] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    faults: Faults = field(default_factory=Faults)
    quota: GraphQuota = field(default_factory=GraphQuota)
    page_size: int = 100  # ARM list pages (Resource Graph pages follow $top)

    def add(self, subscription: FakeSubscription) -> FakeSubscription:
        self.subscriptions[subscription.id.lower()] = subscription
        return subscription

    def readable(self, subscription: str) -> bool:
        return subscription.lower() not in {d.lower() for d in self.denied}
