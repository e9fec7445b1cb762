"""Tenant manifests read under limits (module_utils/tenant_source.py): what a hostile file cannot do."""

from __future__ import annotations

import json

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import tenant_source
from ansible_collections.rustfs.operator.plugins.module_utils.tenant_source import (
    MAX_BYTES,
    ManifestError,
    load_documents,
    load_tenants,
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
    with pytest.raises(ManifestError, match="line 4: an alias refers to the node that contains it"):
        load_tenants(TENANT + "spec: &s {self: *s}\n")


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
    expected = r"^tenant.yaml: not valid YAML: line 3, column 1: did not find expected node content"
    with pytest.raises(ManifestError, match=expected):
        load_tenants("kind: Tenant\nspec: [\n", "tenant.yaml")


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
