"""Catalog services no collector reads: named in the coverage, never silently skipped.

A project's catalog can offer services cloudcensus has no collector for (Mistral
workflows, Zaqar queues, a cloud's own products). Their resources are then missing from
the inventory, so each such (region, service type) is a `not_enabled` coverage unit
named `catalog.<service type>`, whose message says what is not read. Services that hold
no resources of the project to inventory are skipped: the identity and placement
services, and second APIs over resources read elsewhere (Heat's CloudFormation API,
Nova's EC2 API, S3 read through the cloud's profile). A cloud's `unread_services`
setting accepts named services as unread (no unit), since a failed unit keeps the
project from counting as completely read.
"""

from __future__ import annotations

from collections.abc import Iterable

from cloudcensus.providers.base import CollectionTask, ProviderError
from cloudcensus.scanner.coverage import ErrorKind

__all__ = ["NOT_RESOURCE_APIS", "unread_service_task", "unread_services"]

#: catalog types that are not APIs of the project's resources, or repeat another's
NOT_RESOURCE_APIS = frozenset(
    {
        "identity",  # Keystone: the project itself is read from it (`identity.py`)
        "placement",  # the operator's resource providers, not the project's
        "cloudformation",  # Heat's CloudFormation-compatible API: the same stacks
        "ec2",  # Nova's EC2-compatible API: the same servers
        "s3",  # S3 object storage: read through the cloud's profile (`s3.py`)
        "metering",  # telemetry measurements of resources read elsewhere
        "metric",
        "rating",  # CloudKitty prices
    }
)


def unread_services(
    offered: Iterable[str], read: Iterable[str], accepted: Iterable[str]
) -> list[str]:
    """The offered service types no collector reads, not skipped nor accepted."""
    known = set(read) | NOT_RESOURCE_APIS | set(accepted)
    return sorted(set(offered) - known)


def unread_service_task(provider: str, project: str, region: str, service: str) -> CollectionTask:
    """The coverage unit `catalog.<service>` of a catalog service no collector reads."""

    def fetch() -> list[object]:
        raise ProviderError(
            ErrorKind.NOT_ENABLED,
            f"the catalog offers service type {service!r} in region {region}, which "
            "cloudcensus does not read: its resources are not in the inventory (list it "
            "in the cloud's `unread_services` to accept that)",
        )

    return CollectionTask(provider, project, region, f"catalog.{service}", fetch, lambda raw: None)
