"""The provider contract.

A provider answers two questions: which scopes (accounts, subscriptions, projects) can I
scan, and, for one scope, which collection tasks are there. A task is split in two
halves: `fetch` only talks to the SDK and yields raw payloads, `normalise` is pure and
turns one payload into a `Resource` (or `None` when the payload is not this collector's,
e.g. a tagging-API entry for a type another collector models).

Pagination belongs to the SDK call inside `fetch`; retries to the SDK's retry mode;
concurrency, timeouts and error capture live once, in `cloudcensus.scanner.collect`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.inventory import Resource

__all__ = [
    "CollectionTask",
    "Provider",
    "ProviderError",
    "Scope",
]


@dataclass(frozen=True)
class Scope:
    """One unit a provider can scan: an AWS account, an Azure subscription, ..."""

    provider: str
    account: str
    offering: str  # catalogue offering key, e.g. the AWS partition 'aws' or 'aws-eusc'
    name: str | None = None
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CollectionTask:
    """One collector run for one (account, region): fetch raw payloads, normalise each."""

    provider: str
    account: str
    region: str
    collector: str  # e.g. 'ec2.instances'; the coverage and sweep key
    fetch: Callable[[], Iterable[Any]]
    normalise: Callable[[Any], Resource | None]


class ProviderError(Exception):
    """A provider-level failure already translated into an `ErrorKind`."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@runtime_checkable
class Provider(Protocol):
    """What `cloudcensus.providers.registry` expects behind an entry point.

    Constructed as `cls(settings)` with an instance of `cls.settings_model`, validated
    from the `providers.<name>` section of the agent config.
    """

    name: ClassVar[str]
    settings_model: ClassVar[type[BaseModel]]

    def scopes(self) -> Iterable[Scope]:
        """The accounts/subscriptions/projects to scan. May raise: a provider-wide gap."""
        ...

    def tasks(self, scope: Scope) -> Iterable[CollectionTask]:
        """The collection tasks of one scope. May raise: an account-wide gap."""
        ...

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        """Translate an SDK error into a kind and a message free of secrets."""
        ...
