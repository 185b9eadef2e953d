"""A finding batch's events, decoded and checked in Python, staged for set-based SQL.

`decode` reads a `FindingBatch` body with msgspec, whose typed decoder validates while it
parses (about 6 ms for 1,000 events of 2.5 KB here; pydantic needs over 100 ms, the
database's own JSON functions 60-250 ms). Its types mirror `cloudcensus.wire.v1` and are
at least as strict, plus what the `findings` columns cannot hold (lengths, NUL
characters): whatever it refuses goes to the slow path, where pydantic either explains
the error (422) or accepts an unusual spelling that the caller re-encodes canonically
(`batches`). It never accepts what the wire model refuses (tests/registry/test_stage.py).

The result is one row of `findings` columns per event (`Row`) and the body itself, which
the registry keeps once per batch (`event_batches`) instead of each event in its
finding's row. `fill` loads the rows into `cc_stage`, a temporary table (per database
connection: emptied at commit on PostgreSQL, by `fill` on SQLite), by binary COPY on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, NamedTuple
from uuid import UUID

import msgspec
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, text
from sqlalchemy.orm import Session

from cloudcensus.wire import v1

__all__ = ["MAX_TIME_MS", "Row", "Staged", "decode", "fill", "stage"]

#: Event times from 0 up to (excluding) year 10000, in epoch milliseconds.
MAX_TIME_MS = 253_402_300_800_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --- the wire model's fields the registry reads, as msgspec types --------------------------
# Unknown fields are ignored (kept in the stored body), as the wire model's extra="allow".


class _Account(msgspec.Struct, gc=False):
    uid: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class _Cloud(msgspec.Struct, gc=False):
    provider: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    account: _Account
    region: str | None = None


class _Resource(msgspec.Struct, gc=False):
    uid: Annotated[str, msgspec.Meta(min_length=1)]
    type: str | None = None
    region: str | None = None
    name: str | None = None


class _FindingInfo(msgspec.Struct, gc=False):
    uid: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    title: str


class _Compliance(msgspec.Struct, gc=False):
    control: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class _Metadata(msgspec.Struct, gc=False):
    version: Literal["1.5.0"]


class _Cloudcensus(msgspec.Struct, gc=False):
    status: Literal["pass", "fail", "explained", "error"]
    explanation_id: Annotated[str, msgspec.Meta(max_length=128)] | None = None


class _Unmapped(msgspec.Struct, gc=False):
    cloudcensus: _Cloudcensus


class _Event(msgspec.Struct, gc=False):
    class_uid: Literal[2003]
    time: Annotated[int, msgspec.Meta(ge=0, lt=MAX_TIME_MS)]
    # printable ASCII (an OCSF caption): lower() is then the same in every database
    severity: Annotated[str, msgspec.Meta(max_length=16, pattern=r"\A[ -~]*\Z")]
    severity_id: Annotated[int, msgspec.Meta(ge=0, le=99)]
    metadata: _Metadata
    finding_info: _FindingInfo
    compliance: _Compliance
    resources: Annotated[list[_Resource], msgspec.Meta(min_length=1)]
    cloud: _Cloud
    unmapped: _Unmapped
    message: str | None = None


class _Body(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    batch_uid: UUID
    events: Annotated[list[_Event], msgspec.Meta(min_length=1, max_length=v1.MAX_BATCH_EVENTS)]


_DECODER = msgspec.json.Decoder(_Body)


class Row(NamedTuple):
    """The `findings` columns of one event; `ord` is its position in the batch."""

    ord: int
    uid: str
    provider: str
    account: str
    region: str
    rule: str
    severity: str
    status: str
    resource_id: str
    resource_type: str | None
    title: str
    message: str | None
    explanation_id: str | None
    seen: datetime


@dataclass(frozen=True)
class Staged:
    """A checked batch: its body (what `event_batches` keeps: the JSON, or the gzip
    stream of it as received), its event count and the rows to write, one per finding
    uid (the last event of a uid wins)."""

    batch_uid: UUID
    body: bytes
    count: int
    rows: list[Row]


def _row(n: int, event: _Event, seen: datetime, nul: bool) -> Row | None:
    resource = event.resources[0]
    region = resource.region or event.cloud.region or "global"
    if len(region) > 64 or (resource.type is not None and len(resource.type) > 64):
        return None
    row = Row(
        n, event.finding_info.uid, event.cloud.provider, event.cloud.account.uid, region,
        event.compliance.control, event.severity.lower(), event.unmapped.cloudcensus.status,
        resource.uid, resource.type, event.finding_info.title, event.message,
        event.unmapped.cloudcensus.explanation_id, seen,
    )  # fmt: skip
    if nul and any("\x00" in value for value in row[1:-1] if value is not None):
        return None  # no text column of PostgreSQL holds a NUL character
    return row


def decode(body: bytes, kept: bytes | None = None) -> Staged | None:
    """The batch when `body` is a `FindingBatch` the registry stores as is, else None (the
    caller then validates it with pydantic, which explains or re-encodes). The batch
    keeps `kept` (`body` gzip-compressed, as received) or else `body`."""
    try:
        batch = _DECODER.decode(body)
    except msgspec.DecodeError:  # also ValidationError, its subclass
        return None
    times: dict[int, datetime] = {}  # the events of a batch share a few times
    rows: dict[str, Row] = {}
    # JSON holds a NUL character only escaped (a raw control character is refused): when
    # the body has no such escape, no string of it needs checking
    nul = b"\\u0000" in body
    for n, event in enumerate(batch.events):
        seen = times.get(event.time)
        if seen is None:
            seen = times[event.time] = _EPOCH + timedelta(milliseconds=event.time)
        row = _row(n, event, seen, nul)
        if row is None:
            return None
        rows.pop(row.uid, None)  # the last event of a uid wins
        rows[row.uid] = row
    return Staged(batch.batch_uid, kept or body, len(batch.events), list(rows.values()))


# --- staging ----------------------------------------------------------------------------

stage = Table(
    "cc_stage",
    MetaData(),
    Column("ord", Integer),
    Column("uid", Text),
    Column("provider", Text),
    Column("account", Text),
    Column("region", Text),
    Column("rule", Text),
    Column("severity", Text),
    Column("status", Text),
    Column("resource_id", Text),
    Column("resource_type", Text),
    Column("title", Text),
    Column("message", Text),
    Column("explanation_id", Text),
    Column("seen", DateTime(timezone=True)),
    Column("resource_text_id", Integer),
    Column("message_text_id", Integer),
    prefixes=["TEMPORARY"],
)
_FIELDS = (*Row._fields, "resource_text_id", "message_text_id")
_NAMES = ", ".join(_FIELDS)
_PG_CREATE = """CREATE TEMPORARY TABLE IF NOT EXISTS cc_stage (
    ord integer, uid text, provider text, account text, region text, rule text,
    severity text, status text, resource_id text, resource_type text, title text,
    message text, explanation_id text, seen timestamptz, resource_text_id integer,
    message_text_id integer
) ON COMMIT DELETE ROWS"""
_PG_TYPES = ["int4", *["text"] * 12, "timestamptz", "int4", "int4"]  # as _PG_CREATE
_LITE_CREATE = """CREATE TEMPORARY TABLE IF NOT EXISTS cc_stage (
    ord INTEGER, uid TEXT, provider TEXT, account TEXT, region TEXT, rule TEXT,
    severity TEXT, status TEXT, resource_id TEXT, resource_type TEXT, title TEXT,
    message TEXT, explanation_id TEXT, seen TEXT, resource_text_id INTEGER,
    message_text_id INTEGER
)"""
_LITE_INSERT = f"INSERT INTO cc_stage ({_NAMES}) VALUES ({', '.join('?' * len(_FIELDS))})"  # noqa: S608
_LITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def fill(session: Session, rows: list[Row], ids: Sequence[tuple[int, int]]) -> None:
    """Load `rows` into `cc_stage`, in the session's transaction (replacing what it held),
    each with its `ids`: the `search_texts` ids of its resource id and of its title and
    message (`cloudcensus.registry.texts`)."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    if connection.dialect.name != "postgresql":
        connection.execute(text(_LITE_CREATE))
        connection.execute(text("DELETE FROM cc_stage"))
        # times as SQLAlchemy writes DateTime to SQLite, so that they compare as text
        driver.executemany(
            _LITE_INSERT,
            [
                (*r[:-1], r.seen.strftime(_LITE_TIME), *pair)
                for r, pair in zip(rows, ids, strict=True)
            ],
        )
        return
    connection.execute(text(_PG_CREATE))  # (a rolled-back transaction may have dropped it)
    # binary COPY: a quarter of the text format's CPU in this process (no escaping)
    statement = f"COPY cc_stage ({_NAMES}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(_PG_TYPES)
        for row, pair in zip(rows, ids, strict=True):
            copy.write_row((*row, *pair))
