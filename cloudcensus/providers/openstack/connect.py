"""Reaching one OpenStack cloud: its configuration, its projects, one connection per scope.

`clouds.yaml` (with `secure.yaml` and `OS_CLIENT_CONFIG_FILE`) and the `OS_*` environment
are read by openstacksdk's own loader, exactly as the `openstack` CLI reads them. From the
configured credentials:

- the projects are those Keystone lets the user scope to (`GET /v3/auth/projects` on the
  auth URL), narrowed to the configured ones; an application credential is bound to one
  project and cannot be re-scoped, so it scans that project alone;
- each project gets its own project-scoped token (`Connection.connect_as`, a fresh
  authentication with the same credentials), so a project the user holds no role on fails
  alone;
- within a project, every region of the token's catalog is read through one
  `Connection` per region that shares the project's keystoneauth session: one token and
  one version-discovery cache for all its regions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import openstack.config
from keystoneauth1 import plugin
from keystoneauth1.access import AccessInfo
from keystoneauth1.exceptions import MissingRequiredOptions
from keystoneauth1.identity.base import BaseIdentityPlugin
from openstack.config import cloud_region
from openstack.connection import Connection
from openstack.exceptions import ConfigException

from cloudcensus import __version__
from cloudcensus.providers.openstack.settings import CloudSettings

__all__ = [
    "CloudConfigError",
    "ProjectRef",
    "catalog_services",
    "is_application_credential",
    "list_projects",
    "open_cloud",
    "project_connection",
    "region_connection",
    "select_projects",
]

#: catalog type aliases -> the service type the collectors name
_SERVICE_ALIASES = {
    "volumev3": "block-storage",
    "volumev2": "block-storage",
    "volume": "block-storage",
    "block-store": "block-storage",
    "object-storage": "object-store",
    "load-balancer": "load-balancer",
    "key-manager": "key-manager",
    "sharev2": "shared-file-system",
    "share": "shared-file-system",
    "container-infra": "container-infrastructure-management",
}
#: configuration keys a per-region connection must not inherit from the project's
_NOT_INHERITED = ("auth", "auth_type", "vendor_hook", "profile", "regions", "region_name")


class CloudConfigError(Exception):
    """A cloud cannot be loaded from clouds.yaml / the environment (names where and why)."""


@dataclass(frozen=True)
class ProjectRef:
    """A project the credentials may scan."""

    id: str
    name: str | None = None
    domain_id: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()


def _where(config: openstack.config.OpenStackConfig, settings: CloudSettings) -> str:
    if settings.cloud is None:
        return "the OS_* environment (or OS_CLOUD)"
    files = config.config_filename or "no clouds.yaml found"
    return f"cloud {settings.cloud!r} in {files}"


def open_cloud(settings: CloudSettings) -> Connection:
    """The connection the configured credentials give (before any re-scoping).

    Raises `CloudConfigError` naming the clouds.yaml file (or the environment) and the
    problem; credentials are never part of the message.
    """
    loader = openstack.config.OpenStackConfig(app_name="cloudcensus", app_version=__version__)
    overrides: dict[str, Any] = {"api_timeout": settings.timeout_s}
    try:
        region = loader.get_one(cloud=settings.cloud, **overrides)
    except ConfigException as error:
        raise CloudConfigError(f"{_where(loader, settings)}: {error}") from None
    except MissingRequiredOptions as error:
        missing = ", ".join(sorted(o.dest for o in error.options))
        raise CloudConfigError(
            f"{_where(loader, settings)}: missing auth setting(s): {missing}"
        ) from None
    return Connection(config=region)


def is_application_credential(conn: Connection) -> bool:
    auth_type = str(conn.config.config.get("auth_type") or "")
    return "applicationcredential" in auth_type.replace("_", "")


def _access(conn: Connection) -> AccessInfo:
    """The connection's token (authenticating first when it has none yet)."""
    auth = conn.session.auth
    if not isinstance(auth, BaseIdentityPlugin):
        raise CloudConfigError(f"cloud {conn.config.name!r}: not a Keystone authentication")
    return auth.get_access(conn.session)


def list_projects(conn: Connection) -> list[ProjectRef]:
    """Every project the user can scope to; the credential's own for an application one."""
    if is_application_credential(conn):
        access = _access(conn)
        if not access.project_id:
            raise CloudConfigError("the application credential's token names no project")
        return [ProjectRef(access.project_id, access.project_name, access.project_domain_id)]
    response = conn.session.get(
        "/auth/projects",
        endpoint_filter={"interface": plugin.AUTH_INTERFACE, "version": (3, 0)},
    )
    return [
        ProjectRef(
            id=str(p["id"]),
            name=p.get("name"),
            domain_id=p.get("domain_id"),
            description=p.get("description") or None,
            tags=tuple(p.get("tags") or ()),
        )
        for p in response.json().get("projects", [])
        if p.get("enabled", True)
    ]


def select_projects(
    listed: Iterable[ProjectRef], wanted: list[str] | None
) -> tuple[list[ProjectRef], list[str]]:
    """The listed projects narrowed to `wanted` (ids or names), and the wanted ones not
    listed (the credentials cannot scope to them)."""
    projects = list(listed)
    if wanted is None:
        return projects, []
    chosen = [p for p in projects if p.id in wanted or p.name in wanted]
    found = {p.id for p in chosen} | {p.name for p in chosen if p.name}
    return chosen, [w for w in wanted if w not in found]


def project_connection(base: Connection, project: ProjectRef) -> Connection:
    """A connection scoped to `project` (a new token; the base one when already scoped)."""
    if is_application_credential(base) or base.current_project_id == project.id:
        return base
    return base.connect_as(project_id=project.id)


def catalog_services(conn: Connection) -> dict[str, set[str]]:
    """region -> service types the project's token catalog offers on the configured
    interface (type aliases such as `volumev3` folded into `block-storage`)."""
    access = _access(conn)
    interface = conn.config.get_interface() or "public"
    interfaces = {interface} if isinstance(interface, str) else set(interface)
    offered: dict[str, set[str]] = {}
    for entry in access.service_catalog.catalog or []:
        kind = _SERVICE_ALIASES.get(str(entry.get("type")), str(entry.get("type")))
        for endpoint in entry.get("endpoints", []):
            if endpoint.get("interface") not in interfaces:
                continue
            region = endpoint.get("region_id") or endpoint.get("region")
            if region:
                offered.setdefault(str(region), set()).add(kind)
    return offered


def region_connection(project: Connection, region: str) -> Connection:
    """A connection to `region` sharing the project's session (token, discovery cache)."""
    inherited: Mapping[str, Any] = {
        key: value
        for key, value in project.config.config.items()
        if key not in _NOT_INHERITED and not key.endswith("_region_name")
    }
    config = cloud_region.from_session(
        session=project.session,
        name=project.config.name,
        region_name=region,
        app_name="cloudcensus",
        app_version=__version__,
        **inherited,
    )
    return Connection(config=config)
