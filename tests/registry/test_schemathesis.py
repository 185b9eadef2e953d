"""Schemathesis against the served OpenAPI spec: no operation answers with a 5xx.

A registry process of its own (SQLite, loopback), so that the generated writes - admin
ones included - cannot disturb the other tests' shared registry. Every operation of
`/openapi.json` gets a few generated requests per role (agent, reader, admin), each sent
with that role's valid token; each answer must not be a server error and, where the spec
documents the status, must conform to its response schema. Deterministic: Hypothesis is
derandomized and keeps no example database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.registry.server import Registry, Tenant, serve

_EXAMPLES = 12
_REPORT_CHARS = 1500
_Operation = APIOperation[Any, Any, Any, Any]
_CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, Tenant]]:
    state = tmp_path_factory.mktemp("registry-schemathesis")
    with serve(f"sqlite:///{state / 'registry.db'}", state / "server.log") as running:
        yield running, running.tenant()


@pytest.fixture(scope="module")
def schema(fuzzed: tuple[Registry, Tenant]) -> BaseSchema:
    registry, _ = fuzzed
    return schemathesis.openapi.from_url(f"{registry.url}/openapi.json")


def _operations(schema: BaseSchema) -> list[_Operation]:
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    return operations


def _fuzz(operation: _Operation, base_url: str, token: str) -> str | None:
    """Generated requests to one operation; the first failure's report, or None."""
    headers = {"Authorization": f"Bearer {token}"}

    @settings(
        max_examples=_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Case[Any]) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        case.validate_response(response, checks=_CHECKS, headers=headers)

    try:
        run()
    except FailureGroup as failure:
        report = str(failure)
        if len(report) > _REPORT_CHARS:  # generated bodies can be huge
            report = f"{report[:_REPORT_CHARS]} ... [{len(report) - _REPORT_CHARS} more chars]"
        return f"{operation.label}: {report}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("role", ["agent", "reader", "admin"])
def test_no_operation_answers_with_a_server_error(
    fuzzed: tuple[Registry, Tenant], schema: BaseSchema, role: str
) -> None:
    registry, tenant = fuzzed
    token = {"agent": tenant.agent, "reader": tenant.reader, "admin": registry.admin}[role]
    operations = _operations(schema)
    assert len(operations) >= 10, [operation.label for operation in operations]
    failures = [
        failure
        for operation in operations
        if (failure := _fuzz(operation, registry.url, token)) is not None
    ]
    assert not failures, "\n\n".join(failures)
