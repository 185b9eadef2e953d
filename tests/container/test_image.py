"""The container image: built with podman from deploy/Containerfile, then run.

No image registry is reachable here, so the image is built the offline way users without
one would use (deploy/container/build-image.sh with OFFLINE=1): a Debian base made with
debootstrap and wheels built on the host. The agent container runs one demo scan on a
read-only root filesystem; the registry container answers /healthz.

Marker `container` (minutes, root, podman): left out of the default suite and run by
`.ci/run`. Without podman/debootstrap/root these tests skip, saying why, unless
CLOUDCENSUS_REQUIRE_CONTAINER=1 (CI) turns that into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAG = "localhost/cloudcensus:test"

pytestmark = [pytest.mark.container, pytest.mark.timeout(3600)]


def _missing() -> str | None:
    for tool in ("podman", "debootstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if os.geteuid() != 0:
        return "building the Debian base image with debootstrap needs root"
    return None


@pytest.fixture(scope="module")
def podman_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CLOUDCENSUS_REQUIRE_CONTAINER") == "1":
            pytest.fail(f"container tests required but {reason}")
        pytest.skip(reason)
    env = dict(os.environ)
    if shutil.which("runc") is not None:
        # crun refuses hybrid cgroup hierarchies; runc runs on them.
        conf = tmp_path_factory.mktemp("podman") / "containers.conf"
        conf.write_text(
            "[containers]\n"
            'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n'
            "[engine]\n"
            'runtime = "runc"\n'
        )
        env["CONTAINERS_CONF"] = str(conf)
    return env


def _podman(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        ["podman", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"podman {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def image(podman_env: dict[str, str]) -> Iterator[str]:
    env = {**podman_env, "OFFLINE": "1", "PYTHON": sys.executable}
    build = subprocess.run(
        [str(ROOT / "deploy" / "container" / "build-image.sh"), TAG],
        env=env,
        capture_output=True,
        text=True,
        timeout=3000,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    yield TAG
    subprocess.run(["podman", "rmi", "-f", TAG], env=podman_env, capture_output=True, check=False)


def test_the_image_is_non_root_labelled_and_health_checked(
    podman_env: dict[str, str], image: str
) -> None:
    info = json.loads(_podman(podman_env, "image", "inspect", image))[0]
    config = info["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["cloudcensus"]
    assert "/var/lib/cloudcensus" in config["Volumes"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == "cloudcensus"
    assert labels["org.opencontainers.image.version"]
    health = info.get("Healthcheck") or config.get("Healthcheck")
    assert health is not None
    assert "healthz" in " ".join(health["Test"]) or "HEALTH_URL" in " ".join(health["Test"])
    size_mb = info["Size"] / 1e6
    print(f"image size: {size_mb:.0f} MB")  # the closing note reports it


def test_the_image_holds_no_compiler_cache_or_sources(
    podman_env: dict[str, str], image: str
) -> None:
    script = (
        "for t in gcc cc make; do command -v $t && echo FOUND-$t; done; "
        "ls /root/.cache/pip /var/lib/cloudcensus/.cache/pip /src /wheels 2>/dev/null "
        "&& echo FOUND-leftovers; true"
    )
    out = _podman(podman_env, "run", "--rm", "--entrypoint", "sh", image, "-c", script)
    assert "FOUND" not in out, out


def test_the_agent_container_runs_a_demo_scan_on_a_read_only_root(
    podman_env: dict[str, str], image: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, 10001, 10001)
    out = _podman(
        podman_env,
        "run",
        "--rm",
        "--read-only",
        "--tmpfs",
        "/tmp:rw,size=512m",
        "--network",
        "host",
        "-v",
        f"{state}:/var/lib/cloudcensus:Z",
        image,
        "demo",
        "--out",
        "/var/lib/cloudcensus/reports",
        timeout=900,
    )
    assert "Reports written to /var/lib/cloudcensus/reports" in out
    reports = state / "reports"
    assert (reports / "findings.jsonl").stat().st_size > 0
    assert any(p.suffix == ".sarif" for p in reports.iterdir())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_the_registry_container_answers_healthz(
    podman_env: dict[str, str], image: str, tmp_path: Path
) -> None:
    state = tmp_path / "registry"
    state.mkdir()
    os.chown(state, 10001, 10001)
    port = _free_port()
    name = f"cloudcensus-registry-{port}"
    _podman(
        podman_env,
        "run",
        "-d",
        "--name",
        name,
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--network",
        "host",
        "-v",
        f"{state}:/var/lib/cloudcensus:Z",
        image,
        "registry",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    )
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/healthz"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    body = answer.read()
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        assert body, _podman(podman_env, "logs", name)
        assert json.loads(body)["status"] == "ok"
        # The SQLite registry lives on the volume, not in the read-only image.
        assert any(state.rglob("registry.db"))
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "5", name], env=podman_env, check=False)
