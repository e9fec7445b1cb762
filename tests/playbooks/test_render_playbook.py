"""Render mode end to end: the playbook a user runs, with no cluster."""

from __future__ import annotations

from pathlib import Path

import yaml
from support.playbook import run_playbook

SIMPLE_VOLUMES = (
    "http://example-tenant-primary-{0...1}.example-tenant-hl.rustfs-system.svc.cluster.local:9000/data/rustfs{0...1}"
)


def load(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def env_value(statefulset: dict, name: str) -> str:
    env = statefulset["spec"]["template"]["spec"]["containers"][0]["env"]
    return next(item["value"] for item in env if item["name"] == name)


def test_render_writes_one_file_per_tenant(tmp_path: Path, examples: Path) -> None:
    result = run_playbook(
        "rustfs.operator.render", "-e", f"tenant_file={examples / 'simple-tenant.yaml'}", "-e", f"output_dir={tmp_path}"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rustfs-system-example-tenant.yaml"]
    objects = load(tmp_path / "rustfs-system-example-tenant.yaml")
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("ServiceAccount", "example-tenant-sa"),
        ("Service", "example-tenant-io"),
        ("Service", "example-tenant-console"),
        ("Service", "example-tenant-hl"),
        ("StatefulSet", "example-tenant-primary"),
    ]
    assert all("ownerReferences" not in o["metadata"] for o in objects)
    assert env_value(objects[-1], "RUSTFS_VOLUMES") == SIMPLE_VOLUMES


def test_render_defaults_namespace_and_skips_other_kinds(tmp_path: Path, examples: Path) -> None:
    """The credentials example also holds a Secret; only the Tenant is rendered."""
    result = run_playbook(
        "rustfs.operator.render",
        "-e",
        f"tenant_file={examples / 'secret-credentials-tenant.yaml'}",
        "-e",
        f"output_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    objects = load(tmp_path / "default-secure-tenant.yaml")
    assert "Secret" not in {o["kind"] for o in objects}
    assert env_value(objects[-1], "RUSTFS_ADDRESS") == "0.0.0.0:9000"


def test_render_honours_cluster_domain(tmp_path: Path, examples: Path) -> None:
    result = run_playbook(
        "rustfs.operator.render",
        "-e",
        f"tenant_file={examples / 'minimal-dev-tenant.yaml'}",
        "-e",
        f"output_dir={tmp_path}",
        "-e",
        "cluster_domain=k8s.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    objects = load(tmp_path / "default-dev-minimal.yaml")
    # 1 server x 1 volume is the local-path layout: the domain does not appear.
    assert env_value(objects[-1], "RUSTFS_VOLUMES") == "/data/rustfs0"


def test_invalid_tenant_fails_with_field_errors_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump_all(
            [
                {
                    "apiVersion": "rustfs.com/v1alpha1",
                    "kind": "Tenant",
                    "metadata": {"name": "good"},
                    "spec": {"pools": [{"name": "p", "servers": 1, "persistence": {"volumesPerServer": 1}}]},
                },
                {
                    "apiVersion": "rustfs.com/v1alpha1",
                    "kind": "Tenant",
                    "metadata": {"name": "Bad_Name"},
                    "spec": {"pools": [{"name": "p", "servers": 0, "persistence": {"volumesPerServer": 1}}]},
                },
            ]
        )
    )
    out = tmp_path / "out"
    result = run_playbook("rustfs.operator.render", "-e", f"tenant_file={bad}", "-e", f"output_dir={out}")
    assert result.returncode != 0
    assert "metadata.name" in result.stdout
    assert "spec.pools[0].servers" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not out.exists()


def test_missing_arguments_explain_usage(tmp_path: Path) -> None:
    result = run_playbook("rustfs.operator.render")
    assert result.returncode != 0
    assert "tenant_file=PATH" in result.stdout
