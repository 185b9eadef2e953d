"""S3 in front of a moto server: what the fakes of S3-compatible storage share.

Scaleway Object Storage, OUTSCALE OOS and the S3 API of OpenStack clouds are served the
same way: the fake checks the request's access key (moto checks no signature), picks
the moto account that holds the caller's buckets (one per project or account, so each
sees its own), and forwards the request to moto with that account
(`x-moto-account-id`). Its errors are S3's XML errors. `create_bucket` seeds a bucket
through a fake's S3 API, as a user with those keys would.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterable
from typing import Any, TypedDict, Unpack
from urllib.parse import urlsplit

from cloudcensus.fakes.loopback import Answer, FakeHandler

__all__ = [
    "HOP_HEADERS",
    "BucketOptions",
    "create_bucket",
    "forward_request",
    "forward_to_moto",
    "moto_account",
    "s3_error",
]

#: headers of one connection, not of the request: never forwarded
HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "host", "content-length"}
)


def moto_account(project: str) -> str:
    """The 12-digit moto account that holds one project's buckets."""
    return f"{int(project.replace('-', '')[:12], 16) % 10**12:012d}"


def s3_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    """An S3 XML error (`<Error><Code>...`)."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>fake</RequestId></Error>"
    ).encode()
    return status, body, {"Content-Type": "application/xml", **(headers or {})}


def forward_to_moto(
    backend: str,
    account: str,
    method: str,
    path: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
) -> Answer:
    """Send one request (`path` with its query) to the moto server at `backend`, in moto
    account `account`; its answer, without hop-by-hop headers."""
    target = urlsplit(backend)
    sent = {k: v for k, v in headers if k.lower() not in HOP_HEADERS}
    sent["x-moto-account-id"] = account
    connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=sent)
        response = connection.getresponse()
        data = response.read()
        answer = {
            ("Content-Type" if k.lower() == "content-type" else k): v
            for k, v in response.getheaders()
            if k.lower() not in HOP_HEADERS
        }
        return response.status, data, answer
    finally:
        connection.close()


def forward_request(
    handler: FakeHandler, backend: str | None, account: str, service: str
) -> Answer:
    """The handler's request forwarded to moto in `account`; without a moto server
    (`backend` None), 501 NotImplemented naming the `service` not emulated."""
    if backend is None:
        return s3_error(501, "NotImplemented", f"{service} is not emulated here")
    path, headers = handler.path, handler.headers.items()
    return forward_to_moto(backend, account, handler.command, path, headers, handler.request_body())


class BucketOptions(TypedDict, total=False):
    """How `create_bucket` configures the bucket (all off by default)."""

    public: bool  # a public-read ACL
    policy: dict[str, Any] | None  # a bucket policy
    tags: dict[str, str] | None
    encrypted: bool  # default encryption, SSE-S3
    versioning: bool


def create_bucket(
    endpoint: str,
    access_key: str,
    secret_key: str,
    region: str,
    name: str,
    **options: Unpack[BucketOptions],
) -> None:
    """Create a bucket located in `region` through a fake's S3 API (needs boto3)."""
    import boto3

    policy, tags = options.get("policy"), options.get("tags")

    # Any: the fakes take Scaleway, OUTSCALE and OpenStack region names, not AWS ones.
    client: Any = boto3.session.Session().client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if options.get("public"):
        client.put_bucket_acl(Bucket=name, ACL="public-read")
    if policy is not None:
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    if tags:
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set})
    if options.get("encrypted"):
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        client.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]}
        )
    if options.get("versioning"):
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
