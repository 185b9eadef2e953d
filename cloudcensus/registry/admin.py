"""Admin API: institutions and tokens (admin tokens only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from cloudcensus.registry.deps import UNPROCESSABLE, Caller, Db, require
from cloudcensus.registry.models import Institution, Token
from cloudcensus.registry.tokens import Role, TokenError, issue_token

__all__ = ["add_institution", "router"]

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    institutions: list[str] = Field(default_factory=list)
    all_institutions: bool = False
    description: str | None = Field(default=None, max_length=256)


def add_institution(session: Db, name: str) -> Institution:
    """Create an institution; `ValueError` if the name is taken."""
    if session.scalar(select(Institution).where(Institution.name == name)) is not None:
        raise ValueError(f"institution {name!r} exists already")
    row = Institution(name=name, created=datetime.now(UTC))
    session.add(row)
    session.flush()
    return row


@router.post("/institutions", status_code=201)
def create_institution(body: InstitutionCreate, session: Db, caller: Caller) -> dict[str, str]:
    require(caller, Role.ADMIN)
    try:
        add_institution(session, body.name)
    except ValueError as error:
        raise HTTPException(409, str(error)) from error
    session.commit()
    return {"name": body.name}


@router.post("/tokens", status_code=201, responses=UNPROCESSABLE)
def create_token(body: TokenCreate, session: Db, caller: Caller) -> dict[str, str]:
    """Issue a token; the answer is the only place its secret ever appears."""
    require(caller, Role.ADMIN)
    try:
        token = issue_token(
            session,
            body.role,
            body.institutions,
            all_institutions=body.all_institutions,
            description=body.description,
        )
    except TokenError as error:
        raise HTTPException(422, str(error)) from error
    session.commit()
    return {"token": token}


@router.get("/tokens")
def list_tokens(session: Db, caller: Caller) -> list[dict[str, Any]]:
    require(caller, Role.ADMIN)
    rows = session.scalars(select(Token).order_by(Token.id))
    keys = ("public_id", "role", "institution_id", "all_institutions", "description",
            "created", "revoked")  # fmt: skip
    return [{k: getattr(row, k) for k in keys} for row in rows]


@router.delete("/tokens/{public_id}", status_code=204)
def revoke_token(public_id: str, session: Db, caller: Caller) -> None:
    require(caller, Role.ADMIN)
    row = session.scalar(select(Token).where(Token.public_id == public_id))
    if row is None:
        raise HTTPException(404, "no such token")
    row.revoked = row.revoked or datetime.now(UTC)
    session.commit()
