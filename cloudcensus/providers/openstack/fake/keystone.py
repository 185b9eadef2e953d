"""Keystone v3 of the fake: version discovery, tokens with a catalog, the user's projects.

`POST /v3/auth/tokens` accepts the `password`, `application_credential` and `token`
methods, scoped to a project by id or by name (or unscoped), and answers 201 with the
token in `X-Subject-Token` and, for a project-scoped token, the catalog of every region
and service the cloud offers. An application-credential token is bound to the
credential's project and cannot be re-scoped, as in Keystone. Wrong secrets and
projects without a role assignment answer 401. `GET /v3/users/{id}/credentials/OS-EC2`
lists a user's EC2 credentials (secrets included) to that user only, as Keystone's
default policy (`rule:owner`) does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cloudcensus.providers.openstack.fake.http import Reply, Request
from cloudcensus.providers.openstack.fake.state import (
    ALL_SERVICES,
    AppCredential,
    FakeCloud,
    Project,
    Token,
    User,
)

__all__ = ["catalog", "identity", "version_document"]

_MEDIA = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
#: service type -> (catalog type, name); Cinder is published as `volumev3`, as most
#: public clouds do.
_CATALOG_NAMES = {
    "compute": ("compute", "nova"),
    "network": ("network", "neutron"),
    "block-storage": ("volumev3", "cinderv3"),
    "object-store": ("object-store", "swift"),
    "load-balancer": ("load-balancer", "octavia"),
    "key-manager": ("key-manager", "barbican"),
    "image": ("image", "glance"),
    "dns": ("dns", "designate"),
    "orchestration": ("orchestration", "heat"),
    "shared-file-system": ("sharev2", "manilav2"),
    "container-infrastructure-management": ("container-infra", "magnum"),
    "database": ("database", "trove"),
    "workflow": ("workflow", "mistral"),
    "placement": ("placement", "placement"),
}
#: service -> the endpoint's path below the service root, as the usual deployments
#: publish it (`{project}`: the token's project)
_ENDPOINT_PATHS = {
    "compute": "/v2.1",
    "block-storage": "/v3/{project}",
    "object-store": "/v1/AUTH_{project}",
    "orchestration": "/v1/{project}",
    "shared-file-system": "/v2",
    "container-infrastructure-management": "/v1",
    "database": "/v1.0/{project}",
    "workflow": "/v2",
}


def _unauthorized(message: str = "The request you have made requires authentication.") -> Reply:
    return Reply(401, {"error": {"code": 401, "message": message, "title": "Unauthorized"}})


def version_document(base: str) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{base}/identity/v3/"}],
        "media-types": _MEDIA,
    }


def endpoint_url(base: str, service: str, region: str, project: str) -> str:
    segment = f"{base}/{region}/{ALL_SERVICES[service]}"
    return segment + _ENDPOINT_PATHS.get(service, "").format(project=project)


def catalog(cloud: FakeCloud, base: str, project: str) -> list[dict[str, Any]]:
    """The service catalog of a token scoped to `project`."""
    entries: dict[str, dict[str, Any]] = {}
    for region in cloud.regions:
        for service in sorted(cloud.services[region]):
            kind, name = _CATALOG_NAMES[service]
            entry = entries.setdefault(
                kind, {"type": kind, "name": name, "id": kind, "endpoints": []}
            )
            url = endpoint_url(base, service, region, project)
            entry["endpoints"].append(
                {
                    "id": f"{kind}-{region}",
                    "interface": "public",
                    "region": region,
                    "region_id": region,
                    "url": url,
                }
            )
        identity = entries.setdefault(
            "identity", {"type": "identity", "name": "keystone", "id": "identity", "endpoints": []}
        )
        identity["endpoints"].append(
            {
                "id": f"identity-{region}",
                "interface": "public",
                "region": region,
                "region_id": region,
                "url": f"{base}/identity/v3",
            }
        )
    return list(entries.values())


def _project_json(project: Project, base: str) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "domain_id": project.domain_id,
        "description": project.description,
        "enabled": True,
        "is_domain": False,
        "parent_id": project.domain_id,
        "tags": list(project.tags),
        "links": {"self": f"{base}/identity/v3/projects/{project.id}"},
    }


def _token_body(cloud: FakeCloud, token: Token, base: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "methods": token.methods,
        "user": {
            "id": token.user.id,
            "name": token.user.name,
            "domain": {"id": "default", "name": token.user.domain_name},
            "password_expires_at": None,
        },
        "audit_ids": ["3T2dc1CGQxyJsHdDu1xkcw"],
        "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "expires_at": (now + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
    }
    if token.project is not None:
        body["project"] = {
            "id": token.project.id,
            "name": token.project.name,
            "domain": {"id": token.project.domain_id, "name": "Default"},
        }
        body["roles"] = [{"id": "9fe2ff9ee4384b1894a90878d3e92bab", "name": "reader"}]
        body["catalog"] = catalog(cloud, base, token.project.id)
        body["is_domain"] = False
    if token.application_credential is not None:
        credential = token.application_credential
        body["application_credential"] = {
            "id": credential.id,
            "name": credential.name,
            "restricted": True,
        }
    return body


def _find_user(cloud: FakeCloud, spec: dict[str, Any]) -> User | None:
    for user in cloud.users.values():
        if spec.get("id") in (user.id,) or spec.get("name") == user.name:
            return user
    return None


def _scope(cloud: FakeCloud, user: User, scope: Any) -> Project | Reply | None:
    """The project a request scopes to, None for unscoped, a 401 reply when refused."""
    if not scope:
        return None
    spec = scope.get("project") if isinstance(scope, dict) else None
    if not isinstance(spec, dict):
        return _unauthorized("only project scopes are supported")
    project = cloud.projects.get(spec.get("id") or "")
    if project is None:
        project = next((p for p in cloud.projects.values() if p.name == spec.get("name")), None)
    if project is None or project.id not in user.project_ids or project.id in cloud.unscopable:
        return _unauthorized()
    return project


def _issue(cloud: FakeCloud, request: Request) -> Reply:
    identity = request.json().get("auth", {}).get("identity", {})
    scope = request.json().get("auth", {}).get("scope")
    methods = list(identity.get("methods") or [])
    credential: AppCredential | None = None
    if methods == ["password"]:
        spec = identity.get("password", {}).get("user", {})
        user = _find_user(cloud, spec)
        if user is None or spec.get("password") != user.password:
            return _unauthorized()
    elif methods == ["application_credential"]:
        spec = identity.get("application_credential", {})
        credential = cloud.app_credentials.get(spec.get("id") or "")
        if credential is None or spec.get("secret") != credential.secret:
            return _unauthorized()
        user = cloud.users[credential.user_id]
        scope = {"project": {"id": credential.project_id}}
    elif methods == ["token"]:
        old = cloud.token(identity.get("token", {}).get("id"))
        if old is None:
            return _unauthorized()
        if old.application_credential is not None:
            return Reply(
                403, {"error": {"code": 403, "message": "cannot re-scope", "title": "Forbidden"}}
            )
        user = old.user
    else:
        return _unauthorized(f"unsupported methods {methods}")
    project = _scope(cloud, user, scope)
    if isinstance(project, Reply):
        return project
    token = cloud.issue_token(user, project, methods, credential)
    body = {"token": _token_body(cloud, token, request.base)}
    return Reply(201, body, {"X-Subject-Token": token.value})


def _ec2_credentials(cloud: FakeCloud, request: Request, token: Token, user_id: str) -> Reply:
    if token.user.id != user_id:
        message = (
            "You are not authorized to perform the requested action: identity:ec2_list_credentials."
        )
        return Reply(403, {"error": {"code": 403, "message": message, "title": "Forbidden"}})
    url = f"{request.base}/identity/v3/users/{user_id}/credentials/OS-EC2"
    credentials = [
        {
            "user_id": c.user_id,
            "tenant_id": c.project_id,
            "access": c.access,
            "secret": c.secret,
            "trust_id": None,
            "links": {"self": f"{url}/{c.access}"},
        }
        for c in sorted(cloud.ec2_credentials.values(), key=lambda c: c.access)
        if c.user_id == user_id
    ]
    links = {"self": url, "next": None, "previous": None}
    return Reply(200, {"credentials": credentials, "links": links})


def identity(cloud: FakeCloud, request: Request, rest: list[str]) -> Reply:
    """Every `/identity/...` request; `rest` is the path after `identity`."""
    if rest in ([], [""]):
        values = [version_document(request.base)]
        return Reply(300, {"versions": {"values": values}})
    if rest[0] != "v3":
        return Reply(404, {"error": {"code": 404, "message": "not found", "title": "Not Found"}})
    tail = [part for part in rest[1:] if part]
    if not tail:
        return Reply(200, {"version": version_document(request.base)})
    if tail == ["auth", "tokens"] and request.method == "POST":
        return _issue(cloud, request)
    token = cloud.token(request.headers.get("x-auth-token"))
    if token is None:
        return _unauthorized()
    if tail == ["auth", "projects"]:
        ids = (
            [token.project.id]
            if token.application_credential and token.project
            else token.user.project_ids
        )
        projects = [_project_json(cloud.projects[i], request.base) for i in ids]
        links = {"self": f"{request.base}{request.path}", "next": None, "previous": None}
        return Reply(200, {"projects": projects, "links": links})
    if len(tail) == 4 and tail[0] == "users" and tail[2:] == ["credentials", "OS-EC2"]:
        return _ec2_credentials(cloud, request, token, tail[1])
    if len(tail) == 2 and tail[0] == "projects":
        if token.project is None or token.project.id != tail[1]:
            message = (
                "You are not authorized to perform the requested action: identity:get_project."
            )
            return Reply(403, {"error": {"code": 403, "message": message, "title": "Forbidden"}})
        return Reply(200, {"project": _project_json(token.project, request.base)})
    return Reply(404, {"error": {"code": 404, "message": "not found", "title": "Not Found"}})
