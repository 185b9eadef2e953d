"""Builders of serverless, identity and logging assets for the fake estate (Cloud Run,
Cloud Functions, service accounts and their keys, log sinks) and of types no model
reads."""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.gcp.fake.envelope import (
    CREATED,
    LOGGING_AGENT,
    envelope,
    iam_policy,
    stable_number,
)
from cloudcensus.providers.gcp.fake.estate import FakeProject

__all__ = [
    "function",
    "log_sink",
    "other",
    "run_service",
    "service_account",
    "service_account_key",
]


def run_service(
    project: FakeProject,
    name: str,
    region: str,
    *,
    public: bool = False,
    ingress: str = "all",
    labels: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    data = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": project.number,
            "labels": labels or {},
            "annotations": {"run.googleapis.com/ingress": ingress},
            "creationTimestamp": CREATED,
        },
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "image": f"europe-docker.pkg.dev/{project.project_id}/apps/{name}:1",
                            "env": [{"name": k, "value": v} for k, v in (env or {}).items()],
                        }
                    ]
                }
            }
        },
        "status": {"url": f"https://{name}-abc123-ew.a.run.app"},
    }
    name_ = f"//run.googleapis.com/projects/{project.project_id}/locations/{region}/services/{name}"
    asset = envelope(project, name_, "run.googleapis.com/Service", data, region)
    return project.add(asset, iam_policy(project, "roles/run.invoker" if public else None))


def function(
    project: FakeProject,
    name: str,
    region: str,
    *,
    public: bool = False,
    runtime: str = "python312",
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A 1st gen Cloud Function with an HTTPS trigger."""
    path = f"projects/{project.project_id}/locations/{region}/functions/{name}"
    data = {
        "name": path,
        "runtime": runtime,
        "entryPoint": "main",
        "status": "ACTIVE",
        "httpsTrigger": {
            "url": f"https://{region}-{project.project_id}.cloudfunctions.net/{name}",
            "securityLevel": "SECURE_ALWAYS",
        },
        "ingressSettings": "ALLOW_ALL",
        "serviceAccountEmail": f"{project.project_id}@appspot.gserviceaccount.com",
        "updateTime": CREATED,
        "environmentVariables": env or {},
        "labels": {},
    }
    asset = envelope(
        project,
        f"//cloudfunctions.googleapis.com/{path}",
        "cloudfunctions.googleapis.com/CloudFunction",
        data,
        region,
    )
    return project.add(
        asset, iam_policy(project, "roles/cloudfunctions.invoker" if public else None)
    )


def _account_email(project: FakeProject, account_id: str) -> str:
    return f"{account_id}@{project.project_id}.iam.gserviceaccount.com"


def service_account(
    project: FakeProject, account_id: str, *, disabled: bool = False
) -> dict[str, Any]:
    email = _account_email(project, account_id)
    unique = str(10**20 + int(stable_number(project.number, account_id)))
    data = {
        "name": f"projects/{project.project_id}/serviceAccounts/{email}",
        "projectId": project.project_id,
        "uniqueId": unique,
        "email": email,
        "displayName": account_id,
        "oauth2ClientId": unique,
        "disabled": disabled,
    }
    name_ = f"//iam.googleapis.com/projects/{project.project_id}/serviceAccounts/{unique}"
    return project.add(
        envelope(project, name_, "iam.googleapis.com/ServiceAccount", data, "global")
    )


def service_account_key(
    project: FakeProject,
    account: dict[str, Any],
    key_id: str,
    *,
    created: str = CREATED,
    expires: str = "9999-12-31T23:59:59Z",
    user_managed: bool = True,
    disabled: bool = False,
    private_key_data: str | None = None,
) -> dict[str, Any]:
    """A key of `account` (the asset `service_account` returned)."""
    email = account["resource"]["data"]["email"]
    data: dict[str, Any] = {
        "name": f"projects/{project.project_id}/serviceAccounts/{email}/keys/{key_id}",
        "validAfterTime": created,
        "validBeforeTime": expires,
        "keyAlgorithm": "KEY_ALG_RSA_2048",
        "keyOrigin": "GOOGLE_PROVIDED",
        "keyType": "USER_MANAGED" if user_managed else "SYSTEM_MANAGED",
        "disabled": disabled,
    }
    if private_key_data is not None:  # never in real inventories; tests check it is dropped
        data["privateKeyData"] = private_key_data
    name_ = f"{account['name']}/keys/{key_id}"
    return project.add(
        envelope(project, name_, "iam.googleapis.com/ServiceAccountKey", data, "global")
    )


def log_sink(
    project: FakeProject,
    name: str,
    destination: str,
    *,
    log_filter: str = "",
    disabled: bool = False,
) -> dict[str, Any]:
    data = {
        "name": name,
        "destination": destination,
        "filter": log_filter,
        "disabled": disabled,
        "writerIdentity": f"serviceAccount:{LOGGING_AGENT.format(number=project.number)}",
        "createTime": CREATED,
    }
    name_ = f"//logging.googleapis.com/projects/{project.number}/sinks/{name}"
    return project.add(envelope(project, name_, "logging.googleapis.com/LogSink", data, "global"))


def other(
    project: FakeProject,
    asset_type: str,
    path: str,
    location: str = "global",
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An asset of a type no model reads, e.g. ('pubsub.googleapis.com/Topic', 'topics/t')."""
    service = asset_type.split("/", 1)[0]
    name = f"//{service}/projects/{project.project_id}/{path}"
    data = {"name": f"projects/{project.project_id}/{path}", "labels": labels or {}}
    return project.add(envelope(project, name, asset_type, data, location))
