"""Seeding the fake's storage and key services: Cinder, Swift, Barbican, Glance.

Fields follow the documented response bodies of Cinder v3 (volumes with `encrypted` and
their attachments, snapshots, backups, volume types with an encryption spec), Swift's
container listing and HEAD headers, Barbican v1 secret metadata and Glance v2 images.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.openstack.fake.seedbase import Payload, SeederBase

__all__ = ["StorageSeeding"]


class StorageSeeding(SeederBase):
    """Cinder, Swift, Barbican and Glance payloads."""

    # -- Cinder --------------------------------------------------------------------------

    def volume_type(self, name: str, encryption: dict[str, Any] | None = None) -> Payload:
        volume_type = self._add(
            "volume_types",
            {
                "id": self.cloud.new_id(),
                "name": name,
                "is_public": True,
                "description": None,
                "extra_specs": {},
                "qos_specs_id": None,
                "os-volume-type-access:is_public": True,
            },
        )
        spec = {}
        if encryption is not None:
            spec = {
                "volume_type_id": volume_type["id"],
                "encryption_id": self.cloud.new_id(),
                "control_location": "front-end",
                "deleted": False,
                **encryption,
            }
        self.cloud.type_encryption[self.region, volume_type["id"]] = spec
        return volume_type

    def volume(
        self,
        name: str,
        size: int = 10,
        *,
        volume_type: Payload | None = None,
        encrypted: bool | None = False,
        attached_to: Payload | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Payload:
        volume_id = self.cloud.new_id()
        attachments = []
        if attached_to is not None:
            attachments.append(
                {
                    "id": volume_id,
                    "attachment_id": self.cloud.new_id(),
                    "volume_id": volume_id,
                    "server_id": attached_to["id"],
                    "host_name": None,
                    "device": "/dev/sdb",
                    "attached_at": self.cloud.timestamp(),
                }
            )
            attached_to["os-extended-volumes:volumes_attached"].append(
                {"id": volume_id, "delete_on_termination": False}
            )
        volume: Payload = {
            "id": volume_id,
            "name": name,
            "status": "in-use" if attachments else "available",
            "size": size,
            "availability_zone": "nova",
            "created_at": self.cloud.timestamp(),
            "updated_at": None,
            "attachments": attachments,
            "bootable": "false",
            "volume_type": volume_type["name"] if volume_type else "classic",
            "volume_type_id": volume_type["id"] if volume_type else None,
            "metadata": dict(metadata or {}),
            "description": None,
            "multiattach": False,
            "snapshot_id": None,
            "source_volid": None,
            "user_id": "5f4b0c6e2f0d4e53a2bb0d6b2b7f1a10",
            "replication_status": None,
            "consistencygroup_id": None,
            "links": [],
        }
        if encrypted is not None:  # older Cinder releases and some clouds omit it
            volume["encrypted"] = encrypted
        return self._add("volumes", volume)

    def snapshot(self, volume: Payload, name: str) -> Payload:
        return self._add(
            "snapshots",
            {
                "id": self.cloud.new_id(),
                "name": name,
                "status": "available",
                "size": volume["size"],
                "volume_id": volume["id"],
                "created_at": self.cloud.timestamp(),
                "updated_at": None,
                "description": None,
                "metadata": {},
            },
        )

    def backup(self, volume: Payload, name: str) -> Payload:
        return self._add(
            "backups",
            {
                "id": self.cloud.new_id(),
                "name": name,
                "status": "available",
                "size": volume["size"],
                "volume_id": volume["id"],
                "snapshot_id": None,
                "created_at": self.cloud.timestamp(),
                "updated_at": None,
                "availability_zone": "nova",
                "container": "volumebackups",
                "description": None,
                "fail_reason": None,
                "has_dependent_backups": False,
                "is_incremental": False,
                "object_count": 2,
                "data_timestamp": None,
                "metadata": {},
            },
        )

    # -- Swift, Octavia, Barbican, Glance ------------------------------------------------

    def container(
        self, name: str, *, read_acl: str | None = None, headers: dict[str, str] | None = None
    ) -> Payload:
        listing = {"name": name, "count": 3, "bytes": 4096, "last_modified": "2026-03-01T10:00:00"}
        stored = {"X-Storage-Policy": "PCS", "X-Timestamp": "1772359200.00000", **(headers or {})}
        if read_acl is not None:
            stored["X-Container-Read"] = read_acl
        self.cloud.container_headers[self.project, self.region, name] = stored
        return self._add("containers", listing)

    def secret(self, name: str, kind: str = "opaque", *, expiration: str | None = None) -> Payload:
        """A Barbican secret's metadata; `kind` is its secret_type (symmetric, opaque...)."""
        secret_id = self.cloud.new_id()
        symmetric = kind == "symmetric"
        return self._add(
            "secrets",
            {
                "secret_ref": f"@KEY_MANAGER@/v1/secrets/{secret_id}",
                "name": name,
                "algorithm": "aes" if symmetric else None,
                "bit_length": 256 if symmetric else None,
                "mode": "cbc" if symmetric else None,
                "secret_type": kind,
                "status": "ACTIVE",
                "expiration": expiration,
                "created": self.cloud.timestamp(),
                "updated": None,
                "content_types": {"default": "application/octet-stream"},
                "creator_id": "5f4b0c6e2f0d4e53a2bb0d6b2b7f1a10",
            },
        )

    def image(self, name: str, *, visibility: str = "private") -> Payload:
        return self._add(
            "images",
            {
                "id": self.cloud.new_id(),
                "name": name,
                "status": "active",
                "visibility": visibility,
                "owner": self.project,
                "protected": False,
                "disk_format": "qcow2",
                "container_format": "bare",
                "size": 2147483648,
                "min_disk": 0,
                "min_ram": 0,
                "tags": [],
                "created_at": self.cloud.timestamp(),
                "updated_at": None,
                "os_hidden": False,
                "self": "",
                "file": "",
                "schema": "/v2/schemas/image",
            },
        )
