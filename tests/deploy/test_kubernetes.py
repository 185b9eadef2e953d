"""The Kubernetes manifests render with kubectl's kustomize and are valid and hardened.

Every overlay is rendered by `kubectl kustomize` (the same code path as `kubectl apply
-k`), each object validated against the Kubernetes OpenAPI schemas (kubernetes-validate,
strict: unknown fields fail), and the properties ops teams rely on are checked: pods run
as non-root on a read-only root filesystem, every container has requests and limits,
secrets are only referenced, the agent's shipped configuration is one the agent accepts.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from cloudcensus.scanner.config import load_settings

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
    assert {"production", "daemon", "azure"} <= set(OVERLAYS)


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
