"""Secret values out of error messages: the first step of every provider's `redact`.

A provider knows which secret values it holds (a client secret, an API key's secret and
access key, an external id) and replaces each with `[redacted]` wherever an SDK or a
gateway may have echoed it; its own `redact` then removes what is credential-shaped on
its cloud (tokens, key ids, private keys).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["redact_values"]


def redact_values(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every non-empty value of `secrets` replaced by `[redacted]`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
