"""Run moto's AWS emulator as a separate process on loopback.

Used by `cloudcensus demo` and by the test suite: the scanner talks to it over real HTTP
through boto3 (`AWS_ENDPOINT_URL`), exactly as it talks to AWS. A separate process (not
moto's in-process thread) keeps the emulator off the scanner's GIL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from cloudcensus.demo.process import LocalServer

__all__ = ["FAKE_AWS_ENV", "MotoServer", "aws_env", "free_port"]

#: Credentials moto accepts. They are not secrets: they only open the local emulator.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
}

#: Emulator settings, overridable from the environment. Loading moto's stock AMIs (with
#: a volume and a snapshot each) costs 0.1-0.4 s for every (account, region) EC2
#: backend, and nothing reads them: run_instances does not validate image ids.
_MOTO_DEFAULTS = {"MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for loopback test servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class MotoServer(LocalServer):
    """A moto server subprocess bound to 127.0.0.1 on a free port."""

    def __init__(self, startup_timeout_s: float = 30.0) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._timeout = startup_timeout_s

    def start(self) -> MotoServer:
        env = {**_MOTO_DEFAULTS, **os.environ, **FAKE_AWS_ENV}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with code {self._process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):  # noqa: S310
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.endpoint} in {self._timeout}s")

    def reset(self) -> None:
        """Wipe every account's state (POST /moto-api/reset)."""
        url = f"{self.endpoint}/moto-api/reset"
        request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback http
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback only
            pass


@contextmanager
def aws_env(endpoint: str) -> Iterator[None]:
    """Point boto3 at `endpoint` with emulator credentials for the duration."""
    saved = {k: os.environ.get(k) for k in (*FAKE_AWS_ENV, "AWS_ENDPOINT_URL")}
    os.environ.update(FAKE_AWS_ENV)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
