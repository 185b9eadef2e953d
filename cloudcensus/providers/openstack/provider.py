"""The OpenStack provider: (cloud, project) as scopes, (region x service collector) as tasks.

Scopes: for each configured cloud, the projects its credentials can scope to (narrowed
to the configured ones). A cloud that cannot be loaded or authenticated, and a configured
project the credentials cannot see, still yield a scope, whose `tasks` raises the
recorded error: the coverage names that cloud or project, and the other clouds go on.

Tasks: `tasks(scope)` authenticates a token scoped to the project (a project the user
has no role on fails here, alone), reads the regions and services of its catalog, and
returns one task per (region, collector) whose service the region offers, plus the
project itself (`global`). A configured region missing from the catalog is a
`not_enabled` unit of collector `catalog`; a catalog service no collector reads is a
`not_enabled` unit `catalog.<service type>` (`catalog.py`). The regions of one project share one
per-region connection, built on first use; the project's connection is referenced only
by its tasks, so memory does not grow with the number of projects.

Where the cloud's S3-compatible object storage holds buckets of its own (`s3.py`), one
`s3.buckets` task per S3 region that serves a scanned region with object storage; its
keys and clients (`s3access.S3Access`) are shared by the project's tasks.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import requests
from keystoneauth1.exceptions import ClientException
from openstack.connection import Connection
from openstack.exceptions import EndpointNotFound, SDKException
from pydantic import BaseModel

from cloudcensus.providers.base import CollectionTask, ProviderError, Scope
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.providers.openstack.catalog import unread_service_task, unread_services
from cloudcensus.providers.openstack.collectors import ALL_COLLECTORS
from cloudcensus.providers.openstack.connect import (
    CloudConfigError,
    ProjectRef,
    catalog_services,
    list_projects,
    open_cloud,
    project_connection,
    region_connection,
    select_projects,
)
from cloudcensus.providers.openstack.errors import classify_error
from cloudcensus.providers.openstack.pages import ServiceApi
from cloudcensus.providers.openstack.profiles import CATALOGUE_PACKAGE, CloudProfile, cloud_profile
from cloudcensus.providers.openstack.s3access import Boto, S3Access
from cloudcensus.providers.openstack.settings import CloudSettings, OpenStackSettings
from cloudcensus.providers.openstack.spec import (
    S3,
    OpenStackCollector,
    OpenStackContext,
    S3Endpoint,
)
from cloudcensus.providers.tasks import bind_task
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import GLOBAL_REGION

__all__ = ["OpenStackProvider"]

_NAME = "openstack"
_SECRET_KEYS = ("password", "application_credential_secret", "token", "passcode", "secret")
#: what reaching a cloud may raise, all translated by `classify_error`
_REACH_ERRORS = (
    CloudConfigError,
    ClientException,
    SDKException,
    requests.RequestException,
    LookupError,
    ValueError,
)
#: the service types collectors read (a region offering another gets a `catalog.*` unit)
_READ_SERVICES = frozenset(c.service for c in ALL_COLLECTORS if c.service != S3)


@dataclass
class _Cloud:
    settings: CloudSettings
    profile: CloudProfile
    gate: threading.BoundedSemaphore
    base: Connection | None = None


@dataclass
class _Apis:
    """The raw JSON APIs of one project in one region (`None`: the project's own, for
    global collectors); the region's connection is built once, on first use."""

    cloud: _Cloud
    project: Connection
    region: str | None
    offered: frozenset[str]
    s3_access: S3Access | None = None
    _conn: Connection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def s3(self) -> S3Endpoint:
        if self.s3_access is None or self.region is None:
            raise ProviderError(
                ErrorKind.NOT_ENABLED,
                f"cloud {self.cloud.settings.label}: no S3-compatible object storage "
                "(set `s3.endpoint` for a cloud without a profile that has one)",
            )
        return S3Endpoint(self.s3_access.client(self.region), self.s3_access.claim)

    def __call__(self, service_type: str) -> ServiceApi:
        if service_type not in self.offered:
            where = self.region or "the project's catalog"
            raise EndpointNotFound(f"no {service_type} endpoint in {where}")
        with self._lock:
            if self._conn is None:
                self._conn = (
                    self.project
                    if self.region is None
                    else region_connection(self.project, self.region)
                )
            conn = self._conn
        return ServiceApi(
            getattr(conn, service_type.replace("-", "_")),  # the SDK's proxy of the type
            page_size=self.cloud.settings.page_size,
            retries=self.cloud.settings.retries,
            gate=self.cloud.gate,
        )


