"""Pool decommission in operator mode: the operator polls RustFS by itself while a pool drains.

The operator runs outside the cluster with the shipped RBAC (as in test_operator_mode.py), so it
reaches the fake RustFS admin API on 127.0.0.1 through its `admin_endpoint` setting, as an
operator run from a workstation would through a port-forward. Nobody edits the Tenant between the
start and the end of the drain: only the operator's own polling can notice that RustFS finished.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import kube
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from operator_support import OperatorProcess, active_operator, label_tenant, wait_until
from support.fake_rustfs import ACCESS, SECRET, FakeRustfs, serving

pytestmark = pytest.mark.integration

GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
DECOMMISSION = "/rustfs/admin/v3/pools/decommission"


@pytest.fixture(scope="module")
def rustfs() -> Iterator[tuple[FakeRustfs, str]]:
    fake = FakeRustfs(access=ACCESS, secret=SECRET, learn_pools=True)
    with serving(fake) as url:
        yield fake, url


@pytest.fixture(scope="module")
def operator(operator_home: Any, rustfs: tuple[FakeRustfs, str]) -> Iterator[OperatorProcess]:
    with active_operator(operator_home, "drain", admin_endpoint=rustfs[1], decommission_poll_interval=2) as process:
        yield process


def read(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    found: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "drain"
    )
    return found


def replace_spec(api: client.ApiClient, namespace: str, spec: dict[str, Any]) -> None:
    """Read, modify, write; again when the operator wrote the status in between (409), as kubectl edit would."""
    for attempt in range(5):
        current = read(api, namespace)
        current["spec"] = spec
        try:
            client.CustomObjectsApi(api).replace_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL, "drain", current
            )
            return
        except ApiException as error:
            if error.status != 409 or attempt == 4:
                raise


def pool_item(tenant: dict[str, Any], pool: str) -> dict[str, Any]:
    return next((p for p in (tenant.get("status") or {}).get("pools") or [] if p["name"] == pool), {})


def statefulsets(api: client.ApiClient, namespace: str) -> set[str]:
    return {s.metadata.name for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items}


def claims(api: client.ApiClient, namespace: str) -> dict[str, str]:
    items = client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    return {c.metadata.name: c.metadata.uid for c in items}


def ready_at_generation(api: client.ApiClient, namespace: str) -> dict[str, Any] | None:
    tenant = read(api, namespace)
    status = tenant.get("status") or {}
    fresh = status.get("observedGeneration") == tenant["metadata"]["generation"]
    return tenant if fresh and status.get("currentState") == "Ready" else None


def test_the_operator_follows_a_drain_to_its_end_and_the_pool_leaves(
    api: client.ApiClient, namespace: str, operator: OperatorProcess, rustfs: tuple[FakeRustfs, str]
) -> None:
    fake, _url = rustfs
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in (("accesskey", ACCESS), ("secretkey", SECRET))}
    kube.apply(
        api,
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": namespace}, "data": encoded},
    )
    tenant = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Tenant",
        "metadata": {"name": "drain", "namespace": namespace},
        "spec": {
            "credsSecret": {"name": "creds"},
            "pools": [{"name": name, "servers": 2, "persistence": {"volumesPerServer": 1}} for name in ("a", "b")],
        },
    }
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, label_tenant(tenant, operator.instance)
    )
    wait_until(lambda: ready_at_generation(api, namespace), timeout=120, what="tenant Ready")
    kube.wait_for(lambda: len(claims(api, namespace)) == 4 or None, timeout=60, what="4 claims")
    claims_before = claims(api, namespace)

    spec = read(api, namespace)["spec"]
    spec["poolLifecycle"] = {
        "pvcRetentionPolicy": "Retain",
        "decommissionRequests": [{"poolName": "a", "requestId": "r1", "action": "Start"}],
    }
    replace_spec(api, namespace, spec)

    def started() -> str | None:
        posts = [p for m, path, p in fake.calls if (m, path) == ("POST", DECOMMISSION) and p and "drain-a-" in p]
        return posts[0] if posts else None

    token = wait_until(started, timeout=90, what="decommission started in RustFS")
    wait_until(
        lambda: pool_item(read(api, namespace), "a").get("lifecycleState") == "Decommissioning",
        timeout=60,
        what="pool a Decommissioning",
    )

    # RustFS finishes; nothing else happens to the Tenant. The operator's polling must see it.
    fake.complete(token)
    wait_until(
        lambda: pool_item(read(api, namespace), "a").get("lifecycleState") == "Decommissioned",
        timeout=90,
        what="pool a Decommissioned",
    )
    kube.wait_for(lambda: "drain-a" not in statefulsets(api, namespace), timeout=60, what="drain-a deleted")
    assert claims(api, namespace) == claims_before
    assert len([c for c in fake.calls if c[1] == DECOMMISSION]) == 1

    # The drained pool leaves the spec: accepted, the tenant is Ready on pool b, claims all kept.
    spec = read(api, namespace)["spec"]
    spec["pools"] = [p for p in spec["pools"] if p["name"] != "a"]
    replace_spec(api, namespace, spec)
    done = wait_until(lambda: ready_at_generation(api, namespace), timeout=120, what="tenant Ready without pool a")
    assert pool_item(done, "a")["lifecycleState"] == "Decommissioned"
    assert statefulsets(api, namespace) == {"drain-b"}
    assert claims(api, namespace) == claims_before
    reasons = {e.reason for e in client.CoreV1Api(api).list_namespaced_event(namespace).items}
    assert {"PoolDecommissionStarted", "PoolDecommissionCleanupStarted"} <= reasons
