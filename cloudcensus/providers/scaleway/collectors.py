"""Every Scaleway resource module, in collection order. Add a module here to collect a type."""

from __future__ import annotations

from cloudcensus.providers.scaleway import (
    account,
    audittrail,
    block,
    iam,
    instance,
    k8s,
    keys,
    lb,
    objectstorage,
    other,
    rdb,
    securitygroups,
    vpc,
)
from cloudcensus.providers.scaleway.spec import ScalewayCollector

__all__ = ["ALL_COLLECTORS", "build_collectors"]

_MODULES = (
    instance,
    securitygroups,
    block,
    lb,
    rdb,
    k8s,
    vpc,
    objectstorage,
    keys,
    other,
    iam,
    audittrail,
    account,
)


def build_collectors(*, object_storage: bool = True) -> tuple[ScalewayCollector, ...]:
    """The collectors to run; Object Storage can be turned off in the settings."""
    return tuple(
        collector
        for module in _MODULES
        for collector in module.COLLECTORS
        if object_storage or module is not objectstorage
    )


#: Every collector with the default settings.
ALL_COLLECTORS: tuple[ScalewayCollector, ...] = build_collectors()
