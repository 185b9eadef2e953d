"""Seeding the fake's Neutron and Nova: networks, ports, floating IPs, routers, servers.

A server comes with its Neutron port (and floating IP, and a second NIC on the public
network when asked), shaped like Nova's microversion 2.47+ answer (flavour embedded,
tags), as a real cloud lists them.
"""

from __future__ import annotations

from typing import Any

from cloudcensus.providers.openstack.fake.seedbase import Payload, SeederBase

__all__ = ["NetworkSeeding", "ingress"]


def ingress(
    protocol: str | None,
    port_min: int | None = None,
    port_max: int | None = None,
    remote_ip_prefix: str | None = None,
    *,
    ethertype: str = "IPv4",
    remote_group_id: str | None = None,
    direction: str = "ingress",
) -> dict[str, Any]:
    """One Neutron security group rule (without ids: the seeder adds them)."""
    return {
        "direction": direction,
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": port_min,
        "port_range_max": port_max if port_max is not None else port_min,
        "remote_ip_prefix": remote_ip_prefix,
        "remote_group_id": remote_group_id,
    }


class NetworkSeeding(SeederBase):
    """Neutron and Nova payloads."""

    # -- Neutron -------------------------------------------------------------------------

    def network(
        self, name: str, cidr: str | None = "10.0.0.0/24", *, external: bool = False
    ) -> Payload:
        """A network (and its subnet when `cidr` is given)."""
        network = self._add(
            "networks",
            self._base(
                name,
                status="ACTIVE",
                admin_state_up=True,
                shared=external,
                subnets=[],
                mtu=1500,
                description="",
                port_security_enabled=True,
                availability_zones=["nova"],
                revision_number=1,
                **{"router:external": external, "is_default": False},
            ),
        )
        if cidr:
            self.subnet(network, cidr)
        return network

    def subnet(self, network: Payload, cidr: str, *, name: str | None = None) -> Payload:
        version = 6 if ":" in cidr else 4
        subnet = self._add(
            "subnets",
            self._base(
                name or f"{network['name']}-subnet",
                network_id=network["id"],
                cidr=cidr,
                ip_version=version,
                gateway_ip=None,
                enable_dhcp=True,
                allocation_pools=[],
                dns_nameservers=[],
                host_routes=[],
                description="",
            ),
        )
        network["subnets"].append(subnet["id"])
        return subnet

    def security_group(self, name: str, rules: list[dict[str, Any]] | None = None) -> Payload:
        group = self._base(name, description=name, stateful=True, security_group_rules=[])
        egress = [
            ingress(None, ethertype="IPv4", direction="egress"),
            ingress(None, ethertype="IPv6", direction="egress"),
        ]
        for rule in [*egress, *(rules or [])]:
            group["security_group_rules"].append(
                {
                    "id": self.cloud.new_id(),
                    "security_group_id": group["id"],
                    "tenant_id": self.project,
                    "project_id": self.project,
                    "description": "",
                    "remote_address_group_id": None,
                    **rule,
                }
            )
        return self._add("security_groups", group)

    def port(
        self,
        network: Payload,
        address: str,
        *,
        device_id: str = "",
        device_owner: str = "",
        security_groups: list[str] | None = None,
    ) -> Payload:
        subnet = network["subnets"][0] if network["subnets"] else None
        return self._add(
            "ports",
            self._base(
                "",
                network_id=network["id"],
                device_id=device_id,
                device_owner=device_owner,
                fixed_ips=[{"subnet_id": subnet, "ip_address": address}],
                mac_address="fa:16:3e:00:00:01",
                security_groups=security_groups or [],
                status="ACTIVE" if device_id else "DOWN",
                admin_state_up=True,
                port_security_enabled=True,
                description="",
                **{"binding:vnic_type": "normal"},
            ),
        )

    def floating_ip(self, external: Payload, address: str, port: Payload | None) -> Payload:
        details = None
        if port is not None:
            details = {
                "name": port["name"],
                "network_id": port["network_id"],
                "mac_address": port["mac_address"],
                "admin_state_up": True,
                "status": "ACTIVE",
                "device_id": port["device_id"],
                "device_owner": port["device_owner"],
            }
        return self._add(
            "floatingips",
            self._base(
                None,
                floating_ip_address=address,
                floating_network_id=external["id"],
                router_id=None,
                port_id=port["id"] if port else None,
                fixed_ip_address=port["fixed_ips"][0]["ip_address"] if port else None,
                status="ACTIVE" if port else "DOWN",
                description="",
                port_details=details,
                dns_name="",
                dns_domain="",
            ),
        )

    def router(self, name: str, external: Payload | None = None) -> Payload:
        gateway = None
        if external is not None:
            gateway = {"network_id": external["id"], "enable_snat": True, "external_fixed_ips": []}
        return self._add(
            "routers",
            self._base(
                name,
                status="ACTIVE",
                admin_state_up=True,
                external_gateway_info=gateway,
                routes=[],
                description="",
            ),
        )

    # -- Nova ----------------------------------------------------------------------------

    def server(
        self,
        name: str,
        network: Payload,
        address: str,
        *,
        external: Payload | None = None,
        public_address: str | None = None,
        floating_ip: str | None = None,
        security_groups: list[Payload] | None = None,
        metadata: dict[str, str] | None = None,
        tags: list[str] | None = None,
        flavor: str = "b3-8",
        image: str | None = "7d9e6a35-5c7a-4c2e-a8a2-0f0a2a0c1b11",
        status: str = "ACTIVE",
    ) -> Payload:
        """A server with a port on `network`; `public_address` adds a NIC on the public
        (external) network `external`, `floating_ip` a floating IP on its private port."""
        server_id = self.cloud.new_id()
        groups = security_groups or []
        port = self.port(
            network,
            address,
            device_id=server_id,
            device_owner="compute:nova",
            security_groups=[g["id"] for g in groups],
        )
        addresses: dict[str, list[dict[str, Any]]] = {network["name"]: [_address(address)]}
        if floating_ip is not None and external is not None:
            self.floating_ip(external, floating_ip, port)
            addresses[network["name"]].append(_address(floating_ip, "floating"))
        if public_address is not None and external is not None:
            self.port(external, public_address, device_id=server_id, device_owner="compute:nova")
            addresses[external["name"]] = [_address(public_address)]
        server = {
            "id": server_id,
            "name": name,
            "status": status,
            "tenant_id": self.project,
            "user_id": "5f4b0c6e2f0d4e53a2bb0d6b2b7f1a10",
            "metadata": dict(metadata or {}),
            "tags": list(tags or []),
            "hostId": "c1b5a0f0e8",
            "image": {"id": image, "links": []} if image else "",
            "flavor": {
                "vcpus": 2,
                "ram": 8192,
                "disk": 50,
                "ephemeral": 0,
                "swap": 0,
                "original_name": flavor,
                "extra_specs": {},
            },
            "created": self.cloud.timestamp(),
            "updated": None,
            "addresses": addresses,
            "accessIPv4": "",
            "accessIPv6": "",
            "key_name": "ops",
            "security_groups": [{"name": g["name"]} for g in groups],
            "locked": False,
            "description": None,
            "config_drive": "",
            "progress": 0,
            "links": [],
            "OS-EXT-AZ:availability_zone": "nova",
            "OS-EXT-STS:vm_state": status.lower(),
            "OS-EXT-STS:power_state": 1,
            "OS-EXT-STS:task_state": None,
            "os-extended-volumes:volumes_attached": [],
            "OS-SRV-USG:launched_at": None,
        }
        return self._add("servers", server)

    def load_balancer(
        self, name: str, network: Payload, address: str, *, provider: str = "amphora"
    ) -> Payload:
        port = self.port(network, address, device_owner="Octavia")
        return self._add(
            "loadbalancers",
            self._base(
                name,
                description="",
                provisioning_status="ACTIVE",
                operating_status="ONLINE",
                admin_state_up=True,
                updated_at=None,
                vip_address=address,
                vip_port_id=port["id"],
                vip_subnet_id=network["subnets"][0] if network["subnets"] else None,
                vip_network_id=network["id"],
                vip_qos_policy_id=None,
                listeners=[],
                pools=[],
                provider=provider,
                flavor_id=None,
                availability_zone=None,
                additional_vips=[],
            ),
        )


def _address(addr: str, kind: str = "fixed") -> dict[str, Any]:
    return {
        "version": 6 if ":" in addr else 4,
        "addr": addr,
        "OS-EXT-IPS:type": kind,
        "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01",
    }
