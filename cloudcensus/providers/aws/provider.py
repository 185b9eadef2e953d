"""The AWS provider: accounts as scopes, (collector x region) as tasks.

Scopes come from the caller's identity and, in an organisation, from Organizations
ListAccounts, streamed. For one account, `tasks` assumes the configured role (not in the
caller's own account), resolves the regions, reads the organisation context, and returns
one task per global collector plus one per regional collector and region. The account's
client factory is referenced only by its tasks, so it is freed once they have run: an
organisation of thousands of accounts scans in constant memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from cloudcensus.providers.aws.collectors import build_collectors
from cloudcensus.providers.aws.errors import classify_error
from cloudcensus.providers.aws.organization import (
    GuardrailReader,
    describe_organization,
    list_accounts,
)
from cloudcensus.providers.aws.session import (
    DEFAULT_HOME_REGION,
    AccountClients,
    assume_role_session,
    base_session,
    botocore_config,
)
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext
from cloudcensus.providers.base import CollectionTask, ProviderError, Scope
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.tasks import bind_task
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import GLOBAL_REGION

__all__ = ["AwsProvider", "CallerIdentity"]

_log = logging.getLogger(__name__)
_NAME = "aws"


@dataclass(frozen=True)
class CallerIdentity:
    """Who the default credentials are: the account that reaches all others."""

    account: str
    arn: str
    partition: str


@dataclass(frozen=True)
class _Organization:
    info: Mapping[str, Any] | None  # DescribeOrganization, None outside an organisation
    readable: bool  # False when the caller may not even describe it


class AwsProvider:
    """Scans AWS accounts (every partition) through boto3."""

    name: ClassVar[str] = _NAME
    settings_model: ClassVar[type[BaseModel]] = AwsSettings

    def __init__(
        self,
        settings: AwsSettings,
        *,
        collectors: Sequence[AwsCollector] | None = None,
    ) -> None:
        """`collectors` narrows the collection (tests, the demo)."""
        self.settings = settings
        self._collectors = tuple(
            build_collectors(resource_explorer=settings.resource_explorer)
            if collectors is None
            else collectors
        )
        self._catalogue = load_catalogue("cloudcensus.providers.aws")
        self._config = botocore_config(settings)
        self._lock = threading.Lock()
        self._caller_clients: AccountClients | None = None
        self._home: str = DEFAULT_HOME_REGION
        self._identity: CallerIdentity | None = None
        self._org: _Organization | None = None
        self._guardrails: GuardrailReader | None = None

    # -- the caller -------------------------------------------------------------------

    def _caller(self) -> tuple[CallerIdentity, AccountClients]:
        """The caller's identity and client factory, read once (STS GetCallerIdentity)."""
        with self._lock:
            if self._caller_clients is None:
                session = base_session(self.settings)
                self._home = self.settings.home_region or session.region_name or self._home
                self._caller_clients = AccountClients(session, self._config)
            clients = self._caller_clients
            identity = self._identity
        if identity is None:
            answer = clients("sts", self._home).get_caller_identity()
            identity = CallerIdentity(
                account=answer["Account"], arn=answer["Arn"], partition=answer["Arn"].split(":")[1]
            )
            with self._lock:
                self._identity = identity
        return identity, clients

    def caller_identity(self) -> CallerIdentity:
        """Who the configured credentials are (one STS call, then cached)."""
        return self._caller()[0]

    def _organization(self) -> _Organization:
        if self._org is not None:
            return self._org
        _, clients = self._caller()
        try:
            org = _Organization(describe_organization(clients("organizations", self._home)), True)
        except ClientError as exc:
            if classify_error(exc)[0] is not ErrorKind.ACCESS_DENIED:
                raise
            org = _Organization(None, False)
        with self._lock:
            self._org = org
        return org

    # -- scopes -----------------------------------------------------------------------

    def scopes(self) -> Iterator[Scope]:
        """The accounts to scan, streamed. Raises (classified) when none can be listed."""
        identity, clients = self._caller()
        own = Scope(provider=_NAME, account=identity.account, offering=identity.partition)
        mode = self.settings.mode
        if mode == "single":
            yield own
            return
        if mode == "accounts":
            for account in self.settings.accounts:
                yield Scope(provider=_NAME, account=account, offering=identity.partition)
            return
        org = self._organization()
        if org.info is None:
            if mode == "organization":
                why = "is not in an organisation" if org.readable else "may not read it"
                kind = ErrorKind.NOT_ENABLED if org.readable else ErrorKind.ACCESS_DENIED
                raise ProviderError(kind, f"mode 'organization': account {identity.account} {why}")
            _log.info("AWS account %s is not in an organisation: scanning it alone", own.account)
            yield own
            return
        yield from self._organization_scopes(org.info, identity, clients, own)

    def _organization_scopes(
        self,
        info: Mapping[str, Any],
        identity: CallerIdentity,
        clients: AccountClients,
        own: Scope,
    ) -> Iterator[Scope]:
        management = info.get("MasterAccountId")
        listed = 0
        try:
            for account in list_accounts(clients("organizations", self._home)):
                listed += 1
                if account.id == management and not self.settings.include_management_account:
                    continue
                yield Scope(_NAME, account.id, identity.partition, name=account.name)
        except ClientError as exc:
            denied = classify_error(exc)[0] is ErrorKind.ACCESS_DENIED
            if not (denied and listed == 0 and self.settings.mode == "auto"):
                raise
            _log.info("may not list the organisation's accounts: scanning %s alone", own.account)
            yield own

    # -- tasks ------------------------------------------------------------------------

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        """Every collection task of one account. Raises when the account is unreachable."""
        identity, caller_clients = self._caller()
        clients = caller_clients
        if scope.account != identity.account:
            role_arn = f"arn:{scope.offering}:iam::{scope.account}:role/{self.settings.role_name}"
            try:
                sts = caller_clients("sts", self._home)
                session = assume_role_session(sts, role_arn, self.settings, self._home)
            except (ClientError, BotoCoreError) as exc:
                kind, message = self.classify(exc)
                raise ProviderError(kind, f"cannot assume {role_arn}: {message}") from exc
            clients = AccountClients(session, self._config)
        regions = self.regions(clients)
        base = AwsContext(
            account=scope.account,
            region=GLOBAL_REGION,
            partition=scope.offering,
            home_region=self._home,
            regions=tuple(regions),
            catalogue=self._catalogue,
            organization=self.organization_context(scope.account),
        )
        tasks: list[CollectionTask] = []
        for collector in self._collectors:
            targets = [GLOBAL_REGION] if collector.global_ else regions
            for region in targets:
                tasks.append(_task(collector, clients, replace(base, region=region)))
        return tasks

    def regions(self, clients: AccountClients) -> list[str]:
        """Configured regions, or the account's enabled ones; minus the excluded."""
        configured = self.settings.regions
        if configured is None:
            answer = clients("ec2", self._home).describe_regions(AllRegions=True)
            configured = [
                r["RegionName"] for r in answer["Regions"] if r.get("OptInStatus") != "not-opted-in"
            ]
        excluded = set(self.settings.exclude_regions)
        return sorted({r for r in configured if r not in excluded})

    def organization_context(self, account: str) -> dict[str, Any] | None:
        """What the organisation says about `account` (read with the caller's rights)."""
        org = self._organization()
        if org.info is None:
            if org.readable:
                return None
            return {
                "organization_id": None,
                "region_guardrail": None,
                "region_guardrail_readable": False,
            }
        _, clients = self._caller()
        with self._lock:
            if self._guardrails is None:
                self._guardrails = GuardrailReader(clients("organizations", self._home))
            reader = self._guardrails
        return {"organization_id": org.info.get("Id"), **reader.read(account)}

    # -- errors -----------------------------------------------------------------------

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        """Kind and secret-free message of any error raised by this provider's code."""
        secret = self.settings.external_id
        return classify_error(error, [secret.get_secret_value()] if secret else [])


def _task(collector: AwsCollector, clients: AccountClients, ctx: AwsContext) -> CollectionTask:
    """Bind one collector to one account's clients and one region's context."""
    return bind_task(
        collector, clients, ctx, provider=_NAME, account=ctx.account, region=ctx.region
    )