class OpenStackProvider:
    """Scans OpenStack clouds (OVHcloud, Open Telekom Cloud, Infomaniak, Cleura, any)."""

    name: ClassVar[str] = _NAME
    settings_model: ClassVar[type[BaseModel]] = OpenStackSettings

    def __init__(
        self,
        settings: OpenStackSettings,
        *,
        collectors: Sequence[OpenStackCollector] | None = None,
    ) -> None:
        """`collectors` narrows the collection (tests, the benchmark)."""
        self.settings = settings
        self._collectors = tuple(ALL_COLLECTORS if collectors is None else collectors)
        catalogue = load_catalogue(CATALOGUE_PACKAGE)
        self._clouds = {
            c.label: _Cloud(
                c,
                cloud_profile(c, catalogue),
                threading.BoundedSemaphore(c.max_concurrent_requests),
            )
            for c in settings.clouds
        }
        self._secrets: list[str] = []
        self._lock = threading.Lock()
        self._boto = Boto()

    # -- scopes ------------------------------------------------------------------------

    def scopes(self) -> Iterator[Scope]:
        """Every (cloud, project) to scan; never raises for one cloud (see the module doc)."""
        for cloud in self._clouds.values():
            yield from self._cloud_scopes(cloud)

    def _cloud_scopes(self, cloud: _Cloud) -> Iterator[Scope]:
        label, offering = cloud.settings.label, cloud.profile.offering
        try:
            base = open_cloud(cloud.settings)
            self._remember_secrets(base)
            listed = list_projects(base)
        except _REACH_ERRORS as error:
            kind, message = self.classify(error)
            details = {
                "cloud": label,
                "error_kind": kind.value,
                "error": f"cloud {label}: {message}",
            }
            yield Scope(_NAME, label, offering, name=label, details=details)
            return
        cloud.base = base
        chosen, missing = select_projects(listed, cloud.settings.projects)
        for project in chosen:
            details = {
                "cloud": label,
                "domain_id": project.domain_id or "",
                "description": project.description or "",
                "tags": ",".join(project.tags),
            }
            yield Scope(_NAME, project.id, offering, name=project.name, details=details)
        for wanted in missing:
            message = (
                f"cloud {label}: project {wanted!r} is not among the projects these "
                "credentials can scope to"
            )
            details = {
                "cloud": label,
                "error_kind": ErrorKind.ACCESS_DENIED.value,
                "error": message,
            }
            yield Scope(_NAME, wanted, offering, name=wanted, details=details)

    def _remember_secrets(self, conn: Connection) -> None:
        auth: dict[str, Any] = dict(conn.config.config.get("auth") or {})
        self._remember([str(auth[k]) for k in _SECRET_KEYS if auth.get(k)])

    def _remember(self, found: Iterable[str]) -> None:
        with self._lock:
            self._secrets.extend(s for s in found if s and s not in self._secrets)

    # -- tasks -------------------------------------------------------------------------

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        """Every collection task of one project. Raises when it cannot be reached."""
        if "error" in scope.details:
            raise ProviderError(ErrorKind(scope.details["error_kind"]), scope.details["error"])
        cloud = self._clouds[scope.details["cloud"]]
        if cloud.base is None:
            raise ProviderError(ErrorKind.UNEXPECTED, f"cloud {cloud.settings.label} not opened")
        project = ProjectRef(scope.account, scope.name, scope.details.get("domain_id") or None)
        try:
            conn = project_connection(cloud.base, project)
            offered = catalog_services(conn)
        except _REACH_ERRORS as error:
            kind, message = self.classify(error)
            who = f"project {scope.name} ({scope.account})" if scope.name else scope.account
            raise ProviderError(kind, f"cloud {cloud.settings.label}, {who}: {message}") from error
        regions, absent = self._regions(cloud.settings, offered)
        offer = cloud.profile.s3
        stored = [r for r in sorted(offered) if "object-store" in offered[r]]
        base = OpenStackContext(
            cloud=cloud.settings.label,
            project=scope.account,
            region=GLOBAL_REGION,
            regions=tuple(regions),
            profile=cloud.profile,
            project_name=scope.name,
            project_info=_project_info(scope),
            s3_regions=tuple(sorted({offer.region(r) for r in stored})) if offer else (),
        )
        everything = frozenset().union(*offered.values()) if offered else frozenset()
        access = self._s3_access(cloud, conn, scope.account, everything)
        shared = {r: _Apis(cloud, conn, r, frozenset(offered[r]), access) for r in regions}
        tasks = [_missing_region(base, region) for region in absent]
        accepted = cloud.settings.unread_services
        for region in regions:
            unread = unread_services(offered[region], _READ_SERVICES, accepted)
            tasks += [unread_service_task(_NAME, scope.account, region, s) for s in unread]
        for collector in self._collectors:
            if collector.global_:
                tasks.append(_task(collector, _Apis(cloud, conn, None, everything), base))
            elif collector.service == S3:
                for s3_region, region in _s3_regions(cloud.profile, regions, offered).items():
                    tasks.append(_task(collector, shared[region], _in_region(base, s3_region)))
            else:
                for region in regions:
                    if collector.service in offered[region]:
                        tasks.append(_task(collector, shared[region], _in_region(base, region)))
        return tasks

    def _s3_access(
        self, cloud: _Cloud, conn: Connection, project: str, everything: frozenset[str]
    ) -> S3Access | None:
        """The project's S3 keys and clients, when the cloud's S3 storage is read."""
        if cloud.profile.s3 is None:
            return None
        return S3Access(
            cloud.profile.s3,
            cloud.settings,
            project,
            identity=lambda: _Apis(cloud, conn, None, everything)("identity"),
            user_id=lambda: conn.current_user_id,
            remember=self._remember,
            classify=self.classify,
            boto=self._boto,
        )

    def _regions(
        self, cloud: CloudSettings, offered: dict[str, set[str]]
    ) -> tuple[list[str], list[str]]:
        """(regions to scan, configured regions the catalog does not have)."""
        configured = cloud.regions if cloud.regions is not None else self.settings.regions
        wanted = sorted(offered) if configured is None else sorted(set(configured))
        excluded = set(cloud.exclude_regions)
        return (
            [r for r in wanted if r in offered and r not in excluded],
            [r for r in wanted if r not in offered and r not in excluded],
        )

    # -- errors ------------------------------------------------------------------------

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        """Kind and secret-free message of any error raised by this provider's code."""
        with self._lock:
            secrets = list(self._secrets)
        return classify_error(error, secrets)


