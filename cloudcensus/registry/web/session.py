"""Browser sessions: a signed cookie that refers to a reader or admin token, never holds it.

A person logs in once with a token; the cookie then carries
``v1.<token public id>.<expiry, unix seconds>.<mac>`` where the mac is an HMAC-SHA256
over the public id and expiry, keyed by the token's stored sha256. Why this shape:

- the token itself never sits in the browser: a copied cookie is not an API credential
  and stops working at its expiry (`SESSION_SECONDS`);
- revoking the token ends every session made from it at once, since each request looks
  the token row up again (and its scope, so a narrowed scope applies immediately);
- the registry needs no session table and no extra signing secret to configure, share
  between replicas or rotate: only the database, which already holds the token hashes.
  Forging a cookie needs the token (then one can log in anyway) or read access to the
  database (which already shows every finding).

Logging out deletes the cookie in the browser; a cookie copied before stays valid until
its expiry or until the token is revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcensus.registry.models import Token, TokenScope
from cloudcensus.registry.tokens import Principal, Role

__all__ = [
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "WEB_ROLES",
    "cookie_value",
    "open_session",
    "session_principal",
]

SESSION_COOKIE = "cc_session"
SESSION_SECONDS = 8 * 3600  # one working day
WEB_ROLES = frozenset({Role.READER, Role.ADMIN})
_VERSION = "v1"
_PURPOSE = b"cloudcensus registry web session v1"


def _mac(secret_sha256: str, public_id: str, expires: int) -> str:
    key = hmac.new(bytes.fromhex(secret_sha256), _PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, f"{public_id}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def cookie_value(public_id: str, secret_sha256: str, expires: int) -> str:
    """The cookie for the token with this public id and stored sha256, valid until
    `expires` (unix seconds): the whole format, in one place."""
    return ".".join((_VERSION, public_id, str(expires), _mac(secret_sha256, public_id, expires)))


def open_session(session: Session, principal: Principal, now: float | None = None) -> str:
    """The cookie value for a principal that just logged in with its token."""
    if principal.role not in WEB_ROLES:
        raise ValueError(f"a {principal.role} token cannot open a web session")
    row = session.scalar(select(Token).where(Token.public_id == principal.token_public_id))
    if row is None:
        raise ValueError("unknown token")
    expires = int(now if now is not None else time.time()) + SESSION_SECONDS
    return cookie_value(row.public_id, row.secret_sha256, expires)


def session_principal(
    session: Session, cookie: str | None, now: float | None = None
) -> Principal | None:
    """The principal a session cookie stands for, or None: malformed, forged, expired,
    token revoked, or a role that may not read."""
    if not cookie:
        return None
    parts = cookie.split(".")
    if len(parts) != 4 or parts[0] != _VERSION or not parts[2].isdigit():
        return None
    _, public_id, expires_text, mac = parts
    expires = int(expires_text)
    if expires <= (now if now is not None else time.time()):
        return None
    row = session.scalar(select(Token).where(Token.public_id == public_id))
    if row is None or row.revoked is not None or Role(row.role) not in WEB_ROLES:
        return None
    if not hmac.compare_digest(_mac(row.secret_sha256, public_id, expires), mac):
        return None
    readable: frozenset[int] | None = None
    if not row.all_institutions:
        scopes = session.scalars(
            select(TokenScope.institution_id).where(TokenScope.token_id == row.id)
        )
        readable = frozenset(scopes)
    return Principal(row.public_id, Role(row.role), row.institution_id, readable)
