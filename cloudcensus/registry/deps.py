"""FastAPI dependencies: a database session per request and the calling principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloudcensus.registry.models import Institution
from cloudcensus.registry.tokens import Principal, Role, authenticate

__all__ = ["UNPROCESSABLE", "Caller", "Db", "readable_institution", "require"]


class Unprocessable(BaseModel):
    """A 422: FastAPI's list of field errors, or a message from the route itself."""

    detail: str | list[dict[str, Any]]


# For routes that also raise their own 422s, so the spec documents both shapes.
UNPROCESSABLE: dict[int | str, dict[str, Any]] = {422: {"model": Unprocessable}}

_bearer = HTTPBearer(auto_error=False)


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


Db = Annotated[Session, Depends(_session)]


def _principal(
    session: Db, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    principal = authenticate(session, credentials.credentials) if credentials else None
    if principal is None:
        raise HTTPException(
            401, "missing, unknown or revoked bearer token", {"WWW-Authenticate": "Bearer"}
        )
    return principal


Caller = Annotated[Principal, Depends(_principal)]


def require(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise HTTPException(403, f"a {principal.role} token may not do this")


def readable_institution(session: Session, principal: Principal, name: str) -> Institution:
    """The named institution if the caller may read it; 404 otherwise (no existence leak)."""
    require(principal, Role.READER, Role.ADMIN)
    row = session.scalar(select(Institution).where(Institution.name == name))
    if row is None or not principal.can_read(row.id):
        raise HTTPException(404, f"no institution {name!r} visible to this token")
    return row
