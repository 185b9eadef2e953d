"""The account's API logs (`ReadApiLogs`), as its `logging.audit_trail`.

OUTSCALE records every OSC API call of an account, and the account reads the records
with `ReadApiLogs`; the API has no setting that turns the recording off. The account
lives in one Region, so its API log covers every Region it has (`multi_region`), that
one being its home. `fetch` asks for one record to prove the log is readable, and keeps
only its call name and date: a log record holds the caller's address, access key,
headers and payload, none of which belongs in the inventory. A refused `ReadApiLogs`
is a coverage gap (access denied), never a trail that is off. The log is kept by
OUTSCALE: no destination or key of the customer's, and no integrity digest (null).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.outscale.resource import osc_resource
from cloudcensus.providers.outscale.spec import OutscaleClients, OutscaleCollector, OutscaleContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "KEPT_FIELDS", "fetch_api_logs", "normalise_api_logs"]

Raw = dict[str, Any]

#: The only fields of a log record kept in the payload.
KEPT_FIELDS = ("QueryCallName", "QueryDate")


def fetch_api_logs(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    logs = clients.osc.call("ReadApiLogs", ResultsPerPage=1).get("Logs")
    if not isinstance(logs, list):
        raise ValueError("ReadApiLogs: the answer has no 'Logs' list")
    latest = logs[0] if logs and isinstance(logs[0], dict) else {}
    yield {
        "AccountId": ctx.account,
        "Readable": True,
        "LatestCall": {k: latest[k] for k in KEPT_FIELDS if k in latest} or None,
    }


def normalise_api_logs(raw: Raw, ctx: OutscaleContext) -> Resource:
    return osc_resource(
        ctx,
        type_="logging.audit_trail",
        native_type="osc.ApiLogs",
        id_=f"outscale:{ctx.region}:{raw['AccountId']}:api-logs",
        raw=raw,
        name="API logs",
        account_level=True,
        properties={
            "logging": raw.get("Readable") is True,
            "multi_region": True,
            "home_region": ctx.region,
            "log_file_validation": None,
            "key_id": None,
            "destination": None,
        },
    )


COLLECTORS: tuple[OutscaleCollector, ...] = (
    OutscaleCollector("osc.api_logs", fetch_api_logs, normalise_api_logs, global_=True),
)
