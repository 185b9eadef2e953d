"""Fixtures for policy tests: small rule packs written to a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.policies.policy_helpers import RuleWriter, rule_yaml


@pytest.fixture
def write_rule(tmp_path: Path) -> RuleWriter:
    """Write a rule file into tmp_path/pack (created with a pack.yaml) and return it."""

    def write(rule_id: str, *, text: str | None = None, pack: str = "pack", **fields: Any) -> Path:
        directory = tmp_path / pack
        directory.mkdir(exist_ok=True)
        manifest = directory / "pack.yaml"
        if not manifest.exists():
            manifest.write_text(f"name: {pack}\ndescription: test pack\n")
        path = directory / f"{rule_id}.yaml"
        body = (
            text
            if text is not None
            else yaml.safe_dump(rule_yaml(rule_id, **fields), sort_keys=False)
        )
        path.write_text(body)
        return path

    return write
