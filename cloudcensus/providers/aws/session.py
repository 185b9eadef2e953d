"""boto3 sessions and clients: the one place that builds them.

Why a module of its own: boto3 sessions are not thread-safe while clients are, the
collection engine runs many tasks of one account in parallel, and an organisation scan
must not keep every account's clients alive. So each account gets an `AccountClients`
factory that creates clients under a lock and caches them per (service, region); the
factory lives only as long as the tasks that reference it.

Assumed-role credentials refresh themselves (a large account can take longer to scan
than a role session lasts); the first AssumeRole happens eagerly so a refused role fails
the account at once, where the engine records it.
"""

from __future__ import annotations

import ipaddress
import threading
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials

from cloudcensus.providers.aws.settings import AwsSettings

__all__ = [
    "DEFAULT_HOME_REGION",
    "S3CONTROL_SIGN_EVENT",
    "AccountClients",
    "assume_role_session",
    "base_session",
    "botocore_config",
    "unprefix_ip_host",
]

DEFAULT_HOME_REGION = "us-east-1"
#: The botocore event `unprefix_ip_host` is registered on, on every s3control client.
S3CONTROL_SIGN_EVENT = "before-sign.s3-control"
_USER_AGENT = "cloudcensus"


def botocore_config(settings: AwsSettings) -> Config:
    """Adaptive retries (client-side rate limiting on throttling) and bounded timeouts."""
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout_s,
        read_timeout=settings.read_timeout_s,
        user_agent_extra=_USER_AGENT,
    )


def base_session(settings: AwsSettings) -> boto3.Session:
    """The caller's session: boto3's default credential chain, or the configured profile."""
    return boto3.Session(profile_name=settings.profile)


class _ResolvedProvider(CredentialProvider):
    """Hands botocore credentials we already hold (the public way to inject them)."""

    METHOD = "cloudcensus-assume-role"
    CANONICAL_NAME = "cloudcensus-assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


def _assume(sts: Any, role_arn: str, settings: AwsSettings) -> dict[str, str]:
    params: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": settings.role_session_name,
    }
    if settings.external_id is not None:
        params["ExternalId"] = settings.external_id.get_secret_value()
    creds = sts.assume_role(**params)["Credentials"]
    expiration: datetime = creds["Expiration"]
    return {
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "token": creds["SessionToken"],
        "expiry_time": expiration.isoformat(),
    }


def assume_role_session(
    sts: Any, role_arn: str, settings: AwsSettings, home_region: str
) -> boto3.Session:
    """A session in another account through sts:AssumeRole, refreshed before expiry.

    `sts` is a client of the caller's session. Raises the botocore error of the first
    AssumeRole (e.g. AccessDenied) unchanged, before anything else is read.
    """
    first = _assume(sts, role_arn, settings)
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=first,
        refresh_using=lambda: _assume(sts, role_arn, settings),
        method=_ResolvedProvider.METHOD,
    )
    core = botocore.session.Session(profile=settings.profile)
    resolver = CredentialResolver([_ResolvedProvider(credentials)])
    core.register_component("credential_provider", resolver)
    return boto3.Session(botocore_session=core, region_name=home_region)


class AccountClients:
    """`ClientFactory` of one account: thread-safe, one client per (service, region)."""

    def __init__(self, session: boto3.Session, config: Config) -> None:
        self._session = session
        self._config = config
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._session.client(  # type: ignore[call-overload]
                    service, region_name=region, config=self._config
                )
                if service == "s3control":
                    client.meta.events.register(S3CONTROL_SIGN_EVENT, unprefix_ip_host)
                self._clients[key] = client
            return client


def unprefix_ip_host(request: Any, **_: Any) -> None:
    """Botocore handler for `S3CONTROL_SIGN_EVENT`: S3 Control addresses
    `<account-id>.<endpoint host>`. When the endpoint is an IP address (v4, or v6 in
    brackets) or `localhost` (a VPC interface endpoint by address, an emulator), that
    name can never resolve: the request goes to the endpoint host itself. Any other host
    (AWS's own names, a private DNS name) is left untouched.

    `AccountClients` registers it on every s3control client; code that builds its own
    clients (the demo's estate seeding) registers it the same way."""
    scheme, _, rest = request.url.partition("://")
    host, _, path = rest.partition("/")
    label, _, remainder = host.partition(".")
    if not (label.isdigit() and len(label) == 12):
        return
    bare = remainder[1 : remainder.find("]")] if remainder.startswith("[") else remainder
    bare = bare if remainder.startswith("[") else bare.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        if bare != "localhost":
            return
    request.url = f"{scheme}://{remainder}/{path}"
