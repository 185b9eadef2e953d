"""The demo's OUTSCALE accounts, served by the project's fake OUTSCALE API on loopback.

Starts the fake (`cloudcensus.providers.outscale.fake`) with OOS behind it (a moto
server of its own, when moto is installed), seeds two accounts, one in eu-west-2
(France) and one in us-east-2 (United States, outside the EU), writes an OSC config file
whose profiles point osc-sdk-python at the fake, and hands it to the real provider
through `OSC_CONFIG_FILE`. The file holds fake keys only and is deleted on exit.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cloudcensus.demo.motoserver import MotoServer
from cloudcensus.providers.outscale.fake import FakeOutscale, OutscaleFakeServer
from cloudcensus.providers.outscale.fake.estate import DemoProfile, osc_config, seed_demo
from cloudcensus.providers.outscale.fake.items import osc_id, vm

__all__ = ["OutscaleDemoCloud"]


class OutscaleDemoCloud:
    """Two OUTSCALE accounts (eu-west-2 and us-east-2), for `cloudcensus demo`."""

    provider = "outscale"

    def __init__(self) -> None:
        self.description = "OUTSCALE accounts (fake API, not started)"
        self.state = FakeOutscale()
        self.profiles: list[DemoProfile] = []
        self._server: OutscaleFakeServer | None = None
        self._moto: MotoServer | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._config: Path | None = None

    def __enter__(self) -> Self:
        self._scratch = tempfile.TemporaryDirectory(prefix="cloudcensus-outscale-")
        backend = self._start_moto()
        self._server = OutscaleFakeServer(self.state, s3_backend=backend).start()
        self.profiles = seed_demo(self.state, self._server.url if backend else None)
        config = Path(self._scratch.name) / "config.json"
        self._config = osc_config(
            config, self.profiles, self._server.api_endpoint, self._server.url
        )
        regions = ", ".join(p.region for p in self.profiles)
        self.description = f"OUTSCALE accounts in {regions} (fake API) on {self._server.url}"
        return self

    def _start_moto(self) -> str | None:
        """A moto server of its own (a subprocess: its buckets are this demo's alone)."""
        if importlib.util.find_spec("moto") is None:  # the demo extra
            return None
        self._moto = MotoServer().start()
        endpoint: str = self._moto.endpoint
        return endpoint

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
            self._config = None

    def provider_settings(self) -> Mapping[str, Any]:
        """Scan both demo profiles, fast (the fake does not throttle unless told to)."""
        return {
            "profiles": [p.name for p in self.profiles],
            "oos": self._moto is not None,
            "requests_per_second": 50,
            "retry_backoff_factor": 0.1,
            "retry_backoff_jitter": 0.1,
        }

    def environment(self) -> Mapping[str, str]:
        """The SDK's variables: the demo's OSC config file (fake keys, fake endpoints)."""
        if self._config is None:
            raise RuntimeError("the OUTSCALE demo cloud is not started")
        return {"OSC_CONFIG_FILE": str(self._config)}

    def change(self) -> None:
        """Between the scans: a VM added in the US account, one removed in France."""
        paris, ohio = self.profiles[0], self.profiles[1]
        self.state.add(
            ohio.account,
            "Vms",
            vm("ohio-etl", ohio.account, ohio.region, tags={"data-classification": "restricted"}),
        )
        self.state.remove(paris.account, "Vms", "VmId", osc_id("i", "paris-db"))
