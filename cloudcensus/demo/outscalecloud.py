"""The demo's OUTSCALE accounts, served by the project's fake OUTSCALE API on loopback.

Starts the fake (`cloudcensus.providers.outscale.fake`) with OOS behind it (a moto
server of its own, when moto is installed), seeds two accounts, one in eu-west-2
(France) and one in us-east-2 (United States, outside the EU), writes an OSC config file
whose profiles point osc-sdk-python at the fake, and hands it to the real provider
through `OSC_CONFIG_FILE`. The file holds fake keys only and is deleted on exit.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from cloudcensus.demo.clouds import ServedDemoCloud, scratch_dir, start_moto
from cloudcensus.providers.outscale.fake import FakeOutscale, OutscaleFakeServer
from cloudcensus.providers.outscale.fake.estate import DemoProfile, osc_config, seed_demo
from cloudcensus.providers.outscale.fake.items import osc_id, vm

__all__ = ["OutscaleDemoCloud"]


class OutscaleDemoCloud(ServedDemoCloud):
    """Two OUTSCALE accounts (eu-west-2 and us-east-2), for `cloudcensus demo`."""

    provider = "outscale"
    _config: Path
    _oos = False

    def __init__(self) -> None:
        self.description = "OUTSCALE accounts (fake API, not started)"
        self.state = FakeOutscale()
        self.profiles: list[DemoProfile] = []

    def _start(self, stack: ExitStack) -> None:
        config = scratch_dir(stack, "cloudcensus-outscale-") / "config.json"
        backend = start_moto(stack)
        self._oos = backend is not None
        server = stack.enter_context(OutscaleFakeServer(self.state, s3_backend=backend))
        self.profiles = seed_demo(self.state, server.url if backend else None)
        self._config = osc_config(config, self.profiles, server.api_endpoint, server.url)
        regions = ", ".join(p.region for p in self.profiles)
        self.description = f"OUTSCALE accounts in {regions} (fake API) on {server.url}"

    def provider_settings(self) -> Mapping[str, Any]:
        """Scan both demo profiles, fast (the fake does not throttle unless told to)."""
        return {
            "profiles": [p.name for p in self.profiles],
            "oos": self._oos,
            "requests_per_second": 50,
            "retry_backoff_factor": 0.1,
            "retry_backoff_jitter": 0.1,
        }

    def environment(self) -> Mapping[str, str]:
        """The SDK's variables: the demo's OSC config file (fake keys, fake endpoints)."""
        self._running()
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
