"""The state behind the fake OpenStack: identities, the catalog, every project's payloads.

Payloads are stored exactly as the APIs answer them (Nova, Neutron, Cinder, Swift,
Octavia, Barbican, Glance, Designate, Heat, Manila, Magnum, Trove), one list per
(project, region, collection), so a test or the demo can also seed an item the real API
would never send (a malformed one). Seeding goes through
`cloudcensus.providers.openstack.fake.seed.Seeder`; faults through `FakeCloud.fail`. S3
buckets live in the moto server named by `s3_backend` (one moto account per project),
reached with the EC2 credentials Keystone lists. All methods are thread-safe: the server
answers from many threads while a test changes the estate or arms a fault.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudcensus.fakes import take_fault

__all__ = [
    "ALL_SERVICES",
    "SERVED",
    "AppCredential",
    "Ec2Credential",
    "FakeCloud",
    "Fault",
    "Project",
    "Token",
    "User",
]

#: service type -> the path segment its endpoints live under (`/<region>/<segment>/...`)
ALL_SERVICES: dict[str, str] = {
    "compute": "compute",
    "network": "network",
    "block-storage": "volume",
    "object-store": "object",
    "load-balancer": "load-balancer",
    "key-manager": "key-manager",
    "image": "image",
    "dns": "dns",
    "orchestration": "orchestration",
    "shared-file-system": "share",
    "container-infrastructure-management": "container-infra",
    "database": "database",
    # in the catalog only when a test adds them (`FakeCloud.services`): no API behind
    "workflow": "workflow",
    "placement": "placement",
}
#: the services every region of a new `FakeCloud` offers
SERVED: tuple[str, ...] = tuple(s for s in ALL_SERVICES if s not in ("workflow", "placement"))

Payload = dict[str, Any]


@dataclass
class Project:
    id: str
    name: str
    domain_id: str = "default"
    description: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class User:
    id: str
    name: str
    password: str
    project_ids: list[str]
    domain_name: str = "Default"


@dataclass
class AppCredential:
    id: str
    name: str
    secret: str
    user_id: str
    project_id: str


@dataclass
class Ec2Credential:
    """Keystone's S3-style keys of one user, bound to one project."""

    access: str
    secret: str
    user_id: str
    project_id: str


@dataclass
class Token:
    value: str
    user: User
    project: Project | None
    methods: list[str]
    application_credential: AppCredential | None = None


@dataclass
class Fault:
    """An answer the fake gives instead of the real one while `times` lasts.

    Matches on the service segment (`compute`, `network`, `volume`, `object`,
    `load-balancer`, `key-manager`, `image`, `dns`, `orchestration`, `share`,
    `container-infra`, `database`, `identity`, `s3`), and when given on the
    region (S3: the signing region), the project and a substring of the path.
    """

    service: str
    status: int
    times: int | None = 1  # None: for ever
    region: str | None = None
    project: str | None = None
    path: str | None = None
    retry_after: int | None = None
    body: str | None = None

    def matches(self, service: str, region: str | None, project: str | None, path: str) -> bool:
        return (
            self.service == service
            and self.region in (None, region)
            and self.project in (None, project)
            and (self.path is None or self.path in path)
        )


