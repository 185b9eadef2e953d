"""The pages over plain HTTP: security headers, escaping, scoping, exports, errors."""

from __future__ import annotations

import csv
import io
import json

import httpx

from tests.registry.browser.estate import HOSTILE, Estate
from tests.registry.browser.web_client import web_client
from tests.registry.server import Registry


def test_security_headers_on_pages_static_and_errors(registry: Registry, estate: Estate) -> None:
    with web_client(registry, estate.a.tenant.reader) as client:
        answers = [client.get(path) for path in ("/", "/static/web.css", "/institutions/nope")]
        answers.append(httpx.get(f"{registry.url}/login"))
    assert [a.status_code for a in answers] == [200, 200, 404, 200]
    for answer in answers:
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "script-src" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
    assert answers[0].headers["cache-control"] == "no-store"
    assert answers[1].headers["content-type"].startswith("text/css")


def test_hostile_text_is_escaped(registry: Registry, estate: Estate) -> None:
    uid = estate.a.uids["arn:a:hostile"]
    with web_client(registry, estate.a.tenant.reader) as client:
        pages = [
            client.get("/findings", params={"institution": estate.a.name}),
            client.get(f"/institutions/{estate.a.name}/findings/{uid}"),
            client.get("/findings", params={"text": "<script>alert(2)</script>"}),
        ]
    for page in pages:
        assert page.status_code == 200
        assert "<script" not in page.text.lower()
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;b&gt;not bold&lt;/b&gt; &amp; done" in (
        pages[0].text
    )
    assert HOSTILE not in pages[1].text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in pages[2].text


def test_a_reader_of_a_sees_nothing_of_b_on_any_page(registry: Registry, estate: Estate) -> None:
    a, b = estate.a, estate.b
    secret_uid = b.uids["arn:b:secret-bucket"]
    with web_client(registry, a.tenant.reader) as client:
        hidden = [
            f"/institutions/{b.name}",
            f"/institutions/{b.name}/findings/{secret_uid}",
            f"/institutions/{a.name}/findings/{secret_uid}",
            f"/findings?institution={b.name}",
            f"/exports/findings.csv?institution={b.name}",
            f"/exports/findings.ocsf.jsonl?institution={b.name}",
            f"/explanations/expiring?institution={b.name}",
        ]
        for path in hidden:
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert "secret-bucket" not in answer.text
        visible = ["/", "/findings", "/rules/BASE-ENC-01", "/explanations/expiring?days=3650",
                   "/exports/findings.csv", "/exports/findings.ocsf.jsonl"]  # fmt: skip
        for path in visible:
            answer = client.get(path)
            assert answer.status_code == 200, path
            assert b.name not in answer.text, path
            assert "secret-bucket" not in answer.text, path
            assert "EXP-B" not in answer.text, path
        assert a.name in client.get("/").text


def test_csv_export_with_the_session_streams_the_filtered_rows(
    registry: Registry, estate: Estate
) -> None:
    a = estate.a
    with web_client(registry, estate.all_reader) as client:
        answer = client.get(
            "/exports/findings.csv", params={"institution": a.name, "status": "fail"}
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert "attachment" in answer.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        empty = {"institution": a.name, "text": "", "provider": ""}  # empty fields: no filter
        ocsf = client.get("/exports/findings.ocsf.jsonl", params={**empty, "status": "fail"})
    expected = sorted(r for r, status in a.open.items() if status == "fail")
    assert sorted(row["resource_id"] for row in rows) == expected
    assert {row["institution"] for row in rows} == {a.name}
    events = [json.loads(line) for line in ocsf.text.splitlines()]
    assert sorted(e["resources"][0]["uid"] for e in events) == expected


def test_bad_filters_and_cursors_are_error_pages(registry: Registry, estate: Estate) -> None:
    with web_client(registry, estate.a.tenant.reader) as client:
        invalid = [
            "/findings?status=bogus",
            "/findings?cursor=%%%",
            "/findings?first_seen_after=yesterday",
            "/explanations/expiring?days=-1",
        ]
        for path in invalid:
            answer = client.get(path)
            assert answer.status_code == 422, path
            assert answer.headers["content-type"].startswith("text/html")
            assert "Invalid request" in answer.text
        unknown = client.get("/rules/NO-SUCH-RULE")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("text/html")


def test_the_api_is_unchanged_by_the_pages(registry: Registry, estate: Estate) -> None:
    with httpx.Client(base_url=registry.url) as anonymous:
        answer = anonymous.get("/api/v1/findings")
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/json"
        assert "content-security-policy" not in answer.headers
    spec = httpx.get(f"{registry.url}/openapi.json").json()
    assert not [path for path in spec["paths"] if not path.startswith(("/api/v1", "/healthz",
                                                                       "/readyz"))]  # fmt: skip
