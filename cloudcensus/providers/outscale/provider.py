"""The OUTSCALE provider: one scope per account (one OSC profile), one task per collector.

An OUTSCALE account is created for one Region and lives only there, so a profile (keys,
Region, endpoints) is an account. `scopes` loads each configured profile, asks the API
who the account is (`ReadAccounts`, else the owner of its security groups) and yields it
with the catalogue offering of its Region (`outscale`, `outscale-cloudgouv` for the
SecNumCloud Region, `outscale-us`). A profile that cannot be loaded or authenticated
does not stop the others: it becomes a scope whose `tasks` raise, so coverage records an
account-wide gap under `profile:<name>`. A Region missing from the catalogue is scanned
with an unknown jurisdiction and location, which the sovereignty rules treat as failing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import ClassVar

import boto3
import requests
from pydantic import BaseModel

from cloudcensus.providers.base import CollectionTask, ProviderError, Scope
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.outscale.collectors import build_collectors
from cloudcensus.providers.outscale.errors import classify_error, osc_error
from cloudcensus.providers.outscale.gateway import OscGateway
from cloudcensus.providers.outscale.oos import OosClient
from cloudcensus.providers.outscale.settings import OutscaleSettings
from cloudcensus.providers.outscale.spec import OutscaleClients, OutscaleCollector, OutscaleContext
from cloudcensus.providers.tasks import bind_task
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import GLOBAL_REGION

__all__ = ["OutscaleProvider", "offering_of"]

_log = logging.getLogger(__name__)
_NAME = "outscale"
_PACKAGE = "cloudcensus.providers.outscale"


def offering_of(region: str) -> str | None:
    """The catalogue offering a Region belongs to; None for a Region not catalogued."""
    return load_catalogue(_PACKAGE).region_offering(region)


class OutscaleProvider:
    """Scans OUTSCALE accounts, one per OSC profile."""

    name: ClassVar[str] = _NAME
    settings_model: ClassVar[type[BaseModel]] = OutscaleSettings

    def __init__(
        self,
        settings: OutscaleSettings,
        *,
        collectors: Sequence[OutscaleCollector] | None = None,
    ) -> None:
        """`collectors` narrows the collection (tests, the demo)."""
        self.settings = settings
        self._collectors = tuple(
            build_collectors(oos_buckets=settings.oos) if collectors is None else collectors
        )
        self._catalogue = load_catalogue(_PACKAGE)
        self._lock = threading.Lock()
        self._gateways: dict[str, OscGateway] = {}  # scope key -> its account's gateway
        self._secrets: set[str] = set()
        self._boto = boto3.session.Session()  # shared by every account's OOS client
        self._boto_lock = threading.Lock()

    # -- scopes -----------------------------------------------------------------------

    def scopes(self) -> Iterator[Scope]:
        """One scope per profile; a broken profile is a scope that fails in `tasks`."""
        names: Sequence[str | None] = (
            self.settings.profiles if self.settings.profiles is not None else [None]
        )
        seen: dict[str, str] = {}
        for name in names:
            scope = self._scope(name)
            if scope is None:
                continue
            key = scope.details.get("key")
            if key is not None and key in seen:  # two profiles opening the same account
                _log.warning("profile %r opens the account of %r: scanned once", name, seen[key])
                continue
            seen[key or scope.account] = scope.name or ""
            yield scope

    def _scope(self, name: str | None) -> Scope | None:
        label = name or "default"
        try:
            gateway = OscGateway(name, self.settings)
        except ProviderError as exc:
            return _failed_scope(label, exc.kind, str(exc))
        with self._lock:
            self._secrets.update({gateway.secret_key, gateway.access_key})
        region = gateway.region
        if self.settings.regions is not None and region not in self.settings.regions:
            gateway.close()
            return None
        try:
            account = self._account_id(gateway)
        except requests.RequestException as exc:
            kind, message = self.classify(exc)
            gateway.close()
            return _failed_scope(label, kind, f"profile {label!r}: {message}", region)
        key = f"{account}@{region}"
        with self._lock:
            if key in self._gateways:  # another profile opens the same account
                gateway.close()
            else:
                self._gateways[key] = gateway
        details = {"profile": label, "region": region, "key": key}
        return Scope(_NAME, account, offering_of(region) or "", name=label, details=details)

    @staticmethod
    def _account_id(gateway: OscGateway) -> str:
        """`ReadAccounts`; when refused, the owner of the account's security groups."""
        try:
            accounts = gateway.call("ReadAccounts").get("Accounts") or []
            if accounts and accounts[0].get("AccountId"):
                return str(accounts[0]["AccountId"])
        except requests.HTTPError as exc:
            if osc_error(exc)[0] not in (401, 403):
                raise
        groups = gateway.call("ReadSecurityGroups", ResultsPerPage=1).get("SecurityGroups") or []
        if groups and groups[0].get("AccountId"):
            return str(groups[0]["AccountId"])
        raise ProviderError(ErrorKind.ACCESS_DENIED, "cannot tell which account the keys open")

    # -- tasks ------------------------------------------------------------------------

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        """Every collection task of one account (its Region)."""
        if "error" in scope.details:
            raise ProviderError(ErrorKind(scope.details["kind"]), scope.details["error"])
        with self._lock:
            gateway = self._gateways[scope.details["key"]]
        clients = OutscaleClients(osc=gateway, oos=OosClient(gateway, self._boto, self._boto_lock))
        ctx = OutscaleContext(
            account=scope.account,
            region=scope.details["region"],
            offering=scope.offering or None,
            catalogue=self._catalogue,
        )
        return [_task(collector, clients, ctx) for collector in self._collectors]

    def close(self) -> None:
        """Close every account's HTTP session (the provider is done)."""
        with self._lock:
            gateways, self._gateways = list(self._gateways.values()), {}
        for gateway in gateways:
            gateway.close()

    # -- errors -----------------------------------------------------------------------

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        """Kind and secret-free message of any error raised by this provider's code."""
        with self._lock:
            secrets = list(self._secrets)
        return classify_error(error, secrets)


def _failed_scope(label: str, kind: ErrorKind, message: str, region: str = "") -> Scope:
    details = {"profile": label, "region": region, "error": message, "kind": kind.value}
    return Scope(_NAME, f"profile:{label}", offering_of(region) or "", name=label, details=details)


def _task(
    collector: OutscaleCollector, clients: OutscaleClients, ctx: OutscaleContext
) -> CollectionTask:
    """Bind one collector to one account's clients and context."""
    region = GLOBAL_REGION if collector.global_ else ctx.region
    return bind_task(collector, clients, ctx, provider=_NAME, account=ctx.account, region=region)
