"""Registry settings: built once by the CLI (or a test) and passed to `create_app`."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cloudcensus.wire.v1 import MAX_BODY_BYTES

__all__ = ["RegistrySettings", "default_state_dir"]


def default_state_dir() -> Path:
    """`$XDG_STATE_HOME/cloudcensus/registry` (or `~/.local/state/...`)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cloudcensus" / "registry"


class RegistrySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; "
        "None: SQLite file registry.db in state_dir",
    )
    state_dir: Path = Field(default_factory=default_state_dir)
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024)
    migrate_on_start: bool = True

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.state_dir / 'registry.db'}"
