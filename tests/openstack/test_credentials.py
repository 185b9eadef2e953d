"""Credentials as every OpenStack tool takes them (clouds.yaml, application credentials,
OS_* variables), the errors a user gets when they are wrong, and the secrets that must
never show up in logs, coverage messages or the inventory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cloudcensus.providers.openstack import keymanager
from cloudcensus.providers.openstack.fake import FakeOpenStack
from cloudcensus.scanner.coverage import ANY, ErrorKind
from tests.openstack.conftest import Scan, password_cloud
from tests.openstack.estate import PASSWORD, TestEstate

Clouds = Callable[[dict[str, Any]], Path]
APP_SECRET = "app-cred-SECRET-5f1d2e7a9c"


def _app_credential_cloud(fake: FakeOpenStack, estate: TestEstate) -> dict[str, Any]:
    credential = estate.cloud.add_app_credential(estate.user, estate.data, APP_SECRET)
    return {
        "auth_type": "v3applicationcredential",
        "auth": {
            "auth_url": fake.auth_url,
            "application_credential_id": credential.id,
            "application_credential_secret": APP_SECRET,
        },
    }


def test_an_application_credential_scans_its_own_project_only(
    scan: Scan, fake: FakeOpenStack, estate: TestEstate, write_clouds: Clouds
) -> None:
    write_clouds({"ovh-app": _app_credential_cloud(fake, estate)})
    got = scan([{"cloud": "ovh-app", "profile": "ovhcloud"}], collectors=keymanager.COLLECTORS)
    assert {e.account for e in got.coverage} == {estate.data.id}
    assert not got.gaps
    assert estate.cloud.request_count("identity", "/auth/projects") == 0


def test_os_environment_variables_work_like_the_openstack_cli(
    scan: Scan, fake: FakeOpenStack, estate: TestEstate, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {
        "OS_AUTH_URL": fake.auth_url,
        "OS_USERNAME": "cloudcensus-reader",
        "OS_PASSWORD": PASSWORD,
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_NAME": "web",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_REGION_NAME": "GRA11",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    got = scan([{"profile": "ovhcloud", "projects": ["web", "data"]}], keymanager.COLLECTORS)
    assert not got.gaps
    assert {(e.account, e.region) for e in got.coverage} == {
        (estate.web.id, "GRA11"),
        (estate.web.id, "BHS5"),  # every region of the catalog, not just OS_REGION_NAME
        (estate.data.id, "GRA11"),
        (estate.data.id, "BHS5"),
    }
    assert got.of_type("security.secret")[0].id.startswith("openstack:env:")


def test_a_cloud_missing_from_clouds_yaml_is_named_and_the_others_are_scanned(
    scan: Scan, ovh_cloud: str, tmp_path: Path
) -> None:
    clouds = [
        {"cloud": "typo", "profile": "ovhcloud"},
        {"cloud": ovh_cloud, "profile": "ovhcloud", "projects": ["data"]},
    ]
    got = scan(clouds, collectors=keymanager.COLLECTORS)
    [gap] = got.gaps
    assert (gap.account, gap.region, gap.collector) == ("typo", ANY, ANY)
    assert "typo" in (gap.message or "")
    assert str(tmp_path / "clouds.yaml") in (gap.message or "")
    assert {e.region for e in got.coverage if e.account != "typo"} == {"GRA11", "BHS5"}


def test_a_cloud_without_an_auth_url_says_which_setting_is_missing(
    scan: Scan, write_clouds: Clouds
) -> None:
    write_clouds({"broken": {"auth": {"username": "u", "password": PASSWORD}}})
    [gap] = scan([{"cloud": "broken", "profile": "generic", "jurisdiction": _BE}]).gaps
    assert "missing auth setting(s): auth_url" in (gap.message or "")
    assert "broken" in (gap.message or "")


_BE = {
    "operator": "Smals",
    "country": "BE",
    "legal_seat": "BE",
    "parent_country": "BE",
    "non_eu_law": False,
}


def test_wrong_credentials_are_access_denied_without_echoing_the_password(
    scan: Scan, fake: FakeOpenStack, write_clouds: Clouds
) -> None:
    wrong = "wrong-" + PASSWORD
    write_clouds({"ovh": password_cloud(fake, auth={"password": wrong})})
    [gap] = scan([{"cloud": "ovh", "profile": "ovhcloud"}]).gaps
    assert (gap.account, gap.error_kind) == ("ovh", ErrorKind.ACCESS_DENIED)
    assert "401" in (gap.message or "")
    assert wrong not in (gap.message or "")


def test_projects_the_credentials_cannot_reach_are_gaps(
    scan: Scan, ovh_cloud: str, estate: TestEstate
) -> None:
    estate.cloud.unscopable.add(estate.data.id)  # listed, but no role: scoping answers 401
    got = scan(
        [{"cloud": ovh_cloud, "profile": "ovhcloud", "projects": ["data", "ghost", "web"]}],
        collectors=keymanager.COLLECTORS,
    )
    gaps = {e.account: e for e in got.gaps}
    assert set(gaps) == {estate.data.id, "ghost"}
    assert {g.error_kind for g in gaps.values()} == {ErrorKind.ACCESS_DENIED}
    assert "project data" in (gaps[estate.data.id].message or "")
    assert "'ghost' is not among the projects" in (gaps["ghost"].message or "")
    assert {e.account for e in got.coverage if e.status == "complete"} == {estate.web.id}


def test_no_secret_or_token_in_logs_coverage_or_inventory(
    scan: Scan,
    fake: FakeOpenStack,
    estate: TestEstate,
    write_clouds: Clouds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_clouds({"ovh": password_cloud(fake), "ovh-app": _app_credential_cloud(fake, estate)})
    clouds = [
        {"cloud": "ovh", "profile": "ovhcloud"},
        {"cloud": "ovh-app", "profile": "ovhcloud"},
    ]
    # keystoneauth at DEBUG even when an earlier test's setup_logging quietened it.
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="keystoneauth"):
        got = scan(clouds)
    assert got.gaps  # the denied project: errors were logged and recorded too
    assert "auth/tokens" in caplog.text  # keystoneauth's request log was captured
    tokens = list(estate.cloud.tokens)
    assert tokens
    texts = {
        "logs": caplog.text,
        "coverage": " ".join(e.model_dump_json() for e in got.coverage),
        "inventory": " ".join(r.model_dump_json() for r in got.resources),
    }
    for where, text in texts.items():
        for secret in (PASSWORD, APP_SECRET, *tokens):
            assert secret not in text, f"a secret in the {where}"
