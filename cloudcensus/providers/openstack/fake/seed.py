"""Seeding the fake OpenStack with payloads shaped like the real APIs' answers.

A `Seeder` is bound to one project and region and writes what those APIs would list:
a server comes with its Neutron port (and floating IP), a network with its subnet, a
volume with its attachment. Fields follow the documented response bodies of Nova
(microversion 2.47+), Neutron, Cinder v3, Swift, Octavia v2, Barbican v1, Glance v2,
Designate v2, Heat, Manila v2, Magnum and Trove,
so the provider is tested against the shapes it meets in a real cloud.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudcensus.providers.openstack.fake.seednet import NetworkSeeding, ingress
from cloudcensus.providers.openstack.fake.seedservices import ServiceSeeding
from cloudcensus.providers.openstack.fake.seedstore import StorageSeeding

__all__ = ["Seeder", "ingress"]


@dataclass
class Seeder(NetworkSeeding, StorageSeeding, ServiceSeeding):
    """Every seeding method, for one project in one region."""
