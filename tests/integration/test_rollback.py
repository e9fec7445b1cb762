"""Rollback on the real control plane (issue 7 items 1 and 2): a stalled rollout detected and rolled back,
and rollbacks refused with the cluster left as it was.

The last good spec is recorded by the reconcile (ConfigMap <tenant>-history); where that is not wired
yet, the test records it itself with the engine's own history.last_good_record.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from support.playbook import PlaybookRun, example_tenant, run_playbook

from ansible_collections.rustfs.operator.plugins.module_utils.history import (
    ANNOTATION_ROLLBACK_HANDLED,
    HISTORY_KEY,
    history_configmap,
    history_name,
    last_good_record,
    spec_digest,
)

pytestmark = pytest.mark.integration

GOOD = "rustfs/rustfs:1.0.0-beta.10"
DEADLINE = "operator.rustfs.com/rollout-deadline-seconds"


@pytest.fixture(scope="module", autouse=True)
def tenant_crd(kubeconfig: Path) -> None:
    installed = run_playbook("rustfs.operator.install_crds")
    assert installed.returncode == 0, installed.output


def custom(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


def read_tenant(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = custom(api).get_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants", name)
    return obj


def live_statefulsets(api: client.ApiClient, namespace: str) -> list[dict[str, Any]]:
    items = client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items
    return [api.sanitize_for_serialization(s) for s in items]


def versions(api: client.ApiClient, namespace: str) -> dict[str, str]:
    """Tenant, StatefulSets and claims by kind/name: what a refused rollback must not touch.

    A StatefulSet is compared by what a write of ours would move (generation, labels, annotations),
    not by resourceVersion: its controller keeps writing the status while pods roll.
    """
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    found = {
        f"StatefulSet/{s.metadata.name}": repr(
            (
                s.metadata.generation,
                sorted((s.metadata.labels or {}).items()),
                sorted((s.metadata.annotations or {}).items()),
            )
        )
        for s in apps.list_namespaced_stateful_set(namespace).items
    }
    found |= {
        f"PVC/{c.metadata.name}": c.metadata.resource_version
        for c in core.list_namespaced_persistent_volume_claim(namespace).items
    }
    for tenant in custom(api).list_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants")["items"]:
        found[f"Tenant/{tenant['metadata']['name']}"] = tenant["metadata"]["resourceVersion"]
    return found


def history(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    try:
        configmap = client.CoreV1Api(api).read_namespaced_config_map(history_name(name), namespace)
    except ApiException as error:
        if error.status == 404:
            return None
        raise
    record: dict[str, Any] = json.loads(configmap.data[HISTORY_KEY])
    return record


def ensure_record(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    """The last good record of a tenant that is Ready now: the reconcile's, or written here the same way."""
    tenant = read_tenant(api, namespace, name)
    record = history(api, namespace, name)
    if record is None or record["digest"] != spec_digest(tenant["spec"]):
        made = last_good_record(tenant, live_statefulsets(api, namespace), [])
        assert made is not None, "a Ready tenant must give a record"
        kube.apply(api, history_configmap(tenant, made))
        record = history(api, namespace, name)
    assert record is not None
    assert record["generation"] == tenant["metadata"]["generation"]
    return record


def tenant_play(tenant: dict[str, Any], tmp_path: Path, **extra: Any) -> PlaybookRun:
    return run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant, **extra}, tmp_dir=tmp_path)


def rollback_play(name: str, namespace: str, tmp_path: Path, *args: str, **extra: Any) -> PlaybookRun:
    variables = {"tenant_name": name, "tenant_namespace": namespace, **extra}
    return run_playbook("rustfs.operator.rollback", *args, extra_vars=variables, tmp_dir=tmp_path)


def events(api: client.ApiClient, namespace: str, reason: str) -> list[client.CoreV1Event]:
    return [e for e in client.CoreV1Api(api).list_namespaced_event(namespace).items if e.reason == reason]


def created(api: client.ApiClient, namespace: str, tmp_path: Path, **annotations: str) -> dict[str, Any]:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    if annotations:
        tenant["metadata"]["annotations"] = dict(annotations)
    done = tenant_play(tenant, tmp_path, wait=True, wait_timeout=120)
    assert done.returncode == 0, done.output
    assert read_tenant(api, namespace, "example-tenant")["status"]["currentState"] == "Ready"
    return tenant


