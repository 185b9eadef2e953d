"""Summary pages: every visible institution, one institution, one rule, the explanations
that expire soon.

Summaries, trends, coverage gaps, explanations and finding lists come from the read
API's functions (`read`, `detail`), called with the logged-in principal: the pages see
what the same token sees through `/api/v1`, and an institution outside its scope is a
404 page. What the API does not answer (the visible institutions with their ids, latest
scans, gap counts, changes between the last two scans, a rule's title) comes from `data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cloudcensus.registry import detail, read
from cloudcensus.registry.deps import Db, readable_institution
from cloudcensus.registry.tokens import Principal
from cloudcensus.registry.web import data
from cloudcensus.registry.web.chart import TrendChart, rate_bar, trend_chart
from cloudcensus.registry.web.filtering import (
    FILTER_LABELS,
    SEVERITIES,
    active,
    finding_list,
    parse_filters,
)
from cloudcensus.registry.web.render import Viewer, WebRoute, render

__all__ = ["EXPIRING_DAYS", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)

EXPIRING_DAYS = 30  # "expires soon"
_OVERVIEW_SCANS = 8
_CHANGES_SHOWN = 200
Cursor = Annotated[str | None, Query(alias="cursor", max_length=64)]


@dataclass(frozen=True)
class OverviewRow:
    """One institution on the overview."""

    name: str
    counts: data.Counts
    last_scan: data.ScanRef | None
    gaps: int
    expiring: int
    trend: TrendChart


def _expiring(session: Session, viewer: Principal, name: str, days: int) -> list[dict[str, Any]]:
    answer = read.explanations(name, session, viewer, expiring_within=days)
    items: list[dict[str, Any]] = answer["items"]
    return items


@router.get("/")
def overview(request: Request, session: Db, viewer: Viewer) -> HTMLResponse:
    """Every institution the viewer may read: open findings by status, last scan,
    coverage gaps, explanations expiring soon, a small trend; and the totals."""
    institutions = data.visible(session, viewer)
    scans = data.latest_scans(session, [id_ for id_, _ in institutions], per=1)
    gaps = data.gap_counts(session, [s[0] for s in scans.values() if s])
    rows, total = [], data.Counts()
    for id_, name in institutions:
        counts = data.Counts.of(read.summary(name, session, viewer))
        last = scans[id_][0] if scans[id_] else None
        points = detail.trend(name, session, viewer, scans=_OVERVIEW_SCANS)["scans"]
        rows.append(OverviewRow(
            name, counts, last, gaps.get(last.id, 0) if last else 0,
            len(_expiring(session, viewer, name, EXPIRING_DAYS)),
            trend_chart(points, width=120, height=28, labels=False),
        ))  # fmt: skip
        for status, count in counts.by_status.items():
            total.add(status, count)
    return render(request, "overview.html", rows=rows, total=total, rate_bar=rate_bar,
                  expiring_days=EXPIRING_DAYS)  # fmt: skip


@router.get("/institutions/{name}")
def institution_page(
    request: Request,
    name: str,
    session: Db,
    viewer: Viewer,
    cursor: Cursor = None,
    scans: Annotated[int, Query(ge=2, le=100)] = 10,
) -> HTMLResponse:
    """One institution: summary by rule, severity and provider, trend, how the last scan
    changed the counts, coverage gaps, explanations expiring soon, the filtered findings."""
    summary = read.summary(name, session, viewer)  # 404 outside the viewer's scope
    points = detail.trend(name, session, viewer, scans=scans)["scans"]
    filters = parse_filters(request.query_params, institution=name)
    return render(
        request,
        "institution.html",
        name=name,
        summary=summary,
        chart=trend_chart(points),
        scans=scans,
        last=points[-1] if points else None,
        previous=points[-2] if len(points) > 1 else None,
        gaps=read.coverage_gaps(name, session, viewer)["gaps"],
        expiring=_expiring(session, viewer, name, EXPIRING_DAYS),
        expiring_days=EXPIRING_DAYS,
        filters=active(filters),
        list_filters=active(filters, "institution"),
        labels=FILTER_LABELS,
        listing=finding_list(session, viewer, filters, cursor),
        severities=SEVERITIES,
        rate_bar=rate_bar,
    )


@router.get("/institutions/{name}/changes")
def changes_page(request: Request, name: str, session: Db, viewer: Viewer) -> HTMLResponse:
    """What the institution's latest completed scan changed compared with the one before:
    new findings, status changes, resolved and unverified ones."""
    institution = readable_institution(session, viewer, name)
    latest = data.latest_scans(session, [institution.id], per=2)[institution.id]
    changes = None
    if len(latest) == 2:
        changes = data.changes(session, institution.id, latest[0], latest[1], _CHANGES_SHOWN)
    return render(request, "changes.html", name=name, changes=changes)


@router.get("/rules/{rule_id}")
def rule_page(
    request: Request, rule_id: str, session: Db, viewer: Viewer, cursor: Cursor = None
) -> HTMLResponse:
    """One rule across the visible institutions: counts per institution, the explanations
    in force for it, its findings (filterable)."""
    institutions = data.visible(session, viewer)
    ids = [id_ for id_, _ in institutions]
    info = data.rule_info(session, rule_id, ids)
    if info is None:
        raise HTTPException(404, f"no finding of rule {rule_id!r} is visible to you")
    rows = []
    for _, name in institutions:
        by_rule = read.summary(name, session, viewer)["by_rule"]
        if rule_id in by_rule:
            rows.append((name, data.Counts.of(by_rule[rule_id])))
    explanations = [
        {**item, "institution": name}
        for name, _ in rows
        for item in read.explanations(name, session, viewer)["items"]
        if item["rule"] == rule_id
    ]
    filters = parse_filters(request.query_params, rule=rule_id)
    return render(
        request,
        "rule.html",
        info=info,
        rows=rows,
        explanations=explanations,
        filters=active(filters),
        list_filters=active(filters, "rule"),
        labels=FILTER_LABELS,
        listing=finding_list(session, viewer, filters, cursor),
        institutions=[name for _, name in institutions],
        severities=SEVERITIES,
        rate_bar=rate_bar,
    )


@router.get("/explanations/expiring")
def expiring_page(
    request: Request,
    session: Db,
    viewer: Viewer,
    days: Annotated[int, Query(ge=0, le=3650)] = EXPIRING_DAYS,
    institution: Annotated[str | None, Query(max_length=128)] = None,
) -> HTMLResponse:
    """Explanations in force that expire within `days` (or have expired), soonest first,
    over every visible institution or one."""
    visible = [name for _, name in data.visible(session, viewer)]
    names = [institution] if institution else visible
    items = [
        {**item, "institution": name}
        for name in names
        for item in _expiring(session, viewer, name, days)
    ]
    items.sort(key=lambda e: (e["expires"], e["institution"], e["id"]))
    return render(request, "expiring.html", items=items, days=days, institution=institution or "",
                  institutions=visible)  # fmt: skip
