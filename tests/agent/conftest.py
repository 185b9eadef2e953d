"""Fixtures: one small AWS account in a moto process of this package's own, behind a
proxy that can slow or hold calls; a fake registry over real HTTP; and the installed
`cloudcensus agent` run as a subprocess whose JSON log lines the tests read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from cloudcensus.demo.motoserver import MotoServer
from tests.aws.faultproxy import FaultProxy
from tests.push.fakeregistry import TOKEN, FakeRegistry, serve

CLOUDCENSUS = Path(sys.executable).with_name("cloudcensus")
#: Credentials only this package's agents use: any of them in an output is a leak.
SECRET_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAAGENTLEAKCHECK01",
    "AWS_SECRET_ACCESS_KEY": "agent-leak-check-secret-key-3e8f",
    "AWS_SESSION_TOKEN": "agent-leak-check-session-token-77a0",
}
EXTERNAL_ID = "agent-leak-check-external-id-4c2b"
SECRETS = (*SECRET_ENV.values(), EXTERNAL_ID, TOKEN)
BUCKETS = ("agent-data-001", "agent-data-002", "agent-logs-003")
WAIT_S = 60


class SlowProxy(FaultProxy):
    """The AWS fault proxy, also delaying every call by `delay_s` and holding the calls
    of `held_actions` until `release` is set (an SDK call that does not come back)."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        # A held call's client is gone by the time it is released: not worth a traceback.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.delay_s = 0.0
        self.held_actions: set[str] = set()
        self.release = threading.Event()

    def reset(self) -> None:
        self.release.set()
        self.clear()
        self.delay_s = 0.0
        self.held_actions = set()
        self.release = threading.Event()

    def _fault(self, action: str, params: dict[str, list[str]]) -> tuple[int, str, bytes] | None:
        fault = super()._fault(action, params)  # counts the hit
        if action in self.held_actions:
            self.release.wait(WAIT_S)
        elif self.delay_s:
            time.sleep(self.delay_s)
        return fault


@pytest.fixture(scope="package")
def aws() -> Iterator[SlowProxy]:
    """An account with three buckets, reached through the proxy (its `url`)."""
    with MotoServer() as server:
        s3 = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for bucket in BUCKETS:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
            )
        proxy = SlowProxy(server.endpoint)
        with proxy:
            yield proxy


@pytest.fixture
def proxy(aws: SlowProxy) -> Iterator[SlowProxy]:
    aws.reset()
    yield aws
    aws.reset()


@pytest.fixture
def registry() -> Iterator[tuple[FakeRegistry, str]]:
    fake = FakeRegistry()
    with serve(fake) as url:
        yield fake, url


def write_config(root: Path, registry_url: str | None, **sections: str) -> Path:
    """An agent configuration in `root` (state in `root/state`); `sections` are YAML
    blocks added as they are (e.g. `agent="agent:\\n  shutdown_grace_s: 6\\n"`)."""
    lines = [
        f"state_dir: {root / 'state'}",
        "workers: 2",
        "providers:",
        "  aws:",
        "    mode: single",
        "    regions: [eu-west-1]",
        "    resource_explorer: false",
        "    max_attempts: 1",
        f"    external_id: {EXTERNAL_ID}",
    ]
    if registry_url is not None:
        lines += ["registry:", f"  url: {registry_url}", "  max_retries: 0"]
    sections.setdefault("agent", "agent:\n  listen: 127.0.0.1:0\n  shutdown_grace_s: 6\n")
    config = root / "cloudcensus.yaml"
    config.write_text("\n".join(lines) + "\n" + "".join(sections.values()))
    return config


def agent_env(proxy: SlowProxy, *, token: bool = True) -> dict[str, str]:
    """The agent's environment: the leak-check credentials, AWS through the proxy, and
    (`token`) the registry token, as a deployment sets it."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLOUDCENSUS_"))}
    env = {**keep, **SECRET_ENV, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": proxy.url}
    return {**env, "CLOUDCENSUS_REGISTRY__TOKEN": TOKEN} if token else env


class AgentProcess:
    """A running `cloudcensus --log-level debug agent ...`, its log lines collected."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [str(CLOUDCENSUS), "--log-level", "debug", "agent", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )
        self.records: list[dict[str, Any]] = []
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any, is_stdout: bool) -> None:
        for line in stream:
            with self._changed:
                (self.stdout if is_stdout else self.stderr).append(line)
                if is_stdout:
                    self.records.append(json.loads(line))  # a line that is not JSON fails
                self._changed.notify_all()

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first log record matching `predicate`, waiting for it."""
        deadline = time.monotonic() + WAIT_S
        with self._changed:
            while True:
                found = next((r for r in self.records if predicate(r)), None)
                if found is not None:
                    return found
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"log line not seen; output:\n{self.output}")
                self._changed.wait(0.2)

    def message(self, text: str) -> dict[str, Any]:
        return self.wait_for(lambda record: text in record["message"])

    @property
    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    @property
    def url(self) -> str:
        record = self.message("health and metrics on")
        return f"http://127.0.0.1:{record['port']}"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, float]:
        """Send `sig`; returns the exit code and the seconds it took to exit."""
        sent = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=WAIT_S)
        for reader in self._readers:
            reader.join(5)
        return code, time.monotonic() - sent

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def start_agent(proxy: SlowProxy, tmp_path: Path) -> Iterator[Callable[..., AgentProcess]]:
    started: list[AgentProcess] = []

    def start(*args: str) -> AgentProcess:
        started.append(AgentProcess(list(args), agent_env(proxy), tmp_path))
        return started[-1]

    yield start
    for agent in started:
        agent.kill()


def run_agent(
    proxy: SlowProxy, cwd: Path, *args: str, token: bool = True
) -> tuple[int, str, list[dict[str, Any]]]:
    """`cloudcensus --log-level debug agent ARGS` to its end: code, output, log records."""
    done = subprocess.run(
        [str(CLOUDCENSUS), "--log-level", "debug", "agent", *args],
        capture_output=True,
        text=True,
        env=agent_env(proxy, token=token),
        cwd=cwd,
        timeout=120,
        check=False,
    )
    records = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, done.stdout + done.stderr, records


def assert_no_secret(output: str) -> None:
    leaked = [secret for secret in SECRETS if secret in output]
    assert not leaked, f"secrets in the agent's output: {leaked}"
