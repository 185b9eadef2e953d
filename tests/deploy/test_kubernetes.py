"""The Kubernetes manifests render with kubectl's kustomize and are valid and hardened.

Every overlay is rendered by `kubectl kustomize` (the same code path as `kubectl apply
-k`), each object validated against the Kubernetes OpenAPI schemas (kubernetes-validate,
strict: unknown fields fail), and the properties ops teams rely on are checked: pods run
as non-root on a read-only root filesystem, every container has requests and limits,
secrets are only referenced, the agent's shipped configuration is one the agent accepts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from cloudcensus.scanner.agent.command import agent
from cloudcensus.scanner.cliparts import load_cli_settings
from cloudcensus.scanner.config import load_settings
from cloudcensus.scanner.shard import Shard

KUBERNETES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
OVERLAYS = sorted(p.name for p in (KUBERNETES / "overlays").iterdir() if p.is_dir())
#: The oldest Kubernetes release the manifests must validate against (CronJob timeZone
#: is GA since 1.27).
K8S_VERSION = "1.29.0"

pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl (with its built-in kustomize) is missing"
)


def _render(path: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["kubectl", "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    out = {"base": _render(KUBERNETES / "base")}
    out.update({name: _render(KUBERNETES / "overlays" / name) for name in OVERLAYS})
    return out


def _pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in objects:
        spec = obj.get("spec", {})
        if obj["kind"] == "CronJob":
            yield obj["metadata"]["name"], spec["jobTemplate"]["spec"]["template"]["spec"]
        elif obj["kind"] in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
            yield obj["metadata"]["name"], spec["template"]["spec"]


def _kinds(objects: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(o["kind"], o["metadata"]["name"]) for o in objects}


def test_there_are_overlays_for_the_cronjob_and_the_daemon() -> None:
    assert {"production", "daemon", "azure", "sharded"} <= set(OVERLAYS)


def test_every_object_is_valid_against_the_kubernetes_schemas(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for name, objects in rendered.items():
        for obj in objects:
            try:
                kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{name}: {obj['kind']}/{obj['metadata']['name']}: {error}")


def test_pods_are_hardened_and_bounded(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for name, objects in rendered.items():
        specs = list(_pod_specs(objects))
        assert specs, name
        for workload, pod in specs:
            where = f"{name}: {workload}"
            security = pod["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert security["seccompProfile"]["type"] == "RuntimeDefault", where
            for container in [*pod.get("initContainers", []), *pod["containers"]]:
                context = container["securityContext"]
                assert context["readOnlyRootFilesystem"] is True, where
                assert context["allowPrivilegeEscalation"] is False, where
                assert context["capabilities"]["drop"] == ["ALL"], where
                for bound in ("requests", "limits"):
                    assert {"cpu", "memory"} <= set(container["resources"][bound]), where
                assert container["image"].startswith(("localhost/", "registry.")), where


def test_secrets_are_referenced_never_embedded(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for name, objects in rendered.items():
        assert "Secret" not in {o["kind"] for o in objects}, name
        text = yaml.safe_dump_all(objects)
        assert "cloudcensus-registry-db" in text
        assert "cloudcensus-agent-token" in text


def test_the_registry_is_replicated_probed_and_fenced(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    objects = rendered["production"]
    kinds = _kinds(objects)
    assert {
        ("Deployment", "cloudcensus-registry"),
        ("Service", "cloudcensus-registry"),
        ("PodDisruptionBudget", "cloudcensus-registry"),
        ("NetworkPolicy", "cloudcensus-registry"),
    } <= kinds
    registry = next(o for o in objects if o["kind"] == "Deployment")
    assert registry["spec"]["replicas"] >= 2
    container = registry["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert all(
        o["metadata"]["namespace"] == "cloudcensus" for o in objects if o["kind"] != "Namespace"
    )


def test_the_cronjob_never_overlaps_and_keeps_its_state(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    job = next(o for o in rendered["production"] if o["kind"] == "CronJob")
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    assert job["spec"]["timeZone"] == "Europe/Brussels"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"][:2] == ["agent", "--once"]
    claims = [
        v["persistentVolumeClaim"]["claimName"]
        for v in pod["volumes"]
        if "persistentVolumeClaim" in v
    ]
    assert claims == ["cloudcensus-agent-state"]


def test_the_daemon_overlay_swaps_the_cronjob_for_one_scheduler(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    kinds = _kinds(rendered["daemon"])
    assert ("CronJob", "cloudcensus-agent") not in kinds
    assert ("Deployment", "cloudcensus-agent") in kinds
    agent = next(
        o
        for o in rendered["daemon"]
        if o["kind"] == "Deployment" and "agent" in o["metadata"]["name"]
    )
    assert agent["spec"]["replicas"] == 1
    assert agent["spec"]["strategy"]["type"] == "Recreate"


def test_workload_identity_reaches_the_agent(rendered: dict[str, list[dict[str, Any]]]) -> None:
    def account(objects: list[dict[str, Any]]) -> dict[str, str]:
        sa = next(
            o
            for o in objects
            if o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "cloudcensus-agent"
        )
        annotations: dict[str, str] = sa["metadata"].get("annotations", {})
        return annotations

    assert "eks.amazonaws.com/role-arn" in account(rendered["production"])
    assert "iam.gke.io/gcp-service-account" in account(rendered["daemon"])
    assert "azure.workload.identity/client-id" in account(rendered["azure"])
    job = next(o for o in rendered["azure"] if o["kind"] == "CronJob")
    labels = job["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert labels["azure.workload.identity/use"] == "true"


def test_the_shipped_agent_configuration_is_accepted_by_the_agent(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    config = next(o for o in rendered["production"] if o["kind"] == "ConfigMap")
    path = tmp_path / "cloudcensus.yaml"
    path.write_text(config["data"]["cloudcensus.yaml"])
    settings = load_settings(path)
    assert settings.registry is not None
    assert settings.registry.token_file == Path("/run/secrets/cloudcensus/agent-token")
    assert "aws" in settings.providers


# --- sharding (components/agent-sharded, overlays/sharded) ------------------------------

_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _expand(text: str, defined: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: a defined variable is replaced, anything else
    stays as written (which is how a typo would reach the agent)."""
    return _REFERENCE.sub(lambda m: defined.get(m[1], m[0]), text)


