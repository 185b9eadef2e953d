"""Lambda functions collected from a moto server: public URLs, runtime, role, and
environment variables kept out of the inventory."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.aws import awslambda
from cloudcensus.scanner.inventory import Resource
from tests.aws.collecting import aws_context, collect_named

ACCOUNT = "123456789012"
REGION = "eu-west-1"
SECRET = "hunter2-not-for-the-inventory"


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return 1\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def functions(moto_server: MotoServer) -> dict[str, Resource]:
    moto_server.reset()
    session = boto3.Session(region_name=REGION)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = session.client("iam").create_role(
        RoleName="exec", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    client = session.client("lambda")
    common: dict[str, Any] = {
        "Role": role,
        "Handler": "handler.handle",
        "Code": {"ZipFile": _code()},
    }
    client.create_function(
        FunctionName="open",
        Runtime="python3.12",
        Environment={"Variables": {"DB_PASSWORD": SECRET}},
        Tags={"owner": "web"},
        **common,
    )
    client.create_function_url_config(FunctionName="open", AuthType="NONE")
    client.create_function(FunctionName="iam-url", Runtime="python3.12", **common)
    client.create_function_url_config(FunctionName="iam-url", AuthType="AWS_IAM")
    client.create_function(FunctionName="no-url", Runtime="nodejs20.x", **common)

    ctx = aws_context(ACCOUNT, REGION)
    return collect_named(session, awslambda.COLLECTORS[0], ctx)


def test_function_url_without_auth_is_public(functions: dict[str, Resource]) -> None:
    opened = functions["open"]
    assert opened.type == "compute.function"
    assert opened.id == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:open"
    assert opened.tags == {"owner": "web"}
    assert opened.properties["public"] is True
    assert opened.properties["runtime"] == "python3.12"
    assert opened.properties["role"] == f"arn:aws:iam::{ACCOUNT}:role/exec"


@pytest.mark.parametrize("name", ["iam-url", "no-url"])
def test_functions_without_an_open_url_are_not_public(
    functions: dict[str, Resource], name: str
) -> None:
    assert functions[name].properties["public"] is False


def test_environment_variables_never_reach_the_inventory(
    functions: dict[str, Resource],
) -> None:
    dumped = functions["open"].model_dump_json()
    assert SECRET not in dumped
    assert "Environment" not in functions["open"].raw["Function"]
