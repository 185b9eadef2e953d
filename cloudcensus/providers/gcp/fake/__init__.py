"""The project's own fake of Cloud Asset Inventory (REST), for tests, the demo and the
benchmark: an organisation of assets (`estate.py`), builders of realistic assets
(`assets.py`) and the loopback server with its faults (`server.py`)."""

from cloudcensus.providers.gcp.fake.estate import FakeOrganization, FakeProject
from cloudcensus.providers.gcp.fake.server import FakeAssetServer, Faults, Request

__all__ = ["FakeAssetServer", "FakeOrganization", "FakeProject", "Faults", "Request"]
