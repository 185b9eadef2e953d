"""What every fake cloud API of the project shares, whatever the provider.

Each provider ships its own fake (`cloudcensus.providers.<provider>.fake`), served on
loopback for the tests, the demo and the benchmarks. The wire formats, routes and
estates are the provider's own; the plumbing under them is the same everywhere and
lives here: the lifecycle of a started service (`service.py`), the loopback HTTP server
and its request handler (`loopback.py`), armed faults and the answers a gateway gives
(`faults.py`), and S3 in front of a moto server (`s3.py`). Standard library only (boto3
for `create_bucket`, imported when called).
"""

from cloudcensus.fakes.faults import (
    GATEWAY_PAGE,
    FaultLog,
    PatternFault,
    gateway_error,
    take_fault,
)
from cloudcensus.fakes.loopback import (
    Answer,
    FakeHandler,
    LoopbackFake,
    LoopbackHTTPServer,
    json_answer,
)
from cloudcensus.fakes.s3 import (
    BucketOptions,
    create_bucket,
    forward_request,
    forward_to_moto,
    moto_account,
    s3_error,
)
from cloudcensus.fakes.service import Service

__all__ = [
    "GATEWAY_PAGE",
    "Answer",
    "BucketOptions",
    "FakeHandler",
    "FaultLog",
    "LoopbackFake",
    "LoopbackHTTPServer",
    "PatternFault",
    "Service",
    "create_bucket",
    "forward_request",
    "forward_to_moto",
    "gateway_error",
    "json_answer",
    "moto_account",
    "s3_error",
    "take_fault",
]
