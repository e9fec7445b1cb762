"""Render mode for GitOps (docs/render-mode.md), end to end with the playbooks a user runs, no cluster:
the files as before, the Tenant with its children, the namespace set at render time (and what a
kustomize overlay does to it), unknown fields, `kind: List` input and errors that name file and line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.playbook import EXAMPLES, REPO, example_tenant, run_playbook
from support.playbook import run_render as render

RENDERED = REPO / "tests" / "fixtures" / "rendered"
CHILDREN_WARNING = "[WARNING]: Rendered objects applied directly (kubectl apply, Argo CD, Flux)"


def one_line(text: str) -> str:
    """Output with its line wrapping undone, to find a long warning whole."""
    return " ".join(text.split())


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def volumes(objects: list[dict[str, Any]]) -> list[str]:
    return [
        item["value"]
        for o in objects
        if o["kind"] == "StatefulSet"
        for item in o["spec"]["template"]["spec"]["containers"][0]["env"]
        if item["name"] == "RUSTFS_VOLUMES"
    ]


def write(path: Path, *docs: Any) -> Path:
    path.write_text(yaml.safe_dump_all(list(docs), sort_keys=False))
    return path


def namespace_free_tenant() -> dict[str, Any]:
    tenant = example_tenant("simple-tenant.yaml")
    del tenant["metadata"]["namespace"]
    return tenant


def test_the_examples_render_byte_for_byte_as_before_with_the_warning_in_the_output(tmp_path: Path) -> None:
    combined = tmp_path / "examples.yaml"
    combined.write_text("\n---\n".join(p.read_text() for p in sorted(EXAMPLES.glob("*.yaml"))))
    out = tmp_path / "out"
    result = render(combined, out)
    assert result.returncode == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in RENDERED.iterdir())
    for golden in RENDERED.iterdir():
        assert (out / golden.name).read_bytes() == golden.read_bytes(), golden.name
    output = one_line(result.output)
    assert CHILDREN_WARNING + ", without the operator or the rustfs.operator.tenant playbook" in output
    assert "a pod template change rolls every pool at once instead of one pool at a time" in output
    assert "names no namespace" not in result.output  # every example names its namespace


def test_the_tenant_comes_first_with_the_warning_atop_the_file(tmp_path: Path, examples: Path) -> None:
    result = render(examples / "simple-tenant.yaml", tmp_path, "include_tenant=true")
    assert result.returncode == 0, result.output
    path = tmp_path / "rustfs-system-example-tenant.yaml"
    text = path.read_text()
    assert text.startswith("# Rendered by rustfs.operator.render (docs/render-mode.md) for the namespace rustfs-system")
    assert "one pool at a time" in one_line(text.split("\n---\n", 1)[0])
    objects = documents(path)
    tenant = example_tenant("simple-tenant.yaml")
    assert objects[0] == {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "example-tenant", "namespace": "rustfs-system"},
        "spec": tenant["spec"],
    }
    # The rest is what the default render writes, after the Tenant.
    assert objects[1:] == documents(RENDERED / path.name)


def test_the_namespace_is_set_at_render_time(tmp_path: Path) -> None:
    source = write(tmp_path / "tenant.yaml", namespace_free_tenant())
    for namespace in ("team-a", "team-b"):
        result = render(source, tmp_path / namespace, f"namespace={namespace}")
        assert result.returncode == 0, result.output
        assert "names no namespace" not in result.output
        objects = documents(tmp_path / namespace / f"{namespace}-example-tenant.yaml")
        assert {o["metadata"]["namespace"] for o in objects} == {namespace}
        assert volumes(objects) == [
            f"http://example-tenant-primary-{{0...1}}.example-tenant-hl.{namespace}.svc.cluster.local:9000"
            "/data/rustfs{0...1}"
        ]


def test_a_tenant_without_namespace_renders_for_default_with_a_warning(tmp_path: Path) -> None:
    source = write(tmp_path / "tenant.yaml", {"kind": "Namespace", "metadata": {"name": "x"}}, namespace_free_tenant())
    result = render(source, tmp_path / "out")
    assert result.returncode == 0, result.output
    assert (
        f"[WARNING]: {source}:5: document 2: Tenant example-tenant names no namespace, so it is rendered for the "
        "namespace default" in one_line(result.output)
    )
    assert volumes(documents(tmp_path / "out" / "default-example-tenant.yaml"))[0].count(".default.svc.") == 1


def test_a_tenant_of_another_namespace_is_refused(tmp_path: Path, examples: Path) -> None:
    result = render(examples / "simple-tenant.yaml", tmp_path / "out", "namespace=team-b")
    assert result.returncode != 0
    assert (
        f"{examples / 'simple-tenant.yaml'}:1: document 1: Tenant example-tenant is in the namespace rustfs-system, "
        "not team-b" in one_line(result.output)
    )
    assert not (tmp_path / "out").exists()


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl (for kubectl kustomize) is not installed")
    return found


def kustomize(directory: Path) -> list[dict[str, Any]]:
    built = subprocess.run([kubectl(), "kustomize", str(directory)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    return [d for d in yaml.safe_load_all(built.stdout) if d]


def test_one_render_per_namespace_under_kustomize_overlays(tmp_path: Path) -> None:
    """The layout of docs/render-mode.md: each overlay's directory holds its own render and sets no namespace."""
    source = write(tmp_path / "tenant.yaml", namespace_free_tenant())
    for namespace in ("team-a", "team-b"):
        overlay = tmp_path / "deploy" / namespace
        overlay.mkdir(parents=True)
        write(
            overlay / "kustomization.yaml",
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [f"{namespace}-example-tenant.yaml"],
                "labels": [{"pairs": {"team": namespace}, "includeSelectors": False}],
            },
        )
        result = render(source, overlay, f"namespace={namespace}")
        assert result.returncode == 0, result.output
        assert (overlay / "kustomization.yaml").exists()  # the render writes its files only
    for namespace in ("team-a", "team-b"):
        objects = kustomize(tmp_path / "deploy" / namespace)
        assert {o["metadata"]["namespace"] for o in objects} == {namespace}
        assert all(o["metadata"]["labels"]["team"] == namespace for o in objects)
        assert f".example-tenant-hl.{namespace}.svc." in volumes(objects)[0]
        statefulset = next(o for o in objects if o["kind"] == "StatefulSet")
        assert "team" not in statefulset["spec"]["selector"]["matchLabels"]


