"""OpenStack clouds (OVHcloud, Open Telekom Cloud, Infomaniak, Cleura, any other), through
openstacksdk: clouds.yaml / OS_* credentials, every project and region, raw JSON pages."""

from cloudcensus.providers.openstack.provider import OpenStackProvider

__all__ = ["OpenStackProvider"]
