"""The `cloudcensus agent` command: settings, logs, checks, then the daemon or one run.

Like `scan`, everything that can be wrong with the configuration (the listen address
first, then rules, explanations, providers, registry token and certificates, the store)
is checked before the agent starts, as exit code 2. Exit codes: docs/cli.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from cloudcensus.policies.source import PolicyLoadError
from cloudcensus.providers.registry import ProviderUnavailable
from cloudcensus.scanner.agent.daemon import Agent, AgentExit
from cloudcensus.scanner.agent.health import HealthServer
from cloudcensus.scanner.agent.shutdown import Shutdown
from cloudcensus.scanner.cliparts import (
    UsageProblem,
    config_option,
    load_cli_settings,
    policy_error,
    run_id_option,
    shard_option,
)
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.daemonconfig import parse_listen
from cloudcensus.scanner.logsetup import configure_logging, secret_values
from cloudcensus.scanner.pipeline import Policy, build_providers, load_policy
from cloudcensus.scanner.push import PushConfigError, build_client, read_token
from cloudcensus.scanner.shard import Shard, check_store
from cloudcensus.scanner.store import Store, StoreError

__all__ = ["agent"]

logger = logging.getLogger("cloudcensus.agent")

#: How long a clean exit waits for stray worker threads (a hung SDK call) to end.
_STRAGGLERS_S = 5.0


def _with_listen(settings: AgentSettings, listen: str | None) -> AgentSettings:
    if listen is None:
        return settings
    try:
        parse_listen(listen)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--listen") from None
    section = settings.agent.model_copy(update={"listen": listen.strip()})
    return settings.model_copy(update={"agent": section})


def _log_level(ctx: click.Context, settings: AgentSettings) -> str:
    """`--log-level` when given, else the configured `agent.log_level`."""
    parent = ctx.parent
    if parent is not None and parent.get_parameter_source("log_level") not in (
        None,
        click.core.ParameterSource.DEFAULT,
    ):
        return str(parent.params["log_level"])
    return settings.agent.log_level


def _secrets(settings: AgentSettings) -> list[str]:
    found = secret_values(settings)
    if settings.registry is not None and settings.registry.token_file is not None:
        with contextlib.suppress(PushConfigError):  # reported by the checks below
            found.append(read_token(settings.registry))
    return found


def _check(settings: AgentSettings, config: Path | None, push: bool) -> Policy:
    """What `scan` checks before scanning; any problem is exit 2. Returns the policy."""
    try:
        policy = load_policy(settings, datetime.now(UTC).date(), str(config or "configuration"))
        build_providers(settings)
        if settings.registry is not None and push:
            build_client(settings.registry).close()
        with Store.open(settings.store_path, retention=settings.retention_scans) as store:
            check_store(store, settings.shard)
    except PolicyLoadError as error:
        raise policy_error(error) from None
    except (ProviderUnavailable, StoreError, PushConfigError) as error:
        raise UsageProblem(str(error)) from None
    return policy


def _serve(agent: Agent) -> HealthServer:
    host, port = parse_listen(agent.settings.agent.listen)
    try:
        server = HealthServer(
            host, port, lambda: agent.state.readiness(agent.clock()), agent.metrics.exposition
        )
    except OSError as error:
        reason = error.strerror or str(error)
        raise UsageProblem(f"cannot listen on {agent.settings.agent.listen}: {reason}") from None
    server.start()
    bound_host, bound_port = server.address
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    logger.info(
        "health and metrics on http://%s:%d (/healthz, /readyz, /metrics)",
        shown,
        bound_port,
        extra={"host": bound_host, "port": bound_port},
    )
    return server


def _leave(outcome: AgentExit, shutdown: Shutdown) -> int:
    """The exit code, after making sure no busy thread holds the exit back.

    The interpreter joins worker threads at exit; one stuck in a cloud call would keep
    a stopped agent alive past its grace period. When such a thread is still busy once
    the grace period (or a few seconds) is over, or the agent asked for it, the process
    ends at once: the store is consistent at every commit.
    """
    remaining = shutdown.remaining()
    deadline = time.monotonic() + (_STRAGGLERS_S if remaining is None else remaining)
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    for thread in others:
        if not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in others if not t.daemon and t.is_alive()]
    if outcome.hard or stuck:
        if stuck:
            logger.error("exiting with busy threads: %s", ", ".join(stuck))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(outcome.code)
    return outcome.code


@click.command()
@config_option
@click.option("--once", is_flag=True, help="Run one scan and its push, then exit (CronJobs).")
@click.option("--no-push", is_flag=True, help="Queue scans for the registry, do not push them.")
@click.option(
    "--listen",
    metavar="HOST:PORT",
    help="Address of /healthz, /readyz and /metrics (default: agent.listen, 127.0.0.1:9464).",
)
@shard_option
@run_id_option
@click.pass_context
def agent(
    ctx: click.Context,
    config: Path | None,
    once: bool,
    no_push: bool,
    listen: str | None,
    shard: Shard | None,
    run_id: str | None,
) -> None:
    """Run the agent: scan on the schedule, push, serve health and metrics."""
    settings = _with_listen(load_cli_settings(config, shard=shard, run_id=run_id), listen)
    if settings.run_id is not None and not once:
        raise UsageProblem(
            "a run id names one run: give it with --once (a CronJob); the daemon names "
            "each run after its scheduled time"
        )
    configure_logging(_log_level(ctx, settings), settings.agent.log_format, _secrets(settings))
    daemon = Agent(settings, config_name=str(config or "configuration"), push=not no_push)
    server = None if once else _serve(daemon)  # a taken address fails first, and fast
    try:
        daemon.worker.preload(_check(settings, config, push=not no_push))
        outcome = daemon.run_once() if once else daemon.run()
    finally:
        if server is not None:
            server.stop()
    sys.exit(_leave(outcome, daemon.shutdown))
