"""The `providers.<name>` sections of the configuration, each validated by its provider.

A provider declares its own `settings_model`, found through the provider registry, so a
third-party provider brings its own settings and the configuration never names one.
Problems are collected per field (`providers.aws.regions`), never with the offending
value: it may be a secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from cloudcensus.providers.registry import ProviderUnavailable, load_provider_class

__all__ = ["ProviderSectionError", "decode_env_value", "validate_provider_sections"]


class ProviderSectionError(ValueError):
    """Carries the issues of provider sections through pydantic's validator wrapping:
    `problems` holds (location inside `providers`, message) pairs."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


def decode_env_value(value: Any) -> Any:
    """Environment values of nested provider fields arrive as text; JSON lists and maps
    (`'["eu-west-1"]'`) are decoded the way pydantic-settings decodes top-level ones."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: decode_env_value(v) for k, v in value.items()}
    return value


def validate_provider_sections(raw: Mapping[str, Any]) -> dict[str, BaseModel]:
    """Each `providers.<name>` section validated by that provider's `settings_model`.

    Raises `ProviderSectionError` listing every problem of every section.
    """
    models: dict[str, BaseModel] = {}
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for name, section in raw.items():
        if isinstance(section, BaseModel):
            models[name] = section
            continue
        try:
            model = load_provider_class(name).settings_model
        except ProviderUnavailable as error:
            problems.append(((name,), str(error)))
            continue
        try:
            models[name] = model.model_validate(decode_env_value(section or {}))
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                message = "unknown field" if detail["type"] == "extra_forbidden" else detail["msg"]
                problems.append(((name, *detail["loc"]), message))
    if problems:
        raise ProviderSectionError(problems)
    return models
