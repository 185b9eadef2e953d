"""Loading rules: valid packs index by type; every kind of error names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcensus.policies.loader import builtin_packs, load_rules
from cloudcensus.policies.source import RuleLoadError
from tests.policies.policy_helpers import RuleWriter


def _error(sources: list[str | Path]) -> RuleLoadError:
    with pytest.raises(RuleLoadError) as caught:
        load_rules(sources)
    return caught.value


def test_pack_loads_and_indexes_rules_by_type(write_rule: RuleWriter) -> None:
    write_rule("A-01")
    write_rule("A-02", types=["storage.bucket", "storage.volume"])
    path = write_rule(
        "A-03",
        scope="account",
        types=["logging.audit_trail"],
        assert_="resources.exists(t, t.properties.logging == true)",
        examples={
            "pass": [{"resources": [{"properties": {"logging": True}}]}],
            "fail": [{"resources": []}],
        },
    )
    ruleset = load_rules([path.parent])
    assert [r.id for r in ruleset.for_type("storage.bucket")] == ["A-01", "A-02"]
    assert [r.id for r in ruleset.for_type("storage.volume")] == ["A-02"]
    assert [r.id for r in ruleset.account_rules] == ["A-03"]
    first = ruleset.get("A-01")
    assert first is not None
    assert first.pack == "pack"


def test_single_rule_file_loads(write_rule: RuleWriter) -> None:
    path = write_rule("B-01")
    assert [r.id for r in load_rules([path])] == ["B-01"]


def test_builtin_pack_names_resolve() -> None:
    assert {"sovereignty", "baseline"} <= set(builtin_packs())
    ruleset = load_rules(["baseline"])
    assert all(rule.pack == "baseline" for rule in ruleset)


def test_yaml_syntax_error_names_file_and_line(write_rule: RuleWriter) -> None:
    path = write_rule("C-01", text="id: C-01\nversion: 1\ntitle: [unclosed\nseverity: high\n")
    error = _error([path])
    assert f"{path}:" in str(error)
    assert "YAML syntax" in str(error)
    assert error.issues[0].line in (3, 4, 5)


def test_unknown_field_names_its_line(write_rule: RuleWriter) -> None:
    path = write_rule("C-02", severty="high")
    error = _error([path])
    line = path.read_text().splitlines().index("severty: high") + 1
    assert f"{path}:{line}: unknown field 'severty'" in str(error)


def test_missing_field_is_an_error(write_rule: RuleWriter) -> None:
    path = write_rule("C-03", assert_=None)
    assert "missing field 'assert'" in str(_error([path]))


@pytest.mark.parametrize("field", ["where", "assert"])
def test_cel_syntax_error_names_the_field_line(write_rule: RuleWriter, field: str) -> None:
    path = write_rule(
        "C-04", **{"assert_" if field == "assert" else field: "resource.properties.public =="}
    )
    error = _error([path])
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith(f"{field}:")
    )
    assert f"{path}:{line}: {field}: CEL" in str(error)
    assert "^" in str(error)  # the compiler's caret is kept


def test_unknown_type_names_the_list_item_line(write_rule: RuleWriter) -> None:
    path = write_rule("C-05", types=["storage.bucket", "storage.buckett"])
    error = _error([path])
    line = path.read_text().splitlines().index("- storage.buckett") + 1
    assert f"{path}:{line}: unknown type 'storage.buckett'" in str(error)


def test_id_must_equal_file_name(write_rule: RuleWriter) -> None:
    path = write_rule("C-06", id="C-07")
    assert f"{path}:1: id 'C-07' differs from file name" in str(_error([path]))


def test_duplicate_id_across_sources(write_rule: RuleWriter) -> None:
    first = write_rule("D-01", pack="one")
    second = write_rule("D-01", pack="two")
    error = _error([first.parent, second.parent])
    assert f"{second}:1: duplicate rule id 'D-01', first defined in {first}" in str(error)


def test_undeclared_parameter_is_an_error(write_rule: RuleWriter) -> None:
    path = write_rule("E-01", assert_="resource.location.country in params.countries")
    assert "uses undeclared parameter 'countries'" in str(_error([path]))


def test_example_with_unknown_or_mistyped_param(write_rule: RuleWriter) -> None:
    path = write_rule(
        "E-02",
        params={"ports": {"default": [22]}},
        assert_="!(22 in params.ports) || resource.properties.public == false",
        examples={
            "pass": [{"params": {"ports": ["22"]}, "properties": {"public": False}}],
            "fail": [{"params": {"portz": [1]}, "properties": {"public": True}}],
        },
    )
    text = str(_error([path]))
    assert "params.ports: expected a list of int" in text
    assert "rule has no parameter 'portz'" in text


def test_invalid_example_resource_names_its_line(write_rule: RuleWriter) -> None:
    path = write_rule(
        "E-03", examples={"pass": [{"tags": {"owner": 5}}], "fail": [{"properties": {}}]}
    )
    error = _error([path])
    assert "example examples.pass.0.tags.owner" in str(error)
    assert error.issues[0].line > 1


def test_all_errors_of_all_files_are_reported_at_once(write_rule: RuleWriter) -> None:
    write_rule("F-01", severty="high")
    path = write_rule("F-02", types=["nope"])
    error = _error([path.parent])
    assert {Path(issue.file).name for issue in error.issues} == {"F-01.yaml", "F-02.yaml"}


def test_unknown_source_is_an_error() -> None:
    assert "no such pack or file" in str(_error(["not-a-pack"]))


def test_duplicate_yaml_key_is_an_error(write_rule: RuleWriter) -> None:
    path = write_rule("G-01", text="id: G-01\nid: G-01\n")
    assert f"{path}:2: duplicate key 'id'" in str(_error([path]))
