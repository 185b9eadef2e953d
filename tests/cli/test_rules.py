"""`cloudcensus rules list | validate | test`."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from cloudcensus.policies.loader import BUILTIN_PACKS_DIR
from cloudcensus.scanner.cli import cli

_RULE = """\
id: LOCAL-01
version: 1
title: Volumes are encrypted
severity: medium
types: [storage.volume]
assert: resource.properties.encrypted == true
controls: {ISO27001: ["A.8.24"]}
remediation: Encrypt the volume.
examples:
  pass:
    - {properties: {encrypted: true}}
  fail:
    - {properties: {encrypted: %s}}
"""


def _pack(tmp_path: Path, fail_value: str = "false") -> Path:
    pack = tmp_path / "local"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("name: local\ndescription: local rules\n")
    (pack / "LOCAL-01.yaml").write_text(_RULE % fail_value)
    return pack


def test_list_shows_every_builtin_rule() -> None:
    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0
    expected = sorted(p.stem for p in BUILTIN_PACKS_DIR.glob("*/*.yaml") if p.stem != "pack")
    assert len(expected) >= 23
    for rule_id in expected:
        assert rule_id in result.output


def test_validate_accepts_the_builtin_pack_and_a_local_one(tmp_path: Path) -> None:
    runner = CliRunner()
    builtin = runner.invoke(cli, ["rules", "validate", str(BUILTIN_PACKS_DIR / "baseline")])
    assert builtin.exit_code == 0
    assert "rule(s) valid" in builtin.output
    local = runner.invoke(cli, ["rules", "validate", str(_pack(tmp_path))])
    assert local.exit_code == 0
    assert "1 rule(s) valid" in local.output


def test_validate_names_file_and_line_of_a_broken_rule(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    rule = pack / "LOCAL-01.yaml"
    rule.write_text(rule.read_text().replace("storage.volume", "storage.floppy"))
    result = CliRunner().invoke(cli, ["rules", "validate", str(pack)])
    assert result.exit_code == 1
    assert f"{rule}:5:" in result.output
    assert "storage.floppy" in result.output


def test_test_runs_examples_and_fails_on_a_wrong_one(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(cli, ["rules", "test", str(_pack(tmp_path / "a"))])
    assert good.exit_code == 0
    assert "2 of 2 examples ok" in good.output
    wrong = runner.invoke(cli, ["rules", "test", str(_pack(tmp_path / "b", "true"))])
    assert wrong.exit_code == 1
    assert "LOCAL-01 fail[0] FAILED" in wrong.output
    assert "1 of 2 examples ok" in wrong.output


def test_test_passes_on_the_builtin_packs(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(BUILTIN_PACKS_DIR / "sovereignty", packs)
    result = CliRunner().invoke(cli, ["rules", "test", str(packs)])
    assert result.exit_code == 0, result.output
