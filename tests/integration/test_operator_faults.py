"""The operator across a control-plane fault (issue 18): the API server is killed and comes back.

Only the processes the suite started are signalled, by the PIDs tests/cluster recorded; up.sh
restarts what died (a half-dead cluster is completed, its etcd data kept). The operator's
periodic drift check is set far beyond the test, so only its watch streams can notice a change.
"""

from __future__ import annotations

import time
from typing import Any

import kube
import pytest
from kubernetes import client
from operator_support import active_operator, label_tenant, wait_until
from support.playbook import example_tenant

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 15  # the middle of the 10-25 s outages issue 18 measured


def env_of(api: client.ApiClient, namespace: str, name: str) -> dict[str, str]:
    sts = client.AppsV1Api(api).read_namespaced_stateful_set(name, namespace)
    return {e.name: e.value for e in sts.spec.template.spec.containers[0].env if e.value is not None}


def uids(api: client.ApiClient, namespace: str) -> dict[str, str]:
    """Every StatefulSet, Service and claim of the namespace by kind/name: a recreated one has a new UID."""
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    found = {
        f"StatefulSet/{s.metadata.name}": s.metadata.uid for s in apps.list_namespaced_stateful_set(namespace).items
    }
    found |= {f"Service/{s.metadata.name}": s.metadata.uid for s in core.list_namespaced_service(namespace).items}
    claims = core.list_namespaced_persistent_volume_claim(namespace).items
    found |= {f"PersistentVolumeClaim/{c.metadata.name}": c.metadata.uid for c in claims}
    return found


def test_a_change_after_the_api_server_was_killed_is_reconciled_within_seconds(
    api: client.ApiClient, namespace: str, operator_home: Any
) -> None:
    # A lease longer than the outage: the replica keeps leading, so the same process must recover.
    settings = {"lease_duration": 120, "lease_renew_interval": 5, "drift_interval": 3600}
    with active_operator(operator_home, "fault", **settings) as operator:
        tenant = label_tenant(example_tenant("simple-tenant.yaml", namespace), operator.instance)
        tenant["metadata"]["name"] = "fault"
        tenant["spec"]["pools"] = [{"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}}]
        client.CustomObjectsApi(api).create_namespaced_custom_object(
            "rustfs.com", "v1alpha1", namespace, "tenants", tenant
        )
        wait_until(
            lambda: (kube.read_tenant(api, namespace, "fault").get("status") or {}).get("currentState") == "Ready",
            timeout=120,
            what="tenant Ready",
        )
        before = uids(api, namespace)
        assert any(k.startswith("PersistentVolumeClaim/") for k in before), before

        kube.kill_api_server()
        time.sleep(OUTAGE_SECONDS)
        restart = kube.restart_dead_components()
        kube.wait_api(api)

        # The change is made as soon as the API answers again.
        kube.set_tenant_env(api, namespace, "fault", [{"name": "RUST_LOG", "value": "debug"}])
        start = time.monotonic()
        # Far more than it takes (bench/fault_bench.py measures it), far less than the 60-86 s of issue 18.
        wait_until(
            lambda: env_of(api, namespace, "fault-pool-0").get("RUST_LOG") == "debug",
            timeout=45,
            what="the change applied after the outage",
        )
        elapsed = time.monotonic() - start
        print(f"change after a {OUTAGE_SECONDS} s API server outage applied in {elapsed:.1f} s")

        assert restart.wait(timeout=120) == 0
        operator.assert_running()  # the same process, still leading
        assert uids(api, namespace) == before, "an object or claim was recreated"
    kube.wait_controllers(api)
