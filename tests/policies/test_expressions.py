"""Field-path extraction and parameter inlining, which evidence and projections rely on."""

from __future__ import annotations

import cel

from cloudcensus.policies.expressions import field_paths, inline_params, tag_keys

_ROOTS = ("resource", "params")


def test_paths_follow_fields_and_literal_indexes_only() -> None:
    source = (
        'resource.tags["cost-centre"] != "resource.properties.fake" '
        "&& resource.properties.ingress.exists(r, r.from_port in params.ports) "
        "&& resource.tags[params.key] == 'x' && has(resource.location.country)"
    )
    texts = [path.text for path in field_paths(source, _ROOTS)]
    assert texts == [
        'resource.tags["cost-centre"]',
        "resource.properties.ingress",  # stops at the macro call
        "params.ports",
        "resource.tags",  # computed index: the whole map
        "params.key",
        "resource.location.country",
    ]


def test_a_field_named_like_a_root_is_not_a_root() -> None:
    assert field_paths("x.resource.a == 1", _ROOTS) == []


def test_inlined_params_evaluate_like_a_variable() -> None:
    source = 'resource.port in params.ports && params.name == "a\\"b" && has(params.name)'
    params = {"ports": [22, 3389], "name": 'a"b'}
    inlined = inline_params(source, params)
    assert "params" not in inlined
    context = {"resource": {"port": 22}}
    assert cel.compile(inlined).execute(context) is True
    assert cel.compile(source).execute({**context, "params": params}) is True


def test_tag_keys_known_only_when_every_use_names_its_key() -> None:
    params = {"required": ["owner", "cost-centre"], "tag": "data-classification"}
    narrow = inline_params(
        'params.required.all(k, k in resource.tags && resource.tags[k] != "") '
        "&& (!(params.tag in resource.tags) || resource.tags[params.tag] != 'x')",
        params,
    )
    assert tag_keys(narrow) == frozenset({"owner", "cost-centre", "data-classification"})
    assert tag_keys("resource.tags.size() > 1") is None
    assert tag_keys("resource.properties.keys.exists(k, k in resource.tags)") is None
    assert tag_keys('resource.name + "-x" in resource.tags') is None
    assert tag_keys("resource.properties.public") == frozenset()
