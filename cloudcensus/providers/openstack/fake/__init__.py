"""The project's own fake OpenStack: Keystone v3 + Nova, Neutron, Cinder, Swift, Octavia,
Barbican, Glance, Designate, Heat, Manila, Magnum and Trove on a loopback port, and an S3
API in front of a moto server.

No maintained emulator speaks Keystone v3, so the project keeps this one. It is product
code, not a test helper: `cloudcensus demo` serves an OVHcloud-like project from it, the
benchmark serves 10,000 servers from it, and the tests point the real provider (through
openstacksdk) at it, with paging, faults and throttling armed per test.
"""

from cloudcensus.providers.openstack.fake.http import FakeOpenStack
from cloudcensus.providers.openstack.fake.s3 import moto_account, seed_bucket
from cloudcensus.providers.openstack.fake.seed import Seeder, ingress
from cloudcensus.providers.openstack.fake.state import (
    ALL_SERVICES,
    AppCredential,
    Ec2Credential,
    FakeCloud,
    Fault,
    Project,
    User,
)

__all__ = [
    "ALL_SERVICES",
    "AppCredential",
    "Ec2Credential",
    "FakeCloud",
    "FakeOpenStack",
    "Fault",
    "Project",
    "Seeder",
    "User",
    "ingress",
    "moto_account",
    "seed_bucket",
]
