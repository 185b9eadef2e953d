"""A local server the demo runs as a child process (the AWS emulator, the registry).

Separate processes keep those servers off the scanner's GIL and talk to it only over
loopback HTTP, exactly as the real clouds and a real registry do.
"""

from __future__ import annotations

import subprocess

from cloudcensus.fakes import Service

__all__ = ["LocalServer"]


class LocalServer(Service):
    """Owns one child process: `start()` spawns it, `stop()` ends it (TERM, then KILL)."""

    _process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
