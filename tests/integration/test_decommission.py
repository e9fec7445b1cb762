"""Pool decommission (spec 9.5) in playbook mode on the real control plane.

RustFS itself is not running here (pods are simulated), so its admin API is a fake one on
127.0.0.1 that checks every request's SigV4 signature against the tenant's credentials Secret
(tests/support/fake_rustfs.py); the playbook reaches it through `admin_endpoint`, as a user
outside the cluster would through a port-forward. Everything else is the real API server: the
StatefulSet is deleted by the garbage collector, and the claims must survive it.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from support.fake_rustfs import ACCESS, SECRET, FakeRustfs, serving
from support.playbook import PlaybookRun, run_playbook

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]

DECOMMISSION = "/rustfs/admin/v3/pools/decommission"
INTERNAL_ERROR = (
    b"<Error><Code>InternalError</Code><Message>admin start decommission failed for pools [0]: We encountered "
    b"an internal error, please try again.</Message></Error>"
)


def play(tenant: dict[str, Any], tmp_path: Path, **extra: Any) -> PlaybookRun:
    return run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant, **extra}, tmp_dir=tmp_path)


def credentials(api: client.ApiClient, namespace: str) -> None:
    kube.apply(
        api,
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "drain-creds", "namespace": namespace},
            "data": {
                "accesskey": base64.b64encode(ACCESS.encode()).decode(),
                "secretkey": base64.b64encode(SECRET.encode()).decode(),
            },
        },
    )


def tenant_with(namespace: str, *pool_names: str) -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "drain", "namespace": namespace},
        "spec": {
            "credsSecret": {"name": "drain-creds"},
            "pools": [{"name": name, "servers": 2, "persistence": {"volumesPerServer": 2}} for name in pool_names],
        },
    }


def start(tenant: dict[str, Any], pool: str, request_id: str = "retire-1") -> dict[str, Any]:
    tenant["spec"]["poolLifecycle"] = {
        "pvcRetentionPolicy": "Retain",
        "decommissionRequests": [
            {"poolName": pool, "requestId": request_id, "action": "Start", "reason": "old disks"},
        ],
    }
    return tenant


def stored(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    found: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "drain"
    )
    return found


def pool_item(api: client.ApiClient, namespace: str, pool: str) -> dict[str, Any]:
    items = stored(api, namespace)["status"]["pools"]
    return next(p for p in items if p["name"] == pool)


def condition(api: client.ApiClient, namespace: str, kind: str) -> dict[str, Any]:
    return next(c for c in stored(api, namespace)["status"]["conditions"] if c["type"] == kind)


def statefulsets(api: client.ApiClient, namespace: str) -> dict[str, client.V1StatefulSet]:
    return {s.metadata.name: s for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items}


def claims(api: client.ApiClient, namespace: str) -> dict[str, str]:
    return {
        c.metadata.name: c.metadata.uid
        for c in client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    }


def volumes_env(sts: client.V1StatefulSet) -> str:
    env = sts.spec.template.spec.containers[0].env
    return str(next(e.value for e in env if e.name == "RUSTFS_VOLUMES"))


def test_a_drained_pool_is_deleted_keeping_its_claims_and_may_then_leave_the_spec(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    credentials(api, namespace)
    tenant = tenant_with(namespace, "a", "b")
    created = play(tenant, tmp_path, wait=True, wait_timeout=120)
    assert created.returncode == 0, created.output
    kube.wait_for(lambda: len(claims(api, namespace)) == 8 or None, timeout=60, what="8 claims")
    claims_before = claims(api, namespace)
    assert "drain-a-" in volumes_env(statefulsets(api, namespace)["drain-b"])

    fake = FakeRustfs(access=ACCESS, secret=SECRET, learn_pools=True)
    with serving(fake) as url:
        # 1. The start is sent to RustFS, signed with the tenant's credentials.
        started = play(start(tenant, "a"), tmp_path, admin_endpoint=url)
        assert started.returncode == 0, started.output
        posts = [pool for method, path, pool in fake.calls if (method, path) == ("POST", DECOMMISSION)]
        assert len(posts) == 1 and posts[0].startswith("http://drain-a-{0...1}.drain-hl.")
        item = pool_item(api, namespace, "a")
        assert item["lifecycleState"] == "Decommissioning"
        assert item["decommission"]["requestId"] == "retire-1" and item["decommission"]["startRequestedAt"]
        # On WorkloadsReady, as the RustFS operator reports a decommission in progress; PoolsReady stays True.
        workloads = condition(api, namespace, "WorkloadsReady")
        assert (workloads["status"], workloads["reason"]) == ("False", "PoolDecommissioning")
        pools_ready = condition(api, namespace, "PoolsReady")
        assert (pools_ready["status"], pools_ready["reason"]) == ("True", "ReconcileSucceeded")
        assert stored(api, namespace)["status"]["currentState"] == "Reconciling"

        # 2. While RustFS moves data, the pool keeps running and the progress is reported.
        polled = play(tenant, tmp_path, admin_endpoint=url)
        assert polled.returncode == 0, polled.output
        assert pool_item(api, namespace, "a")["decommission"]["phase"] == "Running"
        assert "drain-a" in statefulsets(api, namespace)
        assert len([c for c in fake.calls if c[1] == DECOMMISSION]) == 1  # started once, not again

        # 3. Drained: the StatefulSet goes, its claims stay, and the other pool stops naming it.
        fake.complete(posts[0])
        drained = play(tenant, tmp_path, admin_endpoint=url)
        assert drained.returncode == 0, drained.output
    item = pool_item(api, namespace, "a")
    assert item["lifecycleState"] == "Decommissioned"
    assert item["decommission"]["phase"] == "Complete"
    # The deletion of its StatefulSet is announced as the RustFS operator announces it.
    assert item["decommission"]["cleanup"]["state"] == "StatefulSetDeleting"
    events = client.CoreV1Api(api).list_namespaced_event(namespace).items
    assert {"PoolDecommissionStarted", "PoolDecommissionCleanupStarted"} <= {e.reason for e in events}
    assert "StatefulSetDeleted" not in {e.reason for e in events}
    kube.wait_for(lambda: "drain-a" not in statefulsets(api, namespace), timeout=60, what="drain-a deleted")
    assert "drain-a-" not in volumes_env(statefulsets(api, namespace)["drain-b"])
    assert claims(api, namespace) == claims_before

    # 4. The drained pool may now leave the spec; its status entry and its claims remain.
    tenant["spec"]["pools"] = [p for p in tenant["spec"]["pools"] if p["name"] != "a"]
    removed = play(tenant, tmp_path, wait=True, wait_timeout=120)
    assert removed.returncode == 0, removed.output
    assert "PoolDeleteBlocked" not in removed.output
    item = pool_item(api, namespace, "a")
    assert item["lifecycleState"] == "Decommissioned"
    assert item["decommission"]["cleanup"]["state"] == "PvcRetained"
    assert set(statefulsets(api, namespace)) == {"drain-b"}
    assert claims(api, namespace) == claims_before
    ready = condition(api, namespace, "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "ReconcileSucceeded"), ready

    # 5. Nothing left to do: a rerun writes nothing.
    again = play(tenant, tmp_path)
    assert again.returncode == 0 and again.changed == 0, again.output


def test_a_start_rustfs_refuses_is_reported_on_the_pool_and_sent_again_on_the_next_run(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    credentials(api, namespace)
    tenant = tenant_with(namespace, "a", "b")
    assert play(tenant, tmp_path).returncode == 0
    fake = FakeRustfs(access=ACCESS, secret=SECRET, learn_pools=True)
    # RustFS 1.0.1's answer in the seconds after its pods start (its log: "pool activation requires a live
    # fleet capability proof"), seen by tests/integration/test_decommission_real.py.
    fake.refuse_start = (500, INTERNAL_ERROR)
    with serving(fake) as url:
        refused = play(start(tenant, "a"), tmp_path, admin_endpoint=url)
        assert refused.returncode == 0, refused.output
        decommission = pool_item(api, namespace, "a")["decommission"]
        assert decommission["phase"] == "Pending"
        assert "did not accept" in decommission["message"], decommission
        assert "We encountered an internal error" in decommission["message"], decommission

        fake.refuse_start = None
        accepted = play(tenant, tmp_path, admin_endpoint=url)
        assert accepted.returncode == 0, accepted.output
    assert [c[0] for c in fake.calls if c[1] == DECOMMISSION] == ["POST", "POST"]
    decommission = pool_item(api, namespace, "a")["decommission"]
    assert decommission["message"] == "decommission start requested from RustFS", decommission


def test_the_last_pool_cannot_be_decommissioned_and_nothing_is_sent_or_changed(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    credentials(api, namespace)
    tenant = tenant_with(namespace, "only")
    assert play(tenant, tmp_path).returncode == 0
    before = {name: s.metadata.resource_version for name, s in statefulsets(api, namespace).items()}

    fake = FakeRustfs(access=ACCESS, secret=SECRET, learn_pools=True)
    with serving(fake) as url:
        refused = play(start(tenant, "only"), tmp_path, admin_endpoint=url)
    assert refused.returncode != 0
    assert "PoolDecommissionFailed" in refused.output and "last live pool" in refused.output
    assert [c for c in fake.calls if c[0] == "POST"] == []
    assert {name: s.metadata.resource_version for name, s in statefulsets(api, namespace).items()} == before
    pools_ready = condition(api, namespace, "PoolsReady")
    assert (pools_ready["status"], pools_ready["reason"]) == ("False", "PoolDecommissionFailed")
    assert stored(api, namespace)["status"]["currentState"] == "Blocked"


def test_a_pool_cannot_leave_the_spec_before_it_is_decommissioned(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    credentials(api, namespace)
    tenant = tenant_with(namespace, "a", "b")
    assert play(tenant, tmp_path).returncode == 0
    tenant["spec"]["pools"] = tenant["spec"]["pools"][1:]
    refused = play(tenant, tmp_path)
    assert refused.returncode != 0 and "PoolDeleteBlocked" in refused.output
    assert set(statefulsets(api, namespace)) == {"drain-a", "drain-b"}
