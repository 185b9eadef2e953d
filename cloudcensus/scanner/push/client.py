"""The one factory of the registry HTTP client (STYLE rule 9: the pusher receives it).

`build_client` reads the token (`token`, which the environment can set as
`CLOUDCENSUS_REGISTRY__TOKEN`, or `token_file`), builds the TLS context (system CAs or
`ca_bundle`, optional client certificate for mTLS) and returns an `httpx.Client` bound
to the registry's base URL. HTTP/2 is offered only when the optional `h2` package is
installed; otherwise HTTP/1.1. The token lives in the client's default headers, which
httpx redacts in its reprs; this module never logs it, and errors name files, not
contents.
"""

from __future__ import annotations

import importlib.util
import ssl
from pathlib import Path

import httpx

from cloudcensus import __version__
from cloudcensus.scanner.config import PushSettings

__all__ = ["PushConfigError", "build_client", "http2_available", "read_token", "ssl_context"]

_CONNECT_TIMEOUT_S = 10.0


class PushConfigError(Exception):
    """The registry connection cannot be set up (token file, certificates): names the file."""


def http2_available() -> bool:
    """True when the `h2` package (httpx's HTTP/2 support) is importable."""
    return importlib.util.find_spec("h2") is not None


def read_token(settings: PushSettings) -> str:
    """The bearer token, from the settings or the token file (stripped of whitespace)."""
    if settings.token is not None:
        token = settings.token.get_secret_value().strip()
        source = "registry.token"
    else:
        path = settings.token_file
        if path is None:  # PushSettings refuses this; kept for a clear error
            raise PushConfigError("registry: no token configured")
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise PushConfigError(f"registry.token_file {path}: cannot read: {reason}") from None
        source = f"registry.token_file {path}"
    if not token or any(ch.isspace() or not ch.isprintable() for ch in token):
        raise PushConfigError(f"{source}: empty, or not a single-line token")
    return token


def ssl_context(settings: PushSettings) -> ssl.SSLContext:
    """System trust (or `ca_bundle`) plus the optional client certificate."""
    try:
        if settings.ca_bundle is not None:
            context = ssl.create_default_context(cafile=str(settings.ca_bundle))
        else:
            context = ssl.create_default_context()
    except (OSError, ssl.SSLError) as error:
        raise PushConfigError(
            f"registry.ca_bundle {settings.ca_bundle}: cannot load: {error}"
        ) from None
    if settings.client_cert is not None:
        key = str(settings.client_key) if settings.client_key is not None else None
        try:
            context.load_cert_chain(str(settings.client_cert), key)
        except (OSError, ssl.SSLError) as error:
            raise PushConfigError(
                f"registry.client_cert {settings.client_cert}: cannot load: {error}"
            ) from None
    return context


def build_client(
    settings: PushSettings, *, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The registry client. `transport` is for tests (an `httpx.MockTransport`); in
    production httpx's own transport is used with the TLS context built here."""
    token = read_token(settings)
    timeout = httpx.Timeout(settings.timeout_s, connect=min(_CONNECT_TIMEOUT_S, settings.timeout_s))
    return httpx.Client(
        base_url=settings.url,
        headers={
            "Authorization": f"Bearer {token}",
            "User-Agent": f"cloudcensus-agent/{__version__}",
        },
        timeout=timeout,
        verify=ssl_context(settings),
        http2=http2_available(),
        follow_redirects=False,
        transport=transport,
    )
