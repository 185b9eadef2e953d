"""Sharding: N agents split one estate's scopes between them, each scanning its share.

A scope (provider, account) belongs to shard `I` of `N` when the SHA-256 of
``provider:account``, read as an unsigned integer, is `I` modulo `N`. The hash is
stable across processes, machines and Python versions (unlike `hash()`), so every
agent of a sharded deployment computes the same split without talking to the others,
and a scope stays in its shard from night to night while `N` is unchanged. With many
scopes the shares are even: the hash spreads ids uniformly.

The split is applied where scopes are listed: `shard_providers` wraps each provider
so that `scopes()` yields only the scopes of this shard. The other scopes are not
scanned and are not coverage gaps: they are another agent's work. Provider packages
know nothing about it.

A store keeps the scans of one shard (`check_store`): its drift and the stale
carry-forward of unreadable scopes compare a scan with the previous one, and a scan
of another shard (or of the whole estate) would carry every scope that is not this
shard's forward, night after night, as stale inventory this shard would evaluate and
report again. Each shard has a state directory of its own.

The shards of one scheduled scan share a *run* id (`--run-id`, the Kubernetes Job's
name; for the daemon, the scheduled time of the run): the registry merges the shard
scans of one run into one logical scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import NoDecode

from cloudcensus.providers.base import CollectionTask, Provider, Scope
from cloudcensus.scanner.coverage import ErrorKind
from cloudcensus.scanner.store.records import ScanRecord, StoreError
from cloudcensus.scanner.store.store import Store
from cloudcensus.wire.v1 import shard_index

__all__ = [
    "RUN_ID_PATTERN",
    "Shard",
    "ShardMismatch",
    "ShardSetting",
    "check_store",
    "recorded_run",
    "recorded_shard",
    "run_key",
    "shard_counts",
    "shard_index",
    "shard_providers",
    "shard_record",
]

#: What a run id may look like: a Kubernetes Job name, a time, a CI build id.
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:+@-]{0,127}$"
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
#: Most shards of one estate: beyond this a shard scans too little to be worth a process.
MAX_SHARDS = 1000
#: The key of the scan summary (store) holding the shard and run of a scan.
SUMMARY_KEY = "shard"


class Shard(BaseModel):
    """This agent's share of the estate: shard `index` of `count` (written ``I/N``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0, description="this agent's shard, 0..count-1")
    count: int = Field(ge=1, le=MAX_SHARDS, description="how many shards split the estate")

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _SPEC.match(value)
        if match is None:
            raise ValueError("expected I/N, shard I of N with 0 <= I < N (e.g. 0/3)")
        index, count = int(match[1]), int(match[2])
        if not 1 <= count <= MAX_SHARDS:
            raise ValueError(f"the count N of I/N must be 1..{MAX_SHARDS}")
        if index >= count:
            raise ValueError(f"the index I of I/N must be 0..N-1 (0..{count - 1})")
        return {"index": index, "count": count}

    @model_validator(mode="after")
    def _check_index(self) -> Shard:
        if self.index >= self.count:
            raise ValueError(f"index {self.index} must be below count {self.count}")
        return self

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``I/N`` as a shard; raises `ValueError` (pydantic's) saying what is wrong."""
        return cls.model_validate(text)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, provider: str, account: str) -> bool:
        """Whether scope (provider, account) is this shard's to scan."""
        return shard_index(provider, account, self.count) == self.index


#: The `shard` setting: ``I/N`` in the file, the environment (`CLOUDCENSUS_SHARD=0/3`,
#: taken as text, not JSON) or `--shard`.
ShardSetting = Annotated[Shard | None, NoDecode]


class _ShardedProvider:
    """A provider whose `scopes()` yields only the scopes of one shard."""

    name: ClassVar[str]
    settings_model: ClassVar[type[BaseModel]]

    def __init__(self, inner: Provider, shard: Shard) -> None:
        self.inner = inner
        self.shard = shard
        self.owned = 0
        self.skipped = 0

    def scopes(self) -> Iterator[Scope]:
        for scope in self.inner.scopes():
            if self.shard.owns(scope.provider, scope.account):
                self.owned += 1
                yield scope
            else:
                self.skipped += 1

    def tasks(self, scope: Scope) -> Iterable[CollectionTask]:
        return self.inner.tasks(scope)

    def classify(self, error: BaseException) -> tuple[ErrorKind, str]:
        return self.inner.classify(error)


def shard_providers(providers: Sequence[Provider], shard: Shard | None) -> list[Provider]:
    """The providers as given (no shard), or each wrapped to list only `shard`'s scopes."""
    if shard is None:
        return list(providers)
    wrapped: list[Provider] = []
    for provider in providers:
        # A class per provider: the contract's `name` and `settings_model` are class
        # attributes, and the engine reads them from the object it is given.
        kind = type(
            f"Sharded{type(provider).__name__}",
            (_ShardedProvider,),
            {"name": provider.name, "settings_model": provider.settings_model},
        )
        wrapped.append(kind(provider, shard))
    return wrapped


def shard_counts(providers: Sequence[Provider]) -> tuple[int, int]:
    """(scopes scanned, scopes left to other shards) of wrapped providers."""
    owned = sum(p.owned for p in providers if isinstance(p, _ShardedProvider))
    skipped = sum(p.skipped for p in providers if isinstance(p, _ShardedProvider))
    return owned, skipped


def shard_record(shard: Shard, run: str | None) -> dict[str, Any]:
    """What a scan records of its shard (store summary, wire `ScanOpen.shard`)."""
    return {"index": shard.index, "count": shard.count, "run": run}


def recorded_shard(record: ScanRecord) -> Shard | None:
    """The shard a finished scan of the store was made for (None: the whole estate)."""
    found = (record.summary or {}).get(SUMMARY_KEY)
    if not isinstance(found, dict):
        return None
    return Shard(index=found["index"], count=found["count"])


def recorded_run(record: ScanRecord) -> str | None:
    """The run id a scan of the store recorded (None: a lone scan or no shard)."""
    found = (record.summary or {}).get(SUMMARY_KEY)
    run = found.get("run") if isinstance(found, dict) else None
    return run if isinstance(run, str) else None


class ShardMismatch(StoreError):
    """The store holds scans of another shard (or of the whole estate)."""


def check_store(store: Store, shard: Shard | None) -> None:
    """Refuse to scan shard `shard` into a store whose last finished scan was made for
    another shard or for the whole estate (see the module doc). A whole-estate scan
    may follow a shard's: it reads every scope, so nothing is carried forward wrongly."""
    if shard is None:
        return
    newest = store.last_complete_scans(1)
    if not newest:
        return
    before = recorded_shard(newest[0])
    if before == shard:
        return
    held = "the whole estate" if before is None else f"shard {before}"
    raise ShardMismatch(
        f"the store {store.path} holds the scans of {held}; shard {shard} needs a state "
        "directory of its own (state_dir): one store per shard"
    )


def run_key(scheduled: datetime) -> str:
    """The run id of a scheduled run: its scheduled time in UTC, the same for every
    shard daemon running the same schedule (``2026-03-14T01:00:00Z``)."""
    return scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
