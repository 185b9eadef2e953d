"""cloudcensus: multi-cloud inventory and comply-or-explain policy scanner."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cloudcensus")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
