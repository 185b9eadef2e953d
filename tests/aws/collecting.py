"""Running one collector against moto the way the provider does, for collector tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3

from cloudcensus.providers.aws.session import AccountClients, botocore_config
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext
from cloudcensus.providers.catalogue import load_catalogue
from cloudcensus.scanner.inventory import Resource

__all__ = ["aws_context", "client_factory", "collect_named"]


def client_factory(session: boto3.Session) -> AccountClients:
    """The provider's own client factory (retries, timeouts, S3 Control routing)."""
    return AccountClients(session, botocore_config(AwsSettings()))


def aws_context(
    account: str,
    region: str,
    *,
    regions: tuple[str, ...] | None = None,
    home_region: str | None = None,
    organization: Mapping[str, Any] | None = None,
) -> AwsContext:
    return AwsContext(
        account=account,
        region=region,
        partition="aws",
        home_region=home_region or region,
        regions=regions or (region,),
        catalogue=load_catalogue("cloudcensus.providers.aws"),
        organization=organization,
    )


def collect_named(
    session: boto3.Session, collector: AwsCollector, ctx: AwsContext
) -> dict[str, Resource]:
    """fetch + normalise, keyed by resource name (or id when unnamed)."""
    factory = client_factory(session)
    resources = [collector.normalise(raw, ctx) for raw in collector.fetch(factory, ctx)]
    return {r.name or r.id: r for r in resources if r is not None}
