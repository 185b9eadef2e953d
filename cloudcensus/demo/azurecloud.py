"""The demo's Azure tenant: the project's fake Azure with two subscriptions.

Production (West Europe, guarded by an "Allowed locations" assignment, Activity Log
exported) holds compliant and violating resources side by side; Research keeps
sensitive data in East US, outside the EU. The fake runs in a thread of the demo
process over HTTPS on loopback with a throwaway CA; the agent signs in with the fake's
client-secret credentials through the real `DefaultAzureCredential`.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from cloudcensus.demo.clouds import ServedDemoCloud
from cloudcensus.providers.azure.fake import FakeAzure
from cloudcensus.providers.azure.fake.estates import change_demo, demo_tenant

__all__ = ["AzureDemoCloud"]


class AzureDemoCloud(ServedDemoCloud):
    """A `cloudcensus.demo.clouds.DemoCloud` serving the demo tenant."""

    provider = "azure"

    def __init__(self) -> None:
        self._fake = FakeAzure(demo_tenant())
        self.description = "Azure tenant (2 subscriptions), not started"

    def _start(self, stack: ExitStack) -> None:
        stack.enter_context(self._fake)
        count = len(self._fake.tenant.subscriptions)
        self.description = f"Azure tenant ({count} subscriptions) on {self._fake.url}"

    def provider_settings(self) -> Mapping[str, Any]:
        # A local fake answers at once or never: two retries are plenty.
        return {**self._fake.provider_settings(), "max_retries": 2}

    def environment(self) -> Mapping[str, str]:
        return self._fake.environment()

    def change(self) -> None:
        change_demo(self._fake.tenant)
