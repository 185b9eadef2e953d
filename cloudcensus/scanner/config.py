"""The agent configuration: one YAML file plus `CLOUDCENSUS_*` environment variables.

`load_settings(path)` builds the one `AgentSettings` of a run; `main()` calls it and
passes the result down (nothing reads configuration at import time). Precedence, last
wins: field defaults -> the YAML file -> the environment (`CLOUDCENSUS_WORKERS=4`,
nested with `__`: `CLOUDCENSUS_PROVIDERS__AWS__ROLE_NAME=Audit`) -> command-line flags
(`with_overrides`).

Each `providers.<name>` section is validated by that provider's own `settings_model`,
found through the provider registry, so a third-party provider brings its own settings
and this module never names one. Any problem is one `ConfigError` listing every issue
with the field (`providers.aws.regions`) and where it came from (file and line, or the
environment variable), never the offending value: it may be a secret.

The sections have modules of their own, re-exported here: `providerconfig` (the
provider sections), `pushconfig` (`registry`), `daemonconfig` (`schedule` and `agent`,
read by `cloudcensus agent` only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from cloudcensus.policies.findings import Severity
from cloudcensus.policies.source import PolicyLoadError, YamlDocument, read_yaml
from cloudcensus.scanner.daemonconfig import DaemonSettings, ScheduleSettings
from cloudcensus.scanner.providerconfig import ProviderSectionError, validate_provider_sections
from cloudcensus.scanner.pushconfig import PushSettings
from cloudcensus.scanner.shard import RUN_ID_PATTERN, ShardSetting

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_PROVIDERS",
    "ENV_PREFIX",
    "FORMATS",
    "STORE_FILE",
    "AgentSettings",
    "ConfigError",
    "DaemonSettings",
    "OutputFormat",
    "PushSettings",
    "ScheduleSettings",
    "default_state_dir",
    "load_settings",
    "validate_provider_sections",
    "with_overrides",
]

ENV_PREFIX = "CLOUDCENSUS_"
DEFAULT_CONFIG_FILE = Path("cloudcensus.yaml")
STORE_FILE = "cloudcensus.sqlite"
RUN_WITHOUT_SHARD = (
    "run_id (--run-id, CLOUDCENSUS_RUN_ID): a run id groups the shards of one scan, "
    "and no shard is set (--shard, CLOUDCENSUS_SHARD)"
)
#: Scanned when the configuration names no provider: the one built-in provider today.
DEFAULT_PROVIDERS: tuple[str, ...] = ("aws",)

OutputFormat = Literal["table", "json", "ocsf", "csv", "sarif"]
FORMATS: tuple[OutputFormat, ...] = ("table", "json", "ocsf", "csv", "sarif")


class ConfigError(Exception):
    """The configuration is invalid; `issues` holds one readable line per problem."""

    def __init__(self, issues: Sequence[str]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(self.issues))


def default_state_dir() -> Path:
    """`$XDG_STATE_HOME/cloudcensus`, else `~/.local/state/cloudcensus` (XDG base dirs)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cloudcensus"


