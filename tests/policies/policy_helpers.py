"""Helpers for policy tests: rule documents and resources built with few words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudcensus.scanner.inventory import Location, Resource

RuleWriter = Callable[..., Path]


def rule_yaml(rule_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid rule document; keyword arguments replace or add fields (None removes)."""
    document: dict[str, Any] = {
        "id": rule_id,
        "version": 1,
        "title": f"{rule_id} title",
        "severity": "high",
        "types": ["storage.bucket"],
        "assert": "resource.properties.public == false",
        "message": f"{rule_id} failed",
        "remediation": "Fix it.",
        "controls": {"CIS-AWS": ["2.1.4"]},
        "examples": {
            "pass": [{"properties": {"public": False}}],
            "fail": [{"properties": {"public": True}}],
        },
    }
    for key, value in overrides.items():
        key = "assert" if key == "assert_" else key
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def make_resource(
    type_: str = "storage.bucket", rid: str = "arn:aws:s3:::b1", **fields: Any
) -> Resource:
    data: dict[str, Any] = {
        "provider": "aws",
        "account": "111111111111",
        "region": "eu-west-1",
        "type": type_,
        "native_type": "AWS::S3::Bucket",
        "id": rid,
        "location": Location(country="IE", eu=True, eea=True),
    }
    data.update(fields)
    return Resource.model_validate(data)