def _pod_environment(
    container: dict[str, Any], fields: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The environment and arguments the kubelet gives `container` in a pod whose
    downward-API fields are `fields`: each `value` sees only the variables defined
    above it, the arguments see them all."""
    env: dict[str, str] = {}
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = _expand(var["value"], env)
        else:
            env[var["name"]] = fields[var["valueFrom"]["fieldRef"]["fieldPath"]]
    return env, [_expand(arg, env) for arg in container["args"]]


def _sharded_job(rendered: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    job: dict[str, Any] = next(o for o in rendered["sharded"] if o["kind"] == "CronJob")
    spec: dict[str, Any] = job["spec"]["jobTemplate"]["spec"]
    return spec


def test_the_sharded_overlay_runs_n_shards_as_one_indexed_job(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    cron = next(o for o in rendered["sharded"] if o["kind"] == "CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"  # runs never overlap
    job = _sharded_job(rendered)
    container = job["template"]["spec"]["containers"][0]
    count = int(next(v["value"] for v in container["env"] if v["name"] == "SHARD_COUNT"))
    assert count > 1
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == job["parallelism"] == count  # N in its three places agree
    # A failing shard is retried on its own; the Job-wide limit would end its siblings.
    assert "backoffLimit" not in job
    assert job["backoffLimitPerIndex"] >= 1


def test_the_shards_of_a_run_share_the_state_volume_on_one_node(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    pod = _sharded_job(rendered)["template"]
    claims = [v for v in pod["spec"]["volumes"] if "persistentVolumeClaim" in v]
    assert [v["persistentVolumeClaim"]["claimName"] for v in claims] == ["cloudcensus-agent-state"]
    state = next(o for o in rendered["sharded"] if o["kind"] == "PersistentVolumeClaim")
    assert state["spec"]["accessModes"] == ["ReadWriteOnce"]
    # ReadWriteOnce: mountable by pods of one node only, so the shards go together.
    (term,) = pod["spec"]["affinity"]["podAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    others = [o for o in rendered["sharded"] if o["kind"] in {"Deployment", "StatefulSet"}]
    for other in others:  # no other workload carries the labels the shards gather on
        labels = other["spec"]["template"]["metadata"]["labels"]
        assert not term["labelSelector"]["matchLabels"].items() <= labels.items()


def test_each_shard_pod_scans_its_shard_of_the_run_into_a_store_of_its_own(
    rendered: dict[str, list[dict[str, Any]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pods' arguments and environment, as the kubelet expands them for each
    completion index, read by the agent's own command line and configuration."""
    config = next(o for o in rendered["sharded"] if o["kind"] == "ConfigMap")
    path = tmp_path / "cloudcensus.yaml"
    path.write_text(config["data"]["cloudcensus.yaml"])
    job = _sharded_job(rendered)
    container = job["template"]["spec"]["containers"][0]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "state")["mountPath"]
    job_name = "cloudcensus-agent-29501234"  # the CronJob's Job of one night
    seen: set[tuple[Path, Path | None]] = set()
    for index in range(job["completions"]):
        fields = {
            "metadata.annotations['batch.kubernetes.io/job-completion-index']": str(index),
            "metadata.labels['batch.kubernetes.io/job-name']": job_name,
        }
        env, args = _pod_environment(container, fields)
        assert not [a for a in args if _REFERENCE.search(a)], args  # all defined
        for name in list(os.environ):
            if name.startswith("CLOUDCENSUS_"):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert args[:2] == ["agent", "--once"]
        flags = agent.make_context("agent", [*args[1:], "--config", str(path)]).params
        settings = load_cli_settings(path, shard=flags["shard"], run_id=flags["run_id"])
        assert settings.shard == Shard(index=index, count=job["completions"])
        assert settings.run_id == job_name  # every shard of the night, one run
        assert settings.state_dir.is_relative_to(mount)  # on the volume, ...
        assert settings.state_dir != Path(mount)  # ... not where an unsharded agent keeps its store
        assert settings.out is not None
        assert settings.out.is_relative_to(settings.state_dir)
        seen.add((settings.state_dir, settings.out))
    assert len(seen) == job["completions"]  # one store (and report directory) per shard
