"""Barbican secrets -> `security.secret`.

The list API returns each secret's metadata (type, algorithm, status, expiry), never its
payload, and cloudcensus never asks for a payload. Every Barbican secret, symmetric keys
and private keys included, is a `security.secret`: Barbican has no rotation of its own
and most symmetric secrets are keys Cinder created for encrypted volumes, so reading them
as `security.key` would only make the key-rotation rule fail on keys nobody can rotate.
The secret type stays in `raw.secret_type` for a rule that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudcensus.providers.openstack.resource import created_at, openstack_resource
from cloudcensus.providers.openstack.spec import Apis, OpenStackCollector, OpenStackContext
from cloudcensus.scanner.inventory import Resource

__all__ = ["COLLECTORS", "fetch_secrets", "normalise_secret"]

Raw = dict[str, Any]


def fetch_secrets(apis: Apis, ctx: OpenStackContext) -> Iterator[Raw]:
    yield from apis("key-manager").offset("/secrets", "secrets")


def normalise_secret(raw: Raw, ctx: OpenStackContext) -> Resource:
    secret_id = str(raw["secret_ref"]).rstrip("/").rsplit("/", 1)[-1]
    expires = created_at(raw.get("expiration"))
    return openstack_resource(
        ctx,
        type_="security.secret",
        native_type="OS::Barbican::Secret",
        kind="secret",
        native_id=secret_id,
        raw=raw,
        name=raw.get("name"),
        created=created_at(raw.get("created")),
        properties={
            "state": str(raw["status"]).lower() if raw.get("status") else None,
            "expires": expires.isoformat() if expires else None,
            "key_management": "customer",  # stored by the project in its own key manager
        },
    )


COLLECTORS = (
    OpenStackCollector(
        "barbican.secrets",
        "key-manager",
        fetch_secrets,
        normalise_secret,
        ("OS::Barbican::Secret",),
    ),
)
