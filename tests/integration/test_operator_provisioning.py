"""Provisioning in operator mode: the operator waits for the pods, then provisions through its
`admin_endpoint` setting (the same path as pool decommission), against the fake RustFS on 127.0.0.1
that follows RustFS 1.0.1's formats (tests/support/fake_rustfs.py; it is not RustFS).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import kube
import pytest
from kubernetes import client
from operator_support import OperatorProcess, active_operator, label_tenant, wait_until
from support.fake_rustfs import ACCESS, SECRET, FakeRustfs, serving

pytestmark = pytest.mark.integration

GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]}


@pytest.fixture(scope="module")
def rustfs() -> Iterator[tuple[FakeRustfs, str]]:
    fake = FakeRustfs(access=ACCESS, secret=SECRET)
    with serving(fake) as url:
        yield fake, url


@pytest.fixture(scope="module")
def operator(operator_home: Any, rustfs: tuple[FakeRustfs, str]) -> Iterator[OperatorProcess]:
    with active_operator(operator_home, "prov", admin_endpoint=rustfs[1]) as process:
        yield process


def read(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    found: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, "prov"
    )
    return found


def provisioned(api: client.ApiClient, namespace: str) -> dict[str, Any] | None:
    status = read(api, namespace).get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c["type"] == "ProvisioningReady"), {})
    return status if ready.get("status") == "True" and status.get("currentState") == "Ready" else None


def test_the_operator_provisions_once_the_pods_are_ready_and_then_writes_nothing(
    api: client.ApiClient, namespace: str, operator: OperatorProcess, rustfs: tuple[FakeRustfs, str]
) -> None:
    fake, _url = rustfs
    for name, keys in (("creds", (ACCESS, SECRET)), ("app", ("app-access", "app-secret-key"))):
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
    tenant = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Tenant",
        "metadata": {"name": "prov", "namespace": namespace},
        "spec": {
            "credsSecret": {"name": "creds"},
            "pools": [{"name": "a", "servers": 2, "persistence": {"volumesPerServer": 2}}],
            "policies": [{"name": "read", "document": {"configMapKeyRef": {"name": "policies", "key": "read"}}}],
            "users": [{"name": "app", "policies": ["read"]}],
            "buckets": [{"name": "op-bucket", "objectLock": True}],
        },
    }
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, label_tenant(tenant, operator.instance)
    )
    status = wait_until(lambda: provisioned(api, namespace), timeout=180, what="ProvisioningReady True")
    assert status["provisioning"]["phase"] == "Ready"
    assert fake.iam.users["app-access"]["policyName"] == "read"
    assert fake.iam.buckets["op-bucket"]["objectLock"]
    # Settled: later reconciles (resyncs, watch events) read RustFS but write nothing to it.
    writes = len(fake.iam.writes)
    before = read(api, namespace)["status"]
    time.sleep(10)
    assert len(fake.iam.writes) == writes
    after = read(api, namespace)["status"]
    # The operator's own record of each run (lastRun) may move; what the run found may not.
    assert {k: v for k, v in after.items() if k != "lastRun"} == {k: v for k, v in before.items() if k != "lastRun"}
