"""`cloudcensus demo`: the whole agent on an emulated AWS organisation, offline.

Starts moto on loopback, seeds the estate of `cloudcensus.demo.estate`, writes the demo
explanations (dated relative to today, so one is valid, one expired, one stale), then
runs the real pipeline twice through the real AWS provider, with a change to the estate
in between, and prints the summary and the drift. Nothing leaves the machine: boto3 only
ever talks to the emulator, with the emulator's fake credentials.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.text import Text

from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.scanner.config import AgentSettings, ConfigError, load_settings, with_overrides
from cloudcensus.scanner.outputs import write_scan_outputs
from cloudcensus.scanner.pipeline import Policy, ScanResult, build_providers, load_policy, run_scan
from cloudcensus.scanner.store import ScanStatus, Store
from cloudcensus.scanner.terminal import print_diff, print_result

__all__ = ["DemoUnavailable", "render_explanations", "run_demo"]

_DATE_TOKEN = re.compile(r"@TODAY([+-]\d+)@")


class DemoUnavailable(Exception):
    """The demo cannot run here (its extra is not installed, or its data is invalid)."""


def render_explanations(template: str, today: date) -> str:
    """The demo explanations with `@TODAY+N@` / `@TODAY-N@` replaced by ISO dates."""
    return _DATE_TOKEN.sub(
        lambda m: (today + timedelta(days=int(m.group(1)))).isoformat(), template
    )


def _package_text(name: str) -> str:
    return (resources.files("cloudcensus.demo") / name).read_text(encoding="utf-8")


def _one_scan(store: Store, settings: AgentSettings, policy: Policy) -> ScanResult:
    """One real scan of the emulated estate, its report files in `settings.out`."""
    result = run_scan(settings, build_providers(settings), store, policy, datetime.now(UTC))
    write_scan_outputs(store, result, settings.out, settings.formats)
    return result


def _settings(scratch: Path, state: Path, out: Path, today: date) -> tuple[AgentSettings, Policy]:
    """The packaged demo configuration, with today's explanations and the demo's dirs."""
    explanations = scratch / "explanations.yaml"
    explanations.write_text(render_explanations(_package_text("explanations.yaml"), today))
    config = scratch / "cloudcensus.yaml"
    config.write_text(_package_text("cloudcensus.yaml"))
    try:
        settings = with_overrides(
            load_settings(config), state_dir=state, out=out, explanations=[explanations]
        )
        return settings, load_policy(settings, today, "demo configuration")
    except (ConfigError, PolicyLoadError) as error:
        raise DemoUnavailable(f"invalid demo configuration:\n{error}") from None


def run_demo(console: Console, *, out: Path | None = None, state_dir: Path | None = None) -> int:
    """Run the demo; return the exit code (0, or 3 when a scan failed)."""
    try:
        from cloudcensus.demo.estate import build_estate, change_estate
        from cloudcensus.demo.motoserver import MotoServer, aws_env
    except ModuleNotFoundError as error:
        raise DemoUnavailable(
            f"the demo needs {error.name}: pip install 'cloudcensus[demo]'"
        ) from None
    out = out or Path(tempfile.mkdtemp(prefix="cloudcensus-demo-"))
    with tempfile.TemporaryDirectory(prefix="cloudcensus-demo-state-") as scratch:
        settings, policy = _settings(
            Path(scratch), state_dir or Path(scratch), out, datetime.now(UTC).date()
        )
        with MotoServer() as moto, aws_env(moto.endpoint):
            console.print(Text(f"AWS emulator on {moto.endpoint}: building the organisation"))
            estate = build_estate(moto.endpoint)
            console.print(Text(f"accounts: {', '.join(estate.accounts)}"))
            with Store.open(settings.store_path, retention=settings.retention_scans) as store:
                first_settings = settings.model_copy(update={"out": out / "first-scan"})
                first = _one_scan(store, first_settings, policy)
                console.print(
                    Text(f"first scan: {first.status.value}, {first.tally.total} findings")
                )
                change_estate(moto.endpoint, estate)
                console.print(Text("changed the estate: scanning again"))
                second = _one_scan(store, settings, policy)
    print_result(console, second)
    if second.drift is not None:
        print_diff(console, second.drift)
    console.print(Text(f"Reports written to {out}", "bold"))
    return 3 if ScanStatus.FAILED in (first.status, second.status) else 0
