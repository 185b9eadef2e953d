"""deploy/iam/openstack: a scan only reads, and every call it makes is documented with the
policy that authorises it and whether Keystone's `reader` role passes it.

The real OpenStackProvider scans the fake's OVHcloud-like project twice, with an
application credential and with a password (which lists the user's projects), with
S3-compatible storage read through Keystone EC2 keys, while the fake's router records
every request it serves. Every request must be a row of `deploy/iam/openstack/calls.yaml`,
every row must still be called, nothing but authentication may be other than GET or
HEAD, and no secret payload or stored object may ever be read.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudcensus.providers.openstack import OpenStackProvider
from cloudcensus.providers.openstack.fake import ALL_SERVICES, FakeOpenStack, Seeder
from cloudcensus.providers.openstack.fake import routes as fake_routes
from cloudcensus.providers.openstack.fake.estates import demo_estate
from cloudcensus.providers.openstack.fake.http import Reply, Request
from cloudcensus.providers.openstack.fake.s3 import seed_bucket
from cloudcensus.providers.openstack.fake.state import FakeCloud
from cloudcensus.providers.openstack.settings import OpenStackSettings
from tests.support.collecting import collect_into
from tests.support.moto import moto_in_thread

IAM = Path(__file__).resolve().parents[2] / "deploy" / "iam" / "openstack"
SECRET = "app-credential-secret-of-the-iam-test"
SERVICE_OF_SEGMENT = {segment: service for service, segment in ALL_SERVICES.items()}
VERSION = re.compile(r"v\d+(\.\d+)?")
READS = {"GET", "HEAD"}


@dataclass(frozen=True)
class Call:
    service: str  # service type of the catalog, or 's3'
    method: str
    path: str  # relative to the versioned endpoint; S3: with its sub-resource


def _call(request: Request) -> Call:
    if request.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256"):
        keys = "&".join(sorted(request.query))
        return Call("s3", request.method, request.path + (f"?{keys}" if keys else ""))
    parts = [p for p in request.path.split("/") if p]
    if parts[0] == "identity":
        service, rest = "identity", parts[1:]
    else:  # /<region>/<segment>/...
        service, rest = SERVICE_OF_SEGMENT[parts[1]], parts[2:]
    if rest and VERSION.fullmatch(rest[0]):
        rest = rest[1:]
    return Call(service, request.method, "/" + "/".join(rest))


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """The S3 peer behind the fake's S3 API."""
    with moto_in_thread() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def calls(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> set[Call]:
    """Every request of two scans of the demo project: application credential, password."""
    estate = demo_estate(SECRET)
    cloud, project = estate.cloud, estate.cloud.projects[estate.project]
    gra = Seeder(cloud, estate.project, "GRA11")
    gra.volume_type("classic")
    gra.volume("legacy-data", 50, encrypted=None)  # its type named, not its id or encryption
    gra.image("golden-image")
    recorded: list[Request] = []
    lock = threading.Lock()
    serve = fake_routes.route

    def recording(state: FakeCloud, request: Request) -> Reply:
        with lock:
            recorded.append(request)
        return serve(state, request)

    clouds_yaml = tmp_path_factory.mktemp("openstack") / "clouds.yaml"
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("OS_"):
                patch.delenv(name)
        patch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds_yaml))
        patch.setattr(fake_routes, "route", recording)  # the router the fake serves with
        with FakeOpenStack(cloud, s3_backend=moto_endpoint) as fake:
            credential = cloud.add_ec2_credential(estate.user, project)
            seed_bucket(fake.url, credential, "gra", "web-archive", public=True)
            recorded.clear()
            auth = {"auth_url": fake.auth_url}
            clouds = {
                "ovh-app": {
                    "auth_type": "v3applicationcredential",
                    "auth": {
                        **auth,
                        "application_credential_id": estate.credential.id,
                        "application_credential_secret": SECRET,
                    },
                },
                "ovh-password": {
                    "auth": {
                        **auth,
                        "username": estate.user.name,
                        "password": estate.user.password,
                        "user_domain_name": "Default",
                    },
                },
            }
            clouds_yaml.write_text(yaml.safe_dump({"clouds": clouds}))
            entry = {"profile": "ovhcloud", "retries": 1, "s3": {"endpoint": fake.url}}
            settings = OpenStackSettings.model_validate(
                {"clouds": [{"cloud": name, **entry} for name in clouds]}
            )
            collect_into([OpenStackProvider(settings)])
    assert recorded, "the fake recorded no request"
    return {_call(r) for r in recorded}


