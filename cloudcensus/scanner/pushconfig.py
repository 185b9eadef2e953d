"""The `registry:` section of the configuration: where and how scans are pushed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from cloudcensus.wire.v1 import MAX_BATCH_EVENTS

__all__ = ["DEFAULT_BATCH_SIZE", "PushSettings"]

#: Findings per batch unless configured: about 7 MB of JSON, 0.7 MB gzipped (the
#: sovereignty packs' events are 2-3 KB each), well under the registry's body limit. Each
#: request costs the registry a fixed part (HTTP, authentication, a transaction, a
#: dozen statements): batches of 2,500 deliver 100,000 findings 20-25 % faster than
#: batches of 1,000 (benchmarks/README.md, "Push and registry").
DEFAULT_BATCH_SIZE = 2500
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class PushSettings(BaseModel):
    """Where and how the agent pushes its scans (`registry:`; absent = never push).

    The bearer token comes from `token` (best from the environment,
    `CLOUDCENSUS_REGISTRY__TOKEN`) or from `token_file` (a mounted secret); it is read
    when the client is built and never logged.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="registry base URL, e.g. https://registry.example.org")
    token: SecretStr | None = Field(default=None, description="agent bearer token")
    token_file: Path | None = Field(default=None, description="file holding the token")
    ca_bundle: Path | None = Field(
        default=None, description="PEM CA bundle to verify the registry (default: system CAs)"
    )
    client_cert: Path | None = Field(default=None, description="PEM client certificate (mTLS)")
    client_key: Path | None = Field(
        default=None, description="PEM key of client_cert (when not in the same file)"
    )
    timeout_s: float = Field(default=30.0, gt=0, le=600, description="per-request timeout")
    batch_size: int = Field(
        default=DEFAULT_BATCH_SIZE,
        ge=1,
        le=MAX_BATCH_EVENTS,
        description="findings (OCSF events) per batch",
    )
    max_retries: int = Field(
        default=6, ge=0, le=20, description="retries of one request (errors, 429, 5xx)"
    )
    concurrency: int = Field(
        default=3,  # the pusher's DEFAULT_CONCURRENCY
        ge=1,
        le=16,
        description="finding batches of a scan in flight at once (1: one after the other)",
    )
    insecure_http: bool = Field(
        default=False,
        description="allow plain http:// to a non-loopback host (the token travels in clear)",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _check_auth(self) -> PushSettings:
        if self.token is not None and self.token_file is not None:
            raise ValueError("set token or token_file, not both")
        if self.token is None and self.token_file is None:
            raise ValueError(
                "a token is required: token, token_file or CLOUDCENSUS_REGISTRY__TOKEN"
            )
        if self.client_key is not None and self.client_cert is None:
            raise ValueError("client_key needs client_cert")
        parts = urlsplit(self.url)
        remote = (parts.hostname or "") not in _LOOPBACK_HOSTS
        if parts.scheme == "http" and remote and not self.insecure_http:
            raise ValueError(
                "plain http to a remote host sends the token in clear: use "
                "https (or set insecure_http: true)"
            )
        return self
