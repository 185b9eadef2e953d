"""End-to-end scans through the real pipeline: their verdicts, and every log line.

A pipeline test scans a fake once (`run_scan`: engine, store, packs, reports), then
reads the verdicts a security team reads, by (rule, resource name), and checks that no
secret is in the logs, the coverage, the store or the reports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cloudcensus.scanner.pipeline import ScanResult
from cloudcensus.scanner.store import Store

__all__ = ["Scanned", "every_log_line", "verdicts"]


@dataclass
class Scanned:
    """One scan's result, its verdicts by (rule, resource name), its files and logs."""

    result: ScanResult
    verdicts: dict[tuple[str, str], str]
    state: Path
    logs: list[str] = field(default_factory=list)


def verdicts(store: Store, scan_id: int) -> dict[tuple[str, str], str]:
    """(rule id, resource name, or id when unnamed) -> finding status of one scan."""
    names = {r.id: r.name for r in store.resources(scan_id)}
    return {
        (f.rule_id, names.get(f.resource_id) or f.resource_id): f.status.value
        for f in store.findings(scan_id)
    }


class _Everything(logging.Handler):
    """Keeps every log record's text, whatever its logger and level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@contextmanager
def every_log_line(quiet: Sequence[str] = ("botocore", "boto3")) -> Iterator[list[str]]:
    """Every logger at DEBUG while entered, but the `quiet` ones (at INFO: botocore's own
    trace is a few MB per scan, given the keys explicitly); yields the lines kept."""
    handler, root = _Everything(), logging.getLogger()
    level, root.level = root.level, logging.DEBUG
    root.addHandler(handler)
    # Loggers an earlier test quietened (the CLI's setup_logging) are opened again.
    loud = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name not in quiet
    ]
    loggers = [*loud, *(logging.getLogger(name) for name in quiet)]
    saved = [logger.level for logger in loggers]
    for logger in loud:
        logger.setLevel(logging.NOTSET)
    for logger in loggers[len(loud) :]:
        logger.setLevel(logging.INFO)
    try:
        yield handler.texts
    finally:
        root.removeHandler(handler)
        root.level = level
        for logger, saved_level in zip(loggers, saved, strict=True):
            logger.setLevel(saved_level)
