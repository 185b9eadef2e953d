"""Replays every OpenStack collector's recorded payloads through its `normalise`.

Fixture format (tests/openstack/fixtures/<collector name>.yaml):

    context: {cloud: ovh, project: <id>, region: GRA11, regions: [BHS5, GRA11],
              profile: ovhcloud, project_name: web}
    cases:
      - name: what the case shows
        raw: <one payload exactly as the collector's fetch yields it: the API's JSON,
              plus what fetch adds under `cloudcensus`>
        expected: <the Resource, model_dump(mode="json") without `raw`; null when
                   normalise must return None (another project's item)>

The payloads follow the documented response bodies (Nova 2.47+ and 2.1, Neutron, Cinder
3.x, Swift HEAD headers, Octavia v2, Barbican v1, Glance v2, Keystone v3, Designate v2,
Heat, Manila v2, Magnum, Trove).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.providers.openstack.collectors import ALL_COLLECTORS
from cloudcensus.providers.openstack.profiles import cloud_profile
from cloudcensus.providers.openstack.settings import CloudSettings
from cloudcensus.providers.openstack.spec import OpenStackCollector, OpenStackContext
from tests.support.fixtures import as_expected, recorded_cases

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture(collector: OpenStackCollector) -> Path:
    return FIXTURES / f"{collector.name}.yaml"


def _cases() -> list[Any]:
    return recorded_cases(ALL_COLLECTORS, lambda collector: collector.name, FIXTURES)


def _context(context: dict[str, Any]) -> OpenStackContext:
    settings = CloudSettings(cloud=context["cloud"], profile=context["profile"])
    return OpenStackContext(
        cloud=context["cloud"],
        project=str(context["project"]),
        region=context["region"],
        regions=tuple(context["regions"]),
        profile=cloud_profile(settings),
        project_name=context.get("project_name"),
    )


@pytest.mark.parametrize(("collector", "context", "case"), _cases())
def test_collector_normalises_its_recorded_payload(
    collector: OpenStackCollector, context: dict[str, Any], case: dict[str, Any]
) -> None:
    resource = as_expected(collector.normalise(case["raw"], _context(context)), case["expected"])
    if resource is not None:
        assert resource.native_type in collector.native_types
        assert resource.raw == case["raw"]


@pytest.mark.parametrize("collector", ALL_COLLECTORS, ids=lambda c: c.name)
def test_every_collector_has_a_fixture(collector: OpenStackCollector) -> None:
    path = _fixture(collector)
    assert path.exists(), f"add {path.relative_to(FIXTURES.parent)} with recorded payloads"
    cases = yaml.safe_load(path.read_text())["cases"]
    assert any(case["expected"] is not None for case in cases)


def test_the_inventory_types_and_their_properties_are_the_documented_ones() -> None:
    """Each modelled type carries exactly the properties docs/inventory.md lists."""
    documented = {
        "compute.instance": {
            "state",
            "instance_type",
            "image",
            "public_ips",
            "public",
            "security_groups",
            "network",
        },
        "storage.volume": {
            "encrypted",
            "key_id",
            "key_management",
            "size_gb",
            "state",
            "attached_to",
        },
        "storage.snapshot": {"encrypted", "key_id", "key_management", "public", "source_volume"},
        "storage.backup": {"encrypted", "key_id", "key_management", "source_volume", "state"},
        "network.network": {"cidr_blocks", "default"},
        "network.subnet": {"cidr", "network", "ip_version"},
        "network.router": {"external_gateway", "external_network"},
        "network.interface": {"network", "addresses", "attached_to", "security_groups"},
        "network.security_group": {"ingress", "egress", "network", "attached"},
        "network.public_ip": {"address", "attached_to"},
        "network.load_balancer": {"public", "scheme", "kind", "security_groups"},
        "security.secret": {"state", "expires", "key_management"},
        "container.cluster": {
            "version",
            "public_endpoint",
            "public_access_cidrs",
            "secrets_encrypted",
            "key_id",
        },
        "database.instance": {
            "engine",
            "engine_version",
            "public",
            "encrypted",
            "key_id",
            "key_management",
            "backup_retention_days",
            "backup_enabled",
            "multi_az",
            "replicas",
        },
        "storage.bucket": {
            "public",
            "public_via",
            "public_access_block",
            "account_public_access_block",
            "public_access_blocked",
            "encrypted",
            "key_id",
            "key_management",
            "encryption_algorithm",
            "versioning",
            "replicas",
        },
        "account": {
            "password_policy",
            "root_mfa",
            "public_access_block",
            "region_guardrail",
            "region_guardrail_readable",
            "regions",
            "organization_id",
        },
        "other": set(),
    }
    seen: dict[str, set[str]] = {}
    for collector, context, case in (p.values for p in _cases()):
        if case["expected"] is not None:
            resource = collector.normalise(case["raw"], _context(context))
            assert resource is not None
            seen.setdefault(resource.type, set()).update(resource.properties)
    assert seen == documented
