"""`cloudcensus inventory diff` after a second scan of a changed estate."""

from __future__ import annotations

import json
from pathlib import Path

from cloudcensus.demo.estate import change_estate

from .workspace import Run, Workspace


def test_diff_shows_what_changed_between_the_last_two_scans(
    workspace: Workspace, first_scan: tuple[Path, Run]
) -> None:
    change_estate(workspace.endpoint, workspace.estate)
    second = workspace.run("scan", "--config", str(workspace.config), "--format", "table")
    assert second.code == 0, second.stderr
    assert "Changes since the previous scan" in second.stdout

    run = workspace.run("inventory", "diff", "--config", str(workspace.config), "--json")
    assert run.code == 0, run.stderr
    drift = json.loads(run.stdout)
    assert drift["new_scan"] > drift["old_scan"]
    assert [r["name"] for r in drift["added"]] == ["cc-demo-new"]
    assert [r["name"] for r in drift["removed"]] == ["cc-demo-scratch"]
    assert all(r["account"] == workspace.estate.production for r in drift["added"])

    table = workspace.run("inventory", "diff", "--config", str(workspace.config))
    assert table.code == 0
    assert "cc-demo-new" in table.stdout
    assert "cc-demo-scratch" in table.stdout
    same = workspace.run(
        "inventory",
        "diff",
        "--old",
        str(drift["new_scan"]),
        "--new",
        str(drift["new_scan"]),
        "--json",
    )
    assert json.loads(same.stdout)["added"] == []


def test_diff_with_an_unknown_scan_id_is_a_clear_error(
    workspace: Workspace, first_scan: tuple[Path, Run]
) -> None:
    run = workspace.run("inventory", "diff", "--old", "999", "--new", "1000")
    assert run.code == 1
    assert "no scan 999" in run.stderr
