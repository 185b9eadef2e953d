"""`cloudcensus demo`: the whole agent on emulated clouds, offline.

Besides the AWS organisation below, every demo cloud of `cloudcensus.demo.multicloud`
whose SDK extra is installed (Azure, GCP, OpenStack, Scaleway, Outscale fakes on loopback)
is started, scanned in the same runs, and changed between them.

Starts moto on loopback, seeds the estate of `cloudcensus.demo.estate`, writes the demo
explanations (dated relative to today, so one is valid, one expired, one stale), then
runs the real pipeline twice through the real AWS provider, with a change to the estate
in between, and prints the summary and the drift. Nothing leaves the machine: boto3 only
ever talks to the emulator, with the emulator's fake credentials.

With the `registry` extra, an embedded registry (`cloudcensus.demo.registryserver`, SQLite
in the temporary directory) runs on loopback too: the agent's `registry:` section points
at it, each scan is queued and pushed by the real pusher, and the demo prints the
registry's URL, a reader token and its summary read back through the API. At a terminal,
the registry stays up until Enter, so the API can be tried.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from cloudcensus.demo.clouds import DemoCloud
from cloudcensus.demo.multicloud import demo_environment, merge_providers, start_clouds
from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.scanner.config import AgentSettings, ConfigError, load_settings, with_overrides
from cloudcensus.scanner.outputs import write_scan_outputs
from cloudcensus.scanner.pipeline import Policy, ScanResult, build_providers, load_policy, run_scan
from cloudcensus.scanner.push.terminal import deliver, print_push
from cloudcensus.scanner.store import ScanStatus, Store
from cloudcensus.scanner.terminal import print_diff, print_result

if TYPE_CHECKING:
    from cloudcensus.demo.registryserver import DemoRegistry

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


def _settings(
    scratch: Path, state: Path, out: Path, today: date, clouds: Sequence[DemoCloud] = ()
) -> tuple[AgentSettings, Policy]:
    """The packaged demo configuration, with today's explanations, the demo's dirs and
    the `providers:` sections of the started demo clouds."""
    explanations = scratch / "explanations.yaml"
    explanations.write_text(render_explanations(_package_text("explanations.yaml"), today))
    config = scratch / "cloudcensus.yaml"
    config.write_text(merge_providers(_package_text("cloudcensus.yaml"), clouds))
    try:
        settings = with_overrides(
            load_settings(config), state_dir=state, out=out, explanations=[explanations]
        )
        return settings, load_policy(settings, today, "demo configuration")
    except (ConfigError, PolicyLoadError) as error:
        raise DemoUnavailable(f"invalid demo configuration:\n{error}") from None


def _embedded_registry(console: Console, scratch: Path) -> DemoRegistry | None:
    """The demo's registry (not started yet), or None when its extra is missing."""
    try:
        from cloudcensus.demo.registryserver import DemoRegistry
    except ModuleNotFoundError as error:
        console.print(
            Text(
                f"No embedded registry ({error.name} is missing): "
                "pip install 'cloudcensus[registry]' to push the demo scans to one.",
                "yellow",
            )
        )
        return None
    return DemoRegistry(scratch / "registry")


def _push(console: Console, settings: AgentSettings, store: Store) -> bool:
    """Deliver the queued scan to the demo registry; True when nothing is left pending."""
    if settings.registry is None:
        return True
    report = deliver(settings.registry, store)
    print_push(console, report, settings.registry.url)
    return report.complete


def _wait_for_enter(console: Console, registry: DemoRegistry) -> None:
    """Keep the registry up for a person at a terminal, until Enter (or Ctrl-C)."""
    if not (sys.stdin.isatty() and console.is_terminal):
        return
    try:
        input(f"The registry at {registry.url} runs until you press Enter. ")
    except (EOFError, KeyboardInterrupt):
        console.print()


def run_demo(console: Console, *, out: Path | None = None, state_dir: Path | None = None) -> int:
    """Run the demo; return the exit code (0, 3 when a scan failed, 4 when a push did)."""
    try:
        from cloudcensus.demo.estate import build_estate, change_estate
        from cloudcensus.demo.motoserver import MotoServer, aws_env
    except ModuleNotFoundError as error:
        raise DemoUnavailable(
            f"the demo needs {error.name}: pip install 'cloudcensus[demo]'"
        ) from None
    out = out or Path(tempfile.mkdtemp(prefix="cloudcensus-demo-"))
    with (
        tempfile.TemporaryDirectory(prefix="cloudcensus-demo-state-") as scratch,
        ExitStack() as stack,
    ):
        registry = _embedded_registry(console, Path(scratch))
        if registry is not None:
            stack.enter_context(registry)  # starts while the estate is built
        clouds, missing = start_clouds(stack)
        for cloud in clouds:
            console.print(Text(cloud.description))
        for gone in missing:
            console.print(Text(f"No {gone.provider} demo cloud: {gone.reason}", "yellow"))
        settings, policy = _settings(
            Path(scratch), state_dir or Path(scratch), out, datetime.now(UTC).date(), clouds
        )
        stack.enter_context(demo_environment(clouds))
        with MotoServer() as moto, aws_env(moto.endpoint):
            console.print(Text(f"AWS emulator on {moto.endpoint}: building the organisation"))
            estate = build_estate(moto.endpoint)
            console.print(Text(f"accounts: {', '.join(estate.accounts)}"))
            tokens = None
            if registry is not None:
                try:
                    tokens = registry.ready()
                except RuntimeError as error:
                    raise DemoUnavailable(str(error)) from None
                console.print(Text(f"registry on {registry.url}: pushing both scans there"))
                update = {"registry": registry.push_settings(tokens.agent)}
                settings = settings.model_copy(update=update)
            with Store.open(settings.store_path, retention=settings.retention_scans) as store:
                first_settings = settings.model_copy(update={"out": out / "first-scan"})
                first = _one_scan(store, first_settings, policy)
                console.print(
                    Text(f"first scan: {first.status.value}, {first.tally.total} findings")
                )
                pushed = _push(console, settings, store)
                change_estate(moto.endpoint, estate)
                for cloud in clouds:
                    cloud.change()
                console.print(Text("changed the estate: scanning again"))
                second = _one_scan(store, settings, policy)
                pushed = _push(console, settings, store) and pushed
        print_result(console, second)
        if second.drift is not None:
            print_diff(console, second.drift)
        if registry is not None and tokens is not None:
            registry.print_summary(console, tokens)
        console.print(Text(f"Reports written to {out}", "bold"))
        if registry is not None:
            _wait_for_enter(console, registry)
    if ScanStatus.FAILED in (first.status, second.status):
        return 3
    return 0 if pushed else 4
