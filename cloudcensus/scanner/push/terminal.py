"""Running a push for the command line, and showing the outbox to a person.

The CLI builds the settings and the store; `deliver` builds the one client, runs the
`Pusher` and closes the client; `print_outbox` and `print_push` render what is pending,
what was delivered and why something stopped.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cloudcensus.scanner.config import PushSettings
from cloudcensus.scanner.push.client import build_client
from cloudcensus.scanner.push.pusher import Pusher, PushReport
from cloudcensus.scanner.store.outbox import Outbox, OutboxScan
from cloudcensus.scanner.store.store import Store

__all__ = ["deliver", "print_outbox", "print_push"]


def deliver(
    settings: PushSettings,
    store: Store,
    *,
    client_factory: Callable[[PushSettings], httpx.Client] = build_client,
) -> PushReport:
    """Deliver the pending outbox of `store` to the configured registry.

    Raises `PushConfigError` when the client cannot be built (token file, certificates).
    """
    with client_factory(settings) as client:
        pusher = Pusher(
            client, store, max_retries=settings.max_retries, concurrency=settings.concurrency
        )
        return pusher.push()


def _state(scan: OutboxScan) -> Text:
    if scan.delivered is not None:
        return Text("delivered", "green")
    if scan.error:
        return Text(f"pending: {scan.error}", "yellow")
    return Text("pending")


def print_outbox(console: Console, store: Store, *, limit: int = 20) -> list[OutboxScan]:
    """The pending scans (all of them) and the newest delivered ones; returns pending."""
    outbox = Outbox(store)
    everything = outbox.scans()
    pending = [s for s in everything if s.pending]
    delivered = [s for s in everything if not s.pending][-limit:]
    if not everything:
        console.print(Text("The outbox is empty: no scan was queued for the registry."))
        return pending
    table = Table(title=f"Outbox: {len(pending)} scan(s) pending", title_justify="left")
    for column in ("scan", "uid", "items", "findings pending", "queued", "state"):
        table.add_column(column)
    for scan in [*delivered, *pending]:
        table.add_row(
            str(scan.scan_id),
            scan.scan_uid,
            f"{scan.delivered_items}/{scan.items}",
            str(scan.pending_records),
            scan.created.strftime("%Y-%m-%d %H:%M"),
            _state(scan),
        )
    console.print(table)
    return pending


def print_push(console: Console, report: PushReport, url: str) -> None:
    """One line per scan this run touched, then why the run stopped, if it did."""
    if not report.scans and report.stopped is None:
        console.print(Text(f"Nothing to push to {url}."))
    for scan in report.scans:
        if scan.done:
            line = (
                f"Scan {scan.scan_id} delivered to {url} "
                f"({scan.delivered_items} requests, {scan.delivered_records} findings)."
            )
            console.print(Text(line, "green"))
        else:
            line = f"Scan {scan.scan_id} not delivered (kept for the next push): {scan.error}"
            console.print(Text(line, "yellow"))
    if report.stopped is not None:
        console.print(Text("Push stopped; `cloudcensus push` retries what is pending.", "yellow"))
