"""Coverage: what a scan read completely, partly, or not at all.

A scanner that silently misses a scope reports false compliance. Every collection unit
(provider x account x region x collector) ends with one `CoverageEntry`; a failure is an
entry with an `ErrorKind`, never a swallowed exception. The store sweeps removed
resources only under entries that are `complete`.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ANY",
    "MAX_MESSAGE_CHARS",
    "CoverageEntry",
    "CoverageStatus",
    "ErrorKind",
    "shorten_message",
]

#: Wildcard for `region` / `collector` when a failure hit a whole account or provider.
ANY = "*"
#: Longest coverage message: one line of a terminal table or of `coverage.json`.
MAX_MESSAGE_CHARS = 300

_HTML_DOCUMENT = re.compile(r"<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_HTML_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def shorten_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """One line of at most `limit` characters saying what went wrong.

    An error's text can carry a whole response body (a gateway's HTML error page, a
    stack trace): a coverage message keeps its first non-blank line, whitespace
    collapsed, and the log keeps the rest. In an HTML document the tags are dropped
    first, so a page reads as its title ("502 Bad Gateway"), not as `<!DOCTYPE html>`.
    """
    if _HTML_DOCUMENT.search(text):
        text = _HTML_TAG.sub("\n", _HTML_HIDDEN.sub("", text)).strip() or text
    line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


class ErrorKind(StrEnum):
    ACCESS_DENIED = "access_denied"
    THROTTLED = "throttled"
    NOT_ENABLED = "not_enabled"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"
    INTERRUPTED = "interrupted"  # the scan was stopped before this unit was collected
    UNEXPECTED = "unexpected"


class CoverageStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"  # listed completely, but some items could not be normalised
    FAILED = "failed"


class CoverageEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    account: str = Field(description="account id, or '*' when the whole provider failed")
    region: str = Field(description="region, 'global', or '*' when a whole account failed")
    collector: str = Field(description="collector name, e.g. 'ec2.instances', or '*'")
    status: CoverageStatus
    error_kind: ErrorKind | None = None
    message: str | None = Field(
        default=None, description="what went wrong; never contains credentials"
    )
    resources: int = Field(default=0, description="resources collected by this unit")
    errors: int = Field(default=0, description="items or calls that failed")
    duration_s: float = 0.0

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.provider, self.account, self.region, self.collector)
