"""S3 Control routing: `<account-id>.<host>` is rewritten only where that name cannot exist."""

from __future__ import annotations

import pytest
from botocore.awsrequest import AWSRequest

from cloudcensus.providers.aws.session import unprefix_ip_host

ACCOUNT = "123456789012"
PATH = "v20180820/configuration/publicAccessBlock"


def _routed(url: str) -> str:
    request = AWSRequest(method="GET", url=url)
    unprefix_ip_host(request)
    return str(request.url)


@pytest.mark.parametrize(
    ("endpoint", "scheme"),
    [
        ("127.0.0.1:5000", "http"),
        ("10.0.12.7", "https"),  # a VPC interface endpoint by address, default port
        ("[::1]:5000", "http"),
        ("[fd00:ec2::254]", "https"),
        ("localhost:4566", "http"),
    ],
)
def test_account_label_is_dropped_before_an_address_or_localhost(
    endpoint: str, scheme: str
) -> None:
    url = f"{scheme}://{ACCOUNT}.{endpoint}/{PATH}?x=1"
    assert _routed(url) == f"{scheme}://{endpoint}/{PATH}?x=1"


@pytest.mark.parametrize(
    "url",
    [
        f"https://{ACCOUNT}.s3-control.eu-west-1.amazonaws.com/{PATH}",
        f"https://{ACCOUNT}.s3-control-fips.us-gov-west-1.amazonaws.com/{PATH}",
        f"https://{ACCOUNT}.s3-control.cn-north-1.amazonaws.com.cn/{PATH}",
        f"https://{ACCOUNT}.s3control.internal.example.org:8443/{PATH}",  # private DNS
        f"http://127.0.0.1:5000/{PATH}",  # no account label: already routed
        f"http://1234.127.0.0.1:5000/{PATH}",  # not an account id
    ],
)
def test_resolvable_host_names_are_left_untouched(url: str) -> None:
    assert _routed(url) == url
