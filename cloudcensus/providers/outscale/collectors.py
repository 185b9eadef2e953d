"""Every OUTSCALE resource module, in collection order. Add a module here to collect a type."""

from __future__ import annotations

from cloudcensus.providers.outscale import account, apilogs, compute, eim, network, oos
from cloudcensus.providers.outscale.spec import OutscaleCollector

__all__ = ["ALL_COLLECTORS", "build_collectors"]

_MODULES = (compute, network, oos, eim, apilogs, account)


def build_collectors(*, oos_buckets: bool = True) -> tuple[OutscaleCollector, ...]:
    """The collectors to run; OOS can be turned off in the settings."""
    return tuple(
        collector
        for module in _MODULES
        for collector in module.COLLECTORS
        if oos_buckets or module is not oos
    )


#: Every collector with the default settings.
ALL_COLLECTORS: tuple[OutscaleCollector, ...] = build_collectors()