class FakeCloud:
    """Everything the fake serves. `regions` lists the catalog's regions in order."""

    def __init__(self, regions: list[str], *, seed: int = 7) -> None:
        self.regions = list(regions)
        self.services: dict[str, set[str]] = {r: set(SERVED) for r in regions}
        self.projects: dict[str, Project] = {}
        self.users: dict[str, User] = {}
        self.app_credentials: dict[str, AppCredential] = {}
        self.ec2_credentials: dict[str, Ec2Credential] = {}  # access key -> credential
        #: the moto server behind the S3 API (`http://127.0.0.1:PORT`); None: no S3
        self.s3_backend: str | None = None
        self.tokens: dict[str, Token] = {}
        self.items: dict[tuple[str, str, str], list[Payload]] = {}
        self.container_headers: dict[tuple[str, str, str], dict[str, str]] = {}
        self.type_encryption: dict[tuple[str, str], Payload] = {}
        self.type_encryption_readable = False  # admin-only in most clouds
        #: projects listed by /v3/auth/projects whose token scoping answers 401
        self.unscopable: set[str] = set()
        #: projects whose every service call answers 403 (a policy that denies the user)
        self.forbidden: set[str] = set()
        #: the largest page each service returns, whatever `limit` asks for
        self.max_page: dict[str, int] = {
            "compute": 1000,
            "network": 1000,
            "volume": 1000,
            "object": 10000,
            "load-balancer": 1000,
            "key-manager": 100,
            "image": 1000,
            "dns": 500,
            "orchestration": 1000,
            "share": 1000,
            "container-infra": 1000,
            "database": 1000,
        }
        self.requests: Counter[tuple[str, str]] = Counter()  # (service, path) -> count
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._random = random.Random(seed)  # noqa: S311 - reproducible ids, not secrets
        self._clock = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    # -- identities ----------------------------------------------------------------------

    def new_id(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def timestamp(self) -> str:
        """A creation time, one minute after the previous one (reproducible)."""
        with self._lock:
            self._clock += timedelta(minutes=1)
            return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def add_project(self, name: str, project_id: str | None = None, **kwargs: Any) -> Project:
        project = Project(id=project_id or self.new_id().replace("-", ""), name=name, **kwargs)
        with self._lock:
            self.projects[project.id] = project
        return project

    def add_user(self, name: str, password: str, projects: list[Project]) -> User:
        user = User(self.new_id(), name, password, [p.id for p in projects])
        with self._lock:
            self.users[user.id] = user
        return user

    def add_app_credential(self, user: User, project: Project, secret: str) -> AppCredential:
        credential = AppCredential(self.new_id(), f"cc-{project.name}", secret, user.id, project.id)
        with self._lock:
            self.app_credentials[credential.id] = credential
        return credential

    def add_ec2_credential(self, user: User, project: Project) -> Ec2Credential:
        """EC2 keys as `openstack ec2 credentials create` makes them (32 hex digits each)."""
        access, secret = self.new_id().replace("-", ""), self.new_id().replace("-", "")
        credential = Ec2Credential(access, secret, user.id, project.id)
        with self._lock:
            self.ec2_credentials[access] = credential
        return credential

    def ec2_credential(self, access: str) -> Ec2Credential | None:
        with self._lock:
            return self.ec2_credentials.get(access)

    def issue_token(
        self,
        user: User,
        project: Project | None,
        methods: list[str],
        credential: AppCredential | None = None,
    ) -> Token:
        token = Token("gAAAA" + uuid.uuid4().hex + uuid.uuid4().hex, user, project, methods)
        token.application_credential = credential
        with self._lock:
            self.tokens[token.value] = token
        return token

    def token(self, value: str | None) -> Token | None:
        with self._lock:
            return self.tokens.get(value or "")

    # -- payloads ------------------------------------------------------------------------

    def add(self, project: str, region: str, collection: str, payload: Payload) -> Payload:
        with self._lock:
            self.items.setdefault((project, region, collection), []).append(payload)
        return payload

    def list(self, project: str, region: str, collection: str) -> list[Payload]:
        with self._lock:
            return list(self.items.get((project, region, collection), []))

    def remove(self, project: str, region: str, collection: str, item_id: str) -> None:
        with self._lock:
            items = self.items.get((project, region, collection), [])
            items[:] = [i for i in items if i.get("id") != item_id and i.get("name") != item_id]

    def find(self, project: str, region: str, collection: str, item_id: str) -> Payload:
        for item in self.list(project, region, collection):
            if item.get("id") == item_id or item.get("name") == item_id:
                return item
        raise KeyError(f"{collection} {item_id} not in {project}/{region}")

    # -- faults --------------------------------------------------------------------------

    def fail(self, fault: Fault) -> Fault:
        """Arm a fault; it answers instead of the API until its `times` are used up."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self.forbidden.clear()
            self.unscopable.clear()

    def take_fault(
        self, service: str, region: str | None, project: str | None, path: str
    ) -> Fault | None:
        """The first armed fault matching this request, counted down; None when none."""
        with self._lock:
            self.requests[service, path] += 1
            return take_fault(self._faults, lambda f: f.matches(service, region, project, path))

    def request_count(self, service: str, path_part: str = "") -> int:
        with self._lock:
            return sum(n for (s, p), n in self.requests.items() if s == service and path_part in p)
