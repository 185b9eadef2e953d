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

__all__ = ["ALL_COLLECTORS"]

_MODULES = (ec2, s3, rds, iam, kms, cloudtrail, awslambda, eks, elbv2, dynamodb, account)

#: The modelled collectors, then the sweep that keeps everything else as `other`.
ALL_COLLECTORS: tuple[AwsCollector, ...] = (
    *(c for module in _MODULES for c in module.COLLECTORS),
    *tagging.COLLECTORS,
)
