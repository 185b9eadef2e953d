"""Configuration: file + `CLOUDCENSUS_*` environment + flags, and errors that name the
field and where it came from (exit 2), never the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from cloudcensus.scanner.cli import cli
from cloudcensus.scanner.config import ConfigError, load_settings, with_overrides


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cloudcensus.yaml"
    path.write_text(text)
    return path


def test_environment_overrides_file_and_flags_override_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _write(
        tmp_path,
        "workers: 4\nproviders:\n  aws:\n    role_name: Audit\n    external_id: s3cr3t-x\n",
    )
    monkeypatch.setenv("CLOUDCENSUS_WORKERS", "3")
    monkeypatch.setenv("CLOUDCENSUS_PROVIDERS__AWS__EXCLUDE_REGIONS", '["us-east-1"]')
    settings = load_settings(config)
    aws = settings.providers["aws"]
    assert settings.workers == 3
    assert getattr(aws, "role_name") == "Audit"  # noqa: B009 - the model is the provider's
    assert getattr(aws, "exclude_regions") == ["us-east-1"]  # noqa: B009
    assert "s3cr3t-x" not in repr(settings)
    flagged = with_overrides(settings, regions=["eu-west-1"], fail_on="high", workers=None)
    aws = flagged.providers["aws"]
    assert getattr(aws, "regions") == ["eu-west-1"]  # noqa: B009
    secret = getattr(aws, "external_id")  # noqa: B009
    assert isinstance(secret, SecretStr)
    assert secret.get_secret_value() == "s3cr3t-x"  # survives the flag being applied
    assert flagged.fail_on is not None
    assert flagged.workers == 3


def test_no_provider_configured_means_aws_with_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./cloudcensus.yaml here
    settings = load_settings()
    assert list(settings.provider_settings()) == ["aws"]
    assert settings.rules == ["sovereignty", "baseline"]
    assert settings.max_explanation_validity_days == 365


def test_provider_field_error_names_the_field_and_the_file_line(tmp_path: Path) -> None:
    config = _write(
        tmp_path,
        "workers: 2\nproviders:\n  aws:\n    role_session_name: 'bad name!'\n    colour: blue\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    issues = caught.value.issues
    assert (
        f"{config}:4: providers.aws.role_session_name: String should match pattern"
        in (issues[0][: len(str(config)) + 68])
    )
    assert any(f"{config}:5: providers.aws.colour: unknown field" == i for i in issues)
    assert "bad name!" not in str(caught.value)


def test_environment_error_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDCENSUS_WORKERS", "many")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert caught.value.issues[0].startswith("environment CLOUDCENSUS_WORKERS: workers:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("workers: 0\n", "workers: Input should be greater than or equal to 1"),
        ("wrkers: 4\n", "wrkers: unknown field"),
        ("providers:\n  aws:\n    regions: [eu-west-1, moon-1]\n", "providers.aws"),
        ("providers:\n  nimbus: {}\n", "providers.nimbus: unknown provider 'nimbus'"),
        ("workers: [\n", "YAML syntax"),
    ],
)
def test_scan_with_a_bad_config_exits_2_naming_file_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    config = _write(tmp_path, text)
    result = CliRunner().invoke(cli, ["scan", "--config", str(config)])
    assert result.exit_code == 2
    assert str(config) in result.output
    assert expected in result.output


def test_bad_format_flag_is_a_usage_error(tmp_path: Path) -> None:
    config = _write(tmp_path, "workers: 2\n")
    result = CliRunner().invoke(cli, ["scan", "--config", str(config), "--format", "pdf"])
    assert result.exit_code == 2
    assert "choose from table, json, ocsf, csv, sarif" in result.output


def test_the_commented_example_configuration_is_valid() -> None:
    example = Path(__file__).parents[2] / "examples" / "cloudcensus.yaml"
    settings = load_settings(example)
    assert list(settings.provider_settings()) == ["aws"]
    assert settings.formats == ["table", "json", "ocsf", "csv", "sarif"]
