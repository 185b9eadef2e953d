"""The staging table of a finding batch: its events, parsed by the database.

Parsing a million OCSF events in Python costs more than everything else the registry
does with them, so the database does it, in C: `fill` hands it the batch's `events`
array as JSON text, and one INSERT ... SELECT splits it, extracts the columns the
registry indexes, converts the time, and keeps each event's own text (stored as sent).

`cc_stage` is a temporary table (per database connection; emptied at commit on
PostgreSQL, at the start of each fill on SQLite). Its `ok` column says whether the
event is in the canonical form the agent sends and fits the `findings` columns (with
SQLite, text that is not strict JSON stages nothing, and an element that is not an
object is staged as not ok). The
checks are at least as strict as the wire model (`cloudcensus.wire.v1`): an event they
refuse is handed to pydantic, which either explains the error (422) or accepts an
unusual spelling that the caller then re-encodes canonically (`batches`). A malformed
array or an element that is not an object makes the database raise instead; the
caller treats that like a refused event (PostgreSQL only).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, Table, Text, text
from sqlalchemy.orm import Session

__all__ = ["MAX_TIME_MS", "fill", "stage"]

#: Event times from 0 up to (excluding) year 10000, in epoch milliseconds.
MAX_TIME_MS = 253_402_300_800_000

stage = Table(
    "cc_stage",
    MetaData(),
    Column("ord", Integer),
    Column("raw", Text),
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
    Column("ok", Boolean),
    prefixes=["TEMPORARY"],
)

_COLUMNS = (
    "ord, raw, uid, provider, account, region, rule, severity, status, resource_id, "
    "resource_type, title, message, explanation_id, seen, ok"
)
_STATUSES = "'pass', 'fail', 'explained', 'error'"

# --- PostgreSQL: each event is converted to jsonb once; fields are read from it ---------

_PG_CREATE = """CREATE TEMPORARY TABLE cc_stage (
    ord integer, raw json, uid text, provider text, account text, region text, rule text,
    severity text, status text, resource_id text, resource_type text, title text,
    message text, explanation_id text, seen timestamptz, ok boolean
) ON COMMIT DELETE ROWS"""
# The events pass through: compressing them here would only cost time.
_PG_UNCOMPRESSED = "ALTER TABLE cc_stage ALTER COLUMN raw SET STORAGE EXTERNAL"


def _pg_value(path: str) -> str:
    """The jsonb value at `path` (comma-separated keys and indexes) of the event."""
    return f"(x.j #> '{{{path}}}')"


def _pg_text(path: str) -> str:
    return f"(x.j #>> '{{{path}}}')"


def _pg_type(path: str, *types: str) -> str:
    """The value at `path` is one of `types` ('null' also admits an absent key)."""
    allowed = ", ".join(f"'{t}'" for t in types)
    return f"coalesce(jsonb_typeof({_pg_value(path)}), 'null') IN ({allowed})"


def _pg_is(path: str, kind: str) -> str:
    return f"jsonb_typeof({_pg_value(path)}) = '{kind}'"


def _pg_string(path: str, low: int, high: int | None) -> str:
    size = f"length({_pg_text(path)}) >= {low}"
    if high is not None:
        size += f" AND length({_pg_text(path)}) <= {high}"
    return f"({_pg_is(path, 'string')} AND {size})"


_PG_TIME = _pg_text("time")
_PG_REGION = (
    f"coalesce(nullif({_pg_text('resources,0,region')}, ''), "
    f"nullif({_pg_text('cloud,region')}, ''), 'global')"
)
_PG_BAD_RESOURCE = (
    "jsonb_typeof(r) <> 'object'"
    " OR coalesce(jsonb_typeof(r -> 'uid'), '') <> 'string' OR r ->> 'uid' = ''"
    + "".join(
        f" OR coalesce(jsonb_typeof(r -> '{key}'), 'null') NOT IN ('string', 'null')"
        for key in ("type", "region", "name")
    )
)
_PG_OK = " AND ".join(
    [
        _pg_is("class_uid", "number"),
        f"{_pg_value('class_uid')}::text = '2003'",
        f"{_pg_is('time', 'number')} AND {_PG_TIME} ~ '^[0-9]{{1,15}}$'",
        f"{_PG_TIME}::bigint < {MAX_TIME_MS}",
        _pg_string("severity", 0, 16),
        f"{_pg_text('severity')} ~ '^[ -~]*$'",  # printable ASCII: lower() as in Python
        f"{_pg_is('severity_id', 'number')} AND {_pg_text('severity_id')} ~ '^[0-9]{{1,2}}$'",
        _pg_type("message", "string", "null"),
        _pg_is("metadata", "object"),
        f"{_pg_value('metadata,version')} = '\"1.5.0\"'::jsonb",
        _pg_is("finding_info", "object"),
        _pg_string("finding_info,uid", 1, 128),
        _pg_is("finding_info,title", "string"),
        _pg_is("compliance", "object"),
        _pg_string("compliance,control", 1, 64),
        _pg_is("resources,0", "object"),
        _pg_string("resources,0,uid", 1, None),
        *(_pg_type(f"resources,0,{key}", "string", "null") for key in ("type", "region", "name")),
        # (CASE: the other elements are looked at only when there are some)
        f"CASE WHEN {_pg_is('resources', 'array')} IS NOT TRUE THEN false "  # noqa: S608
        f"WHEN jsonb_array_length({_pg_value('resources')}) = 1 THEN true "
        "ELSE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(x.j -> 'resources') AS r "
        f"WHERE {_PG_BAD_RESOURCE}) END",
        f"length(coalesce({_pg_text('resources,0,type')}, '')) <= 64",
        f"length({_PG_REGION}) <= 64",
        _pg_is("cloud", "object"),
        _pg_string("cloud,provider", 1, 32),
        _pg_type("cloud,region", "string", "null"),
        _pg_is("cloud,account", "object"),
        _pg_string("cloud,account,uid", 1, 256),
        _pg_is("unmapped", "object"),
        _pg_is("unmapped,cloudcensus", "object"),
        _pg_is("unmapped,cloudcensus,status", "string"),
        f"{_pg_text('unmapped,cloudcensus,status')} IN ({_STATUSES})",
        _pg_type("unmapped,cloudcensus,explanation_id", "string", "null"),
        f"length(coalesce({_pg_text('unmapped,cloudcensus,explanation_id')}, '')) <= 128",
    ]
)
_PG_FILL = f"""INSERT INTO cc_stage ({_COLUMNS})
SELECT e.ord, e.raw, {_pg_text("finding_info,uid")}, {_pg_text("cloud,provider")},
    {_pg_text("cloud,account,uid")}, {_PG_REGION}, {_pg_text("compliance,control")},
    lower({_pg_text("severity")}), {_pg_text("unmapped,cloudcensus,status")},
    {_pg_text("resources,0,uid")}, {_pg_text("resources,0,type")},
    {_pg_text("finding_info,title")}, {_pg_text("message")},
    {_pg_text("unmapped,cloudcensus,explanation_id")},
    CASE WHEN {_PG_TIME} ~ '^[0-9]{{1,15}}$' AND {_PG_TIME}::bigint < {MAX_TIME_MS}
        THEN timestamptz 'epoch' + {_PG_TIME}::bigint * interval '1 millisecond' END,
    coalesce({_PG_OK}, false)
