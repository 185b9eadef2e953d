"""Atomic file output: a report file is either absent, the previous one, or complete.

Writers stream into a temporary file beside the target and rename it into place only
after the last byte is flushed to disk. A crash, a full disk or an exception in the
finding iterator therefore never leaves a truncated `findings.jsonl` that a reader, or a
registry upload, would take for a complete scan.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

__all__ = ["atomic_text_writer"]


@contextmanager
def atomic_text_writer(path: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """Yield a UTF-8 text stream that replaces `path` only if the block ends without error.

    `newline` is passed to `open` (the CSV writer needs `""`). The temporary file lives in
    the target's directory so the final `os.replace` is a same-filesystem atomic rename.
    The file keeps `mkstemp`'s owner-only mode (0600): reports describe the estate's
    weak spots and should not be world-readable by default.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
