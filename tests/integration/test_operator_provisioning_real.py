"""An operator killed with SIGKILL in the middle of provisioning, against the real RustFS (issue 15).

The operator (its own process, the shipped RBAC) creates the tenant's StatefulSets on the real API
server; the tenant's pods then run as real RustFS processes built from them
(tests/support/rustfs_pods.py). The operator reaches them through its `admin_endpoint` setting, a
port-forward stand-in (tests/support/slow_forward.py) that holds each write for 0.4 s, so that the kill
lands between two writes. The restarted operator must finish the job once, every item checked on the
server, and then write nothing. Marked `dataplane`: `make dataplane-test` runs it.
"""

from __future__ import annotations

import base64
import json
import signal
import time
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from operator_support import OperatorProcess, label_tenant, wait_until
from support.real_rustfs import ROOT_ACCESS, ROOT_SECRET
from support.rustfs_pods import running_pods
from support.slow_forward import SlowForward, serving

from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_iam, rustfs_s3
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import Credentials, RustfsAdminClient

pytestmark = [pytest.mark.integration, pytest.mark.dataplane, pytest.mark.usefixtures("crd")]

GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
APP_SECRET = "app-secret-key-real-1"
BUCKETS = [f"crash-{i}" for i in range(6)]
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::crash-0/*"]}],
}


def secrets_and_policy(api: client.ApiClient, namespace: str) -> None:
    for name, keys in (("creds", (ROOT_ACCESS, ROOT_SECRET)), ("app", ("app-access", APP_SECRET))):
        data = {k: base64.b64encode(v.encode()).decode() for k, v in zip(("accesskey", "secretkey"), keys, strict=True)}
        kube.apply(
            api,
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}, "data": data},
        )
    kube.apply(
        api,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "policies", "namespace": namespace},
            "data": {"read": json.dumps(POLICY)},
        },
    )


def crash_tenant(namespace: str, data: Path) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Tenant",
        "metadata": {"name": "crash", "namespace": namespace},
        "spec": {
            "credsSecret": {"name": "creds"},
            "pools": [{"name": "a", "servers": 1, "persistence": {"volumesPerServer": 4, "path": str(data / "mnt")}}],
            "policies": [{"name": "read", "document": {"configMapKeyRef": {"name": "policies", "key": "read"}}}],
            "users": [{"name": "app", "policies": ["read"]}],
            "buckets": [{"name": name, **({"objectLock": True} if name == "crash-0" else {})} for name in BUCKETS],
        },
    }


def provisioned(api: client.ApiClient, namespace: str) -> dict[str, Any] | None:
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "crash")
    status = found.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c["type"] == "ProvisioningReady"), {})
    return status if ready.get("status") == "True" and status.get("currentState") == "Ready" else None


def test_an_operator_killed_while_provisioning_rustfs_converges_after_its_restart(
    api: client.ApiClient, namespace: str, operator_home: Any, tmp_path: Path
) -> None:
    home, kubeconfig, work = operator_home
    secrets_and_policy(api, namespace)
    data = tmp_path / "pods"
    forward = SlowForward(write_delay=0.4)
    instance = f"realkill-{time.monotonic_ns() % 10**6}"
    with serving(forward) as url:
        first = OperatorProcess(kubeconfig, home, instance, work, admin_endpoint=url, drift_interval=3600)
        try:
            first.wait_role("active")
            tenant = label_tenant(crash_tenant(namespace, data), instance)
            client.CustomObjectsApi(api).create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, tenant)
            kube.wait_for(
                lambda: client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items or None,
                timeout=120,
                what="the tenant's StatefulSet",
            )
            with running_pods(api, namespace, data) as pods:
                server = pods.pods["crash-a-0"].url
                forward.upstream = server
                kube.wait_for(lambda: len(forward.writes) >= 2 or None, timeout=180, interval=0.05, what="writes")
                first.kill(signal.SIGKILL)
                writes_at_kill = list(forward.writes)

                second = OperatorProcess(kubeconfig, home, instance, work, admin_endpoint=url, drift_interval=3600)
                try:
                    second.wait_role("active", timeout=60)
                    status = wait_until(
                        lambda: provisioned(api, namespace), timeout=180, what="ProvisioningReady after the restart"
                    )
                    print(f"writes before the kill: {len(writes_at_kill)}, in all: {len(forward.writes)}")
                    # The kill came in the middle: the first operator had not written everything.
                    assert len(writes_at_kill) < len(forward.writes), writes_at_kill
                    states = {
                        (kind, item["name"]): item["state"]
                        for kind in ("policies", "users", "buckets")
                        for item in status["provisioning"][kind]
                    }
                    assert set(states.values()) == {"Ready"} and len(states) == 2 + len(BUCKETS), states

                    # On the server: what the status says, and the user's keys do what its policy says.
                    root = RustfsAdminClient(server, Credentials(ROOT_ACCESS, ROOT_SECRET), timeout=60)
                    assert set(BUCKETS) <= rustfs_s3.list_buckets(root)
                    assert rustfs_s3.object_lock_enabled(root, "crash-0")
                    assert rustfs_iam.user_policies(rustfs_iam.list_users(root)["app-access"]) == ["read"]
                    root.request("PUT", "/crash-0/note", "put", body=b"kept")
                    app = Credentials("app-access", APP_SECRET)
                    assert root.request("GET", "/crash-0/note", "get", credentials=app)[1] == b"kept"

                    # Converged: nothing is written again.
                    forward.write_delay = 0.0
                    settled = len(forward.writes)
                    time.sleep(8)
                    assert forward.writes[settled:] == []
                finally:
                    assert second.stop() == 0, second.output()[-4000:]
        finally:
            first.kill(signal.SIGKILL)