def test_a_stalled_rollout_is_detected_and_rolled_back(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    tenant = created(api, namespace, tmp_path, **{DEADLINE: "5"})
    record = ensure_record(api, namespace, "example-tenant")
    assert record["spec"]["image"] == GOOD

    # A scheduler that does not exist: the first replaced pod stays Pending, the rollout stops.
    bad = copy.deepcopy(tenant)
    bad["spec"]["scheduler"] = "no-such-scheduler"
    done = tenant_play(bad, tmp_path)
    assert done.returncode == 0, done.output

    def stalled() -> dict[str, Any] | None:
        # Each run recomputes the status (nothing to apply): the deadline is measured from the last progress.
        again = tenant_play(bad, tmp_path)
        assert again.returncode == 0, again.output
        status = read_tenant(api, namespace, "example-tenant")["status"]
        return status if status["currentState"] == "Degraded" else None

    status = kube.wait_for(stalled, timeout=120, interval=1, what="RolloutStalled")
    conditions = {c["type"]: c for c in status["conditions"]}
    assert (conditions["Ready"]["reason"], conditions["Degraded"]["status"]) == ("RolloutStalled", "True")
    assert (conditions["WorkloadsReady"]["status"], conditions["WorkloadsReady"]["reason"]) == (
        "False",
        "RolloutStalled",
    )
    assert (
        "pool primary (StatefulSet example-tenant-primary) made no rollout progress" in conditions["Ready"]["message"]
    )
    assert status["pools"][0]["state"] == "Updating"

    # Back to the last good spec: the Tenant, then the pool (one pool; wait for it).
    rolled = rollback_play("example-tenant", namespace, tmp_path, wait=True, wait_timeout=120)
    assert rolled.returncode == 0, rolled.output
    stored = read_tenant(api, namespace, "example-tenant")
    assert "scheduler" not in stored["spec"]
    assert stored["status"]["currentState"] == "Ready", stored["status"]
    statefulset = client.AppsV1Api(api).read_namespaced_stateful_set("example-tenant-primary", namespace)
    assert statefulset.spec.template.spec.scheduler_name in (None, "default-scheduler")
    applied = events(api, namespace, "RollbackApplied")
    assert len(applied) == 1 and f"generation {record['generation']}" in applied[0].message

    # Once more: the tenant is at its last good spec, so the rollback changes nothing.
    again = rollback_play("example-tenant", namespace, tmp_path)
    assert again.returncode == 0, again.output
    assert read_tenant(api, namespace, "example-tenant")["metadata"]["generation"] == stored["metadata"]["generation"]
    assert len(events(api, namespace, "RollbackApplied")) == 1


def test_refused_rollbacks_leave_the_cluster_as_it_was(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    tenant = created(api, namespace, tmp_path)
    name = "example-tenant"
    core = client.CoreV1Api(api)

    # No record.
    try:
        core.delete_namespaced_config_map(history_name(name), namespace)
    except ApiException as error:
        assert error.status == 404
    before = versions(api, namespace)
    missing = rollback_play(name, namespace, tmp_path)
    assert missing.returncode != 0
    assert "RollbackUnavailable" in missing.output and f"{name}-history" in missing.output
    assert versions(api, namespace) == before

    # A record the safety checks refuse (its pool has another number of servers than the live one).
    record = ensure_record(api, namespace, name)
    unsafe = copy.deepcopy(record)
    unsafe["spec"]["pools"][0]["servers"] = 4
    unsafe["digest"] = spec_digest(unsafe["spec"])
    kube.apply(api, history_configmap(read_tenant(api, namespace, name), unsafe))
    before, spec = versions(api, namespace), read_tenant(api, namespace, name)["spec"]
    refused = rollback_play(name, namespace, tmp_path, rollback_request="r0")
    assert refused.returncode != 0
    assert "StatefulSetUpdateValidationFailed" in refused.output
    after = versions(api, namespace)
    # Only the Tenant's annotation moved: the request is answered so it is not retried.
    assert {k: v for k, v in after.items() if not k.startswith("Tenant/")} == {
        k: v for k, v in before.items() if not k.startswith("Tenant/")
    }
    stored = read_tenant(api, namespace, name)
    assert stored["metadata"]["annotations"][ANNOTATION_ROLLBACK_HANDLED] == "r0"
    assert stored["spec"] == spec
    assert len(events(api, namespace, "RollbackRefused")) == 1

    # A good record, a changed spec (applied without waiting, so its rollout is not seen complete and the
    # reconcile does not record it): --check shows the rollback and changes nothing.
    kube.apply(api, history_configmap(stored, record))
    changed = copy.deepcopy(tenant)
    changed["spec"]["env"] = [{"name": "RUST_LOG", "value": "debug"}]
    done = tenant_play(changed, tmp_path)
    assert done.returncode == 0, done.output
    before = versions(api, namespace)
    checked = rollback_play(name, namespace, tmp_path, "--check", "--diff")
    assert checked.returncode == 0, checked.output
    assert '"value": "info"' in checked.stdout or "value: info" in checked.stdout
    assert versions(api, namespace) == before

    # The rollback itself, answering a request.
    done = rollback_play(name, namespace, tmp_path, rollback_request="r1", wait=True, wait_timeout=120)
    assert done.returncode == 0, done.output
    stored = read_tenant(api, namespace, name)
    assert stored["spec"]["env"] == [{"name": "RUST_LOG", "value": "info"}]
    assert stored["metadata"]["annotations"][ANNOTATION_ROLLBACK_HANDLED] == "r1"
    statefulset = client.AppsV1Api(api).read_namespaced_stateful_set("example-tenant-primary", namespace)
    env = {e.name: e.value for e in statefulset.spec.template.spec.containers[0].env}
    assert env["RUST_LOG"] == "info"
    # Every claim is still there.
    claims = [c.metadata.name for c in core.list_namespaced_persistent_volume_claim(namespace).items]
    assert len(claims) == 4
