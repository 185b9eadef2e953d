"""AWS account collectors (being written)."""

from cloudcensus.providers.aws.spec import AwsCollector

COLLECTORS: tuple[AwsCollector, ...] = ()
