"""`cloudcensus demo`'s GCP organisation: scanned twice, with a change in between.

What a user of the demo depends on: the GCP cloud starts on loopback with no real
credentials, its configuration section is valid as is, the scan finds compliant and
violating resources in both projects, and its change shows as drift and as findings
that are no longer failing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloudcensus.demo.clouds import DemoCloud
from cloudcensus.demo.gcpcloud import GcpDemoCloud
from cloudcensus.providers.gcp import GcpProvider
from cloudcensus.providers.gcp.settings import GcpSettings
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.pipeline import Policy, run_scan
from cloudcensus.scanner.store import ScanStatus, Store, diff

FIRST = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PUBLIC_BUCKET = "//storage.googleapis.com/demo-web-assets"
SSH = "//compute.googleapis.com/projects/demo-web/global/firewalls/allow-ssh"
WEB_2 = "//compute.googleapis.com/projects/demo-web/zones/europe-west1-d/instances/web-2"


def _failing(store: Store, scan: int) -> set[tuple[str, str]]:
    return {(f.rule_id, f.resource_id) for f in store.findings(scan) if f.status.value == "fail"}


def test_the_demo_organisation_scans_and_drifts(tmp_path: Path, policy: Policy) -> None:
    cloud: DemoCloud = GcpDemoCloud()
    with cloud:
        assert cloud.environment() == {}
        assert "GCP organisation (2 projects) on http://127.0.0.1:" in cloud.description
        settings = AgentSettings(
            state_dir=tmp_path,
            workers=4,
            providers={cloud.provider: dict(cloud.provider_settings())},
        )
        section = settings.providers["gcp"]
        assert isinstance(section, GcpSettings)
        with Store.open(tmp_path / "cloudcensus.sqlite") as store:
            first = run_scan(settings, [GcpProvider(section)], store, policy, FIRST)
            cloud.change()
            later = FIRST + timedelta(hours=1)
            second = run_scan(settings, [GcpProvider(section)], store, policy, later)
            drift = diff(store, first.scan_id, second.scan_id)
            before, after = _failing(store, first.scan_id), _failing(store, second.scan_id)
            accounts = {r.account for r in store.resources(first.scan_id)}
    assert first.status is ScanStatus.COMPLETE
    assert second.status is ScanStatus.COMPLETE
    assert accounts == {"demo-finance", "demo-web"}
    assert ("BASE-EXP-01", PUBLIC_BUCKET) in before
    assert ("BASE-EXP-01", PUBLIC_BUCKET) not in after
    assert ("BASE-EXP-02", SSH) in before
    assert ("BASE-EXP-05", WEB_2) in after
    assert ("SOV-GRD-01", "//cloudresourcemanager.googleapis.com/projects/410000000002") in after
    assert (
        "SOV-GRD-01",
        "//cloudresourcemanager.googleapis.com/projects/410000000001",
    ) not in after
    assert [ref.id for ref in drift.added] == [WEB_2]
    assert [ref.id for ref in drift.removed] == [SSH]
    assert PUBLIC_BUCKET in {change.resource.id for change in drift.changed}