def test_a_kustomize_namespace_overlay_leaves_the_old_namespace_in_rustfs_volumes(
    tmp_path: Path, examples: Path
) -> None:
    """Why the guide says to render per namespace: the overlay moves the objects, not the peers' names."""
    assert render(examples / "simple-tenant.yaml", tmp_path / "base").returncode == 0
    write(tmp_path / "base" / "kustomization.yaml", {"resources": ["rustfs-system-example-tenant.yaml"]})
    (tmp_path / "overlay").mkdir()
    write(tmp_path / "overlay" / "kustomization.yaml", {"namespace": "team-b", "resources": ["../base"]})
    objects = kustomize(tmp_path / "overlay")
    assert {o["metadata"]["namespace"] for o in objects} == {"team-b"}
    assert ".example-tenant-hl.rustfs-system.svc." in volumes(objects)[0]


def unknown_fields_tenant() -> dict[str, Any]:
    tenant = example_tenant("simple-tenant.yaml")
    tenant["spec"]["replicas"] = 3
    tenant["spec"]["pools"][0]["priorityClassname"] = "high"
    return tenant


def test_unknown_fields_warn_by_default_and_a_list_stands_for_its_items(tmp_path: Path) -> None:
    second = example_tenant("multi-pool-tenant.yaml")
    source = write(
        tmp_path / "tenants.yaml", {"apiVersion": "v1", "kind": "List", "items": [unknown_fields_tenant(), second]}
    )
    out = tmp_path / "out"
    result = render(source, out)
    assert result.returncode == 0, result.output
    output = one_line(result.output)
    where = f"{source}:4: document 1, items[0]: Tenant example-tenant"
    assert (
        f'[WARNING]: {where}: unknown field "spec.pools[0].priorityClassname" (did you mean priorityClassName?)'
        in output
    )
    assert f'[WARNING]: {where}: unknown field "spec.replicas": dropped' in output
    assert sorted(p.name for p in out.iterdir()) == [
        "rustfs-system-example-tenant.yaml",
        "rustfs-system-multi-pool-tenant.yaml",
    ]
    # Dropped, as the API server drops them: the same objects as without them.
    for path in out.iterdir():
        assert path.read_bytes() == (RENDERED / path.name).read_bytes()


