"""Running a benchmark the way its documentation says, to keep it runnable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["run_benchmark"]

ROOT = Path(__file__).resolve().parents[2]


def run_benchmark(module: str, *args: str, clear_env: str | None = None) -> str:
    """`python -m <module> <args>` from the project root (a tiny run: no timing is
    asserted), without the variables starting with `clear_env`; its standard output."""
    env = {k: v for k, v in os.environ.items() if not (clear_env and k.startswith(clear_env))}
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
