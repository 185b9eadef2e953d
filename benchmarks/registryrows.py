"""Rows of the registry's database written directly, for `benchmarks/registry.py`.

The agent's gzip batch bodies of a set of OCSF events; the `findings` rows and
`event_batches` bodies the ingest path would store for them; the database's own bulk
load of those (the ingest benchmark's baseline); and the seeding of a large institution
by COPY for the read benchmark.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from isal import igzip
from pydantic_core import to_json
from sqlalchemy import create_engine, make_url, text

from benchmarks.push import event_copies
from cloudcensus.registry.texts import digest, message_text
from cloudcensus.scanner.push.items import GZIP_LEVEL

__all__ = [
    "BATCH",
    "COLUMNS",
    "STARTED",
    "Texts",
    "batch_bodies",
    "batch_body",
    "bulk_load",
    "drop_text_index",
    "row",
    "seed",
]

BATCH = 1000
STARTED = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
COLUMNS = (
    "institution_id", "uid", "provider", "account", "region", "rule", "severity", "status",
    "resource_id", "resource_type", "title", "message", "explanation_id", "first_seen",
    "last_seen", "resolved_at", "last_scan_id", "last_started", "events_id", "event_index",
    "resource_text_id", "message_text_id",
)  # fmt: skip


def batch_body(uid: str, events: Sequence[dict[str, Any]]) -> bytes:
    """A gzip `FindingBatch` body, as the agent sends it (and the registry keeps it)."""
    joined = b",".join(to_json(e) for e in events)
    body = b'{"batch_uid":"%s","events":[%s]}' % (uid.encode(), joined)
    return igzip.compress(body, GZIP_LEVEL, mtime=0)


class Texts(dict[str, int]):
    """`search_texts` ids given in order of first use; `new` holds the rows not yet
    written (id, digest, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[tuple[int, bytes, str]] = []

    def id(self, value: str) -> int:
        found = self.get(value)
        if found is None:
            found = self[value] = len(self) + 1
            self.new.append((found, digest(value), value))
        return found

    def written(self) -> list[tuple[int, bytes, str]]:
        """The rows to write now (and forget)."""
        new, self.new = self.new, []
        return new


def row(
    e: dict[str, Any],
    institution: int,
    scan: int,
    resolved: datetime | None,
    at: tuple[int, int],
    texts: Texts,
) -> tuple[Any, ...]:
    """The `findings` row the ingest path derives from an event; `at`: (event batch id,
    position in it); `texts` gives the ids of its search texts."""
    seen = datetime.fromtimestamp(e["time"] / 1000, UTC)
    r = e["resources"][0]
    cc = e["unmapped"]["cloudcensus"]
    title, message = e["finding_info"]["title"], e.get("message")
    return (institution, e["finding_info"]["uid"], e["cloud"]["provider"],
            e["cloud"]["account"]["uid"], r.get("region") or e["cloud"].get("region") or "global",
            e["compliance"]["control"], e["severity"].lower(), cc["status"], r["uid"],
            r.get("type"), title, message, cc.get("explanation_id"),
            seen, seen, resolved, scan, STARTED, *at, texts.id(r["uid"]),
            texts.id(message_text(title, message)))  # fmt: skip


# --- ingest ------------------------------------------------------------------------------


def batch_bodies(events: list[dict[str, Any]], size: int = BATCH) -> list[tuple[str, bytes]]:
    """The events as gzip batch bodies of `size` events, each with its batch uid."""
    bodies = []
    for first in range(0, len(events), size):
        uid = str(uuid.uuid4())
        bodies.append((uid, batch_body(uid, events[first : first + size])))
    return bodies


def bulk_load(
    url: str,
    rows: list[tuple],  # type: ignore[type-arg]
    bodies: list[bytes],
    texts: list[tuple[int, bytes, str]],
) -> float:
    """Seconds for the database's own bulk load of `rows` into a copy of `findings`, of
    `bodies` into a copy of `event_batches` and of `texts` into a copy of `search_texts`."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("CREATE TABLE bulk (LIKE findings INCLUDING ALL)"))
            connection.execute(text("CREATE TABLE bulk_events (LIKE event_batches INCLUDING ALL)"))
            connection.execute(text("CREATE TABLE bulk_texts (LIKE search_texts INCLUDING ALL)"))
        else:
            connection.execute(text(
                "CREATE TABLE bulk_events (id INTEGER PRIMARY KEY, refs INTEGER NOT NULL, "
                "body BLOB NOT NULL)"))  # fmt: skip
            connection.execute(text(
                "CREATE TABLE bulk_texts (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, "
                "text TEXT NOT NULL)"))  # fmt: skip
            ddl = connection.scalar(text("SELECT sql FROM sqlite_master WHERE name='findings'"))
            connection.execute(text(ddl.replace("findings", "bulk", 1)))
            for index in connection.scalars(text(
                "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='findings' "
                "AND sql IS NOT NULL")):  # fmt: skip
                connection.execute(text(index.replace("ix_", "bulk_ix_").replace(
                    " ON findings", " ON bulk")))  # fmt: skip
    columns = ", ".join(COLUMNS)
    begin = time.perf_counter()
    if engine.dialect.name == "postgresql":
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as pg, pg.cursor() as cursor:
            with cursor.copy("COPY bulk_events (id, refs, body) FROM STDIN") as copy:
                for n, body in enumerate(bodies):
                    copy.write_row((n + 1, BATCH, body))
            with cursor.copy("COPY bulk_texts (id, digest, text) FROM STDIN") as copy:
                for entry in texts:
                    copy.write_row(entry)
            with cursor.copy(f"COPY bulk ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO bulk_events VALUES (:id, :refs, :body)"),
                               [{"id": n + 1, "refs": BATCH, "body": body}
                                for n, body in enumerate(bodies)])  # fmt: skip
            entries = [{"id": i, "digest": d, "text": t} for i, d, t in texts]
            connection.execute(text("INSERT INTO bulk_texts VALUES (:id, :digest, :text)"),
                               entries)  # fmt: skip
            marks = ", ".join(f":{c}" for c in COLUMNS)
            connection.execute(text(f"INSERT INTO bulk ({columns}) VALUES ({marks})"),  # noqa: S608
                               [dict(zip(COLUMNS, row, strict=True)) for row in rows])  # fmt: skip
    seconds = time.perf_counter() - begin
    engine.dispose()
    return seconds


def drop_text_index(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX IF EXISTS ix_search_texts_trigrams"))
    engine.dispose()


def seed(url: str, pool: list[dict[str, Any]], counts: dict[int, int]) -> None:
    """Load `counts` (institution id -> findings) by COPY, 5 % of them resolved, with
    their scan, their events (gzip batches of 1,000 in `event_batches`), `scan_findings`,
    `finding_counts` and fresh statistics."""
    engine = create_engine(url)
    scans: dict[int, int] = {}
    with engine.begin() as connection:
        for institution in counts:
            scans[institution] = connection.scalar(text(
                "INSERT INTO scans (uid, institution_id, agent_version, started, providers, "
                "received, events, finished, status) VALUES (:uid, :i, 'bench', :t, '[]', :t, "
                ":n, :t, 'complete') RETURNING id"),
                {"i": institution, "uid": str(uuid.uuid4()), "t": STARTED,
                 "n": counts[institution]})  # fmt: skip
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    columns = ", ".join(COLUMNS)
    start = batch = 0
    texts = Texts()
    with psycopg.connect(dsn) as pg, pg.cursor() as cursor:
        for institution, count in counts.items():
            events = event_copies(pool, count, start=start)
            for first in range(0, count, BATCH):
                chunk = list(itertools.islice(events, BATCH))
                batch += 1
                cursor.execute(
                    "INSERT INTO event_batches (id, refs, body) VALUES (%s, %s, %s)",
                    (batch, len(chunk), batch_body(str(uuid.uuid4()), chunk)),
                )
                with cursor.copy(f"COPY findings ({columns}) FROM STDIN") as copy:
                    for n, e in enumerate(chunk, start=first):
                        resolved = STARTED if n % 20 == 7 else None
                        at = (batch, n - first)
                        copy.write_row(row(e, institution, scans[institution], resolved, at, texts))
                with cursor.copy("COPY search_texts (id, digest, text) FROM STDIN") as copy:
                    for entry in texts.written():
                        copy.write_row(entry)
            cursor.execute(
                "INSERT INTO scan_findings (scan_id, uid, status) SELECT last_scan_id, uid, "
                "status FROM findings WHERE institution_id = %s", (institution,))  # fmt: skip
            cursor.execute(
                "INSERT INTO scan_counts (scan_id, status, n) SELECT scan_id, status, count(*) "
                "FROM scan_findings WHERE scan_id = %s GROUP BY 1, 2",
                (scans[institution],),
            )
            start += count
        cursor.execute("SELECT setval(pg_get_serial_sequence('event_batches', 'id'), %s)", (batch,))
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('search_texts', 'id'), %s)", (len(texts),)
        )
    with engine.begin() as connection:
        for institution in counts:
            connection.execute(text(
                "INSERT INTO finding_counts SELECT institution_id, rule, severity, provider, "
                "status, count(*) FROM findings WHERE institution_id = :i AND resolved_at IS "
                "NULL GROUP BY 1, 2, 3, 4, 5"), {"i": institution})  # fmt: skip
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    engine.dispose()
