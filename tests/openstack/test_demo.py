"""`cloudcensus demo`'s OVHcloud project: the demo cloud starts the fake, points the agent
at it the way a user points it at a real cloud (clouds.yaml, application credential),
and its change between the two scans shows as drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cloudcensus.demo.clouds import DemoCloud
from cloudcensus.demo.openstackcloud import OpenStackDemoCloud
from cloudcensus.scanner.config import AgentSettings
from cloudcensus.scanner.pipeline import build_providers, load_policy, run_scan
from cloudcensus.scanner.store import ScanStatus, Store

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_the_demo_project_scans_flags_and_drifts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo: DemoCloud = OpenStackDemoCloud()
    with demo:
        assert demo.provider == "openstack"
        assert set(demo.environment()) == {"OS_CLIENT_CONFIG_FILE"}  # no secret in the env
        for name, value in demo.environment().items():
            monkeypatch.setenv(name, value)
        clouds_yaml = Path(demo.environment()["OS_CLIENT_CONFIG_FILE"])
        assert oct(clouds_yaml.stat().st_mode & 0o777) == "0o600"
        # The demo's fake has no S3 behind it: its OVHcloud profile would read OVHcloud's
        # S3 Object Storage and find no keys (a gap). Until the demo's settings say so
        # themselves, this scan reads the Swift view only, as the demo shows it.
        section = dict(demo.provider_settings())
        section["clouds"] = [{"s3": {"enabled": False}, **c} for c in section["clouds"]]
        settings = AgentSettings(state_dir=tmp_path, workers=6, providers={"openstack": section})
        policy = load_policy(settings, NOW.date())
        with Store.open(tmp_path / "cloudcensus.sqlite") as store:
            first = run_scan(settings, build_providers(settings), store, policy, NOW)
            demo.change()
            later = NOW + timedelta(hours=1)
            second = run_scan(settings, build_providers(settings), store, policy, later)
            failing = {
                (f.rule_id, f.resource_name)
                for f in store.findings(second.scan_id)
                if f.status.value == "fail"
            }
    assert not clouds_yaml.exists()  # the demo leaves nothing behind
    assert (first.status, second.status) == (ScanStatus.COMPLETE, ScanStatus.COMPLETE)
    assert {
        ("SOV-RES-01", "archive-ca"),  # sensitive data in Beauharnois, Canada
        ("BASE-EXP-02", "admin"),  # SSH (and now RDP) from anywhere
        ("BASE-EXP-01", "assets"),  # Swift read ACL .r:*
        ("BASE-EXP-05", "web-1"),
    } <= failing
    assert ("SOV-JUR-01", "db-data") not in failing  # OVH SAS: French law
    assert second.drift is not None
    added = {(r.type, r.name) for r in second.drift.added}
    assert added == {("compute.instance", "batch-1"), ("network.interface", None)}  # + its port
    assert [r.name for r in second.drift.removed] == ["web-cache"]
    changed = {c.resource.name: {f.path for f in c.fields} for c in second.drift.changed}
    assert "properties.ingress" in changed["admin"]
