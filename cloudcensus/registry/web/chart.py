"""Geometry of the server-rendered SVG charts: the trend (stacked bars, one per scan) and
the rate bar (one stacked horizontal bar). Pure functions; the templates draw them.

No script and no style attribute is needed, so the pages' Content-Security-Policy
stays strict: sizes are SVG attributes, colours come from the kind of each segment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Bar", "Segment", "TrendChart", "rate_bar", "trend_chart"]

# Bottom to top in a bar, left to right in a rate bar: (status, label, colour).
KINDS = (
    ("pass", "comply", "#2e7d32"),
    ("explained", "explained", "#f0a500"),
    ("fail", "violating", "#c62828"),
    ("error", "error", "#6d6d6d"),
)


@dataclass(frozen=True)
class Segment:
    status: str
    label: str
    colour: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Bar:
    """One scan: its stacked segments and a tooltip."""

    label: str
    title: str
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    top: int  # the largest total: the height of the plot area
    bars: list[Bar]


def _date(value: Any) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:10]


def trend_chart(points: Sequence[Mapping[str, Any]], *, width: int = 640, height: int = 180,
                labels: bool = True) -> TrendChart:  # fmt: skip
    """Stacked bars of findings per status for each scan (oldest first), scaled to the
    largest total; `points` are the read API's trend items."""
    top = max((int(p["total"]) for p in points), default=0)
    plot_top, plot_bottom = (8.0, height - 22.0) if labels else (1.0, height - 1.0)
    plot_height = plot_bottom - plot_top
    left = 40.0 if labels else 0.0
    slot = (width - left) / max(len(points), 1)
    bar_width = max(slot * 0.7, 1.0)
    bars = []
    for index, point in enumerate(points):
        x = left + index * slot + (slot - bar_width) / 2
        y = plot_bottom
        segments = []
        for status, label, colour in KINDS:
            count = int(point.get(status, 0))
            if count <= 0 or top == 0:
                continue
            size = plot_height * count / top
            y -= size
            segments.append(Segment(status, label, colour, count, x, y, bar_width, size))
        parts = ", ".join(f"{s.label} {s.count:,}" for s in segments) or "no findings"
        title = f"scan of {_date(point['started'])}: {parts}"
        bars.append(Bar(_date(point["started"]), title, int(point["total"]), segments))
    return TrendChart(width, height, plot_top, plot_bottom, top, bars)


def rate_bar(counts: Mapping[str, int], width: float = 100.0) -> list[Segment]:
    """One horizontal bar split by status, proportional to the counts."""
    total = sum(counts.get(status, 0) for status, _, _ in KINDS)
    out: list[Segment] = []
    x = 0.0
    for status, label, colour in KINDS:
        count = counts.get(status, 0)
        if count <= 0 or total == 0:
            continue
        size = width * count / total
        out.append(Segment(status, label, colour, count, x, 0.0, size, 1.0))
        x += size
    return out
