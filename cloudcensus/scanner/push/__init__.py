"""Push: the agent delivers its scans to the registry (wire protocol `cloudcensus.wire.v1`).

`items` turns a finished scan into outbox items (written with the scan, before any
push); `client.build_client` is the one factory of the HTTP client; `pusher.Pusher`
takes that client and the store and delivers the outbox in order (a scan's finding
batches several at a time), idempotently.
"""

from cloudcensus.scanner.push.client import (
    PushConfigError,
    build_client,
    http2_available,
    read_token,
)
from cloudcensus.scanner.push.items import build_items, enqueue_scan, explanation_records
from cloudcensus.scanner.push.pusher import (
    DeliveryRefused,
    Pusher,
    PushReport,
    RegistryUnavailable,
    ScanDelivery,
    retry_after_s,
)

__all__ = [
    "DeliveryRefused",
    "PushConfigError",
    "PushReport",
    "Pusher",
    "RegistryUnavailable",
    "ScanDelivery",
    "build_client",
    "build_items",
    "enqueue_scan",
    "explanation_records",
    "http2_available",
    "read_token",
    "retry_after_s",
]
