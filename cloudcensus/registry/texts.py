"""The texts the `text` filter of findings searches, each stored once (`search_texts`).

A finding's searchable text is its resource id, its title and its message. The title and
message come from its rule (a few hundred distinct pairs in a registry), and a resource
has several findings (one per rule that selects it), so a registry holding a million
findings holds a few hundred thousand distinct texts. Each is a `search_texts` row found
by its BLAKE2b digest; a finding points to two of them: `resource_text_id` (the resource
id) and `message_text_id` (the title and the message joined by a newline, the title
alone with a newline when there is no message). On PostgreSQL a trigram index on the
texts (migration 0006) finds a substring among them; each new finding then writes two
integer index entries instead of a trigram entry per three characters of its text.

`ids` resolves a batch's texts (inserting the new ones); `matching` is the filter. A
text's row never changes and is never deleted, so the ids found are remembered by the
process for each database engine (up to `KNOWN_MAX` texts each): a scan of known
resources reads no text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cloudcensus.registry.db import insert_of
from cloudcensus.registry.models import Finding, SearchText

__all__ = ["FEW_MATCHES", "KNOWN_MAX", "digest", "ids", "matching", "message_text"]

#: Up to this many matching texts, the filter lists their ids (each finding index is then
#: read for them alone); more, and it becomes a subquery the database hashes.
FEW_MATCHES = 2000

#: Per engine, texts -> ids of its database (committed rows, never deleted); emptied when
#: full.
_KNOWN: WeakKeyDictionary[Engine, dict[str, int]] = WeakKeyDictionary()
KNOWN_MAX = 500_000

_KEYS = (SearchText.digest, SearchText.id)


def message_text(title: str, message: str | None) -> str:
    """The searchable text of a title and a message (a text without a newline is a
    substring of it exactly when it is one of the title or of the message)."""
    return f"{title}\n{message or ''}"


def digest(value: str) -> bytes:
    return hashlib.blake2b(value.encode(), digest_size=16).digest()


def ids(session: Session, values: Iterable[str]) -> dict[str, int]:
    """The `search_texts` id of each of `values`, inserting those not stored yet (a
    concurrent insert of the same text is absorbed).

    New texts are committed at once, in a transaction of their own: the caller's
    transaction must hold no write yet (it is committed, and the session goes on in a
    new one). Two batches bringing the same new text then wait for each other only for
    that insert, not for the whole other batch; a text whose batch fails afterwards
    stays, unused (texts are never deleted)."""
    cache = _KNOWN.setdefault(session.get_bind().engine, {})
    wanted = set(values)
    known = {value: cache[value] for value in wanted if value in cache}
    by_digest = {digest(value): value for value in wanted if value not in known}
    if not by_digest:
        return known
    found = _stored(session, list(by_digest))
    # in digest order: two transactions inserting the same new texts wait for each other
    # in one order (never a deadlock)
    missing = sorted(d for d in by_digest if d not in found)
    if missing:
        found.update(_insert(session, missing, [by_digest[d] for d in missing]))
        session.commit()
        lost = [d for d in missing if d not in found]  # inserted by another batch meanwhile
        if lost:
            found.update(_stored(session, lost))
    if len(cache) + len(found) > KNOWN_MAX:
        cache.clear()
    cache.update((by_digest[d], i) for d, i in found.items())
    return known | {value: found[d] for d, value in by_digest.items()}


#: PostgreSQL: the texts as two array parameters, inserted in their order (a few
#: milliseconds of CPU for thousands, where a multi-row VALUES costs four times as much).
_PG_INSERT = """INSERT INTO search_texts (digest, text)
SELECT d, t FROM unnest(%(digests)s::bytea[], %(texts)s::text[]) WITH ORDINALITY AS n(d, t, i)
ORDER BY i ON CONFLICT (digest) DO NOTHING RETURNING digest, id"""
_PG_STORED = "SELECT digest, id FROM search_texts WHERE digest = ANY(%(digests)s::bytea[])"


def _insert(session: Session, digests: list[bytes], texts: list[str]) -> dict[bytes, int]:
    """Insert the texts of `digests` (in that order) but those stored meanwhile; the ids
    of those inserted."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        params = {"digests": digests, "texts": texts}
        return {d: i for d, i in connection.exec_driver_sql(_PG_INSERT, params)}
    statement = insert_of(session)(SearchText).on_conflict_do_nothing(index_elements=["digest"])
    rows = [{"digest": d, "text": t} for d, t in zip(digests, texts, strict=True)]
    return {d: i for d, i in session.execute(statement.returning(*_KEYS), rows)}


def _stored(session: Session, digests: list[bytes]) -> dict[bytes, int]:
    """(At most two texts per event of a batch: 10,000, within SQLite's 32,766 parameters.)"""
    connection = session.connection()
    rows: Iterable[Any]
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(_PG_STORED, {"digests": digests})
    else:
        rows = session.execute(select(*_KEYS).where(SearchText.digest.in_(digests)))
    return {d: i for d, i in rows}


def matching(session: Session, pattern: str) -> ColumnElement[bool]:
    """Findings whose resource id, title or message is LIKE `pattern` (lower case,
    backslash escapes): the matching texts are read first; a few become a list of ids
    (index reads of the findings), many a subquery."""
    like = func.lower(SearchText.text).like(pattern, escape="\\")
    found = session.scalars(select(SearchText.id).where(like).limit(FEW_MATCHES + 1)).all()
    if len(found) <= FEW_MATCHES:
        if not found:
            return false()
        return or_(Finding.resource_text_id.in_(found), Finding.message_text_id.in_(found))
    texts = select(SearchText.id).where(like)
    return or_(Finding.resource_text_id.in_(texts), Finding.message_text_id.in_(texts))
