"""Finding filters from a page's query string, and the list they select.

The pages use the read API's own model (`FindingFilters`) and list function, so a filter
means the same on a page, in the API and in an export. An HTML form sends every field,
empty ones too: an empty value means "no filter", not "equal to the empty string".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import HTTPException
from pydantic import ValidationError
from sqlalchemy.orm import Session

from cloudcensus.registry import read
from cloudcensus.registry.queries import FindingFilters
from cloudcensus.registry.tokens import Principal

__all__ = [
    "FILTER_LABELS",
    "PAGE_SIZE",
    "SEVERITIES",
    "FindingList",
    "active",
    "finding_list",
    "parse_filters",
]

PAGE_SIZE = 50
SEVERITIES = ("critical", "high", "medium", "low", "informational")
FILTER_LABELS = {
    "institution": "institution",
    "provider": "provider",
    "account": "account",
    "region": "region",
    "rule": "rule",
    "severity": "severity",
    "status": "status",
    "text": "text",
    "first_seen_after": "first seen from",
    "first_seen_before": "first seen before",
    "last_seen_after": "last seen from",
    "last_seen_before": "last seen before",
}


def parse_filters(params: Mapping[str, str], **fixed: str) -> FindingFilters:
    """The filters in `params` (unknown and empty ones ignored), `fixed` overriding them;
    a 422 naming the field when a value is invalid."""
    given = {k: v.strip() for k, v in params.items() if k in FILTER_LABELS and v.strip()}
    try:
        return FindingFilters.model_validate({**given, **fixed})
    except ValidationError as error:
        fields = ", ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise HTTPException(422, f"invalid filter ({fields})") from error


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def active(filters: FindingFilters, *without: str) -> dict[str, str]:
    """The filters that apply, as query parameters (in the labels' order)."""
    values = filters.model_dump(exclude_none=True)
    return {k: _text(values[k]) for k in FILTER_LABELS if k in values and k not in without}


@dataclass(frozen=True)
class FindingList:
    """One page of findings and the links around it."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    first_page: bool


def finding_list(
    session: Session, principal: Principal, filters: FindingFilters, cursor: str | None
) -> FindingList:
    """One page through the read API's list function (same query, same scope)."""
    page = read.list_findings(session, principal, filters, cursor, PAGE_SIZE)
    return FindingList(page["items"], page["next_cursor"], cursor is None)
