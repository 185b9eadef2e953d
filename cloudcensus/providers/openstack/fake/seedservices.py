"""Seeding the fake's Designate zones, Heat stacks, Manila shares, Magnum clusters and
Trove instances, in the shapes of their documented list responses (Designate v2, Heat
v1 stack list, Manila v2 share details, Magnum v1 cluster details, Trove v1.0 instances
with Wallaby's `access`)."""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.openstack.fake.seedbase import Payload, SeederBase

__all__ = ["ServiceSeeding"]


class ServiceSeeding(SeederBase):
    """Designate, Heat, Manila, Magnum and Trove payloads."""

    def zone(self, name: str) -> Payload:
        return self._add(
            "zones",
            {
                "id": self.cloud.new_id(),
                "pool_id": self.cloud.new_id(),
                "project_id": self.project,
                "name": name,
                "email": f"hostmaster@{name.rstrip('.')}",
                "ttl": 3600,
                "serial": 1704067200,
                "status": "ACTIVE",
                "action": "NONE",
                "description": None,
                "masters": [],
                "type": "PRIMARY",
                "transferred_at": None,
                "version": 1,
                "created_at": self.cloud.timestamp(),
                "updated_at": None,
                "attributes": {},
                "links": {"self": f"/v2/zones/{name}"},
            },
        )

    def stack(self, name: str, tags: list[str] | None = None) -> Payload:
        return self._add(
            "stacks",
            {
                "id": self.cloud.new_id(),
                "stack_name": name,
                "description": "",
                "creation_time": self.cloud.timestamp(),
                "updated_time": None,
                "deletion_time": None,
                "stack_status": "CREATE_COMPLETE",
                "stack_status_reason": "Stack CREATE completed successfully",
                "stack_owner": None,
                "parent": None,
                "tags": tags,
                "links": [],
            },
        )

    def share(
        self, name: str, size: int = 100, *, public: bool = False, proto: str = "NFS"
    ) -> Payload:
        return self._add(
            "shares",
            {
                "id": self.cloud.new_id(),
                "name": name,
                "project_id": self.project,
                "user_id": "5f4b0c6e2f0d4e53a2bb0d6b2b7f1a10",
                "status": "available",
                "size": size,
                "share_proto": proto,
                "share_type": "default",
                "share_type_name": "default",
                "share_network_id": None,
                "availability_zone": "nova",
                "is_public": public,
                "metadata": {"owner": "data-team"},
                "created_at": self.cloud.timestamp(),
                "description": None,
                "snapshot_id": None,
                "links": [],
            },
        )

    def cluster(
        self,
        name: str,
        *,
        api_address: str,
        floating_ip: bool,
        allowed_cidrs: str | None = None,
    ) -> Payload:
        labels: dict[str, Any] = {"kube_tag": "v1.30.4"}
        if allowed_cidrs is not None:
            labels["master_lb_allowed_cidrs"] = allowed_cidrs
        return self._add(
            "clusters",
            {
                "uuid": self.cloud.new_id(),
                "name": name,
                "project_id": self.project,
                "status": "CREATE_COMPLETE",
                "health_status": "HEALTHY",
                "coe_version": "v1.30.4",
                "api_address": f"https://{api_address}:6443",
                "master_lb_enabled": True,
                "floating_ip_enabled": floating_ip,
                "labels": labels,
                "node_count": 3,
                "master_count": 1,
                "keypair": "ops",
                "cluster_template_id": self.cloud.new_id(),
                "stack_id": self.cloud.new_id(),
                "created_at": self.cloud.timestamp(),
                "updated_at": None,
                "links": [],
            },
        )

    def database_instance(
        self,
        name: str,
        *,
        public: bool,
        addresses: list[tuple[str, str]],
        replicas: list[str] | None = None,
    ) -> Payload:
        return self._add(
            "database_instances",
            {
                "id": self.cloud.new_id(),
                "name": name,
                "status": "ACTIVE",
                "operating_status": "HEALTHY",
                "flavor": {"id": "db1-7", "links": []},
                "datastore": {"type": "mysql", "version": "8.0.29", "version_number": "8.0.29"},
                "region": self.region,
                "access": {"is_public": public, "allowed_cidrs": []},
                "volume": {"size": 20},
                "ip": [address for address, _ in addresses],
                "addresses": [
                    {"address": address, "type": kind, "network": self.cloud.new_id()}
                    for address, kind in addresses
                ],
                "replicas": [{"id": r, "links": []} for r in replicas or []],
                "created": self.cloud.timestamp(),
                "updated": None,
                "links": [],
            },
        )
