"""Several tenants in one playbook run, on the real control plane.

The reconcile playbook takes a list (`tenants`) and reconciles each in turn,
one tenant's failure not stopping the others; the operator uses it when more
tenants wait than it has workers. Here: the playbook directly, with tenants
whose API calls fail between good ones (with and without TLS, which take
different paths through the playbook) and a check that a batched result is
the single-tenant result; then an operator with one worker facing a burst of
new Tenants.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from operator_support import OperatorProcess, label_tenant, wait_until
from support.playbook import run_playbook

pytestmark = pytest.mark.integration

GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
BURST = 6


def small(namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Tenant",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}], **spec},
    }


def create(api: client.ApiClient, tenant: dict[str, Any]) -> dict[str, Any]:
    made: dict[str, Any] = client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, tenant["metadata"]["namespace"], PLURAL, tenant
    )
    return made


def read(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, name
    )
    return found


def as_input(stored: dict[str, Any]) -> dict[str, Any]:
    """The Tenant as the operator hands it to the playbook (identity and spec, no status)."""
    metadata = stored["metadata"]
    kept = {k: metadata[k] for k in ("name", "namespace", "uid", "generation")}
    return {"apiVersion": stored["apiVersion"], "kind": "Tenant", "metadata": kept, "spec": stored["spec"]}


def statefulsets(api: client.ApiClient, namespace: str) -> set[str]:
    return {s.metadata.name for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items}


def reconcile(tmp_path: Path, **extra_vars: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run rustfs.operator.reconcile; (its custom stats, its recap)."""
    done = run_playbook(
        "rustfs.operator.reconcile",
        extra_vars=extra_vars,
        tmp_dir=tmp_path,
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_SHOW_CUSTOM_STATS": "1"},
    )
    assert done.returncode == 0, done.output
    output = json.loads(done.stdout)
    return output["global_custom_stats"], output["stats"]["localhost"]


def test_the_reconcile_playbook_takes_a_list_and_a_failing_tenant_does_not_stop_the_others(
    api: client.ApiClient, namespace: str, crd: None, tmp_path: Path
) -> None:
    first = as_input(create(api, small(namespace, "first")))
    tls = as_input(create(api, small(namespace, "tls", tls={"mode": "certManager", "generated": {"enabled": True}})))
    blocked = as_input(create(api, small(namespace, "blocked", credsSecret={"name": "missing"})))
    # Their namespace does not exist: the reconciles fail with API errors (one in the module, one in the TLS steps).
    broken = json.loads(json.dumps(first))
    broken["metadata"].update(name="broken", namespace=f"{namespace}-missing")
    broken_tls = json.loads(json.dumps(tls))
    broken_tls["metadata"].update(name="broken-tls", namespace=f"{namespace}-missing")
    last = as_input(create(api, small(namespace, "last")))

    stats, recap = reconcile(tmp_path, tenants=[first, tls, broken, blocked, broken_tls, last])
    assert set(stats) == {"rustfs_results"}
    results = stats["rustfs_results"]
    assert set(results) == {f"{namespace}/{n}" for n in ("first", "tls", "blocked", "last")} | {
        f"{namespace}-missing/broken",
        f"{namespace}-missing/broken-tls",
    }
    for name in ("first", "tls", "last"):
        result = results[f"{namespace}/{name}"]
        assert result["blocked"] is False and f"StatefulSet/{name}-p" in result["applied"], result
        assert {"kind": "StatefulSet", "name": f"{name}-p", "action": "created"} in result["changed"]
        assert result["status"]["observedGeneration"] == 1
    assert results[f"{namespace}/blocked"]["blocked"] is True
    assert [p["reason"] for p in results[f"{namespace}/blocked"]["problems"]] == ["CredentialSecretNotFound"]
    for name in ("broken", "broken-tls"):
        failure = results[f"{namespace}-missing/{name}"]
        assert failure["failed"] is True and "not found" in failure["error"].lower(), failure
    assert statefulsets(api, namespace) == {"first-p", "tls-p", "last-p"}
    secrets = {s.metadata.name for s in client.CoreV1Api(api).list_namespaced_secret(namespace).items}
    assert {"tls-tls", "tls-tls-ca"} <= secrets
    assert read(api, namespace, "last")["status"]["observedGeneration"] == 1
    assert recap["failures"] == 0

    # A batched tenant's result is the single-tenant form's `rustfs_result`, field for field
    # (once the pods are up, so that both runs have nothing to do).
    kube.wait_for(
        lambda: (
            (client.AppsV1Api(api).read_namespaced_stateful_set("last-p", namespace).status.ready_replicas or 0) == 2
        ),
        timeout=60,
        what="last's pods ready",
    )
    reconcile(tmp_path, tenant=last)
    single, _ = reconcile(tmp_path, tenant=last)
    assert set(single) == {"rustfs_result"} and single["rustfs_result"]["writes"] == 0
    batched, _ = reconcile(tmp_path, tenants=[last, first])
    mine = batched["rustfs_results"][f"{namespace}/last"]
    assert {key: mine.get(key) for key in single["rustfs_result"]} == single["rustfs_result"]


def test_a_burst_behind_one_worker_is_reconciled_in_batched_runs(
    api: client.ApiClient, namespace: str, operator_home: Any
) -> None:
    home, kubeconfig, work = operator_home
    instance = f"batch-{uuid.uuid4().hex[:6]}"
    operator = OperatorProcess(kubeconfig, home, instance, work, workers=1, batch_size=4)
    try:
        operator.wait_role("active")
        names = [f"t{i}" for i in range(BURST)]
        for name in names:
            create(api, label_tenant(small(namespace, name), instance))

        def all_ready() -> bool:
            for name in names:
                status = read(api, namespace, name).get("status") or {}
                last = status.get("lastRun") or {}
                if status.get("currentState") != "Ready" or last.get("result") != "Succeeded":
                    return False
                if not last.get("childrenDigest"):
                    return False
            return True

        wait_until(all_ready, timeout=180, what=f"{BURST} tenants Ready with their lastRun recorded")
        assert statefulsets(api, namespace) == {f"{n}-p" for n in names}

        metrics = operator.metrics()
        runs = metrics["rustfs_operator_run_batch_size_count"]
        assert metrics["rustfs_operator_run_batch_size_sum"] == BURST  # each tenant ran once
        assert runs < BURST  # some ran together
        assert metrics['rustfs_operator_reconcile_total{outcome="succeeded",result="success"}'] == BURST
        assert metrics["rustfs_operator_runs_in_flight"] == 0

        lines = [json.loads(line) for line in operator.output().splitlines() if line.startswith("{")]
        batches = [e for e in lines if e["message"].startswith("one playbook run for")]
        assert batches and all(2 <= e["batch"] <= 4 for e in batches)
        per_tenant = [e for e in lines if e["message"].startswith("playbook run succeeded")]
        assert sorted(e["tenant"] for e in per_tenant) == sorted(f"{namespace}/{n}" for n in names)
        assert any(e["batch"] > 1 for e in per_tenant)
    finally:
        # The operator releases its finalizers, so the namespace can go afterwards.
        tenants = client.CustomObjectsApi(api)
        tenants.delete_collection_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
        wait_until(
            lambda: not tenants.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)["items"],
            timeout=90,
            what="tenants deleted",
        )
        assert operator.stop() == 0, operator.output()[-4000:]