def test_unknown_fields_fail_when_strict_and_pass_in_silence_when_ignored(tmp_path: Path) -> None:
    source = write(tmp_path / "tenant.yaml", unknown_fields_tenant())
    strict = render(source, tmp_path / "strict", "field_validation=strict")
    assert strict.returncode != 0
    assert (
        "Unknown fields, which the API server would drop (field_validation=strict); nothing was used:" in strict.output
    )
    assert f'{source}:1: document 1: Tenant example-tenant: unknown field "spec.replicas"' in strict.output
    assert not (tmp_path / "strict").exists()
    ignored = render(source, tmp_path / "ignored", "field_validation=ignore")
    assert ignored.returncode == 0, ignored.output
    assert "unknown field" not in ignored.output


def test_a_yaml_syntax_error_names_path_line_and_column(tmp_path: Path) -> None:
    source = tmp_path / "broken.yaml"
    source.write_text("apiVersion: rustfs.com/v1alpha1\nkind: Tenant\nmetadata:\n  name: [t\n")
    result = render(source, tmp_path / "out")
    assert result.returncode != 0
    assert f"{source}:5:1: not valid YAML: " in result.output
    assert "<unicode string>" not in result.output


def test_an_invalid_document_is_named_by_file_line_and_number(tmp_path: Path) -> None:
    bad = example_tenant("simple-tenant.yaml")
    bad["spec"]["pools"][0]["servers"] = 0
    source = write(tmp_path / "tenants.yaml", example_tenant("multi-pool-tenant.yaml"), bad)
    result = render(source, tmp_path / "out")
    assert result.returncode != 0
    line = source.read_text().splitlines().index("---") + 2
    assert "Invalid Tenants (1 of 2); nothing was rendered:" in result.output
    assert f"{source}:{line}: document 2 (Tenant rustfs-system/example-tenant):" in result.output
    assert "spec.pools[0].servers: servers must be greater than 0 (InvalidPoolSpec)" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("field_validation=strict", 'unknown field "spec.replicas"'),
        ("namespace=team-b", "Tenant example-tenant is in the namespace rustfs-system, not team-b"),
    ],
)
def test_playbook_mode_refuses_the_same_before_any_api_call(tmp_path: Path, extra: str, expected: str) -> None:
    source = write(tmp_path / "tenant.yaml", unknown_fields_tenant())
    result = run_playbook(
        "rustfs.operator.tenant",
        "-e",
        f"tenant_file={source}",
        "-e",
        extra,
        env={"KUBECONFIG": str(tmp_path / "no-such-kubeconfig")},
    )
    assert result.returncode != 0
    assert expected in result.output
    assert "TASK [Read the tenants as data]" in result.output
    assert "rustfs.operator.tenant : " not in result.output  # the role never started


def test_tenant_load_reads_a_list_held_by_a_variable(tmp_path: Path) -> None:
    """`-e @tenants.json` holding `kubectl get tenants -o json`: the List's items, each located."""
    play = write(
        tmp_path / "play.yml",
        [
            {
                "hosts": "localhost",
                "connection": "local",
                "gather_facts": False,
                "tasks": [
                    {
                        "rustfs.operator.tenant_load": {"variable": "tenants", "namespace": "team-a"},
                        "register": "loaded",
                    },
                    {
                        "ansible.builtin.assert": {
                            "that": [
                                "loaded.tenants | map(attribute='metadata.name') | list == ['example-tenant']",
                                "loaded.tenants[0].metadata.namespace == 'team-a'",
                                "loaded.locations == ['the variable tenants: document 1, items[0]']",
                            ]
                        }
                    },
                ],
            }
        ],
    )
    tenant = namespace_free_tenant()
    listed = {"apiVersion": "v1", "kind": "List", "items": [tenant], "metadata": {"resourceVersion": ""}}
    result = run_playbook(str(play), extra_vars={"tenants": listed}, tmp_dir=tmp_path)
    assert result.returncode == 0, result.output
