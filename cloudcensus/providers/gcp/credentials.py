"""Credentials and the HTTP session: Application Default Credentials, one universe.

ADC (`google.auth.default`) finds the credentials the way every Google client library
does: `GOOGLE_APPLICATION_CREDENTIALS`, `gcloud auth application-default login`, workload
identity (GKE, Cloud Run), the metadata server. The configured universe domain must be
the credentials' own: S3NS credentials cannot read googleapis.com and the other way
round, and a mismatch is refused before any call. Anonymous credentials exist only for
the project's own fake API on loopback (settings refuse them elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass

import google.auth
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession
from requests.adapters import HTTPAdapter

from cloudcensus.providers.base import ProviderError
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.scanner.coverage import ErrorKind

__all__ = ["CLOUD_PLATFORM_SCOPE", "Connection", "connect"]

#: Read-only use of the Cloud Asset API needs the cloud-platform scope.
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_DEFAULT_UNIVERSE = "googleapis.com"


@dataclass(frozen=True)
class Connection:
    """The credentials, an authorised session, the API base URL, and the ADC default
    project (if any)."""

    credentials: Credentials
    session: AuthorizedSession
    endpoint: str
    default_project: str | None


def _universe_of(credentials: Credentials) -> str:
    return str(getattr(credentials, "universe_domain", None) or _DEFAULT_UNIVERSE)


def connect(settings: GcpSettings) -> Connection:
    """Build the session the provider reads with. Raises `ProviderError` (access denied)
    when the credentials belong to another universe than the configured one, and
    google-auth's `DefaultCredentialsError` when ADC finds no credentials."""
    project: str | None = None
    credentials: Credentials
    if settings.credentials == "anonymous":
        credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    else:
        credentials, project = google.auth.default(
            scopes=[CLOUD_PLATFORM_SCOPE], quota_project_id=settings.quota_project
        )
        universe = _universe_of(credentials)
        if universe != settings.universe_domain:
            raise ProviderError(
                ErrorKind.ACCESS_DENIED,
                f"the Application Default Credentials belong to universe {universe!r}, "
                f"not the configured {settings.universe_domain!r}",
            )
    session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=settings.concurrency)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    endpoint = settings.api_endpoint or f"https://cloudasset.{settings.universe_domain}"
    return Connection(credentials, session, endpoint, project)
