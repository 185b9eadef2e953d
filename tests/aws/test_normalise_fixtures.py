"""Replays every AWS collector's recorded payloads through its `normalise`.

Fixture format (tests/fixtures/aws/<collector name>.yaml), YAML so timestamps load as
timezone-aware datetimes:

    context: {account: "111122223333", region: eu-west-1, partition: aws,
              home_region: eu-west-1, regions: [eu-west-1], organization: null}
    cases:
      - name: what the case shows
        raw: <one payload exactly as the collector's fetch yields it>
        expected: <the Resource, model_dump(mode="json") without `raw`; null when
                   normalise must return None>

`region` is "global" for global collectors; `home_region`, `regions` and
`organization` are optional.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.providers.aws.collectors import ALL_COLLECTORS
from cloudcensus.providers.aws.spec import AwsCollector, AwsContext
from cloudcensus.providers.catalogue import load_catalogue
from tests.support.fixtures import as_expected, recorded_cases

FIXTURES = Path(__file__).parent.parent / "fixtures" / "aws"


def _fixture(collector: AwsCollector) -> Path:
    return FIXTURES / f"{collector.name}.yaml"


def _cases() -> list[Any]:
    return recorded_cases(ALL_COLLECTORS, lambda collector: collector.name, FIXTURES)


def _context(context: dict[str, Any]) -> AwsContext:
    region = context["region"]
    home = context.get("home_region", "eu-west-1" if region == "global" else region)
    return AwsContext(
        account=str(context["account"]),
        region=region,
        partition=context.get("partition", "aws"),
        home_region=home,
        regions=tuple(context.get("regions", [home])),
        catalogue=load_catalogue("cloudcensus.providers.aws"),
        organization=context.get("organization"),
    )


@pytest.mark.parametrize(("collector", "context", "case"), _cases())
def test_collector_normalises_its_recorded_payload(
    collector: AwsCollector, context: dict[str, Any], case: dict[str, Any]
) -> None:
    resource = as_expected(collector.normalise(case["raw"], _context(context)), case["expected"])
    # The tagging sweep keeps any unmodelled native type as "other".
    if resource is not None and resource.type != "other":
        assert resource.native_type in collector.native_types


@pytest.mark.parametrize("collector", ALL_COLLECTORS, ids=lambda c: c.name)
def test_every_collector_has_a_fixture(collector: AwsCollector) -> None:
    path = _fixture(collector)
    assert path.exists(), f"add {path.relative_to(FIXTURES.parent.parent)} (format: module doc)"
    assert yaml.safe_load(path.read_text())["cases"], f"{path.name} has no cases"
