"""The collection engine: every provider's tasks, with bounded concurrency and full coverage.

Contract of `collect`:

- Provider code (`scopes()`, `tasks(scope)`, `fetch`, `normalise`) runs only in worker
  threads, at most `workers` jobs at a time. Only the calling thread calls the sink and the
  progress callbacks, so a sink may hold a per-thread SQLite connection.
- Scopes are pulled lazily, an account's tasks are listed only when few ready tasks are
  left, and batches wait for the sink behind a bounded number of slots: memory depends on
  `workers` and `batch_size`, never on the number of accounts.
- Every unit ends with one `CoverageEntry`, handed to `sink.add_coverage`. `scopes()`
  raising: a provider-wide entry (account, region, collector `*`); `tasks(scope)` raising:
  an account-wide entry (region, collector `*`); `fetch` raising midway: a FAILED unit
  whose resources so far are kept (they are real) but never swept; `normalise` raising on
  one item: an error counted, the unit PARTIAL/MALFORMED, the other items go on;
  `normalise` returning None: the item is skipped. A task past `task_timeout_s` is a
  TIMEOUT unit: its iterator is no longer consumed and later batches are dropped (a thread
  cannot be killed: a hung SDK call keeps its thread until it returns).
- `stop` set: nothing new starts, running jobs finish, and every unit, account or provider
  listing that did not run gets a FAILED entry saying the scan was stopped. A
  `StopSignal` that is `interrupt()`ed also abandons running tasks, each recorded
  FAILED/INTERRUPTED with what it delivered.
- An exception from the sink or a progress callback aborts the run and propagates.
"""

from cloudcensus.scanner.collect.contract import (
    CollectProgress,
    CollectSummary,
    NullProgress,
    ResourceSink,
    UnitKey,
)
from cloudcensus.scanner.collect.engine import StopSignal, collect

__all__ = [
    "CollectProgress",
    "CollectSummary",
    "NullProgress",
    "ResourceSink",
    "StopSignal",
    "UnitKey",
    "collect",
]
