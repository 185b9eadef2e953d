"""Bearer tokens: random, shown once, stored as sha256, compared in constant time.

A token reads ``cc_<public id>_<secret>``. The public id finds the row; the sha256 of
the whole token is compared with `hmac.compare_digest`, so timing says nothing about
the secret. Roles: `agent` writes scans of its one institution and reads nothing;
`reader` reads its institutions (a list, or all); `admin` reads all and manages
institutions and tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcensus.registry.models import Institution, Token, TokenScope

__all__ = ["Principal", "Role", "TokenError", "authenticate", "issue_token"]

_PREFIX = "cc"


class Role(StrEnum):
    AGENT = "agent"
    READER = "reader"
    ADMIN = "admin"


class TokenError(ValueError):
    """A token cannot be issued as asked (unknown institution, agent without one...)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the role and the institutions (ids) it may touch."""

    token_public_id: str
    role: Role
    institution_id: int | None  # the agent's institution
    readable: frozenset[int] | None  # None: every institution

    def can_read(self, institution_id: int) -> bool:
        if self.role is Role.AGENT:
            return False
        return self.readable is None or institution_id in self.readable


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    role: Role,
    institutions: list[str],
    *,
    all_institutions: bool = False,
    description: str | None = None,
) -> str:
    """Create a token and return it in clear: the only time it exists outside the caller."""
    rows = {
        i.name: i
        for i in session.scalars(select(Institution).where(Institution.name.in_(institutions)))
    }
    missing = sorted(set(institutions) - set(rows))
    if missing:
        raise TokenError(f"unknown institution(s): {', '.join(missing)}")
    if role is Role.AGENT and (len(rows) != 1 or all_institutions):
        raise TokenError("an agent token belongs to exactly one institution")
    if role is Role.READER and not rows and not all_institutions:
        raise TokenError("a reader token needs --institution (one or more) or --all")
    if role is Role.ADMIN and rows:
        raise TokenError("an admin token is not scoped to institutions")
    public_id = secrets.token_hex(8)
    token = f"{_PREFIX}_{public_id}_{secrets.token_urlsafe(32)}"
    row = Token(
        public_id=public_id,
        secret_sha256=_sha256(token),
        role=role.value,
        institution_id=next(iter(rows.values())).id if role is Role.AGENT else None,
        all_institutions=all_institutions or role is Role.ADMIN,
        description=description,
        created=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    if role is Role.READER:
        session.add_all(TokenScope(token_id=row.id, institution_id=i.id) for i in rows.values())
    return token


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal of a presented token, or None (unknown, malformed, revoked)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX:
        return None
    row = session.scalar(select(Token).where(Token.public_id == parts[1]))
    if row is None or row.revoked is not None:
        return None
    if not hmac.compare_digest(row.secret_sha256, _sha256(token)):
        return None
    readable: frozenset[int] | None = None
    if not row.all_institutions:
        scopes = session.scalars(
            select(TokenScope.institution_id).where(TokenScope.token_id == row.id)
        )
        readable = frozenset(scopes)
    return Principal(row.public_id, Role(row.role), row.institution_id, readable)
