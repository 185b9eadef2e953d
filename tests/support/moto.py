"""moto's server on a thread of the test process: the S3 peer behind the fakes' S3 APIs.

The fakes of Scaleway Object Storage, OUTSCALE OOS and OpenStack's S3 forward to it. In
the test process (not a subprocess, unlike the AWS emulator of the demo): it starts in
a fraction of the time, and the fakes reach it over loopback HTTP all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto.server import ThreadedMotoServer

__all__ = ["moto_endpoint", "moto_in_thread"]


@contextmanager
def moto_in_thread() -> Iterator[str]:
    """A moto server on a free loopback port while entered; yields its endpoint."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The endpoint of a moto server shared by a test folder's session (import it into
    the folder's conftest)."""
    with moto_in_thread() as endpoint:
        yield endpoint
