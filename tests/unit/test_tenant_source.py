"""Tenant manifests read under limits (module_utils/tenant_source.py): what a hostile file cannot do."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import tenant_source
from ansible_collections.rustfs.operator.plugins.module_utils.tenant_source import (
    MAX_BYTES,
    Located,
    ManifestError,
    is_list,
    load_documents,
    load_located,
    load_tenants,
    locate,
    located_tenants,
    set_namespace,
    unknown_field_messages,
)

TENANT = "apiVersion: rustfs.com/v1alpha1\nkind: Tenant\nmetadata: {name: t}\n"


def bomb(levels: int, fan: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * fan) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_only_tenant_documents_are_kept_in_order() -> None:
    text = "kind: Namespace\n---\n" + TENANT + "---\n- a list\n---\n" + TENANT.replace("name: t", "name: u")
    assert [t["metadata"]["name"] for t in load_tenants(text)] == ["t", "u"]


def test_a_billion_laughs_is_refused_without_being_expanded() -> None:
    with pytest.raises(ManifestError, match="expands to more than 100000 values through its aliases"):
        load_tenants(TENANT + bomb(9))


def test_a_few_aliases_are_fine() -> None:
    text = TENANT + "x-defaults: &d {a: 1}\nspec: {p: *d, q: *d}\n"
    assert load_tenants(text)[0]["spec"] == {"p": {"a": 1}, "q": {"a": 1}}


def test_the_limit_counts_expanded_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenant_source, "MAX_NODES", 50)
    load_tenants(TENANT + bomb(1, fan=10))  # 12 values
    with pytest.raises(ManifestError, match="more than 50 values"):
        load_tenants(TENANT + bomb(2, fan=10))  # 1 + 12 + 1 + 11 x 10


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(ManifestError, match=r"^t\.yaml:4:7: an alias refers to the node that contains it"):
        load_tenants(TENANT + "spec: &s {self: *s}\n", "t.yaml")


def test_deep_nesting_is_refused_before_parsing_into_objects() -> None:
    with pytest.raises(ManifestError, match="nested deeper than 64 levels"):
        load_tenants("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ManifestError, match="nested deeper than 64 levels"):
        load_tenants("{" + '"a":[' * 5000 + "]" * 5000 + "}")


def test_size_is_checked_before_parsing() -> None:
    with pytest.raises(ManifestError, match=f"more than the {MAX_BYTES} a Tenant manifest may have"):
        load_tenants("#" * (MAX_BYTES + 1))


def test_bytes_must_be_utf8() -> None:
    with pytest.raises(ManifestError, match=r"not UTF-8 text \(byte 1\)"):
        load_tenants(b"k\xff: v")


def test_invalid_yaml_names_the_source_and_line() -> None:
    expected = r"^tenant.yaml:3:1: not valid YAML: did not find expected node content \(while parsing a flow node\)$"
    with pytest.raises(ManifestError, match=expected):
        load_tenants("kind: Tenant\nspec: [\n", "tenant.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Found while scanning, parsing and composing, and when constructing a value.
        ("kind: Tenant\n\tspec: 1\n", "t.yaml:2:1: not valid YAML: found a tab character that violates indentation"),
        ("a: b: c\n", "t.yaml:1:5: not valid YAML: mapping values are not allowed in this context"),
        ("a: *x\n", "t.yaml:1:4: not valid YAML: found undefined alias"),
        ("a: !!python/object x\n", "t.yaml:1:4: not valid YAML: could not determine a constructor for the tag"),
        # A character YAML does not allow: PyYAML says `in "<unicode string>", position 9` here.
        ("kind: x\nb: \x01\n", "t.yaml:2:4: not valid YAML: unacceptable character #x0001: control characters are not"),
    ],
)
def test_every_yaml_error_is_path_line_column(text: str, expected: str) -> None:
    with pytest.raises(ManifestError) as raised:
        load_tenants(text, "t.yaml")
    assert str(raised.value).startswith(expected)
    assert "<unicode string>" not in str(raised.value)


def test_a_yaml_error_without_a_place_still_names_the_source_not_pyyaml_s_placeholder() -> None:
    error = tenant_source.yaml.YAMLError('something odd\n  in "<unicode string>"')
    assert tenant_source._yaml_problem(error, "", "t.yaml") == "t.yaml: not valid YAML: something odd in t.yaml"


def test_too_deep_nesting_names_path_line_and_column(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenant_source, "MAX_DEPTH", 2)
    with pytest.raises(ManifestError, match=r"^t.yaml:3:5: nested deeper than 2 levels$"):
        load_tenants("a:\n  b:\n    c: {d: 1}\n", "t.yaml")


def test_timestamps_stay_strings_as_the_api_reads_them() -> None:
    tenant = load_tenants(TENANT + "spec: {when: 2024-01-01, at: 2024-01-01T10:00:00Z}\n")[0]
    assert tenant["spec"] == {"when": "2024-01-01", "at": "2024-01-01T10:00:00Z"}


def test_json_keeps_every_escape() -> None:
    value = "\u00e9\u2028\U0001f600 \\u0041 {{ x }}"
    text = json.dumps({"kind": "Tenant", "metadata": {"name": "t"}, "spec": {"v": value}}, ensure_ascii=True)
    assert load_tenants(text)[0]["spec"]["v"] == value


def test_a_json_list_is_a_list_of_documents() -> None:
    text = json.dumps([{"kind": "Tenant", "metadata": {"name": n}} for n in ("a", "b")] + [{"kind": "Secret"}])
    assert [t["metadata"]["name"] for t in load_tenants(text)] == ["a", "b"]


def test_too_many_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenant_source, "MAX_DOCUMENTS", 3)
    with pytest.raises(ManifestError, match="more than 3 YAML documents"):
        list(load_documents("---\na: 1\n" * 4))
    with pytest.raises(ManifestError, match="more than 3 documents"):
        load_tenants(json.dumps([{}] * 4))


LIST = """\
# kubectl get tenants -o yaml
apiVersion: v1
kind: List
items:
- apiVersion: rustfs.com/v1alpha1
  kind: Tenant
  metadata: {name: a}
