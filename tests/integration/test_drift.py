"""Drift on the real control plane: the report playbook (no write at all) and the operator's report policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kube
import pytest
import yaml
from kubernetes import client
from operator_support import OperatorProcess, active_operator, label_tenant, wait_until
from support.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.integration

GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
POLICY = "operator.rustfs.com/drift-policy"
ENV_PATH = "spec.template.spec.containers[name=rustfs].env[name=RUSTFS_CONSOLE_ENABLE].value"


def tenant(namespace: str, name: str = "drift") -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Tenant",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "pools": [
                {"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}},
                {"name": "pool-1", "servers": 2, "persistence": {"volumesPerServer": 1}},
            ]
        },
    }


def resource_versions(api: client.ApiClient, namespace: str) -> dict[str, str]:
    """Every object of the namespace a reconcile could write, by kind/name: its resourceVersion."""
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    rbac, policy = client.RbacAuthorizationV1Api(api), client.PolicyV1Api(api)
    lists = {
        "StatefulSet": apps.list_namespaced_stateful_set(namespace).items,
        "Service": core.list_namespaced_service(namespace).items,
        "ServiceAccount": core.list_namespaced_service_account(namespace).items,
        "ConfigMap": core.list_namespaced_config_map(namespace).items,
        "Secret": core.list_namespaced_secret(namespace).items,
        "PersistentVolumeClaim": core.list_namespaced_persistent_volume_claim(namespace).items,
        "Role": rbac.list_namespaced_role(namespace).items,
        "RoleBinding": rbac.list_namespaced_role_binding(namespace).items,
        "PodDisruptionBudget": policy.list_namespaced_pod_disruption_budget(namespace).items,
    }
    found = {f"{kind}/{o.metadata.name}": o.metadata.resource_version for kind, items in lists.items() for o in items}
    for item in client.CustomObjectsApi(api).list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)["items"]:
        found[f"Tenant/{item['metadata']['name']}"] = item["metadata"]["resourceVersion"]
    return found


def settled_versions(api: client.ApiClient, namespace: str) -> dict[str, str]:
    """The resourceVersions once the controllers are done with the edits (pods rolled, status written)."""
    last: dict[str, dict[str, str]] = {}

    def probe() -> dict[str, str] | None:
        now = resource_versions(api, namespace)
        same = now == last.get("seen")
        last["seen"] = now
        return now if same else None

    found: dict[str, str] = kube.wait_for(probe, timeout=90, interval=2, what="the namespace settled")
    return found


def edit_env(api: client.ApiClient, namespace: str, statefulset: str, value: str) -> None:
    """What `kubectl set env` does: the pod template's RUSTFS_CONSOLE_ENABLE changed by another manager."""
    apps = client.AppsV1Api(api)
    current = apps.read_namespaced_stateful_set(statefulset, namespace)
    container = next(c for c in current.spec.template.spec.containers if c.name == "rustfs")
    env = next(e for e in container.env if e.name == "RUSTFS_CONSOLE_ENABLE")
    env.value = value
    apps.replace_namespaced_stateful_set(statefulset, namespace, current, field_manager="kubectl-edit")


def console_env(api: client.ApiClient, namespace: str, statefulset: str) -> str:
    current = client.AppsV1Api(api).read_namespaced_stateful_set(statefulset, namespace)
    container = next(c for c in current.spec.template.spec.containers if c.name == "rustfs")
    return str(next(e for e in container.env if e.name == "RUSTFS_CONSOLE_ENABLE").value)


def drift_run(*args: str) -> tuple[PlaybookRun, list[dict[str, Any]]]:
    done = run_playbook(
        "rustfs.operator.drift",
        *args,
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_SHOW_CUSTOM_STATS": "1"},
    )
    assert done.returncode == 0, done.output
    output = json.loads(done.stdout)
    assert output["stats"]["localhost"]["changed"] == 0
    reports: list[dict[str, Any]] = output["global_custom_stats"]["rustfs_drift"]
    return done, reports


