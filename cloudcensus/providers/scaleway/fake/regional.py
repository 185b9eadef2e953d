"""Builders of Scaleway API items in the documented shapes: regional and IAM products.

Same conventions as `items.py` (field names and types of the rdb/v1, k8s/v1, vpc/v2 and
iam/v1alpha1 API references; stable ids from readable names).
"""

from __future__ import annotations

from cloudcensus.providers.scaleway.fake.items import CREATED, Item, tag_list, uid

__all__ = ["api_key", "k8s_acl", "k8s_cluster", "private_network", "rdb_instance", "vpc"]


def rdb_instance(
    name: str,
    project_id: str,
    region: str,
    *,
    public: bool,
    encrypted: bool,
    backups: bool,
    tags: dict[str, str] | None = None,
) -> Item:
    endpoint: Item = {"id": uid(f"{name}-endpoint"), "port": 5432, "name": None}
    if public:
        endpoint |= {"ip": "51.159.0.10", "load_balancer": {}}
    else:
        endpoint |= {
            "ip": "10.0.0.10",
            "private_network": {
                "private_network_id": uid("pn-app"),
                "service_ip": "10.0.0.10/24",
                "zone": f"{region}-1",
                "provisioning_mode": "ipam",
            },
        }
    return {
        "id": uid(name),
        "name": name,
        "region": region,
        "organization_id": project_id,
        "project_id": project_id,
        "status": "ready",
        "engine": "PostgreSQL-15",
        "tags": tag_list(tags),
        "is_ha_cluster": False,
        "read_replicas": [],
        "node_type": "DB-DEV-S",
        "endpoints": [endpoint],
        "backup_same_region": True,
        "created_at": CREATED,
        "encryption": {"enabled": encrypted},
        "backup_schedule": {"frequency": 24, "retention": 7, "disabled": not backups},
        "settings": [],
        "init_settings": [],
        "upgradable_version": [],
        "maintenances": [],
    }


def k8s_cluster(
    name: str,
    project_id: str,
    region: str,
    *,
    acl_available: bool = True,
    tags: dict[str, str] | None = None,
) -> Item:
    cluster_id = uid(name)
    return {
        "id": cluster_id,
        "type": "kapsule",
        "name": name,
        "status": "ready",
        "version": "1.31.2",
        "region": region,
        "organization_id": project_id,
        "project_id": project_id,
        "tags": tag_list(tags),
        "cni": "cilium",
        "description": "",
        "cluster_url": f"https://{cluster_id}.api.k8s.{region}.scw.cloud:6443",
        "dns_wildcard": f"*.{cluster_id}.nodes.k8s.{region}.scw.cloud",
        "created_at": CREATED,
        "updated_at": CREATED,
        "acl_available": acl_available,
        "private_network_id": None,
        "upgrade_available": False,
        "feature_gates": [],
        "admission_plugins": [],
        "apiserver_cert_sans": [],
    }


def k8s_acl(name: str, region: str, ip_range: str | None, *, scaleway_ranges: bool = False) -> Item:
    return {
        "id": uid(name),
        "ip": ip_range,
        "scaleway_ranges": scaleway_ranges,
        "description": name,
        "region": region,
    }


def api_key(
    access_key: str,
    description: str,
    project_id: str,
    *,
    created: str = CREATED,
    expires: str | None = None,
    user_id: str | None = None,
) -> Item:
    return {
        "access_key": access_key,
        "description": description,
        "default_project_id": project_id,
        "editable": True,
        "deletable": True,
        "managed": False,
        "creation_ip": "192.0.2.10",
        "created_at": created,
        "updated_at": created,
        "expires_at": expires,
        "user_id": user_id,
        "application_id": None if user_id else uid(f"app-{access_key}"),
    }


def vpc(name: str, project_id: str, region: str, *, default: bool = False) -> Item:
    return {
        "id": uid(name),
        "name": name,
        "organization_id": project_id,
        "project_id": project_id,
        "region": region,
        "tags": [],
        "is_default": default,
        "private_network_count": 1,
        "routing_enabled": True,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def private_network(name: str, project_id: str, region: str, *, vpc_id: str, cidr: str) -> Item:
    network_id = uid(name)
    return {
        "id": network_id,
        "name": name,
        "organization_id": project_id,
        "project_id": project_id,
        "region": region,
        "tags": [],
        "vpc_id": vpc_id,
        "dhcp_enabled": True,
        "created_at": CREATED,
        "updated_at": CREATED,
        "subnets": [
            {
                "id": uid(f"{name}-subnet"),
                "subnet": cidr,
                "project_id": project_id,
                "private_network_id": network_id,
                "vpc_id": vpc_id,
                "region": region,
                "created_at": CREATED,
                "updated_at": CREATED,
            }
        ],
    }
