"""How a `Resource` is written to and read from the store, and what its hashes cover.

Two hashes, both SHA-256 over canonical JSON (sorted keys, no whitespace):

- `digest` covers every field except `raw`. Drift compares digests: a resource is
  "changed" when its normalised view changed (properties, tags, name, location, type,
  ...). `raw` is left out on purpose: provider payloads carry volatile details (request
  ids, last-seen timestamps, paging order) that would report every resource as changed.
  A rule that reads a `raw` field still sees the new value in the newer snapshot.
- `body_hash` covers the whole resource, `raw` included: it addresses the stored body,
  so a reload gives back exactly what was collected.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cloudcensus.scanner.inventory import Resource

__all__ = ["Encoded", "canonical_json", "decode", "encode"]


@dataclass(frozen=True)
class Encoded:
    """A resource ready for the `resources` and `bodies` tables."""

    id: str
    provider: str
    account: str
    region: str
    type: str
    name: str | None
    digest: str
    body_hash: str
    body: str


def canonical_json(value: Any) -> str:
    """The one JSON spelling hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def encode(resource: Resource) -> Encoded:
    """Serialise once; the stored body is the normalised JSON with `raw` appended."""
    data = resource.model_dump(mode="json")
    raw = canonical_json(data.pop("raw"))
    normalised = canonical_json(data)
    digest = hashlib.sha256(normalised.encode()).hexdigest()
    body_hash = hashlib.sha256(f"{normalised}\x00{raw}".encode()).hexdigest()
    return Encoded(
        id=resource.id,
        provider=resource.provider,
        account=resource.account,
        region=resource.region,
        type=resource.type,
        name=resource.name,
        digest=digest,
        body_hash=body_hash,
        body=f'{normalised[:-1]},"raw":{raw}}}',
    )


def decode(body: str) -> Resource:
    """Read a stored body back into the `Resource` it was written from."""
    return Resource.model_validate_json(body)
