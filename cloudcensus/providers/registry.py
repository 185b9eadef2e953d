"""Find providers through the `cloudcensus.providers` entry-point group.

Built-in providers are declared exactly like a third-party one. Loading is lazy: a
provider's SDK is imported the first time that provider is asked for. A missing SDK
extra is an error naming the install command.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from cloudcensus.providers.base import Provider

__all__ = ["GROUP", "ProviderUnavailable", "available_providers", "load_provider_class"]

GROUP = "cloudcensus.providers"


class ProviderUnavailable(Exception):
    """A provider is unknown, or its SDK extra is not installed."""


@cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def available_providers() -> list[str]:
    """Names of every declared provider, installed SDK or not."""
    return sorted(_entry_points())


def load_provider_class(name: str) -> type[Provider]:
    """Import a provider class, checking it against the `Provider` protocol."""
    ep = _entry_points().get(name)
    if ep is None:
        known = ", ".join(available_providers()) or "none"
        raise ProviderUnavailable(f"unknown provider {name!r} (installed: {known})")
    try:
        cls = ep.load()
    except ModuleNotFoundError as exc:
        raise ProviderUnavailable(
            f"provider {name!r} needs an SDK that is not installed ({exc.name}): "
            f"pip install 'cloudcensus[{name}]'"
        ) from exc
    missing = [
        attr
        for attr in ("name", "settings_model", "scopes", "tasks", "classify")
        if not hasattr(cls, attr)
    ]
    if missing or not isinstance(cls, type):
        raise ProviderUnavailable(
            f"{ep.value} does not implement the Provider protocol (missing: {missing})"
        )
    provider_cls: type[Provider] = cls
    return provider_cls
