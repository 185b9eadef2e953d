"""Recorded payloads: one YAML file per collector, replayed through its `normalise`.

A fixture file holds a `context` (where the payloads were read) and `cases`, each with a
`name`, the recorded payload and what `normalise` must make of it; the format of each
provider is described in its `test_normalise_fixtures.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from cloudcensus.scanner.inventory import Resource

__all__ = ["as_expected", "recorded_cases"]

T = TypeVar("T")


def recorded_cases(
    collectors: Iterable[T], name_of: Callable[[T], str], fixtures: Path
) -> list[Any]:
    """`pytest.param(collector, context, case)` for every case of `<fixtures>/<name>.yaml`
    (a collector without a file has none: a meta-test asks for it)."""
    params = []
    for collector in collectors:
        path = fixtures / f"{name_of(collector)}.yaml"
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text())
        for number, case in enumerate(data["cases"]):
            label = f"{name_of(collector)}[{number}] {case.get('name', '')}"
            params.append(pytest.param(collector, data["context"], case, id=label))
    return params


def as_expected(resource: Resource | None, expected: dict[str, Any] | None) -> Resource | None:
    """Assert that `normalise` made what the case expects: None, or a record whose JSON
    dump without `raw` is `expected`; returns the record."""
    if expected is None:
        assert resource is None
        return None
    assert resource is not None
    assert resource.model_dump(mode="json", exclude={"raw"}) == expected
    return resource
