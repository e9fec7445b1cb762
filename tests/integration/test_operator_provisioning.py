"""Provisioning in operator mode: the operator waits for the pods, then provisions through its
`admin_endpoint` setting (the same path as pool decommission), against the fake RustFS on 127.0.0.1
that follows RustFS 1.0.1's formats (tests/support/fake_rustfs.py; it is not RustFS).
"""

from __future__ import annotations

import base64
import json
import signal
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


def policies_configmap(api: client.ApiClient, namespace: str, read: dict[str, Any]) -> None:
    """The ConfigMap `policies`, holding the document of the policy `read`."""
    kube.apply(
        api,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "policies", "namespace": namespace},
            "data": {"read": json.dumps(read)},
        },
    )


def provisioning_tenant(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    """A tenant asking for a policy, a user and a bucket, with the Secrets and ConfigMap it names."""
    for secret, keys in (("creds", (ACCESS, SECRET)), ("app", ("app-access", "app-secret-key"))):
        data = {k: base64.b64encode(v.encode()).decode() for k, v in zip(("accesskey", "secretkey"), keys, strict=True)}
        kube.apply(
            api,
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": secret, "namespace": namespace}, "data": data},
        )
    policies_configmap(api, namespace, POLICY)
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Tenant",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "credsSecret": {"name": "creds"},
            "pools": [{"name": "a", "servers": 2, "persistence": {"volumesPerServer": 2}}],
            "policies": [{"name": "read", "document": {"configMapKeyRef": {"name": "policies", "key": "read"}}}],
            "users": [{"name": "app", "policies": ["read"]}],
            "buckets": [{"name": "op-bucket", "objectLock": True}],
        },
    }


def read(api: client.ApiClient, namespace: str, name: str = "prov") -> dict[str, Any]:
    found: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, name
    )
    return found


def provisioned(api: client.ApiClient, namespace: str, name: str = "prov") -> dict[str, Any] | None:
    status = read(api, namespace, name).get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c["type"] == "ProvisioningReady"), {})
    return status if ready.get("status") == "True" and status.get("currentState") == "Ready" else None


def create_and_wait(api: client.ApiClient, namespace: str, name: str, operator: OperatorProcess) -> dict[str, Any]:
    """Create the provisioning tenant NAME for OPERATOR; its status once ProvisioningReady is True."""
    tenant = label_tenant(provisioning_tenant(api, namespace, name), operator.instance)
    client.CustomObjectsApi(api).create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, tenant)
    found: dict[str, Any] = wait_until(
        lambda: provisioned(api, namespace, name), timeout=180, what="ProvisioningReady True"
    )
    return found


def test_the_operator_provisions_once_the_pods_are_ready_and_then_writes_nothing(
    api: client.ApiClient, namespace: str, operator: OperatorProcess, rustfs: tuple[FakeRustfs, str]
) -> None:
    fake, _url = rustfs
    status = create_and_wait(api, namespace, "prov", operator)
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


def test_a_policy_edited_in_its_configmap_is_applied_by_the_operator(
    api: client.ApiClient, namespace: str, operator: OperatorProcess, rustfs: tuple[FakeRustfs, str]
) -> None:
    """The operator watches the ConfigMaps that policy documents come from: an edit is a new input."""
    fake, _url = rustfs
    create_and_wait(api, namespace, "edit", operator)
    edited = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": ["s3:PutObject"]}]}
    policies_configmap(api, namespace, edited)
    edited_at = time.monotonic()
    # Well inside the drift check's 20 s, which compares digests only: without the watch, nothing would run.
    wait_until(
        lambda: fake.iam.policies["read"]["Statement"][0]["Action"] == ["s3:PutObject"],
        timeout=15,
        what="the edited policy in RustFS",
    )
    print(f"policy updated in RustFS {time.monotonic() - edited_at:.1f} s after the ConfigMap edit")
    assert wait_until(lambda: provisioned(api, namespace, "edit"), timeout=30, what="ProvisioningReady True again")


def test_an_operator_killed_while_provisioning_converges_after_its_restart(
    api: client.ApiClient, namespace: str, operator_home: Any
) -> None:
    home, kubeconfig, work = operator_home
    fake = FakeRustfs(access=ACCESS, secret=SECRET)
    fake.iam.write_delay = 0.5  # provisioning takes seconds: the kill lands in the middle of it
    with serving(fake) as url:
        instance = f"provkill-{time.monotonic_ns() % 10**6}"
        first = OperatorProcess(kubeconfig, home, instance, work, admin_endpoint=url, drift_interval=3600)
        try:
            first.wait_role("active")
            tenant = label_tenant(provisioning_tenant(api, namespace, "crash"), instance)
            client.CustomObjectsApi(api).create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, tenant)
            kube.wait_for(lambda: len(fake.iam.writes) >= 1 or None, timeout=180, interval=0.05, what="a first write")
        finally:
            first.kill(signal.SIGKILL)
        writes_at_kill = len(fake.iam.writes)
        second = OperatorProcess(kubeconfig, home, instance, work, admin_endpoint=url, drift_interval=3600)
        try:
            second.wait_role("active", timeout=60)
            status = wait_until(
                lambda: provisioned(api, namespace, "crash"), timeout=180, what="ProvisioningReady after the restart"
            )
            print(f"writes before the kill: {writes_at_kill}, in all: {len(fake.iam.writes)}")
            assert status["provisioning"]["phase"] == "Ready"
            assert fake.iam.policies["read"]["Statement"][0]["Action"] == ["s3:GetObject"]
            assert fake.iam.users["app-access"]["policyName"] == "read"
            assert fake.iam.buckets["op-bucket"]["objectLock"]
            block = status["provisioning"]
            states = {
                (kind, item["name"]): item["state"] for kind in ("policies", "users", "buckets") for item in block[kind]
            }
            assert states == {
                ("policies", "read"): "Ready",
                ("users", "app"): "Ready",
                ("buckets", "op-bucket"): "Ready",
            }
            # Converged: what the killed run left half-done was finished once, and nothing is written again.
            fake.iam.write_delay = 0.0
            settled = len(fake.iam.writes)
            time.sleep(8)
            assert len(fake.iam.writes) == settled, fake.iam.writes[settled:]
        finally:
            assert second.stop() == 0, second.output()[-4000:]