def _project_info(scope: Scope) -> dict[str, Any]:
    info: dict[str, Any] = {"domain_id": scope.details.get("domain_id") or None}
    if scope.details.get("description"):
        info["description"] = scope.details["description"]
    tags = scope.details.get("tags")
    info["tags"] = tags.split(",") if tags else []
    return info


def _in_region(ctx: OpenStackContext, region: str) -> OpenStackContext:
    return dataclasses.replace(ctx, region=region)


def _s3_regions(
    profile: CloudProfile, regions: list[str], offered: dict[str, set[str]]
) -> dict[str, str]:
    """S3 region -> the first scanned catalog region with object storage it serves, for a
    cloud whose S3 buckets are not its Swift containers (none otherwise)."""
    if profile.s3 is None or profile.s3.same_containers:
        return {}
    serving: dict[str, str] = {}
    for region in regions:
        if "object-store" in offered[region]:
            serving.setdefault(profile.s3.region(region), region)
    return serving


def _task(collector: OpenStackCollector, apis: _Apis, ctx: OpenStackContext) -> CollectionTask:
    """Bind one collector to one project's region APIs and context."""
    return bind_task(collector, apis, ctx, provider=_NAME, account=ctx.project, region=ctx.region)


def _missing_region(ctx: OpenStackContext, region: str) -> CollectionTask:
    def fetch() -> Any:
        raise ProviderError(
            ErrorKind.NOT_ENABLED,
            f"region {region} is configured but not in the catalog of project {ctx.project}",
        )

    return CollectionTask(_NAME, ctx.project, region, "catalog", fetch, lambda raw: None)
