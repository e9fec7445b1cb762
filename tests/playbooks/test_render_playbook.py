"""Render mode end to end: the playbook a user runs, with no cluster."""

from __future__ import annotations

from pathlib import Path

import yaml
from support.playbook import run_playbook
from support.playbook import run_render as render

SIMPLE_VOLUMES = (
    "http://example-tenant-primary-{0...1}.example-tenant-hl.rustfs-system.svc.cluster.local:9000/data/rustfs{0...1}"
)


def load(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def env_value(statefulset: dict, name: str) -> str:
    env = statefulset["spec"]["template"]["spec"]["containers"][0]["env"]
    return next(item["value"] for item in env if item["name"] == name)


def test_render_writes_one_file_per_tenant(tmp_path: Path, examples: Path) -> None:
    result = render(examples / "simple-tenant.yaml", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rustfs-system-example-tenant.yaml"]
    objects = load(tmp_path / "rustfs-system-example-tenant.yaml")
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("ServiceAccount", "example-tenant-sa"),
        ("Service", "example-tenant-io"),
        ("Service", "example-tenant-console"),
        ("Service", "example-tenant-hl"),
        ("PodDisruptionBudget", "example-tenant-primary"),
        ("StatefulSet", "example-tenant-primary"),
    ]
    assert all("ownerReferences" not in o["metadata"] for o in objects)
    assert env_value(objects[-1], "RUSTFS_VOLUMES") == SIMPLE_VOLUMES


def test_render_shows_the_erasure_layout_as_comments_and_in_the_output(tmp_path: Path, examples: Path) -> None:
    result = render(examples / "multi-pool-tenant.yaml", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "rustfs-system-multi-pool-tenant.yaml").read_text()
    header = text.split("\n---\n", 1)[0].splitlines()
    # 4 x 2 and 2 x 4: one 4+4 set each; one server of pool-0 may go, none of pool-1 (docs/erasure-layout.md).
    assert header[0] == "# Erasure layout (docs/erasure-layout.md):"
    assert header[1].startswith(
        "# pool pool-0: 4 servers x 2 volumes = 8 drives in 1 erasure set of 8 (4 data + 4 parity)"
    )
    assert header[1].endswith("PodDisruptionBudget maxUnavailable 1")
    assert header[2].endswith("PodDisruptionBudget maxUnavailable 0")
    assert header[3].startswith("# tenant: 2 pools, 16 drives in 2 erasure sets, 80Gi usable of 160Gi raw")
    assert header[4].startswith("# warning ErasureLayoutNoServerTolerance (spec.pools[1]): pool pool-1")
    assert len(header) == 5 and all(line.startswith("# ") for line in header)
    # Comments only: the file is still exactly the objects, for kubectl apply.
    assert [o["kind"] for o in load(tmp_path / "rustfs-system-multi-pool-tenant.yaml")] == [
        "ServiceAccount",
        "Service",
        "Service",
        "Service",
        "PodDisruptionBudget",
        "PodDisruptionBudget",
        "StatefulSet",
        "StatefulSet",
    ]
    assert "80Gi usable of 160Gi raw" in result.stdout


def test_render_refuses_a_layout_rustfs_would_not_start(tmp_path: Path) -> None:
    tenant = tmp_path / "tenant.yaml"
    pools = [
        {"name": "small", "servers": 1, "persistence": {"volumesPerServer": 1}},
        {"name": "big", "servers": 2, "persistence": {"volumesPerServer": 1}},
    ]
    tenant.write_text(
        yaml.safe_dump(
            {"apiVersion": "rustfs.com/v1alpha1", "kind": "Tenant", "metadata": {"name": "t"}, "spec": {"pools": pools}}
        )
    )
    out = tmp_path / "out"
    result = render(tenant, out)
    assert result.returncode != 0
    assert "ErasureLayoutInvalid" in result.stdout and "spec.pools[0]" in result.stdout
    assert not out.exists()


def test_render_defaults_namespace_and_skips_other_kinds(tmp_path: Path, examples: Path) -> None:
    """The credentials example also holds a Secret; only the Tenant is rendered."""
    result = render(examples / "secret-credentials-tenant.yaml", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    objects = load(tmp_path / "default-secure-tenant.yaml")
    assert "Secret" not in {o["kind"] for o in objects}
    assert env_value(objects[-1], "RUSTFS_ADDRESS") == "0.0.0.0:9000"


def test_render_honours_cluster_domain(tmp_path: Path, examples: Path) -> None:
    result = render(examples / "minimal-dev-tenant.yaml", tmp_path, "cluster_domain=k8s.example.org")
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
    result = render(bad, out)
    assert result.returncode != 0
    assert "metadata.name" in result.stdout
    assert "spec.pools[0].servers" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not out.exists()


def test_missing_arguments_explain_usage(tmp_path: Path) -> None:
    result = run_playbook("rustfs.operator.render")
    assert result.returncode != 0
    assert "tenant_file=PATH" in result.stdout
