"""Every AWS resource module, in collection order. Add a module here to collect a type."""

from __future__ import annotations

from cloudcensus.providers.aws import (
    account,
    awslambda,
    cloudtrail,
    dynamodb,
    ec2,
    eks,
    elbv2,
    iam,
    kms,
    rds,
    s3,
    tagging,
)
from cloudcensus.providers.aws.spec import AwsCollector

__all__ = ["ALL_COLLECTORS", "build_collectors"]

_MODULES = (ec2, s3, rds, iam, kms, cloudtrail, awslambda, eks, elbv2, dynamodb, account)


def build_collectors(*, resource_explorer: bool = True) -> tuple[AwsCollector, ...]:
    """The modelled collectors, then the sweep that keeps everything else as `other`."""
    modelled = tuple(c for module in _MODULES for c in module.COLLECTORS)
    return (
        *modelled,
        *tagging.sweep_collectors(
            (t for c in modelled for t in c.native_types), resource_explorer=resource_explorer
        ),
    )


#: Every collector with the default settings.
ALL_COLLECTORS: tuple[AwsCollector, ...] = build_collectors()