@dataclass(frozen=True)
class Row:
    service: str
    method: str
    path: str
    pattern: re.Pattern[str]
    entry: dict[str, Any]


def _rows() -> list[Row]:
    rows = []
    for service, entries in yaml.safe_load((IAM / "calls.yaml").read_text()).items():
        for entry in entries:
            method, path = entry["call"].split(" ", 1)
            literal = [re.escape(p) for p in re.split(r"\{\w+\}", path)]
            pattern = re.compile("[^/?]+".join(literal))
            rows.append(Row(service, method, path, pattern, entry))
    return rows


def _rows_of(call: Call, rows: list[Row]) -> list[Row]:
    return [
        r
        for r in rows
        if (r.service, r.method) == (call.service, call.method) and r.pattern.fullmatch(call.path)
    ]


def test_every_call_of_a_scan_is_documented(calls: set[Call]) -> None:
    rows = _rows()
    undocumented = sorted(
        f"{c.service}: {c.method} {c.path}" for c in calls if len(_rows_of(c, rows)) != 1
    )
    assert undocumented == [], f"add to deploy/iam/openstack/calls.yaml: {undocumented}"


def test_every_documented_call_is_still_made(calls: set[Call]) -> None:
    rows = _rows()
    stale = [
        f"{r.service}: {r.method} {r.path}"
        for r in rows
        if not any(r in _rows_of(c, rows) for c in calls)
    ]
    assert stale == [], f"no scan makes these calls any more: {stale}"


def test_a_scan_only_reads(calls: set[Call]) -> None:
    others = {c for c in calls if c.method not in READS}
    assert {(c.service, c.method, c.path) for c in others} == {("identity", "POST", "/auth/tokens")}
    [row] = [r for r in _rows() if r.method not in READS]
    assert row.entry["kind"] == "authentication"


def test_no_secret_payload_or_stored_object_is_ever_read(calls: set[Call]) -> None:
    assert not [c for c in calls if "payload" in c.path]
    secrets = {c.path for c in calls if c.service == "key-manager"}
    assert secrets <= {"/", "/secrets"}  # the listing: metadata only
    swift = [c for c in calls if c.service == "object-store"]
    assert all(c.path.count("/") <= 2 for c in swift), swift  # account and containers
    s3 = [c for c in calls if c.service == "s3"]
    assert s3, "S3 was not read"
    assert all(c.path.split("?")[0].count("/") <= 1 for c in s3), s3  # buckets, no object


def test_each_call_says_whether_the_reader_role_passes() -> None:
    for row in _rows():
        entry = row.entry
        assert entry["policy"], row.path
        assert entry["reader"] in ("allowed", "refused", "deployment"), row.path
        if entry["reader"] != "allowed":
            assert entry.get("note"), f"{row.service} {row.path}: say what happens without it"


def test_the_barbican_override_lets_a_reader_list_secrets_and_nothing_else() -> None:
    override = yaml.safe_load((IAM / "policy-overrides" / "barbican.yaml").read_text())
    [listing] = [r for r in _rows() if r.service == "key-manager" and r.path == "/secrets"]
    assert listing.entry["reader"] == "refused"
    assert override == {listing.entry["policy"]: "role:reader"}


def test_the_grant_script_gives_reader_and_a_restricted_credential() -> None:
    script = IAM / "grant.sh"
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert os.access(script, os.X_OK)
    commands = [
        line.strip()
        for line in script.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    text = "\n".join(commands)
    assert "for role in reader ${EXTRA_ROLES:-}" in text
    assert "openstack role add" in text
    assert "--role reader" in text
    assert "--unrestricted" not in text
