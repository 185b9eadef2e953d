"""The account itself, as the scope's `account` record (`ReadAccounts`).

An OUTSCALE account exists in one Region only: the platform itself confines it there,
which is recorded as its region guardrail (`allowed_regions` = that Region, no policy
ids). There is no account password policy or public-access block of the AWS kind: null.
The account's contact details (names, e-mail addresses, phone numbers, address) are
personal data the rules do not need: they are dropped from the payload. When
`ReadAccounts` is refused (some EIM users), the record is still written from what the
scope knows, with `Errors` saying why the rest is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from cloudcensus.providers.outscale.errors import osc_error
from cloudcensus.providers.outscale.resource import osc_resource
from cloudcensus.providers.outscale.spec import OutscaleClients, OutscaleCollector, OutscaleContext
from cloudcensus.providers.records import account_properties
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "KEPT_FIELDS", "fetch_account", "normalise_account"]

Raw = dict[str, Any]

#: The only fields of `ReadAccounts` kept in the payload (no personal data).
KEPT_FIELDS = ("AccountId", "CustomerId", "CompanyName", "Country", "OutscaleLoginAllowed")


def fetch_account(clients: OutscaleClients, ctx: OutscaleContext) -> Iterator[Raw]:
    try:
        accounts = clients.osc.call("ReadAccounts").get("Accounts") or [{}]
    except requests.HTTPError as exc:
        status, error_type, _, _ = osc_error(exc)
        if status not in (401, 403):
            raise
        yield {"AccountId": ctx.account, "Errors": {"ReadAccounts": error_type or str(status)}}
        return
    first = accounts[0] if isinstance(accounts[0], dict) else {}
    yield {k: first[k] for k in KEPT_FIELDS if k in first} | {"AccountId": ctx.account}


def normalise_account(raw: Raw, ctx: OutscaleContext) -> Resource:
    return osc_resource(
        ctx,
        type_="account",
        native_type="osc.Account",
        id_=f"outscale:{ctx.region}:{raw['AccountId']}:account",
        raw=raw,
        name=raw.get("CompanyName") or raw["AccountId"],
        account_level=True,
        properties=account_properties(
            regions=[ctx.region],
            organization_id=None,
            region_guardrail={"allowed_regions": [ctx.region], "policy_ids": []},
        ),
    )


COLLECTORS: tuple[OutscaleCollector, ...] = (
    OutscaleCollector("osc.account", fetch_account, normalise_account, global_=True),
)
