"""The sections only `cloudcensus agent` reads: `schedule:` and `agent:`.

`schedule` says when the daemon scans (a standard five-field crontab line in a time
zone, with jitter and misfire grace); `agent` says how it runs (health and metrics
address, shutdown grace period, log format and level). Both have defaults that work
without any configuration: nightly at 02:00 Europe/Brussels, health on 127.0.0.1:9464.
The cron expression is checked when the configuration loads (`scanner.schedule`), so a
typo is a configuration error before anything starts.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DEFAULT_LISTEN",
    "DaemonSettings",
    "LogFormat",
    "LogLevel",
    "ScheduleSettings",
    "parse_listen",
]

LogFormat = Literal["auto", "json", "text"]
LogLevel = Literal["debug", "info", "warning", "error"]
#: Health and metrics on loopback by default; containers set `0.0.0.0:9464`.
DEFAULT_LISTEN = "127.0.0.1:9464"


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every interface) as (host, port).

    Port 0 asks the system for a free port (the agent logs the one it got). Raises
    `ValueError` with a readable message.
    """
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError("expected HOST:PORT, e.g. 127.0.0.1:9464")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError("write an IPv6 address in brackets, e.g. [::1]:9464")
    number = int(port)
    if number > 65535:
        raise ValueError("the port must be 0..65535")
    return host, number


class ScheduleSettings(BaseModel):
    """When the agent daemon scans (`schedule:`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cron: str = Field(
        default="0 2 * * *",
        description="standard crontab line: minute hour day-of-month month day-of-week "
        "(0 or 7 = Sunday), or @hourly, @daily, @weekly, @monthly",
    )
    timezone: str = Field(
        default="Europe/Brussels", description="IANA time zone the cron line is read in"
    )
    jitter_s: int = Field(
        default=300,
        ge=0,
        le=86_400,
        description="each run starts up to this many seconds late (random), so that many "
        "agents do not all call the clouds and the registry at the same second",
    )
    misfire_grace_s: int = Field(
        default=3600,
        ge=1,
        le=7 * 86_400,
        description="a run that could not start on time (the agent was busy or asleep) "
        "still starts when at most this late; later, it is skipped",
    )
    max_age_s: int | None = Field(
        default=None,
        ge=60,
        description="/readyz fails when the newest successful scan started longer ago; "
        "default: twice the longest interval between two runs of the cron",
    )

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        from cloudcensus.scanner.schedule import parse_cron  # APScheduler lives there

        parse_cron(value)
        return " ".join(value.split())

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone name (e.g. Europe/Brussels)") from None
        return value


class DaemonSettings(BaseModel):
    """How `cloudcensus agent` runs (`agent:`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    listen: str = Field(
        default=DEFAULT_LISTEN,
        description="HOST:PORT of /healthz, /readyz and /metrics; 0.0.0.0:9464 in a container",
    )
    shutdown_grace_s: float = Field(
        default=25.0,
        gt=0,
        le=3600,
        description="on SIGTERM/SIGINT, the longest the agent takes to record, queue and "
        "push what it has before it exits; keep it below the orchestrator's kill timeout",
    )
    log_format: LogFormat = Field(
        default="auto",
        description="json: one JSON object per line on stdout; text: readable lines on "
        "stderr; auto: text on a terminal, else json",
    )
    log_level: LogLevel = Field(
        default="info", description="log level of the agent (--log-level overrides it)"
    )

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        parse_listen(value)
        return value.strip()
