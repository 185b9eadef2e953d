"""Logs of the agent daemon: JSON lines for machines, readable text for people, no secrets.

`configure_logging` installs one handler on the root logger:

- `json`: one JSON object per line on stdout (what container runtimes collect):
  `time` (UTC, RFC 3339), `level`, `logger`, `message`, the process-wide context
  (`scan_id` while a scan runs, see `set_log_context`), every `extra={...}` field of the
  call, and `exception` (the traceback text) when there is one;
- `text`: the CLI's readable lines on stderr;
- `auto`: text when stderr is a terminal, else json.

Secrets are kept out of the code's messages in the first place; the `Redactor` on the
handler is the defence in depth. It replaces every known secret value (the registry
token, the provider settings' `SecretStr` fields, credential-looking environment
variables) and anything shaped like a credential (`Bearer ...`, `password=...`,
`"SecretAccessKey": "..."`) in the message, the traceback and the extra fields, before any
formatter sees the record.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from pydantic import BaseModel, SecretStr
from rich.console import Console
from rich.logging import RichHandler

__all__ = [
    "MASK",
    "ContextFilter",
    "JsonFormatter",
    "RedactionFilter",
    "Redactor",
    "build_handler",
    "clear_log_context",
    "configure_logging",
    "resolve_format",
    "secret_values",
    "set_log_context",
]

MASK = "***"
#: Names (of settings, environment variables, extra fields) whose values are secrets.
_SECRET_NAME = re.compile(
    r"secret|token|password|passwd|passphrase|api_?key|access_?key|private_?key|"
    r"credential|authorization|external_?id|signature",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_KEYS = (
    r"(?:aws_)?secret_access_key|secretaccesskey|session_?token|secret|token|password|passwd|"
    r"api[_-]?key|access[_-]?key(?:_?id)?|private[_-]?key|client[_-]?secret|external[_-]?id"
)
#: `token=abc`, `password = "abc"` (an assignment, as in a URL query or a command line)
_ASSIGNED = re.compile(rf"\b({_KEYS})(\s*=\s*[\"']?)([^\s\"'&,;]+)", re.IGNORECASE)
#: `"token": "abc"`, `'SecretAccessKey': 'abc'` (a JSON document or a Python dict)
_QUOTED = re.compile(rf"([\"'](?:{_KEYS})[\"']\s*:\s*[\"']?)([^\s\"'&,;]+)", re.IGNORECASE)
#: Shorter values are not redacted: masking "1" or "true" everywhere helps nobody.
_MIN_SECRET_CHARS = 6
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)
#: Libraries whose routine chatter drowns the agent's own messages.
_QUIET = {
    "apscheduler": logging.ERROR,  # the scheduler glue logs skipped runs itself
    "botocore": logging.WARNING,
    "boto3": logging.WARNING,
    "urllib3": logging.WARNING,
    "s3transfer": logging.WARNING,
    "werkzeug": logging.WARNING,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
}

_context_lock = threading.Lock()
_context: Mapping[str, Any] = {}


def set_log_context(**fields: Any) -> None:
    """Add fields to every record from now on, from every thread (one scan runs at a
    time per process, so the scan id is process-wide, collection workers included)."""
    global _context
    with _context_lock:
        _context = {**_context, **fields}


def clear_log_context(*names: str) -> None:
    """Remove context fields (all of them without names)."""
    global _context
    with _context_lock:
        _context = {k: v for k, v in _context.items() if names and k not in names}


class Redactor:
    """Masks known secret values and credential-shaped text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= _MIN_SECRET_CHARS}
        # Longest first, so a secret containing another is masked whole.
        self._values = sorted(values, key=len, reverse=True)

    def text(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        text = _BEARER.sub(rf"\1\2{MASK}", text)
        text = _ASSIGNED.sub(rf"\1\2{MASK}", text)
        return _QUOTED.sub(rf"\1{MASK}", text)

    def value(self, name: str, value: Any) -> Any:
        """An extra field's value: masked whole under a secret-looking name."""
        if _SECRET_NAME.search(name) and value is not None:
            return MASK
        if isinstance(value, str):
            return self.text(value)
        return value


class RedactionFilter(logging.Filter):
    """A handler filter that rewrites each record without secrets (message, traceback,
    stack, extra fields); it never drops a record."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: keep what is there
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redactor.text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.text(record.stack_info)
        for name in set(vars(record)) - _RECORD_FIELDS:
            setattr(record, name, self.redactor.value(name, getattr(record, name)))
        return True


class ContextFilter(logging.Filter):
    """Adds the process-wide log context (`scan_id`) to records that lack it."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in sorted(set(vars(record)) - _RECORD_FIELDS):
            document.setdefault(name, getattr(record, name))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            document["exception"] = record.exc_text
        if record.stack_info:
            document["stack"] = record.stack_info
        return json.dumps(document, default=str, ensure_ascii=False)


def resolve_format(
    log_format: Literal["auto", "json", "text"], stderr: TextIO | None = None
) -> Literal["json", "text"]:
    """`auto` is text on a terminal (stderr), json otherwise."""
    if log_format != "auto":
        return log_format
    stream = stderr if stderr is not None else sys.stderr
    return "text" if stream.isatty() else "json"


def build_handler(
    log_format: Literal["json", "text"],
    secrets: Iterable[str] = (),
    *,
    stdout: TextIO | None = None,
) -> logging.Handler:
    """The agent's handler: JSON lines on `stdout` or text on stderr, with the log
    context added and secrets redacted."""
    handler: logging.Handler
    if log_format == "json":
        handler = logging.StreamHandler(stdout if stdout is not None else sys.stdout)
        handler.setFormatter(JsonFormatter())
    else:
        console = Console(stderr=True, highlight=False)
        handler = RichHandler(console=console, show_path=False, markup=False)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactionFilter(Redactor(secrets)))
    return handler


def configure_logging(
    level: str, log_format: Literal["auto", "json", "text"], secrets: Iterable[str] = ()
) -> Literal["json", "text"]:
    """Install the agent's one root handler (replacing any); returns the format used."""
    chosen = resolve_format(log_format)
    logging.basicConfig(level=level.upper(), handlers=[build_handler(chosen, secrets)], force=True)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, logging.getLogger().level))
    return chosen


def _model_secrets(model: BaseModel) -> Iterable[str]:
    for name in type(model).model_fields:
        yield from _value_secrets(name, getattr(model, name))


def _value_secrets(name: str, value: Any) -> Iterable[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        yield from _model_secrets(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _value_secrets(str(key), item)
    elif isinstance(value, str) and _SECRET_NAME.search(name):
        yield value


def secret_values(
    settings: BaseModel | None = None, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Every secret the process knows of: the settings' `SecretStr` values (and strings
    under secret-looking names), and the values of credential-looking environment
    variables (`AWS_SECRET_ACCESS_KEY`, `CLOUDCENSUS_REGISTRY__TOKEN`, ...)."""
    found = list(_model_secrets(settings)) if settings is not None else []
    env = os.environ if environ is None else environ
    found += [value for name, value in env.items() if _SECRET_NAME.search(name)]
    return found
