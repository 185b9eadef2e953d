"""A 5xx answered with a whole HTML page (a gateway in front of the API) must not turn
into a page-long coverage message: the AWS classifier and the collection engine both
record one short line that still says what failed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel

from cloudcensus.providers.aws import dynamodb, ec2
from cloudcensus.providers.aws.provider import AwsProvider
from cloudcensus.providers.aws.settings import AwsSettings
from cloudcensus.providers.base import CollectionTask, Scope
from cloudcensus.scanner.collect import UnitKey, collect
from cloudcensus.scanner.coverage import (
    MAX_MESSAGE_CHARS,
    CoverageEntry,
    CoverageStatus,
    ErrorKind,
)
from cloudcensus.scanner.inventory import Resource

from .faultproxy import ERROR_PAGE, ERROR_PAGE_TITLE, FaultProxy


class _Sink:
    def __init__(self) -> None:
        self.entries: dict[str, CoverageEntry] = {}

    def add(self, key: UnitKey, resources: Sequence[Resource]) -> None:
        return

    def add_coverage(self, entries: Sequence[CoverageEntry]) -> None:
        self.entries.update((entry.collector, entry) for entry in entries)


def _assert_one_short_line(message: str | None) -> str:
    assert message is not None
    assert "\n" not in message
    assert len(message) <= MAX_MESSAGE_CHARS
    assert "<" not in message  # no markup of the page
    return message


def test_aws_classifier_keeps_the_operation_and_code_of_an_html_500(
    through_proxy: FaultProxy,
) -> None:
    through_proxy.broken_actions |= {"ListTables", "DescribeVpcs"}
    collectors = [c for c in (*dynamodb.COLLECTORS, *ec2.COLLECTORS) if c.name != "ec2.instances"]
    settings = AwsSettings(mode="single", regions=["eu-west-1"], max_attempts=1)
    sink = _Sink()
    summary = collect([AwsProvider(settings, collectors=collectors)], sink, workers=2)

    assert not summary.complete
    tables, vpcs = sink.entries["dynamodb.tables"], sink.entries["ec2.vpcs"]
    assert (tables.status, tables.error_kind) == (CoverageStatus.FAILED, ErrorKind.UNEXPECTED)
    # JSON protocol: botocore hands the page over as the error message
    assert _assert_one_short_line(tables.message) == f"ListTables: 500: {ERROR_PAGE_TITLE}"
    # XML protocol: the page is not XML, botocore's parser error names the problem
    assert (vpcs.status, vpcs.error_kind) == (CoverageStatus.FAILED, ErrorKind.UNEXPECTED)
    assert _assert_one_short_line(vpcs.message).startswith(
        "ResponseParserError: Unable to parse response"
    )
    others = [
        e for e in sink.entries.values() if e.collector not in {"dynamodb.tables", "ec2.vpcs"}
    ]
    assert others
    assert all(e.status is CoverageStatus.COMPLETE for e in others)


class _VerbatimProvider:
    """A provider whose classifier echoes the SDK's error text unchanged, as a
    third-party provider might: one task reading DynamoDB through the fault proxy."""

    name: ClassVar[str] = "verbatim"
    settings_model: ClassVar[type[BaseModel]] = BaseModel

    def scopes(self) -> Iterator[Scope]:
        yield Scope(provider=self.name, account="123456789012", offering="aws")

    def tasks(self, scope: Scope) -> list[CollectionTask]:
        def fetch() -> Any:
            config = Config(retries={"mode": "standard", "total_max_attempts": 1})
            client: Any = boto3.client("dynamodb", region_name="eu-west-1", config=config)
            return client.list_tables()["TableNames"]

        return [
            CollectionTask(self.name, scope.account, "eu-west-1", "tables", fetch, lambda _: None)
        ]

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        return ErrorKind.UNEXPECTED, f"{type(error).__name__}: {error}"


def test_engine_cuts_an_unclassified_page_long_message_to_one_line(
    through_proxy: FaultProxy,
) -> None:
    through_proxy.broken_actions.add("ListTables")
    provider = _VerbatimProvider()
    with pytest.raises(ClientError) as raised:
        provider.tasks(next(provider.scopes()))[0].fetch()
    assert len(provider.classify(raised.value)[1]) > len(ERROR_PAGE)  # the whole page
    sink = _Sink()
    collect([provider], sink, workers=1)

    entry = sink.entries["tables"]
    assert entry.status is CoverageStatus.FAILED
    message = _assert_one_short_line(entry.message)
    assert message.startswith("ClientError: An error occurred (500)")
    assert "ListTables" in message
