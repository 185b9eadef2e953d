"""The project's own fake Scaleway API, served on loopback (tests and `cloudcensus demo`).

It needs only the standard library, plus boto3 and a moto server for Object Storage.
"""

from cloudcensus.providers.scaleway.fake.server import ScalewayFakeServer, moto_account
from cloudcensus.providers.scaleway.fake.state import ApiKey, FakeScaleway, RequestRecord

__all__ = ["ApiKey", "FakeScaleway", "RequestRecord", "ScalewayFakeServer", "moto_account"]
