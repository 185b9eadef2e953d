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

import http.client
import json
import re
from typing import Any
from urllib.parse import urlsplit

from cloudcensus.providers.openstack.fake.http import Reply, Request
from cloudcensus.providers.openstack.fake.state import Ec2Credential, FakeCloud

__all__ = ["is_s3", "moto_account", "s3", "seed_bucket"]

_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "host", "content-length"}
_SCOPE = re.compile(r"Credential=(?P<access>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/s3/")


def moto_account(project: str) -> str:
    """The 12-digit moto account that holds one project's buckets."""
    return f"{int(project.replace('-', '')[:12], 16) % 10**12:012d}"


def is_s3(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256")


def _error(status: int, code: str, message: str) -> Reply:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>fake</RequestId></Error>"
    ).encode()
    return Reply(status, body, {"Content-Type": "application/xml"})


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
    return _forward(cloud.s3_backend, request, moto_account(project))


def _forward(backend: str, request: Request, account: str) -> Reply:
    target = urlsplit(backend)
    headers = {k: v for k, v in request.headers.items() if k not in _HOP}
    headers["x-moto-account-id"] = account
    path = f"{request.path}?{request.raw_query}" if request.raw_query else request.path
    connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
    try:
        connection.request(request.method, path, body=request.body or None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        answer = {
            ("Content-Type" if k.lower() == "content-type" else k): v
            for k, v in response.getheaders()
            if k.lower() not in _HOP
        }
        return Reply(response.status, data, answer)
    finally:
        connection.close()


def seed_bucket(
    endpoint: str,
    credential: Ec2Credential,
    region: str,
    name: str,
    *,
    public: bool = False,
    policy: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
    encrypted: bool = False,
    versioning: bool = False,
) -> None:
    """Create a bucket located in `region` through the fake's S3 API (needs boto3)."""
    import boto3

    client: Any = boto3.session.Session().client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=credential.access,
        aws_secret_access_key=credential.secret,
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if public:
        client.put_bucket_acl(Bucket=name, ACL="public-read")
    if policy is not None:
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    if tags:
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set})
    if encrypted:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        client.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]}
        )
    if versioning:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
