"""The GCP provider: projects as scopes, two Cloud Asset Inventory collectors per project.

Scopes: the configured `projects`, then every active project under the configured
`organization` and `folders` (ListAssets of `cloudresourcemanager.googleapis.com/Project`
assets, paged), each once. A project is the account (its id; its number is in the
scope's details). An organisation or folder whose projects cannot be listed becomes a
scope of its own whose tasks fail with the reason: the coverage names it as an
account-wide gap, and the projects found elsewhere are scanned as usual.

Tasks of one project (region `global`: Cloud Asset Inventory reads every location at
once): `assets.resources` (the modelled types, ListAssets) and `assets.search` (every
other type as `other`, SearchAllResources). Each project is its own coverage unit, so
a project refused by IAM or VPC Service Controls is a gap of its own and the registry
resolves findings project by project; reading the whole organisation in one listing
would put every project under one unit whose account is none of theirs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, ClassVar

import requests
from google.api_core.exceptions import GoogleAPICallError
from google.auth.exceptions import GoogleAuthError
from pydantic import BaseModel

from cloudcensus.providers.base import CollectionTask, ProviderError, Scope
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.gcp.assets import dispatcher, fetch_assets, fetch_others
from cloudcensus.providers.gcp.client import AssetApi, AssetReader, MalformedResponse
from cloudcensus.providers.gcp.credentials import Connection, connect
from cloudcensus.providers.gcp.errors import classify_error
from cloudcensus.providers.gcp.fields import PayloadError
from cloudcensus.providers.gcp.locations import Locator, universe
from cloudcensus.providers.gcp.models import ALL_MODELS
from cloudcensus.providers.gcp.orgpolicy import OrgPolicyReader
from cloudcensus.providers.gcp.other import other_normaliser
from cloudcensus.providers.gcp.sdk import SdkAssetReader
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import GLOBAL_REGION

__all__ = ["PROJECT_TYPE", "GcpProvider"]

_log = logging.getLogger(__name__)
_NAME = "gcp"
PROJECT_TYPE = "cloudresourcemanager.googleapis.com/Project"
_CRM_PROJECTS = "//cloudresourcemanager.googleapis.com/projects/"
#: What listing one parent's projects can raise: API refusals and failures, transport
#: errors, a malformed page. Anything else is a bug and fails the provider (engine).
_DISCOVERY_ERRORS = (
    GoogleAPICallError,
    GoogleAuthError,
    requests.RequestException,
    MalformedResponse,
    PayloadError,
)


class GcpProvider:
    """Scans GCP projects (any universe: googleapis.com, S3NS) through Cloud Asset Inventory."""

    name: ClassVar[str] = _NAME
    settings_model: ClassVar[type[BaseModel]] = GcpSettings

    def __init__(
        self,
        settings: GcpSettings,
        *,
        models: Sequence[AssetModel] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`models` narrows the collection; `sleep`/`clock` are injected by tests so that
        throttling and rate limits never wait for real."""
        self.settings = settings
        row = universe(settings.universe_domain)
        self.offering = row.offering
        self._catalogue = load_catalogue("cloudcensus.providers.gcp")
        if not self._catalogue.has_offering(self.offering):
            raise ProviderError(
                ErrorKind.UNEXPECTED, f"catalogue has no offering {self.offering!r}"
            )
        self._locator = Locator(self._catalogue, self.offering, row.global_country)
        self._models = tuple(ALL_MODELS if models is None else models)
        self._sleep, self._clock = sleep, clock
        self._lock = threading.Lock()
        self._api: AssetReader | None = None
        self._default_project: str | None = None
        self._org_policies: OrgPolicyReader | None = None

    # -- the API ----------------------------------------------------------------------

    def api(self) -> AssetReader:
        """The Cloud Asset reader of this scan, built at first use (ADC read once)."""
        with self._lock:
            if self._api is None:
                connection = connect(self.settings)
                self._api = self._reader(connection)
                self._default_project = connection.default_project
                self._org_policies = OrgPolicyReader(self._list_assets)
            return self._api

    def _reader(self, connection: Connection) -> AssetReader:
        s = self.settings
        limits: dict[str, Any] = {
            "page_size": s.page_size,
            "concurrency": s.concurrency,
            "list_per_minute": s.list_assets_per_minute,
            "search_per_minute": s.search_per_minute,
            "max_attempts": s.max_attempts,
            "max_retry_wait_s": s.max_retry_wait_s,
            "timeout_s": s.timeout_s,
            "sleep": self._sleep,
            "clock": self._clock,
        }
        if s.client == "sdk":
            adc = s.credentials == "adc"
            return SdkAssetReader(
                connection.credentials,
                connection.endpoint,
                universe_domain=s.universe_domain if adc else None,
                quota_project=s.quota_project if adc else None,
                **limits,
            )
        return AssetApi(connection.session, connection.endpoint, **limits)

    def _list_assets(self, parent: str, content: str, asset_types: Sequence[str]) -> Iterator[Any]:
        for page in self.api().list_assets(parent, content, asset_types):
            yield from page.assets

    # -- scopes -----------------------------------------------------------------------

    def _scope(self, project: str, name: str | None = None, number: str | None = None) -> Scope:
        details = {"number": number} if number else {}
        return Scope(_NAME, project, self.offering, name=name, details=details)

    def scopes(self) -> Iterator[Scope]:
        """The projects to scan, streamed (see the module doc)."""
        api = self.api()
        s = self.settings
        excluded = set(s.exclude_projects)
        seen: set[str] = set()
        for project in s.projects:
            if project not in seen and project not in excluded:
                seen.add(project)
                yield self._scope(project)
        parents = [f"organizations/{s.organization}"] if s.organization else []
        parents += [f"folders/{folder}" for folder in s.folders]
        for parent in parents:
            yield from self._discover(api, parent, seen, excluded)
        if not parents and not s.projects:
            if self._default_project is None:
                raise ProviderError(
                    ErrorKind.NOT_ENABLED,
                    "no organization, folders or projects configured, and Application "
                    "Default Credentials name no default project",
                )
            yield self._scope(self._default_project)

    def _discover(
        self, api: AssetReader, parent: str, seen: set[str], excluded: set[str]
    ) -> Iterator[Scope]:
        try:
            for page in api.list_assets(parent, "RESOURCE", [PROJECT_TYPE]):
                for asset in page.assets:
                    found = _project_of(asset)
                    if found is None:
                        _log.warning("%s: a project asset without id or number was skipped", parent)
                        continue
                    project, number, name, state = found
                    if state not in (None, "ACTIVE") or project in seen:
                        continue
                    seen.add(project)
                    if project not in excluded and number not in excluded:
                        yield self._scope(project, name, number)
        except _DISCOVERY_ERRORS as error:  # this parent's gap; the other parents go on
            kind, message = self.classify(error)
            _log.warning("cannot list the projects of %s: %s", parent, message)
            details = {"error_kind": kind.value, "error": f"cannot list projects: {message}"}
            yield Scope(_NAME, parent, self.offering, details=details)

    # -- tasks ------------------------------------------------------------------------

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        """The two collection tasks of one project (none for a failed discovery scope)."""
        if "error" in scope.details:
            raise ProviderError(ErrorKind(scope.details["error_kind"]), scope.details["error"])
        api = self.api()
        reader = self._org_policies
        if reader is None:  # set together with the API
            raise ProviderError(ErrorKind.UNEXPECTED, "organisation-policy reader missing")
        ctx = GcpContext(scope.account, scope.offering, self._catalogue, self._locator)
        modelled = frozenset(model.asset_type for model in self._models)
        return [
            CollectionTask(
                provider=_NAME,
                account=scope.account,
                region=GLOBAL_REGION,
                collector="assets.resources",
                fetch=partial(fetch_assets, api, ctx, self._models, reader),
                normalise=dispatcher(ctx, self._models),
            ),
            CollectionTask(
                provider=_NAME,
                account=scope.account,
                region=GLOBAL_REGION,
                collector="assets.search",
                fetch=partial(fetch_others, api, ctx),
                normalise=other_normaliser(ctx, modelled),
            ),
        ]

    # -- errors -----------------------------------------------------------------------

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        """Kind and secret-free message of any error raised by this provider's code."""
        return classify_error(error)


def _project_of(asset: Any) -> tuple[str, str | None, str | None, str | None] | None:
    """(id, number, display name, state) of a project asset; None when unusable."""
    if not isinstance(asset, dict):
        return None
    resource = asset.get("resource")
    data = resource.get("data") if isinstance(resource, dict) else None
    data = data if isinstance(data, dict) else {}
    found = asset.get("name")
    name = found if isinstance(found, str) else ""
    number = data.get("projectNumber") or (
        name.removeprefix(_CRM_PROJECTS) if name.startswith(_CRM_PROJECTS) else None
    )
    project = data.get("projectId") or number
    if not isinstance(project, str | int) or not str(project):
        return None
    state = data.get("lifecycleState") or data.get("state")
    display = data.get("displayName") or data.get("name")
    if isinstance(display, str) and display.startswith("projects/"):
        display = None
    return (
        str(project),
        str(number) if number else None,
        display if isinstance(display, str) else None,
        state if isinstance(state, str) else None,
    )