def test_the_drift_report_names_exactly_what_was_changed_and_writes_nothing(
    api: client.ApiClient, namespace: str, crd: None, tmp_path: Path
) -> None:
    tenant_file = tmp_path / "tenant.yaml"
    tenant_file.write_text(yaml.safe_dump(tenant(namespace)))
    created = run_playbook("rustfs.operator.tenant", "-e", f"tenant_file={tenant_file}")
    assert created.returncode == 0, created.output

    _, [clean] = drift_run("-e", f"tenant_file={tenant_file}")
    assert clean["drifted"] is False and clean["objects"] == [], clean["summary"]
    assert clean["compared"] >= 6  # ServiceAccount, 3 Services, 2 PodDisruptionBudgets, 2 StatefulSets

    edit_env(api, namespace, "drift-pool-0", "false")
    client.AppsV1Api(api).patch_namespaced_stateful_set_scale(
        "drift-pool-1", namespace, {"spec": {"replicas": 3}}, field_manager="kubectl-scale"
    )
    client.CoreV1Api(api).delete_namespaced_service("drift-console", namespace)
    before = settled_versions(api, namespace)

    for args in (
        ("-e", f"tenant_file={tenant_file}"),
        ("-e", "tenant_name=drift", "-e", f"tenant_namespace={namespace}"),
    ):
        _, [report] = drift_run(*args)
        assert report["tenant"] == f"{namespace}/drift" and report["drifted"] is True
        assert [(o["kind"], o["name"], o["state"]) for o in report["objects"]] == [
            ("Service", "drift-console", "missing"),
            ("StatefulSet", "drift-pool-0", "differs"),
            ("StatefulSet", "drift-pool-1", "differs"),
        ]
        fields = {o["name"]: o["fields"] for o in report["objects"]}
        assert fields["drift-pool-0"] == [{"path": ENV_PATH, "desired": "true", "live": "false"}]
        assert fields["drift-pool-1"] == [{"path": "spec.replicas", "desired": 2, "live": 3}]
        assert "StatefulSet/drift-pool-1: differs" in report["summary"]
        assert "  spec.replicas: desired 2, live 3" in report["summary"]

    # Not one write: every object of the namespace, the Tenant included, at the same resourceVersion.
    assert resource_versions(api, namespace) == before


# --- the operator's report policy --------------------------------------------------


@pytest.fixture(scope="module")
def operator(operator_home: Any) -> Iterator[OperatorProcess]:
    with active_operator(operator_home, "drift") as process:
        yield process


def tenant_api(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


def ready_at_generation(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    stored: dict[str, Any] = tenant_api(api).get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
    status = stored.get("status") or {}
    last = status.get("lastRun") or {}
    generation = stored["metadata"]["generation"]
    settled = last.get("generation") == generation and last.get("childrenDigest")
    return stored if settled and status.get("currentState") == "Ready" else None


def drift_events(api: client.ApiClient, namespace: str, name: str) -> list[client.CoreV1Event]:
    return [
        e
        for e in client.CoreV1Api(api).list_namespaced_event(namespace).items
        if e.involved_object.kind == "Tenant" and e.involved_object.name == name and e.reason == "DriftDetected"
    ]


def test_the_operator_reports_drift_under_the_report_policy_and_repairs_once_it_goes(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    body = label_tenant(tenant(namespace, "frozen"), operator.instance)
    body["metadata"]["annotations"] = {POLICY: "report"}
    tenant_api(api).create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    wait_until(lambda: ready_at_generation(api, namespace, "frozen"), timeout=120, what="tenant frozen Ready")
    runs = operator.runs()
    metric = f'rustfs_operator_drift_detected_total{{namespace="{namespace}",tenant="frozen"}}'

    edit_env(api, namespace, "frozen-pool-0", "false")
    warning = wait_until(
        lambda: [e for e in drift_events(api, namespace, "frozen") if e.type == "Warning"],
        timeout=60,
        what="a Warning DriftDetected event",
    )[0]
    assert "StatefulSet/frozen-pool-0 changed" in warning.message and "drift-policy is report" in warning.message
    assert operator.metric(metric) == 1
    # Frozen: later checks (a Tenant event that is no input of the playbook) leave the edit in place.
    skipped = operator.metric("rustfs_operator_runs_skipped_total")
    tenant_api(api).patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "frozen", {"metadata": {"annotations": {"kubectl.kubernetes.io/note": "x"}}}
    )
    wait_until(
        lambda: operator.metric("rustfs_operator_runs_skipped_total") > skipped, timeout=30, what="another check"
    )
    assert console_env(api, namespace, "frozen-pool-0") == "false"
    assert operator.runs() == runs
    assert len(drift_events(api, namespace, "frozen")) == 1

    # The annotation goes: the next check repairs.
    tenant_api(api).patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "frozen", {"metadata": {"annotations": {POLICY: None}}}
    )
    wait_until(lambda: console_env(api, namespace, "frozen-pool-0") == "true", timeout=60, what="the edit repaired")
    wait_until(lambda: operator.runs() > runs, timeout=60, what="the repairing run counted")
    assert any(e.type == "Normal" and "re-applying" in e.message for e in drift_events(api, namespace, "frozen"))
    assert operator.metric(metric) == 1  # the same drift, counted once
