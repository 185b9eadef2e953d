"""Reaching a cloud's S3-compatible object storage: the project's keys, a client per region.

Keys: by default the scanning user's EC2 credentials for the project, as Keystone lists
them to their owner (`GET /v3/users/{user_id}/credentials/OS-EC2`; each credential is
bound to one project by its `tenant_id`), else the keys of the configured AWS
shared-credentials profile (`s3.aws_profile`). They are read once per project, on first
use, kept in memory only and handed to the provider's redaction list: no message, log or
record carries them. A project without keys is an `access_denied` error saying how to
give it one; the error is kept, so every S3 unit of the project reports it. `claim`
gives a bucket whose location does not name a region read by this scan to exactly one
of the project's S3 tasks, whether each endpoint lists every bucket or its own only.

Clients: boto3, imported on first use (the `openstack` extra does not install it; the
error names what to install), path-style addressing (Infomaniak requires it), the
cloud's retries and timeout. One boto3 session per provider, used under its lock: boto3
sessions are not thread-safe, their clients are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from keystoneauth1.exceptions import ClientException
from openstack.exceptions import InvalidResponse, SDKException

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.openstack.pages import ServiceApi
from cloudcensus.providers.openstack.profiles import S3Offer
from cloudcensus.providers.openstack.settings import CloudSettings
from cloudcensus.scanner.coverage import ErrorKind

__all__ = ["REACH_ERRORS", "Boto", "Keys", "S3Access"]

#: what reading the keys from Keystone may raise, translated by the provider's `classify`
REACH_ERRORS = (ClientException, SDKException, requests.RequestException, LookupError, ValueError)

_INSTALL = "reading S3-compatible object storage needs boto3: pip install 'cloudcensus[openstack]'"


@dataclass(frozen=True)
class Keys:
    access: str
    secret: str

    def __repr__(self) -> str:
        return "Keys(<redacted>)"


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise ProviderError(ErrorKind.NOT_ENABLED, _INSTALL) from None
    return boto3


class Boto:
    """The provider's one boto3 session (created on first use) and its lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._session: Any = None

    def session(self) -> Any:
        """Call with `lock` held."""
        if self._session is None:
            self._session = _boto3().session.Session()
        return self._session


class S3Access:
    """One project's S3 keys and clients (shared by the project's tasks)."""

    def __init__(
        self,
        offer: S3Offer,
        settings: CloudSettings,
        project: str,
        *,
        identity: Callable[[], ServiceApi],
        user_id: Callable[[], str | None],
        remember: Callable[[Iterable[str]], None],
        classify: Callable[[BaseException], tuple[ErrorKind, str]],
        boto: Boto,
    ) -> None:
        self.offer = offer
        self._settings = settings
        self._project = project
        self._identity = identity
        self._user_id = user_id
        self._remember = remember
        self._classify = classify
        self._boto = boto
        self._lock = threading.Lock()
        self._keys: Keys | None = None
        self._failure: ProviderError | None = None
        self._clients: dict[str, Any] = {}
        self._claimed: set[str] = set()

    def client(self, catalog_region: str) -> Any:
        """The S3 client of the S3 region serving `catalog_region`."""
        s3_region = self.offer.region(catalog_region)
        with self._lock:
            keys = self._project_keys()
            if s3_region not in self._clients:
                with self._boto.lock:
                    self._clients[s3_region] = self._new_client(s3_region, keys)
            return self._clients[s3_region]

    def claim(self, bucket: str) -> bool:
        """True the first time `bucket` is claimed in this project (this scan)."""
        with self._lock:
            first = bucket not in self._claimed
            self._claimed.add(bucket)
            return first

    def _project_keys(self) -> Keys:
        """Called with `_lock` held; the first outcome (keys or error) is kept."""
        if self._failure is not None:
            raise self._failure
        if self._keys is None:
            try:
                self._keys = self._read_keys()
            except ProviderError as error:
                self._failure = error
                raise
            except REACH_ERRORS as error:
                kind, message = self._classify(error)
                self._failure = ProviderError(kind, f"S3 object storage keys: {message}")
                raise self._failure from error
            self._remember([self._keys.access, self._keys.secret])
        return self._keys

    def _read_keys(self) -> Keys:
        profile = self._settings.s3.aws_profile
        if profile is not None:
            return self._profile_keys(profile)
        user = self._user_id()
        if not user:
            raise ProviderError(
                ErrorKind.ACCESS_DENIED, "S3 object storage: the token names no user"
            )
        body = self._identity().json(f"/users/{user}/credentials/OS-EC2")
        listed = body.get("credentials") if isinstance(body, dict) else None
        if not isinstance(listed, list):
            raise InvalidResponse("identity: the EC2 credential listing has no 'credentials'")
        mine = [c for c in listed if isinstance(c, dict) and c.get("tenant_id") == self._project]
        for entry in sorted(mine, key=lambda c: str(c.get("access"))):
            if entry.get("access") and entry.get("secret"):
                return Keys(str(entry["access"]), str(entry["secret"]))
        raise ProviderError(
            ErrorKind.ACCESS_DENIED,
            f"S3 object storage: the scanning user has no EC2 credential for project "
            f"{self._project} (create one: `openstack ec2 credentials create --project "
            f"{self._project}`), or set `s3.aws_profile`, or `s3.enabled: false`",
        )

    def _profile_keys(self, profile: str) -> Keys:
        boto3 = _boto3()
        from botocore.exceptions import ProfileNotFound

        with self._boto.lock:
            try:
                found = boto3.session.Session(profile_name=profile).get_credentials()
            except ProfileNotFound:
                found = None
        if found is None:
            raise ProviderError(
                ErrorKind.ACCESS_DENIED,
                f"S3 object storage: AWS profile {profile!r} (s3.aws_profile) has no keys",
            )
        frozen = found.get_frozen_credentials()
        return Keys(frozen.access_key, frozen.secret_key)

    def _new_client(self, s3_region: str, keys: Keys) -> Any:
        """Called with the boto lock held."""
        session = self._boto.session()
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "total_max_attempts": self._settings.retries + 1},
            connect_timeout=min(self._settings.timeout_s, 30.0),
            read_timeout=self._settings.timeout_s,
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            user_agent_extra="cloudcensus",
        )
        return session.client(
            "s3",
            region_name=s3_region.lower(),
            endpoint_url=self.offer.url(s3_region),
            aws_access_key_id=keys.access,
            aws_secret_access_key=keys.secret,
            config=config,
        )