class AgentSettings(BaseSettings):
    """Everything one agent run needs to know. Reference: examples/cloudcensus.yaml."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        validate_default=True,
    )

    state_dir: Path = Field(
        default_factory=default_state_dir,
        description="where the SQLite store lives; containers set it to their volume",
    )
    workers: int = Field(default=8, ge=1, le=256, description="concurrent collection tasks")
    task_timeout_s: float | None = Field(
        default=600.0, gt=0, description="a collection task running longer is a TIMEOUT gap"
    )
    providers: dict[str, BaseModel] = Field(
        default_factory=dict,
        description="provider name -> its settings (validated by the provider's own "
        "model); empty = the default providers with their default settings",
    )
    rules: list[str] = Field(
        default_factory=lambda: ["sovereignty", "baseline"],
        description="built-in pack names, pack directories or rule files",
    )
    profile: str | None = Field(
        default=None, description="parameter profile: a built-in name (be-federal) or a file"
    )
    params: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="parameter overrides: {RULE-ID: {name: value}} or {'*': {name: value}}",
    )
    explanations: list[Path] = Field(
        default_factory=list, description="explanation files (comply or explain)"
    )
    max_explanation_validity_days: int = Field(
        default=365, ge=1, le=3660, description="longest allowed approval-to-expiry span"
    )
    out: Path | None = Field(default=None, description="directory for report files")
    formats: list[OutputFormat] = Field(
        default_factory=lambda: list(FORMATS),
        description="outputs: table (terminal), json (jsonl files), ocsf, csv, sarif",
    )
    fail_on: Severity | None = Field(
        default=None, description="exit 1 when a failing finding has this severity or higher"
    )
    retention_scans: int = Field(
        default=30, ge=2, description="complete scans kept in the store (older are pruned)"
    )
    registry: PushSettings | None = Field(
        default=None, description="the central registry scans are pushed to; absent = no push"
    )
    shard: ShardSetting = Field(
        default=None,
        description="I/N: scan only shard I of N of the estate's scopes (accounts, "
        "subscriptions, projects); the other N-1 agents scan the rest. Absent: everything",
    )
    run_id: str | None = Field(
        default=None,
        pattern=RUN_ID_PATTERN,
        description="the run the shards of one scan share (the registry merges them), e.g. "
        "the Kubernetes Job name; for one scan (`scan`, `agent --once`) with `shard` only",
    )
    schedule: ScheduleSettings = Field(
        default_factory=ScheduleSettings, description="when `cloudcensus agent` scans"
    )
    agent: DaemonSettings = Field(
        default_factory=DaemonSettings,
        description="how `cloudcensus agent` runs: health address, shutdown, logs",
    )

    @field_validator("providers", mode="before")
    @classmethod
    def _provider_models(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            return value  # pydantic reports the wrong type
        return validate_provider_sections(value)

    @field_validator("formats", mode="before")
    @classmethod
    def _split_formats(cls, value: Any) -> Any:
        if isinstance(value, str):  # "table,json" from the environment or a flag
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment overrides them.
        return env_settings, init_settings

    @property
    def store_path(self) -> Path:
        """The SQLite store of this agent, inside `state_dir`."""
        return self.state_dir / STORE_FILE

    def provider_settings(self) -> dict[str, BaseModel]:
        """The providers to scan with their settings (defaults when none is configured)."""
        if self.providers:
            return dict(self.providers)
        return validate_provider_sections({name: {} for name in DEFAULT_PROVIDERS})


def _env_name(loc: tuple[str | int, ...]) -> str:
    return ENV_PREFIX + "__".join(str(part).upper() for part in loc)


def _where(loc: tuple[str | int, ...], document: YamlDocument | None) -> str:
    """Where a field's value came from: the environment variable, or the file's line."""
    if _env_name(loc) in os.environ or _env_name(loc[:1]) in os.environ:
        return f"environment {_env_name(loc)}"
    if document is not None:
        return f"{document.name}:{document.line_of(loc)}"
    return "configuration"


def _issues(error: ValidationError, document: YamlDocument | None) -> list[str]:
    issues = []
    for detail in error.errors(include_url=False):
        loc: tuple[str | int, ...] = tuple(detail["loc"])
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, ProviderSectionError):
            for sub, message in cause.problems:
                full = (*loc, *sub)
                issues.append(f"{_where(full, document)}: {'.'.join(map(str, full))}: {message}")
            continue
        name = ".".join(map(str, loc)) or "configuration"
        message = "unknown field" if detail["type"] == "extra_forbidden" else detail["msg"]
        issues.append(f"{_where(loc, document)}: {name}: {message}")
    return issues


def _read_file(path: Path | None) -> tuple[dict[str, Any], YamlDocument | None]:
    if path is None:
        if not DEFAULT_CONFIG_FILE.is_file():
            return {}, None
        path = DEFAULT_CONFIG_FILE
    try:
        document = read_yaml(path)
    except PolicyLoadError as error:
        raise ConfigError([str(issue) for issue in error.issues]) from None
    data = document.data if document.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}:1: the configuration must be a mapping of settings"])
    return data, document


def load_settings(path: Path | None = None) -> AgentSettings:
    """Build the run's settings from `path` (or ./cloudcensus.yaml when present) and the
    `CLOUDCENSUS_*` environment. Raises `ConfigError` naming every bad field."""
    data, document = _read_file(path)
    try:
        return AgentSettings(**data)
    except ValidationError as error:
        raise ConfigError(_issues(error, document)) from None


def with_overrides(
    settings: AgentSettings,
    *,
    providers: Sequence[str] = (),
    regions: Sequence[str] = (),
    **fields: Any,
) -> AgentSettings:
    """Settings with command-line flags applied (they win over file and environment).

    `providers` narrows the scan to these names (each keeps its configured section, or
    gets defaults); `regions` sets the `regions` field of every selected provider whose
    settings declare one. Other `fields` replace top-level settings; `None` leaves one as
    configured. Settings that only make sense together are checked here, once every
    source is applied (a run id needs a shard). Raises `ConfigError` like `load_settings`.
    """
    sections: dict[str, Any] = dict(settings.provider_settings())
    if providers:
        sections = {name: sections.get(name, {}) for name in providers}
    if regions:
        sections = {name: _with_regions(section, regions) for name, section in sections.items()}
    update: dict[str, Any] = {}
    issues: list[str] = []
    try:
        update["providers"] = validate_provider_sections(sections)
    except ProviderSectionError as error:
        for loc, message in error.problems:
            issues.append(f"command line: providers.{'.'.join(map(str, loc))}: {message}")
    for name, value in fields.items():
        if value is None:
            continue
        # Validated field by field: re-validating the whole model would read the
        # environment again, and the environment must not win over a flag.
        annotation: Any = AgentSettings.model_fields[name].annotation
        try:
            update[name] = TypeAdapter(annotation).validate_python(value)
        except ValidationError as error:
            issues += [f"command line: {name}: {d['msg']}" for d in error.errors()]
    result = settings.model_copy(update=update)
    if not issues and result.run_id is not None and result.shard is None:
        issues.append(RUN_WITHOUT_SHARD)
    if issues:
        raise ConfigError(issues)
    return result


def _with_regions(section: Any, regions: Sequence[str]) -> Any:
    """A provider section with `regions` set, when its settings model declares it."""
    if not isinstance(section, BaseModel):
        return {**section, "regions": list(regions)}
    fields = type(section).model_fields
    if "regions" not in fields:
        return section
    # Field values, not a dump: a SecretStr must go back in as the secret itself.
    values = {name: getattr(section, name) for name in fields}
    return {**values, "regions": list(regions)}
