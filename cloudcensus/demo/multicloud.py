"""The demo's clouds beyond AWS: find, start and configure every installed demo cloud.

A demo cloud (`cloudcensus.demo.clouds.DemoCloud`) is started only when its provider's
SDK extra is installed; a missing one is named with the install command, and the demo goes
on with the others. Their `providers:` sections are merged into the demo configuration
and their fake credentials are set in the environment for the duration of the scans.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import yaml

from cloudcensus.demo.clouds import DemoCloud

__all__ = ["DEMO_CLOUDS", "Missing", "demo_environment", "merge_providers", "start_clouds"]

#: (provider, module, class) of every demo cloud, in the order the demo starts them.
DEMO_CLOUDS: tuple[tuple[str, str, str], ...] = (
    ("azure", "cloudcensus.demo.azurecloud", "AzureDemoCloud"),
    ("gcp", "cloudcensus.demo.gcpcloud", "GcpDemoCloud"),
    ("openstack", "cloudcensus.demo.openstackcloud", "OpenStackDemoCloud"),
    ("scaleway", "cloudcensus.demo.scalewaycloud", "ScalewayDemoCloud"),
    ("outscale", "cloudcensus.demo.outscalecloud", "OutscaleDemoCloud"),
)


@dataclass(frozen=True)
class Missing:
    """A demo cloud that cannot run here, and why (for the terminal)."""

    provider: str
    reason: str


def _load(provider: str, module: str, name: str) -> DemoCloud | Missing | None:
    try:
        cls = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        if error.name is not None and module.startswith(error.name):
            return None  # this build ships no demo cloud for the provider
        return Missing(
            provider, f"{error.name} is not installed: pip install 'cloudcensus[{provider}]'"
        )
    cloud: DemoCloud = cls()
    return cloud


def start_clouds(
    stack: ExitStack, only: Sequence[str] | None = None
) -> tuple[list[DemoCloud], list[Missing]]:
    """Start every available demo cloud (or those named in `only`) inside `stack`."""
    started: list[DemoCloud] = []
    missing: list[Missing] = []
    for provider, module, name in DEMO_CLOUDS:
        if only is not None and provider not in only:
            continue
        loaded = _load(provider, module, name)
        if loaded is None:
            continue
        if isinstance(loaded, Missing):
            missing.append(loaded)
            continue
        started.append(stack.enter_context(loaded))
    return started, missing


def merge_providers(config_text: str, clouds: Sequence[DemoCloud]) -> str:
    """The demo configuration with each started cloud's `providers:` section added."""
    data: dict[str, Any] = yaml.safe_load(config_text)
    providers: dict[str, Any] = data.setdefault("providers", {})
    for cloud in clouds:
        providers[cloud.provider] = dict(cloud.provider_settings())
    return yaml.safe_dump(data, sort_keys=False)


@contextmanager
def demo_environment(clouds: Sequence[DemoCloud]) -> Iterator[None]:
    """Set every started cloud's fake credentials for the duration, then restore."""
    wanted: dict[str, str] = {}
    for cloud in clouds:
        env: Mapping[str, str] = cloud.environment()
        wanted.update(env)
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