FROM json_array_elements(CAST(:events AS json)) WITH ORDINALITY AS e(raw, ord)
CROSS JOIN LATERAL (SELECT e.raw::jsonb AS j OFFSET 0) AS x"""  # noqa: S608 - constants

# --- SQLite: one multi-path json_extract per event, then reads of its small result -----
# (a JSON function parses its argument on every call, so reading fields one by one
# would parse each event some forty times)

_LITE_PATHS = (
    "class_uid", "time", "severity", "severity_id", "message", "metadata.version",
    "finding_info.uid", "finding_info.title", "compliance.control", "resources[0].uid",
    "resources[0].type", "resources[0].region", "resources[0].name", "resources",
    "cloud.provider", "cloud.region", "cloud.account.uid", "unmapped.cloudcensus.status",
    "unmapped.cloudcensus.explanation_id",
)  # fmt: skip
_LITE_AT = {path: n for n, path in enumerate(_LITE_PATHS)}


def _lite_value(path: str) -> str:
    return f"f.v{_LITE_AT[path]}"


def _lite_type(path: str, *types: str) -> str:
    """The value at `path` is one of `types` (JSON null and absent read alike)."""
    allowed = ", ".join(f"'{t}'" for t in types)
    return f"f.t{_LITE_AT[path]} IN ({allowed})"


def _lite_string(path: str, low: int, high: int | None) -> str:
    size = f"length({_lite_value(path)}) >= {low}"
    if high is not None:
        size += f" AND length({_lite_value(path)}) <= {high}"
    return f"({_lite_type(path, 'text')} AND {size})"


_LITE_REGION = (
    f"coalesce(nullif({_lite_value('resources[0].region')}, ''), "
    f"nullif({_lite_value('cloud.region')}, ''), 'global')"
)
_LITE_R = "(CASE WHEN r.type = 'object' THEN r.value END)"  # NULL unless an object
_LITE_BAD_RESOURCE = " OR ".join(
    [
        "r.type <> 'object'",
        f"coalesce(json_type({_LITE_R}, '$.uid'), '') <> 'text'",
        f"length({_LITE_R} ->> '$.uid') < 1",
        *(
            f"coalesce(json_type({_LITE_R}, '$.{key}'), 'null') NOT IN ('text', 'null')"
            for key in ("type", "region", "name")
        ),
    ]
)
_LITE_TIME = _lite_value("time")
# Objects need no check of their own: a leaf path below them only reads through objects
# (and `resources[0]` only through an array). `resources` is the (small) array itself.
_LITE_OK = " AND ".join(
    [
        "f.type = 'object'",
        f"{_lite_type('class_uid', 'integer')} AND {_lite_value('class_uid')} = 2003",
        f"{_lite_type('time', 'integer')} AND {_LITE_TIME} >= 0",
        f"{_LITE_TIME} < {MAX_TIME_MS}",
        _lite_string("severity", 0, 16),
        f"{_lite_value('severity')} NOT GLOB '*[^ -~]*'",  # printable ASCII: lower() as Python
        _lite_type("severity_id", "integer"),
        f"{_lite_value('severity_id')} BETWEEN 0 AND 99",
        _lite_type("message", "text", "null"),
        f"{_lite_type('metadata.version', 'text')} AND {_lite_value('metadata.version')} = '1.5.0'",
        _lite_string("finding_info.uid", 1, 128),
        _lite_type("finding_info.title", "text"),
        _lite_string("compliance.control", 1, 64),
        _lite_string("resources[0].uid", 1, None),
        *(_lite_type(f"resources[0].{key}", "text", "null") for key in ("type", "region", "name")),
        f"CASE WHEN {_lite_type('resources', 'array')} IS NOT 1 THEN 0 "  # noqa: S608
        f"WHEN json_array_length({_lite_value('resources')}) = 1 THEN 1 "
        f"ELSE NOT EXISTS (SELECT 1 FROM json_each({_lite_value('resources')}) AS r "
        f"WHERE {_LITE_BAD_RESOURCE}) END",
        f"length(coalesce({_lite_value('resources[0].type')}, '')) <= 64",
        f"length({_LITE_REGION}) <= 64",
        _lite_string("cloud.provider", 1, 32),
        _lite_type("cloud.region", "text", "null"),
        _lite_string("cloud.account.uid", 1, 256),
        _lite_type("unmapped.cloudcensus.status", "text"),
        f"{_lite_value('unmapped.cloudcensus.status')} IN ({_STATUSES})",
        _lite_type("unmapped.cloudcensus.explanation_id", "text", "null"),
        f"length(coalesce({_lite_value('unmapped.cloudcensus.explanation_id')}, '')) <= 128",
    ]
)
_LITE_CREATE = """CREATE TEMPORARY TABLE IF NOT EXISTS cc_stage (
    ord INTEGER, raw TEXT, uid TEXT, provider TEXT, account TEXT, region TEXT, rule TEXT,
    severity TEXT, status TEXT, resource_id TEXT, resource_type TEXT, title TEXT,
    message TEXT, explanation_id TEXT, seen TEXT, ok INTEGER
)"""
# SQLAlchemy's SQLite DateTime format ("2026-01-01 02:00:00.000000"), so that stored
# times compare as text with the ones SQLAlchemy writes.
_LITE_SEEN = (
    f"strftime('%Y-%m-%d %H:%M:%S', {_LITE_TIME} / 1000, 'unixepoch') "
    f"|| printf('.%06d', ({_LITE_TIME} % 1000) * 1000)"
)
_LITE_EXTRACT = ", ".join(f"'$.{path}'" for path in _LITE_PATHS)
_LITE_FIELDS = ", ".join(
    f"s.a ->> '$[{n}]' AS v{n}, json_type(s.a, '$[{n}]') AS t{n}" for n in range(len(_LITE_PATHS))
)
_LITE_FILL = f"""WITH s AS MATERIALIZED (
    SELECT e.key, e.type, e.v, json_extract(e.v, {_LITE_EXTRACT}) AS a
    FROM (
        SELECT j.key, j.type, CASE WHEN j.type = 'object' THEN j.value END AS v
        FROM json_each(CASE WHEN json_valid(:events) THEN :events ELSE '[]' END) AS j
    ) AS e
), f AS MATERIALIZED (SELECT s.key, s.type, s.v, {_LITE_FIELDS} FROM s)
INSERT INTO cc_stage ({_COLUMNS})
SELECT f.key, f.v, {_lite_value("finding_info.uid")}, {_lite_value("cloud.provider")},
    {_lite_value("cloud.account.uid")}, {_LITE_REGION}, {_lite_value("compliance.control")},
    lower({_lite_value("severity")}), {_lite_value("unmapped.cloudcensus.status")},
    {_lite_value("resources[0].uid")}, {_lite_value("resources[0].type")},
    {_lite_value("finding_info.title")}, {_lite_value("message")},
    {_lite_value("unmapped.cloudcensus.explanation_id")},
    CASE WHEN {_lite_type("time", "integer")} AND {_LITE_TIME} BETWEEN 0 AND {MAX_TIME_MS - 1}
        THEN {_LITE_SEEN} END,
    coalesce({_LITE_OK}, 0)
FROM f WHERE true"""  # noqa: S608 - constants only


def fill(session: Session, events: str) -> None:
    """Parse the JSON array `events` into `cc_stage` (empty: PostgreSQL empties it at each
    commit, SQLite here first).

    With PostgreSQL, raises the driver's error (wrapped by SQLAlchemy) when `events` is
    not a JSON array of objects; with SQLite, text that is not strict JSON fills nothing.
    """
    if session.get_bind().dialect.name == "postgresql":
        if session.scalar(text("SELECT to_regclass('pg_temp.cc_stage')")) is None:
            session.execute(text(_PG_CREATE))
            session.execute(text(_PG_UNCOMPRESSED))
        session.execute(text(_PG_FILL), {"events": events})
    else:
        session.execute(text(_LITE_CREATE))
        session.execute(text("DELETE FROM cc_stage"))
        session.execute(text(_LITE_FILL), {"events": events})
