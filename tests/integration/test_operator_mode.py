"""Operator mode on the real control plane.

The operator runs as a process on this machine with the token of a
ServiceAccount bound to exactly the shipped RBAC (operator/deploy). One
operator serves the whole module; tests that kill or duplicate operators
start their own, each serving only Tenants labelled for it.
"""

from __future__ import annotations

import base64
import copy
import json
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from operator_support import OperatorProcess, active_operator, label_tenant, shipped_rules, wait_until
from support.playbook import example_documents, example_tenant

pytestmark = pytest.mark.integration

EXAMPLES = ["simple-tenant.yaml", "multi-pool-tenant.yaml", "minimal-dev-tenant.yaml", "secret-credentials-tenant.yaml"]
GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def operator(operator_home: Any) -> Iterator[OperatorProcess]:
    with active_operator(operator_home, "shared") as process:
        yield process


# --- helpers --------------------------------------------------------------------


def tenants(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


def read(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = tenants(api).get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
    return found


def create(api: client.ApiClient, tenant: dict[str, Any]) -> dict[str, Any]:
    made: dict[str, Any] = tenants(api).create_namespaced_custom_object(
        GROUP, VERSION, tenant["metadata"]["namespace"], PLURAL, tenant
    )
    return made


def patch_spec(api: client.ApiClient, namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Replace the whole spec (a merge patch would merge lists' absence)."""
    current = read(api, namespace, name)
    current["spec"] = spec
    replaced: dict[str, Any] = tenants(api).replace_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, name, current
    )
    return replaced


def state(api: client.ApiClient, namespace: str, name: str) -> str | None:
    return (read(api, namespace, name).get("status") or {}).get("currentState")


def wait_state(api: client.ApiClient, namespace: str, name: str, wanted: str, timeout: float = 90) -> dict[str, Any]:
    """WANTED at the current generation, with the operator's lastRun summary of that generation written."""

    def probe() -> dict[str, Any] | None:
        tenant = read(api, namespace, name)
        status = tenant.get("status") or {}
        generation = tenant["metadata"]["generation"]
        fresh = status.get("observedGeneration") == generation == (status.get("lastRun") or {}).get("generation")
        return tenant if fresh and status.get("currentState") == wanted else None

    return wait_until(probe, timeout=timeout, what=f"tenant {namespace}/{name} {wanted}")


def condition(tenant: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in tenant["status"]["conditions"] if c["type"] == kind)


def statefulsets(api: client.ApiClient, namespace: str) -> dict[str, client.V1StatefulSet]:
    return {s.metadata.name: s for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items}


def owned_names(api: client.ApiClient, namespace: str) -> list[str]:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    selector = "rustfs.tenant"
    names = [f"StatefulSet/{s.metadata.name}" for s in apps.list_namespaced_stateful_set(namespace).items]
    names += [
        f"Service/{s.metadata.name}" for s in core.list_namespaced_service(namespace, label_selector=selector).items
    ]
    names += [
        f"ServiceAccount/{s.metadata.name}"
        for s in core.list_namespaced_service_account(namespace, label_selector=selector).items
    ]
    return sorted(names)


def events(api: client.ApiClient, namespace: str, name: str) -> list[client.CoreV1Event]:
    return [
        e
        for e in client.CoreV1Api(api).list_namespaced_event(namespace).items
        if e.involved_object.kind == "Tenant" and e.involved_object.name == name
    ]


def reasons(api: client.ApiClient, namespace: str, name: str) -> set[str]:
    return {e.reason for e in events(api, namespace, name)}


def apply_secrets(api: client.ApiClient, example: str, namespace: str) -> None:
    for doc in example_documents(example):
        if doc["kind"] == "Secret":
            doc["metadata"]["namespace"] = namespace
            kube.apply(api, doc)


def small_tenant(namespace: str, instance: str, name: str = "small") -> dict[str, Any]:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    tenant["metadata"]["name"] = name
    tenant["spec"]["pools"] = [{"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}}]
    return label_tenant(tenant, instance)


# --- tests ----------------------------------------------------------------------


def test_examples_become_ready(api: client.ApiClient, operator: OperatorProcess) -> None:
    namespaces = {example: kube.create_namespace(api, "it-op-example") for example in EXAMPLES}
    try:
        created = {}
        for example, namespace in namespaces.items():
            apply_secrets(api, example, namespace)
            created[example] = create(api, label_tenant(example_tenant(example, namespace), operator.instance))
        for example, namespace in namespaces.items():
            name = created[example]["metadata"]["name"]
            stored = wait_state(api, namespace, name, "Ready", timeout=120)
            status = stored["status"]
            pools = stored["spec"]["pools"]
            assert [p["state"] for p in status["pools"]] == ["RolloutComplete"] * len(pools)
            assert status["availableReplicas"] == sum(p["servers"] for p in pools)
            assert condition(stored, "Ready")["reason"] == "ReconcileSucceeded"
            assert status["lastRun"]["result"] == "Succeeded"
            assert status["lastRun"]["digest"] and status["lastRun"]["childrenDigest"]
            assert stored["metadata"]["finalizers"] == ["rustfs.com/finalizer"]
            for sts in statefulsets(api, namespace).values():
                owner = sts.metadata.owner_references[0]
                assert (owner.kind, owner.uid, owner.controller) == ("Tenant", stored["metadata"]["uid"], True)
            assert {"ReconcileStarted", "StatefulSetCreated"} <= reasons(api, namespace, name)
    finally:
        for namespace in namespaces.values():
            kube.delete_namespace(api, namespace)


def test_steady_tenant_costs_no_run_and_drift_is_repaired(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    tenant = create(api, small_tenant(namespace, operator.instance))
    wait_state(api, namespace, "small", "Ready")
    wait_until(lambda: (read(api, namespace, "small")["status"].get("lastRun") or {}).get("childrenDigest"))
    # Every run rewrites status.lastRun (a new startedAt), so an unchanged
    # resourceVersion proves no run and no status write happened.
    version = read(api, namespace, "small")["metadata"]["resourceVersion"]
    children = {s.metadata.name: s.metadata.resource_version for s in statefulsets(api, namespace).values()}
    time.sleep(3)
    assert read(api, namespace, "small")["metadata"]["resourceVersion"] == version
    assert {s.metadata.name: s.metadata.resource_version for s in statefulsets(api, namespace).values()} == children

    # Someone deletes an owned Service: the watch sees it, a run restores it.
    client.CoreV1Api(api).delete_namespaced_service("small-io", namespace)
    restored = wait_until(
        lambda: client.CoreV1Api(api).read_namespaced_service("small-io", namespace), what="Service restored"
    )
    assert restored.metadata.owner_references[0].uid == tenant["metadata"]["uid"]
    assert "DriftDetected" in reasons(api, namespace, "small")


def test_update_goes_reconciling_then_ready(api: client.ApiClient, namespace: str, operator: OperatorProcess) -> None:
    create(api, small_tenant(namespace, operator.instance))
    ready = wait_state(api, namespace, "small", "Ready")
    revision = statefulsets(api, namespace)["small-pool-0"].status.update_revision

    spec = copy.deepcopy(ready["spec"])
    spec["env"] = [{"name": "RUST_LOG", "value": "debug"}]
    generation = patch_spec(api, namespace, "small", spec)["metadata"]["generation"]
    seen: list[str] = []

    def ready_at_generation() -> dict[str, Any] | None:
        tenant = read(api, namespace, "small")
        status = tenant.get("status") or {}
        if status.get("observedGeneration") == generation:
            seen.append(status.get("currentState"))
        settled = (status.get("lastRun") or {}).get("generation") == generation
        return tenant if seen and seen[-1] == "Ready" and settled else None

    done = kube.wait_for(ready_at_generation, timeout=90, interval=0.1, what="Ready at the new generation")
    assert seen[0] == "Reconciling", seen
    assert condition(done, "Ready")["observedGeneration"] == generation
    started = [e for e in events(api, namespace, "small") if e.reason == "ReconcileStarted"]
    assert any(f"generation {generation}" in e.message for e in started)
    sts = statefulsets(api, namespace)["small-pool-0"]
    assert sts.status.update_revision != revision
    env = {e.name: e.value for e in sts.spec.template.spec.containers[0].env}
    assert env["RUST_LOG"] == "debug"
    assert done["status"]["lastRun"]["generation"] == generation


def test_a_new_image_rolls_the_pools_one_at_a_time_without_another_spec_change(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    tenant = small_tenant(namespace, operator.instance, name="roll")
    tenant["spec"]["pools"] = [
        {"name": "a", "servers": 2, "persistence": {"volumesPerServer": 2}},
        {"name": "b", "servers": 2, "persistence": {"volumesPerServer": 2}},
    ]
    create(api, tenant)
    ready = wait_state(api, namespace, "roll", "Ready")
    spec = copy.deepcopy(ready["spec"])
    spec["image"] = "rustfs/rustfs:1.0.0-beta.11"
    generation = patch_spec(api, namespace, "roll", spec)["metadata"]["generation"]
    most_rolling = 0

    def rolled() -> bool:
        nonlocal most_rolling
        sets = list(statefulsets(api, namespace).values())
        rolling = 0
        for sts in sets:
            strategy = sts.spec.update_strategy
            held = bool(strategy and strategy.rolling_update and strategy.rolling_update.partition)
            status = sts.status
            rolling += not held and status.current_revision != status.update_revision
        most_rolling = max(most_rolling, rolling)
        return len(sets) == 2 and all(
            s.spec.template.spec.containers[0].image == spec["image"]
            and not (
                s.spec.update_strategy
                and s.spec.update_strategy.rolling_update
                and s.spec.update_strategy.rolling_update.partition
            )
            and s.status.current_revision == s.status.update_revision
            and s.status.updated_replicas == 2
            for s in sets
        )

    # The second pool is released by the operator itself when the first completes.
    kube.wait_for(rolled, timeout=120, interval=0.2, what="both pools rolled")
    assert most_rolling <= 1  # never two pools replacing pods at once
    done = wait_state(api, namespace, "roll", "Ready")
    assert done["status"]["observedGeneration"] == generation


def test_a_stalled_rollout_is_reported_and_the_rollback_annotation_restores_the_last_good_spec(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    tenant = small_tenant(namespace, operator.instance, name="rb")
    tenant["metadata"]["annotations"] = {"operator.rustfs.com/rollout-deadline-seconds": "5"}
    create(api, tenant)
    ready = wait_state(api, namespace, "rb", "Ready")
    # The operator records the spec once every pool runs it (the ConfigMap rb-history).
    core = client.CoreV1Api(api)
    recorded = wait_until(
        lambda: next(
            (c for c in core.list_namespaced_config_map(namespace).items if c.metadata.name == "rb-history"), None
        ),
        what="the last good spec recorded",
    )
    assert json.loads(recorded.data["last-good.json"])["generation"] == ready["metadata"]["generation"]

    bad = copy.deepcopy(ready["spec"])
    bad["scheduler"] = "no-such-scheduler"  # the first replaced pod stays Pending
    patch_spec(api, namespace, "rb", bad)
    stalled = wait_state(api, namespace, "rb", "Degraded", timeout=90)
    assert condition(stalled, "Ready")["reason"] == "RolloutStalled"
    assert "RolloutStalled" in reasons(api, namespace, "rb")

    tenants(api).patch_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "rb", {"metadata": {"annotations": {"operator.rustfs.com/rollback": "1"}}}
    )
    restored = wait_state(api, namespace, "rb", "Ready", timeout=120)
    assert "scheduler" not in restored["spec"]
    assert restored["metadata"]["annotations"]["operator.rustfs.com/rollback-handled"] == "1"
    assert {"RollbackStarted", "RollbackApplied"} <= reasons(api, namespace, "rb")


def test_bad_spec_is_blocked_without_retries_then_fixed(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    tenant = small_tenant(namespace, operator.instance)
    good = copy.deepcopy(tenant["spec"])
    tenant["spec"]["env"] = [{"name": "RUSTFS_KMS_ENABLE", "value": "true"}]
    create(api, tenant)
    blocked = wait_state(api, namespace, "small", "Blocked")
    ready = condition(blocked, "Ready")
    assert ready["status"] == "False" and ready["reason"] == "KmsConfigInvalid"
    assert "spec.env[0].name" in ready["message"] and "spec.encryption" in ready["message"]
    assert condition(blocked, "KmsReady")["status"] == "False"
    assert blocked["status"]["lastRun"]["result"] == "Blocked"
    assert statefulsets(api, namespace) == {}
    assert any(e.type == "Warning" and e.reason == "KmsConfigInvalid" for e in events(api, namespace, "small"))

    # No hot loop: nothing changes, so nothing runs again.
    blocked_runs = operator.metric('rustfs_operator_reconcile_total{outcome="blocked",result="error"}')
    time.sleep(4)
    assert operator.metric('rustfs_operator_reconcile_total{outcome="blocked",result="error"}') == blocked_runs

    patch_spec(api, namespace, "small", good)
    fixed = wait_state(api, namespace, "small", "Ready")
    assert condition(fixed, "KmsReady")["status"] == "True"
    assert set(statefulsets(api, namespace)) == {"small-pool-0"}


def test_fixing_the_secret_unblocks_without_touching_the_tenant(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    tenant = label_tenant(example_tenant("secret-credentials-tenant.yaml", namespace), operator.instance)
    name = tenant["metadata"]["name"]
    created = create(api, tenant)
    blocked = wait_state(api, namespace, name, "Blocked")
    assert condition(blocked, "CredentialsReady")["reason"] == "CredentialSecretNotFound"
    assert "rustfs-credentials" in condition(blocked, "Ready")["message"]

    secret = client.V1Secret(
        metadata=client.V1ObjectMeta(name="rustfs-credentials"),
        data={k: base64.b64encode(b"short").decode() for k in ("accesskey", "secretkey")},
    )
    client.CoreV1Api(api).create_namespaced_secret(namespace, secret)
    wait_until(
        lambda: condition(read(api, namespace, name), "CredentialsReady")["reason"] == "CredentialSecretTooShort",
        what="the too-short Secret reported",
    )
    secret.data = {k: base64.b64encode(b"long-enough-value").decode() for k in ("accesskey", "secretkey")}
    client.CoreV1Api(api).replace_namespaced_secret("rustfs-credentials", namespace, secret)
    ready = wait_state(api, namespace, name, "Ready")
    assert ready["metadata"]["generation"] == created["metadata"]["generation"]
    assert ready["spec"] == created["spec"]
    assert "long-enough-value" not in operator.output()
    for path in (operator.work / f"work-{operator.port}").rglob("*"):
        if path.is_file():
            assert b"long-enough-value" not in path.read_bytes(), path


def test_delete_removes_children_and_keeps_claims(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    create(api, small_tenant(namespace, operator.instance))
    wait_state(api, namespace, "small", "Ready")
    core = client.CoreV1Api(api)
    claims = wait_until(
        lambda: len(c := core.list_namespaced_persistent_volume_claim(namespace).items) == 2 and c,
        what="both claims",
    )
    tenants(api).delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "small")
    kube.wait_gone(lambda: read(api, namespace, "small"), timeout=60, what="Tenant gone")
    wait_until(lambda: owned_names(api, namespace) == [], timeout=60, what="children garbage-collected")
    kept = {c.metadata.name for c in core.list_namespaced_persistent_volume_claim(namespace).items}
    assert kept == {c.metadata.name for c in claims}
    deleted = [e for e in events(api, namespace, "small") if e.reason == "TenantDeleted"]
    assert deleted and all(name in deleted[0].message for name in kept)


def test_delete_volumes_annotation_deletes_the_claims_too(
    api: client.ApiClient, namespace: str, operator: OperatorProcess
) -> None:
    tenant = small_tenant(namespace, operator.instance)
    tenant["metadata"]["annotations"] = {"rustfs.com/delete-volumes": "true"}
    create(api, tenant)
    wait_state(api, namespace, "small", "Ready")
    core = client.CoreV1Api(api)
    wait_until(lambda: len(core.list_namespaced_persistent_volume_claim(namespace).items) == 2, what="both claims")
    tenants(api).delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "small")
    kube.wait_gone(lambda: read(api, namespace, "small"), timeout=60, what="Tenant gone")
    wait_until(
        lambda: all(
            c.metadata.deletion_timestamp for c in core.list_namespaced_persistent_volume_claim(namespace).items
        ),
        what="claims deleted",
    )


def test_without_an_operator_the_finalizer_is_removed_by_hand(api: client.ApiClient, kubeconfig: Path) -> None:
    """The way out documented in docs/operator.md, with no operator running at all."""
    namespace = kube.create_namespace(api, "it-op-orphan")
    tenant = small_tenant(namespace, "nobody-serves-this")
    tenant["metadata"]["finalizers"] = ["rustfs.com/finalizer"]
    create(api, tenant)
    client.CoreV1Api(api).delete_namespace(namespace)
    wait_until(lambda: read(api, namespace, "small")["metadata"].get("deletionTimestamp"), what="Tenant terminating")
    time.sleep(2)
    assert client.CoreV1Api(api).read_namespace(namespace).status.phase == "Terminating"
    no_finalizers = '{"metadata":{"finalizers":null}}'
    kube.kubectl(kubeconfig, "patch", "tenant", "small", "-n", namespace, "--type=merge", "-p", no_finalizers)
    kube.wait_gone(lambda: client.CoreV1Api(api).read_namespace(namespace), timeout=90, what="namespace deleted")


def test_kill_during_a_reconcile_then_restart_converges(
    api: client.ApiClient, namespace: str, operator_home: Any
) -> None:
    home, kubeconfig, work = operator_home
    instance = f"crash-{uuid.uuid4().hex[:6]}"
    first = OperatorProcess(kubeconfig, home, instance, work)
    try:
        first.wait_role("active")
        create(api, small_tenant(namespace, instance))
        wait_until(lambda: first.metric("rustfs_operator_runs_in_flight") >= 1, what="a run in flight")
        first.kill(signal.SIGKILL)
    finally:
        first.kill(signal.SIGKILL)
    second = OperatorProcess(kubeconfig, home, instance, work)
    try:
        second.wait_role("active", timeout=60)
        ready = wait_state(api, namespace, "small", "Ready", timeout=120)
        wait_until(lambda: (read(api, namespace, "small")["status"].get("lastRun") or {}).get("childrenDigest"))
        assert owned_names(api, namespace) == [
            "Service/small-console",
            "Service/small-hl",
            "Service/small-io",
            "ServiceAccount/small-sa",
            "StatefulSet/small-pool-0",
        ]
        for sts in statefulsets(api, namespace).values():
            assert [o.uid for o in sts.metadata.owner_references] == [ready["metadata"]["uid"]]
    finally:
        assert second.stop() == 0, second.output()[-4000:]

    # A restart over an unchanged tenant runs nothing and writes nothing.
    version = read(api, namespace, "small")["metadata"]["resourceVersion"]
    third = OperatorProcess(kubeconfig, home, instance, work)
    try:
        third.wait_role("active", timeout=60)
        time.sleep(3)
        assert third.runs() == 0
        assert read(api, namespace, "small")["metadata"]["resourceVersion"] == version
        assert third.metric("rustfs_operator_runs_skipped_total") >= 1
    finally:
        assert third.stop() == 0, third.output()[-4000:]


def test_second_replica_stays_passive_and_takes_over(api: client.ApiClient, namespace: str, operator_home: Any) -> None:
    home, kubeconfig, work = operator_home
    instance = f"ha-{uuid.uuid4().hex[:6]}"
    active = OperatorProcess(kubeconfig, home, instance, work)
    standby: OperatorProcess | None = None
    try:
        active.wait_role("active")
        standby = OperatorProcess(kubeconfig, home, instance, work)
        standby.wait_role("standby")
        create(api, small_tenant(namespace, instance))
        wait_state(api, namespace, "small", "Ready")
        assert standby.runs() == 0
        assert standby.metric("rustfs_operator_leader") == 0
        assert active.metric("rustfs_operator_leader") == 1
        status, body = standby.get("/readyz")
        assert status == 200 and '"standby"' in body

        active.kill(signal.SIGKILL)
        standby.wait_role("active", timeout=30)
        spec = read(api, namespace, "small")["spec"]
        spec["env"] = [{"name": "RUST_LOG", "value": "warn"}]
        patch_spec(api, namespace, "small", spec)
        wait_state(api, namespace, "small", "Ready")
        assert standby.runs() >= 1
    finally:
        active.kill(signal.SIGKILL)
        if standby is not None:
            assert standby.stop() == 0, standby.output()[-4000:]


def test_shipped_rbac_is_least_privilege() -> None:
    """No wildcard, no delete of owned kinds but StatefulSets (garbage collection does it), spec.exposure's
    Ingresses and routes and the NetworkPolicies a tenant no longer renders, never a Secret delete.

    Secret writes exist only for TLS certificates the collection generates and rotates
    ({t}-tls, {t}-tls-ca); user Secrets are never written (the tls role refuses a
    same-named Secret it did not create).
    """
    role, cluster = shipped_rules()
    for rule in role + cluster:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule["apiGroups"]
        if "secrets" in rule["resources"]:
            assert set(rule["verbs"]) <= {"get", "list", "watch", "create", "update", "patch"}
        if set(rule["resources"]) & {"services", "serviceaccounts", "roles", "rolebindings", "poddisruptionbudgets"}:
            assert "delete" not in rule["verbs"]
        if "delete" in rule["verbs"] and set(rule["resources"]) & {"ingresses", "httproutes", "tlsroutes"}:
            # The Ingresses and routes spec.exposure no longer asks for, and only those (a rule of their own).
            assert set(rule["resources"]) <= {"ingresses", "httproutes", "tlsroutes"}
        if "delete" in rule["verbs"] and "statefulsets" in rule["resources"]:
            # Only for volume expansion (an orphaning delete, pods and claims kept), in a rule of its own.
            assert rule["resources"] == ["statefulsets"] and rule["verbs"] == ["delete"]
    assert {r for rule in role for r in rule["resources"]} == {"leases"}
