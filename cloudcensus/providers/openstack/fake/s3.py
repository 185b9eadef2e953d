"""The fake's S3 API: requests signed with a Keystone EC2 credential, served by moto.

A request whose `Authorization` is AWS Signature V4 is S3. Its access key names the EC2
credential (unknown: 403 `InvalidAccessKeyId`, as radosgw and OVHcloud answer), whose
project picks the moto account holding that project's buckets (`moto_account`), so
each project sees its own buckets. Armed faults of service `s3` match the signing
region, the project and the path; a project in `FakeCloud.forbidden` gets
`AccessDenied`. moto checks no signature: the fake checks the key exists.

`seed_bucket` creates a bucket through this API, as a user with that credential would.
"""

from __future__ import annotations

import re
from typing import Unpack

from cloudcensus.fakes import (
    BucketOptions,
    create_bucket,
    forward_to_moto,
    moto_account,
    s3_error,
)
from cloudcensus.providers.openstack.fake.http import Reply, Request
from cloudcensus.providers.openstack.fake.state import Ec2Credential, FakeCloud

__all__ = ["is_s3", "moto_account", "s3", "seed_bucket"]

_SCOPE = re.compile(r"Credential=(?P<access>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/s3/")


def is_s3(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256")


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(*s3_error(status, code, message))


def s3(cloud: FakeCloud, request: Request) -> Reply:
    """Answer one S3 request (see the module doc)."""
    scope = _SCOPE.search(request.headers.get("authorization", ""))
    credential = cloud.ec2_credential(scope["access"]) if scope else None
    if scope is None or credential is None:
        return _error(403, "InvalidAccessKeyId", "The access key Id you provided does not exist")
    project = credential.project_id
    fault = cloud.take_fault("s3", scope["region"], project, request.path)
    if fault is not None:
        code = {403: "AccessDenied", 503: "SlowDown"}.get(fault.status, "InternalError")
        return _error(fault.status, code, "injected")
    if project in cloud.forbidden:
        return _error(403, "AccessDenied", "Access Denied")
    if cloud.s3_backend is None:
        return _error(501, "NotImplemented", "S3 is not served by this fake")
    path = f"{request.path}?{request.raw_query}" if request.raw_query else request.path
    answer = forward_to_moto(
        cloud.s3_backend,
        moto_account(project),
        request.method,
        path,
        request.headers.items(),
        request.body,
    )
    return Reply(*answer)


def seed_bucket(
    endpoint: str,
    credential: Ec2Credential,
    region: str,
    name: str,
    **options: Unpack[BucketOptions],
) -> None:
    """Create a bucket located in `region` through the fake's S3 API (needs boto3)."""
    create_bucket(endpoint, credential.access, credential.secret, region, name, **options)