- kind: Secret
- apiVersion: v1
  kind: TenantList
  items:
  - kind: Tenant
    metadata: {name: b}
metadata: {resourceVersion: ""}
---
kind: Tenant
metadata: {name: c}
"""


def test_a_list_stands_for_its_items_with_their_lines() -> None:
    assert [(t.where, t.document["metadata"]["name"]) for t in located_tenants(LIST, "t.yaml")] == [
        ("t.yaml:5: document 1, items[0]", "a"),
        ("t.yaml:12: document 1, items[2].items[0]", "b"),
        ("t.yaml:16: document 2", "c"),
    ]
    assert [t["metadata"]["name"] for t in load_tenants(LIST)] == ["a", "b", "c"]
    # As written, for callers that want the documents themselves.
    assert [d["kind"] for d in load_documents(LIST)] == ["List", "Tenant"]
    assert [located.where for located in load_located(LIST, "t.yaml")][1] == "t.yaml:8: document 1, items[1]"


def test_a_json_list_and_a_json_array_of_documents_have_no_lines() -> None:
    items = [{"kind": "Tenant", "metadata": {"name": n}} for n in ("a", "b")]
    text = json.dumps([{"kind": "Namespace"}, {"apiVersion": "v1", "kind": "List", "items": items}])
    assert [t.where for t in located_tenants(text, "t.json")] == [
        "t.json: document 2, items[0]",
        "t.json: document 2, items[1]",
    ]


@pytest.mark.parametrize(
    "document",
    [
        {"kind": "List", "items": "not a list"},
        {"kind": "List"},
        {"kind": "Listing", "items": []},
        {"kind": 3, "items": []},
    ],
)
def test_only_a_kind_ending_in_list_with_items_is_a_list(document: dict) -> None:
    assert not is_list(document)
    assert [located.document for located in locate([document], "v")] == [document]


def test_list_items_count_as_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenant_source, "MAX_DOCUMENTS", 3)
    items = [{"kind": "Tenant", "metadata": {"name": str(i)}} for i in range(4)]
    with pytest.raises(ManifestError, match=r"^t.yaml: more than 3 documents \(the items of Lists included\)$"):
        located_tenants(json.dumps({"kind": "List", "items": items}), "t.yaml")


def test_a_variable_s_documents_are_numbered_and_its_lists_flattened() -> None:
    tenant = {"kind": "Tenant", "metadata": {"name": "a"}}
    found = locate([tenant, {"kind": "List", "items": [tenant]}], "the variable tenants")
    assert [located.where for located in found] == [
        "the variable tenants: document 1",
        "the variable tenants: document 2, items[0]",
    ]


def located(document: Any) -> Located:
    return Located(document, "t.yaml", 2, 9)


def test_a_namespace_is_given_to_a_tenant_that_names_none() -> None:
    for metadata in ({"name": "t"}, {"name": "t", "namespace": ""}, {"name": "t", "namespace": None}):
        tenant = {"kind": "Tenant", "metadata": dict(metadata)}
        set_namespace(located(tenant), "team-a")
        assert tenant["metadata"] == {"name": "t", "namespace": "team-a"}
    without_metadata: dict[str, Any] = {"kind": "Tenant"}
    set_namespace(located(without_metadata), "team-a")
    assert without_metadata["metadata"] == {"namespace": "team-a"}


def test_a_tenant_in_its_own_namespace_is_kept_and_one_in_another_is_refused() -> None:
    tenant = {"kind": "Tenant", "metadata": {"name": "t", "namespace": "team-a"}}
    set_namespace(located(tenant), "team-a")
    assert tenant["metadata"]["namespace"] == "team-a"
    with pytest.raises(ManifestError) as raised:
        set_namespace(located(tenant), "team-b")
    assert str(raised.value) == (
        "t.yaml:9: document 2: Tenant t is in the namespace team-a, not team-b: give namespace=team-a, "
        "or remove metadata.namespace from the file to use it in any namespace"
    )


@pytest.mark.parametrize("document", [["a list"], {"kind": "Tenant", "metadata": "text"}])
def test_a_namespace_is_not_forced_into_what_validation_refuses(document: Any) -> None:
    before = copy.deepcopy(document)
    set_namespace(located(document), "team-a")
    assert document == before


def test_unknown_fields_are_named_with_where_and_a_likely_spelling() -> None:
    tenant = {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "lables": {"a": "b"}},
        "spec": {"replicas": 3, "pools": [{"name": "p", "servers": 4, "priorityClassname": "high"}]},
    }
    assert unknown_field_messages(located(tenant)) == [
        't.yaml:9: document 2: Tenant t: unknown field "metadata.lables" (did you mean labels?)',
        't.yaml:9: document 2: Tenant t: unknown field "spec.replicas"',
        't.yaml:9: document 2: Tenant t: unknown field "spec.pools[0].priorityClassname"'
        " (did you mean priorityClassName?)",
    ]
    # Only Tenants: a Secret's data is not the Tenant API's business.
    assert unknown_field_messages(located({"kind": "Secret", "data": {}})) == []


def test_the_engine_module_imports_no_ansible() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys; import ansible_collections.rustfs.operator.plugins.module_utils.tenant_source;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ansible', 'kubernetes')))"
    )
    env = {**os.environ, "PYTHONPATH": ".ansible/collections"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"
