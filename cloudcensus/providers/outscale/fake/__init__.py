"""The project's own fake OUTSCALE API, served on loopback (tests and `cloudcensus demo`).

It needs only the standard library, plus boto3 and a moto server for OOS.
"""

from cloudcensus.providers.outscale.fake.server import OutscaleFakeServer
from cloudcensus.providers.outscale.fake.state import (
    FakeAccount,
    FakeOutscale,
    OscKey,
    RequestRecord,
)

__all__ = ["FakeAccount", "FakeOutscale", "OscKey", "OutscaleFakeServer", "RequestRecord"]
