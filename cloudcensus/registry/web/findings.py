"""Finding pages: the filtered list with its exports, and one finding in detail.

The list, the detail and the exports call the read API's functions with the logged-in
principal, so they see exactly what the same token sees through `/api/v1`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from cloudcensus.registry import detail, read
from cloudcensus.registry.deps import Db
from cloudcensus.registry.web import data
from cloudcensus.registry.web.filtering import (
    FILTER_LABELS,
    SEVERITIES,
    active,
    finding_list,
    parse_filters,
)
from cloudcensus.registry.web.render import PAGE_HEADERS, Viewer, WebRoute, render

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Cursor = Annotated[str | None, Query(alias="cursor", max_length=64)]


@router.get("/findings")
def findings_page(
    request: Request, session: Db, viewer: Viewer, cursor: Cursor = None
) -> HTMLResponse:
    """Findings matching the filters in the query string, a page at a time."""
    filters = parse_filters(request.query_params)
    listing = finding_list(session, viewer, filters, cursor)
    return render(
        request,
        "findings.html",
        filters=active(filters),
        labels=FILTER_LABELS,
        listing=listing,
        institutions=[name for _, name in data.visible(session, viewer)],
        severities=SEVERITIES,
    )


@router.get("/institutions/{name}/findings/{uid}")
def finding_page(
    request: Request, name: str, uid: str, session: Db, viewer: Viewer
) -> HTMLResponse:
    """One finding: where, what, its evidence, the explanation covering it, its history."""
    found = detail.finding_detail(uid, name, session, viewer, history=30)
    evidence = []
    for item in found["evidence"]:
        item = item if isinstance(item, dict) else {"data": item}
        values = item.get("data")
        rows = sorted(values.items()) if isinstance(values, dict) else [("value", values)]
        evidence.append({"name": item.get("name") or "evidence", "rows": rows})
    return render(request, "finding.html", finding=found, evidence=evidence)


def _export(response: StreamingResponse) -> StreamingResponse:
    response.headers.update(PAGE_HEADERS)
    return response


@router.get("/exports/findings.csv")
def export_csv(request: Request, session: Db, viewer: Viewer) -> StreamingResponse:
    """The filtered findings as CSV: the read API's streamed export, for the session."""
    return _export(read.export_csv(session, viewer, parse_filters(request.query_params)))


@router.get("/exports/findings.ocsf.jsonl")
def export_ocsf(request: Request, session: Db, viewer: Viewer) -> StreamingResponse:
    """The filtered findings as OCSF JSON Lines: the read API's streamed export."""
    return _export(read.export_ocsf(session, viewer, parse_filters(request.query_params)))
