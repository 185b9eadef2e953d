"""Every OpenStack service module, in collection order. Add a module here to collect a type."""

from __future__ import annotations

from cloudcensus.providers.openstack import (
    blockstorage,
    compute,
    containerinfra,
    database,
    identity,
    image,
    keymanager,
    loadbalancer,
    network,
    objectstore,
    other,
    s3,
    securitygroups,
)
from cloudcensus.providers.openstack.spec import OpenStackCollector

__all__ = ["ALL_COLLECTORS"]

_MODULES = (
    compute,
    blockstorage,
    network,
    securitygroups,
    objectstore,
    s3,
    loadbalancer,
    keymanager,
    database,
    containerinfra,
    image,
    other,
    identity,
)

#: Every collector; a region gets the tasks of the services its catalog offers.
ALL_COLLECTORS: tuple[OpenStackCollector, ...] = tuple(
    c for module in _MODULES for c in module.COLLECTORS
)
