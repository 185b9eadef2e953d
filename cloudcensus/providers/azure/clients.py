"""The Azure SDK clients of one provider run: one credential, one pipeline per API.

Built once per `AzureProvider`, lazily (never at import time), and shared by every task:
azure-core clients are safe to use from several threads. Every client gets the cloud's
ARM endpoint and token scope, the CA bundle, timeouts and the retry budget from the
settings. Retries are azure-core's (429 and 5xx, `Retry-After` honoured); the
`QuotaGate` adds what Resource Graph asks for on top: when an answer says the caller's
quota is used up (`x-ms-user-quota-remaining: 0`), the next call waits until
`x-ms-user-quota-resets-after`.

`ArmReader` reads ARM paths that have no typed operation in the installed SDKs (SQL
firewall rules, policy assignments at a scope, subscription diagnostic settings, ...)
through the same authenticated pipeline, following `nextLink`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy
from azure.core.rest import HttpRequest
from azure.identity import DefaultAzureCredential
from azure.mgmt.resource.subscriptions import SubscriptionClient
from azure.mgmt.resourcegraph import ResourceGraphClient

from cloudcensus.providers.azure.errors import ArmError, raise_for_arm_error
from cloudcensus.providers.azure.settings import AzureSettings

__all__ = ["ArmReader", "AzureClients", "QuotaGate", "parse_resets_after"]

_USER_AGENT = "cloudcensus"


def parse_resets_after(value: str) -> float | None:
    """Seconds in Resource Graph's `hh:mm:ss` (or plain seconds) quota reset header."""
    try:
        parts = [float(p) for p in value.strip().split(":")]
    except ValueError:
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds if seconds >= 0 else None


class QuotaGate(HTTPPolicy):  # type: ignore[type-arg]
    """Per-attempt policy: pause before a call while the caller's quota is exhausted."""

    def __init__(self, max_wait_s: float) -> None:
        super().__init__()
        self._max_wait = max_wait_s
        self._lock = threading.Lock()
        self._resume_at = 0.0
        self.waited_s = 0.0  # total pause, for tests and the benchmark

    def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        with self._lock:
            wait = min(self._resume_at - time.monotonic(), self._max_wait)
        if wait > 0:
            time.sleep(wait)
            with self._lock:
                self.waited_s += wait
        response: PipelineResponse = self.next.send(request)  # type: ignore[type-arg]
        headers = response.http_response.headers
        remaining = headers.get("x-ms-user-quota-remaining")
        resets = headers.get("x-ms-user-quota-resets-after")
        exhausted = remaining is not None and remaining.strip() in ("0", "-1")
        if resets and (exhausted or response.http_response.status_code == 429):
            seconds = parse_resets_after(resets)
            if seconds is not None:
                with self._lock:
                    self._resume_at = max(self._resume_at, time.monotonic() + seconds)
        return response


class ArmReader:
    """GET any ARM path through an authenticated SDK pipeline; JSON answers only."""

    def __init__(self, client: SubscriptionClient) -> None:
        self._client = client

    def get(self, path: str, api_version: str | None) -> dict[str, Any]:
        """One GET (`path` relative to the ARM endpoint, or an absolute `nextLink`)."""
        params = {"api-version": api_version} if api_version else None
        response = self._client.send_request(HttpRequest("GET", path, params=params))
        operation = path.split("?")[0].rsplit("/providers/", 1)[-1]
        raise_for_arm_error(response, operation)
        body = response.json()
        if not isinstance(body, dict):
            raise ArmError(response.status_code, "InvalidResponse", "not a JSON object", operation)
        return body

    def list(self, path: str, api_version: str) -> Iterator[dict[str, Any]]:
        """Every item of an ARM list (`value`), following `nextLink` verbatim."""
        page = self.get(path, api_version)
        while True:
            value = page.get("value")
            if not isinstance(value, list):
                raise ArmError(200, "InvalidResponse", "list answer without `value`", path)
            yield from value
            link = page.get("nextLink")
            if not link:
                return
            page = self.get(link, None)


class AzureClients:
    """The credential and SDK clients of one provider run."""

    def __init__(self, settings: AzureSettings) -> None:
        cloud = settings.resolved_cloud()
        self.cloud = cloud
        self.quota = QuotaGate(settings.max_throttle_wait_s)
        transport: dict[str, Any] = {
            "connection_timeout": settings.timeout_s,
            "read_timeout": settings.timeout_s,
            "retry_total": settings.max_retries,
            "user_agent": _USER_AGENT,
        }
        if settings.connection_verify is not None:
            transport["connection_verify"] = str(settings.connection_verify)
        tenant = {}
        if settings.tenant_id:
            tenant = {
                "workload_identity_tenant_id": settings.tenant_id,
                "shared_cache_tenant_id": settings.tenant_id,
                "interactive_browser_tenant_id": settings.tenant_id,
            }
        self.credential = DefaultAzureCredential(
            authority=cloud.authority_host,
            # Instance discovery asks Microsoft's public authority about the host: a
            # partner or private cloud's own authority is not known there.
            disable_instance_discovery=settings.cloud == "custom",
            **tenant,
            **transport,
        )
        common: dict[str, Any] = {
            "base_url": cloud.arm_endpoint,
            "credential_scopes": [cloud.credential_scope],
            **transport,
        }
        self.graph = ResourceGraphClient(self.credential, per_retry_policies=[self.quota], **common)
        self.subscriptions = SubscriptionClient(self.credential, **common)
        self.arm = ArmReader(self.subscriptions)

    def close(self) -> None:
        for client in (self.graph, self.subscriptions):
            client.close()
        self.credential.close()
