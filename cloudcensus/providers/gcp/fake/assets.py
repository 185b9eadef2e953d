"""Builders of Cloud Asset assets, shaped as the API returns them, for the fake estate.

Each builder adds one asset (and its IAM policy where the type has one) to a
`FakeProject` and returns the asset. The `resource.data` of each type follows the
service's own REST representation (Cloud Storage JSON API, Compute Engine v1, Cloud SQL
Admin v1, Cloud KMS v1, GKE v1, Cloud Run (Knative-style), Cloud Functions v1, IAM v1,
Cloud Logging v2), camelCase, int64 as strings, timestamps in RFC 3339. Serverless,
identity and logging builders live in `platform.py` and are re-exported here.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.gcp.fake.envelope import CREATED, envelope, iam_policy, stable_number
from cloudcensus.providers.gcp.fake.estate import FakeProject
from cloudcensus.providers.gcp.fake.platform import (
    function,
    log_sink,
    other,
    run_service,
    service_account,
    service_account_key,
)

__all__ = [
    "bucket",
    "cluster",
    "crypto_key",
    "disk",
    "firewall",
    "function",
    "instance",
    "log_sink",
    "other",
    "run_service",
    "service_account",
    "service_account_key",
    "sql_instance",
]


def bucket(
    project: FakeProject,
    name: str,
    *,
    location: str = "EU",
    public_role: str | None = None,
    prevention: str = "enforced",
    uniform: bool = True,
    kms_key: str | None = None,
    versioning: bool = True,
    data_locations: list[str] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "storage#bucket",
        "id": name,
        "name": name,
        "projectNumber": project.number,
        "location": location.upper(),
        "locationType": "dual-region"
        if data_locations
        else "multi-region"
        if location.upper() in ("EU", "US", "ASIA")
        else "region",
        "storageClass": "STANDARD",
        "timeCreated": CREATED,
        "updated": CREATED,
        "metageneration": "2",
        "etag": "CAI=",
        "labels": labels or {},
        "iamConfiguration": {
            "uniformBucketLevelAccess": {"enabled": uniform},
            "bucketPolicyOnly": {"enabled": uniform},
            "publicAccessPrevention": prevention,
        },
        "versioning": {"enabled": versioning},
    }
    if kms_key:
        data["encryption"] = {"defaultKmsKeyName": kms_key}
    if data_locations:
        data["customPlacementConfig"] = {"dataLocations": [r.upper() for r in data_locations]}
    asset = envelope(
        project,
        f"//storage.googleapis.com/{name}",
        "storage.googleapis.com/Bucket",
        data,
        location.lower(),
    )
    return project.add(asset, iam_policy(project, public_role))


def instance(
    project: FakeProject,
    name: str,
    zone: str,
    *,
    external_ip: str | None = None,
    network_tags: list[str] | None = None,
    labels: dict[str, str] | None = None,
    status: str = "RUNNING",
    machine_type: str = "e2-medium",
) -> dict[str, Any]:
    base = f"https://www.googleapis.com/compute/v1/projects/{project.project_id}"
    nic: dict[str, Any] = {
        "name": "nic0",
        "network": f"{base}/global/networks/default",
        "subnetwork": f"{base}/regions/{zone[:-2]}/subnetworks/default",
        "networkIP": "10.132.0.2",
    }
    if external_ip is not None:
        config = {"type": "ONE_TO_ONE_NAT", "name": "External NAT", "networkTier": "PREMIUM"}
        nic["accessConfigs"] = [{**config, "natIP": external_ip} if external_ip else config]
    data = {
        "id": stable_number(project.number, name),
        "name": name,
        "zone": f"{base}/zones/{zone}",
        "machineType": f"{base}/zones/{zone}/machineTypes/{machine_type}",
        "status": status,
        "creationTimestamp": "2025-03-01T02:00:00.000-08:00",
        "networkInterfaces": [nic],
        "tags": {"items": network_tags or []},
        "labels": labels or {},
        "disks": [{"boot": True, "source": f"{base}/zones/{zone}/disks/{name}"}],
        "serviceAccounts": [{"email": f"{project.number}-compute@developer.gserviceaccount.com"}],
    }
    name_ = f"//compute.googleapis.com/projects/{project.project_id}/zones/{zone}/instances/{name}"
    return project.add(envelope(project, name_, "compute.googleapis.com/Instance", data, zone))


def disk(
    project: FakeProject,
    name: str,
    zone: str,
    *,
    kms_key: str | None = None,
    size_gb: int = 10,
    users: list[str] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    base = f"https://www.googleapis.com/compute/v1/projects/{project.project_id}"
    data: dict[str, Any] = {
        "id": stable_number(project.number, "disk", name),
        "name": name,
        "zone": f"{base}/zones/{zone}",
        "sizeGb": str(size_gb),
        "status": "READY",
        "type": f"{base}/zones/{zone}/diskTypes/pd-balanced",
        "creationTimestamp": "2025-03-01T02:00:00.000-08:00",
        "users": [f"{base}/zones/{zone}/instances/{user}" for user in users or []],
        "labels": labels or {},
    }
    if kms_key:
        data["diskEncryptionKey"] = {"kmsKeyName": f"{kms_key}/cryptoKeyVersions/1"}
    name_ = f"//compute.googleapis.com/projects/{project.project_id}/zones/{zone}/disks/{name}"
    return project.add(envelope(project, name_, "compute.googleapis.com/Disk", data, zone))


def firewall(
    project: FakeProject,
    name: str,
    *,
    ports: list[str] | None = None,
    sources: list[str] | None = None,
    protocol: str = "tcp",
    direction: str = "INGRESS",
    disabled: bool = False,
    target_tags: list[str] | None = None,
) -> dict[str, Any]:
    base = f"https://www.googleapis.com/compute/v1/projects/{project.project_id}"
    allowed: dict[str, Any] = {"IPProtocol": protocol}
    if ports:
        allowed["ports"] = ports
    data: dict[str, Any] = {
        "id": stable_number(project.number, "fw", name),
        "name": name,
        "network": f"{base}/global/networks/default",
        "direction": direction,
        "priority": 1000,
        "allowed": [allowed],
        "disabled": disabled,
        "creationTimestamp": "2025-03-01T02:00:00.000-08:00",
        "targetTags": target_tags or [],
    }
    data["sourceRanges" if direction == "INGRESS" else "destinationRanges"] = sources or []
    name_ = f"//compute.googleapis.com/projects/{project.project_id}/global/firewalls/{name}"
    return project.add(envelope(project, name_, "compute.googleapis.com/Firewall", data, "global"))


def sql_instance(
    project: FakeProject,
    name: str,
    region: str,
    *,
    version: str = "POSTGRES_15",
    public_ip: bool = False,
    authorized: list[str] | None = None,
    backups: bool = True,
    regional: bool = False,
    kms_key: str | None = None,
    replicas: list[str] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "sql#instance",
        "name": name,
        "project": project.project_id,
        "region": region,
        "gceZone": f"{region}-b",
        "databaseVersion": version,
        "state": "RUNNABLE",
        "instanceType": "CLOUD_SQL_INSTANCE",
        "createTime": CREATED,
        "settings": {
            "tier": "db-custom-2-7680",
            "availabilityType": "REGIONAL" if regional else "ZONAL",
            "userLabels": labels or {},
            "ipConfiguration": {
                "ipv4Enabled": public_ip,
                "authorizedNetworks": [
                    {"kind": "sql#aclEntry", "name": f"net-{n}", "value": cidr}
                    for n, cidr in enumerate(authorized or [])
                ],
                "sslMode": "ENCRYPTED_ONLY",
            },
            "backupConfiguration": {
                "enabled": backups,
                "startTime": "02:00",
                "backupRetentionSettings": {"retentionUnit": "COUNT", "retainedBackups": 7},
            },
        },
        "replicaNames": replicas or [],
    }
    if kms_key:
        data["diskEncryptionConfiguration"] = {"kmsKeyName": kms_key}
    name_ = f"//cloudsql.googleapis.com/projects/{project.project_id}/instances/{name}"
    return project.add(envelope(project, name_, "sqladmin.googleapis.com/Instance", data, region))


def crypto_key(
    project: FakeProject,
    ring: str,
    name: str,
    location: str,
    *,
    rotation_days: int | None = 90,
    protection: str = "SOFTWARE",
    purpose: str = "ENCRYPT_DECRYPT",
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    path = f"projects/{project.project_id}/locations/{location}/keyRings/{ring}/cryptoKeys/{name}"
    algorithm = (
        "GOOGLE_SYMMETRIC_ENCRYPTION" if purpose == "ENCRYPT_DECRYPT" else "EC_SIGN_P256_SHA256"
    )
    data: dict[str, Any] = {
        "name": path,
        "purpose": purpose,
        "createTime": CREATED,
        "versionTemplate": {"protectionLevel": protection, "algorithm": algorithm},
        "labels": labels or {},
    }
    if purpose == "ENCRYPT_DECRYPT":
        data["primary"] = {
            "name": f"{path}/cryptoKeyVersions/1",
            "state": "ENABLED",
            "protectionLevel": protection,
            "algorithm": algorithm,
            "createTime": CREATED,
        }
    if rotation_days:
        data["rotationPeriod"] = f"{rotation_days * 86400}s"
        data["nextRotationTime"] = "2026-09-01T00:00:00Z"
    asset = envelope(
        project,
        f"//cloudkms.googleapis.com/{path}",
        "cloudkms.googleapis.com/CryptoKey",
        data,
        location,
    )
    return project.add(asset)


def cluster(
    project: FakeProject,
    name: str,
    location: str,
    *,
    private_endpoint: bool = False,
    authorized: list[str] | None = None,
    secrets_key: str | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "location": location,
        "currentMasterVersion": "1.31.4-gke.1000",
        "status": "RUNNING",
        "createTime": CREATED,
        "endpoint": "10.0.0.2" if private_endpoint else "34.76.1.2",
        "resourceLabels": labels or {},
        "privateClusterConfig": {
            "enablePrivateNodes": True,
            "enablePrivateEndpoint": private_endpoint,
        },
        "databaseEncryption": {"state": "ENCRYPTED", "keyName": secrets_key}
        if secrets_key
        else {"state": "DECRYPTED"},
    }
    if authorized is not None:
        data["masterAuthorizedNetworksConfig"] = {
            "enabled": True,
            "cidrBlocks": [
                {"displayName": f"office-{n}", "cidrBlock": c} for n, c in enumerate(authorized)
            ],
        }
    path = f"projects/{project.project_id}/locations/{location}/clusters/{name}"
    name_ = f"//container.googleapis.com/{path}"
    return project.add(envelope(project, name_, "container.googleapis.com/Cluster", data, location))
