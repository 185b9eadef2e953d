"""The versioned wire schema shared by the agent (pusher) and the registry.

One module per protocol version (`v1`); a breaking change is a new module and a new URL
prefix, never an edit of an old one.
"""

from cloudcensus.wire import v1

__all__ = ["v1"]
