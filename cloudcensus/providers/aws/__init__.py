"""Amazon Web Services, through boto3 (every partition, organisation-wide)."""

from cloudcensus.providers.aws.provider import AwsProvider

__all__ = ["AwsProvider"]
