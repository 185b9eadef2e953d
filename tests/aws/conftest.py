"""AWS test fixtures: the seeded organisation, and the fault proxy in front of moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloudcensus.demo.motoserver import MotoServer

from .estate import Estate, build_estate
from .faultproxy import FaultProxy


@pytest.fixture(scope="session")
def fault_proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def estate(moto_server: MotoServer) -> Estate:
    """The organisation of tests/aws/estate.py, seeded once per module (~7 s); module
    scope because other modules may reset moto."""
    return build_estate(moto_server.reset)


@pytest.fixture
def through_proxy(fault_proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> FaultProxy:
    """Route boto3 through the fault proxy (as HTTP proxy), with no fault armed yet."""
    fault_proxy.clear()
    monkeypatch.setenv("HTTP_PROXY", fault_proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return fault_proxy
