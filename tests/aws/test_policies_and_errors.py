"""Pure pieces of the AWS provider: SCP region guardrails, error kinds, redaction."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, NoCredentialsError
from pydantic import ValidationError

from cloudcensus.providers.aws.errors import classify_error
from cloudcensus.providers.aws.organization import (
    intersect_region_sets,
    regions_allowed_by_policy,
)
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.scanner.coverage import MAX_MESSAGE_CHARS, ErrorKind


def _deny_outside(operator: str, regions: object) -> str:
    statement = {
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*"],
        "Resource": "*",
        "Condition": {operator: {"aws:RequestedRegion": regions}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    ("operator", "regions", "allowed"),
    [
        ("StringNotEquals", ["eu-west-1", "eu-central-1"], ["eu-central-1", "eu-west-1"]),
        ("StringNotLike", "eu-*", ["eu-*"]),
        ("ForAnyValue:StringNotEqualsIfExists", ["eu-west-3"], ["eu-west-3"]),
    ],
)
def test_deny_outside_regions_is_a_guardrail(
    operator: str, regions: object, allowed: list[str]
) -> None:
    assert regions_allowed_by_policy(_deny_outside(operator, regions)) == allowed


def test_policies_without_a_region_deny_are_not_guardrails() -> None:
    full_access = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    assert regions_allowed_by_policy(json.dumps(full_access)) is None
    allow_only_eu = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
            }
        ]
    }
    assert regions_allowed_by_policy(allow_only_eu) is None


def test_stacked_guardrails_leave_only_what_every_one_allows() -> None:
    assert intersect_region_sets([["eu-*"], ["eu-west-1", "us-east-1"]]) == ["eu-west-1"]
    assert intersect_region_sets([["eu-west-1"], ["eu-central-1"]]) == []


def _client_error(code: str, message: str, status: int = 400) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "DescribeInstances")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("AccessDenied", ErrorKind.ACCESS_DENIED),
        ("AccessDeniedException", ErrorKind.ACCESS_DENIED),
        ("UnauthorizedOperation", ErrorKind.ACCESS_DENIED),
        ("AuthFailure", ErrorKind.ACCESS_DENIED),
        ("Throttling", ErrorKind.THROTTLED),
        ("ThrottlingException", ErrorKind.THROTTLED),
        ("RequestLimitExceeded", ErrorKind.THROTTLED),
        ("TooManyRequestsException", ErrorKind.THROTTLED),
        ("OptInRequired", ErrorKind.NOT_ENABLED),
        ("SubscriptionRequiredException", ErrorKind.NOT_ENABLED),
        ("AWSOrganizationsNotInUseException", ErrorKind.NOT_ENABLED),
        ("InternalError", ErrorKind.UNEXPECTED),
    ],
)
def test_aws_error_codes_map_to_coverage_kinds(code: str, kind: ErrorKind) -> None:
    got, message = classify_error(_client_error(code, "no"))
    assert got is kind
    assert message == f"DescribeInstances: {code}: no"


def test_transport_errors_are_named() -> None:
    timeout = ConnectTimeoutError(endpoint_url="https://ec2.eu-west-1.amazonaws.com")
    assert classify_error(timeout)[0] is ErrorKind.TIMEOUT
    assert classify_error(NoCredentialsError())[0] is ErrorKind.ACCESS_DENIED
    with pytest.raises(ValidationError) as invalid:
        AwsSettings.model_validate({"mode": "nonsense"})
    assert classify_error(invalid.value)[0] is ErrorKind.MALFORMED


def test_messages_never_carry_credentials() -> None:
    leaked = (
        "key ASIAQWERTYUIOPASDFGH secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY "
        "external id ext-1234 for arn:aws:iam::111122223333:role/scanner"
    )
    _, message = classify_error(_client_error("InvalidClientTokenId", leaked), ["ext-1234"])
    assert "ASIAQWERTYUIOPASDFGH" not in message
    assert "wJalrXUtnFEMI" not in message
    assert "ext-1234" not in message
    assert "arn:aws:iam::111122223333:role/scanner" in message  # still actionable


def test_a_long_multi_line_message_is_cut_to_one_line_after_redaction() -> None:
    token = "Q" * 60  # credential-shaped, and it straddles the cut
    text = "the gateway said no. " * 12 + f"{token} and more\nat line two\nat line three"
    _, message = classify_error(_client_error("InternalError", text))
    assert message.startswith("DescribeInstances: InternalError: the gateway said no.")
    assert "\n" not in message
    assert len(message) <= MAX_MESSAGE_CHARS
    assert "Q" not in message


@pytest.mark.parametrize(
    "settings",
    [
        {"mode": "accounts"},
        {"mode": "auto", "accounts": ["111122223333"]},
        {"mode": "accounts", "accounts": ["1111"]},
        {"regions": ["Ireland"]},
        {"max_attempts": 0},
        {"unknown": True},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AwsSettings.model_validate(settings)


def test_external_id_never_shows_in_settings_output() -> None:
    settings = AwsSettings.model_validate({"external_id": "ext-9f8e7d"})
    assert "ext-9f8e7d" not in repr(settings)
    assert "ext-9f8e7d" not in settings.model_dump_json()
