"""Pool decommission driven by the engine (playbook mode) against the real RustFS (issue 15).

tests/integration/test_decommission.py runs this flow against the fake admin server; here the tenant's
pods run as real RustFS processes (tests/support/rustfs_pods.py) built from what the API server holds:
each pod's RUSTFS_VOLUMES as the engine wrote it, its cluster DNS name on a loopback address of its
own, its volumes kept across restarts. So the pool names the engine sends are the ones RustFS was
started with, and after the drain the pods start again with the topology the engine applied next.
Marked `dataplane`: `make dataplane-test` runs it, `make integration` does not (a cold build of RustFS
takes hours).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from support.playbook import PlaybookRun, run_playbook
from support.real_rustfs import ROOT_ACCESS, ROOT_SECRET
from support.rustfs_pods import running_pods

from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_s3
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import Credentials, RustfsAdminClient

pytestmark = [pytest.mark.integration, pytest.mark.dataplane, pytest.mark.usefixtures("crd")]


def play(tenant: dict[str, Any], tmp_path: Path, **extra: Any) -> PlaybookRun:
    run = run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant, **extra}, tmp_dir=tmp_path)
    assert ROOT_SECRET not in run.output
    return run


def tenant_with(namespace: str, data: Path) -> dict[str, Any]:
    """Two pools of one server and four drives; the drives under DATA (the pods' mount points)."""
    kube_secret = {"name": "drain-creds"}
    persistence = {"volumesPerServer": 4, "path": str(data / "mnt")}
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "drain", "namespace": namespace},
        "spec": {
            "credsSecret": kube_secret,
            "pools": [{"name": name, "servers": 1, "persistence": persistence} for name in ("old", "new")],
        },
    }


def request(tenant: dict[str, Any], request_id: str, action: str = "Start") -> dict[str, Any]:
    tenant["spec"]["poolLifecycle"] = {
        "decommissionRequests": [{"poolName": "old", "requestId": request_id, "action": action}],
    }
    return tenant


def credentials(api: client.ApiClient, namespace: str) -> None:
    keys = {"accesskey": ROOT_ACCESS, "secretkey": ROOT_SECRET}
    kube.apply(
        api,
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "drain-creds", "namespace": namespace},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in keys.items()},
        },
    )


def pool_item(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "drain"
    )
    return next(p for p in found["status"]["pools"] if p["name"] == "old")


def ready(api: client.ApiClient, namespace: str) -> tuple[str, str]:
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "drain"
    )
    condition = next(c for c in found["status"]["conditions"] if c["type"] == "Ready")
    return condition["status"], condition["reason"]


def statefulsets(api: client.ApiClient, namespace: str) -> dict[str, client.V1StatefulSet]:
    return {s.metadata.name: s for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items}


def claims(api: client.ApiClient, namespace: str) -> dict[str, str]:
    items = client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    return {c.metadata.name: c.metadata.uid for c in items}


def volumes_env(sts: client.V1StatefulSet) -> str:
    return str(next(e.value for e in sts.spec.template.spec.containers[0].env if e.name == "RUSTFS_VOLUMES"))


def root(url: str) -> RustfsAdminClient:
    # RustFS answers slowly while it drains on this 2-core machine (internode reads pending 5 s and more).
    return RustfsAdminClient(url, Credentials(ROOT_ACCESS, ROOT_SECRET), timeout=60)


def write_objects(admin: RustfsAdminClient, count: int, size: int) -> dict[str, bytes]:
    """COUNT objects of SIZE bytes in a new bucket, and a few small ones (RustFS keeps those inline)."""
    rustfs_s3.create_bucket(admin, "keep", None, False)
    objects = {f"/keep/large-{i}": f"{i:06}".encode() * (size // 6) for i in range(count)}
    objects |= {f"/keep/small-{i}": f"small {i}".encode() for i in range(10)}
    for path, body in objects.items():
        admin.request("PUT", path, f"put {path}", body=body)
    return objects


def unreadable(admin: RustfsAdminClient, objects: dict[str, bytes]) -> list[str]:
    return [path for path, body in objects.items() if admin.request("GET", path, f"get {path}")[1] != body]


def old_pool_on_server(admin: RustfsAdminClient) -> dict[str, Any]:
    return next(p for p in admin.list_pools() if "//drain-old-" in str(p["cmdline"]))


def until(probe: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, f"{what} not in {timeout} s"


def start(api: client.ApiClient, namespace: str, tenant: dict[str, Any], tmp_path: Path, url: str, key: str) -> None:
    """Run the playbook with a Start request KEY until RustFS shows the drain under way.

    In the seconds after its pods start RustFS may refuse a start (HTTP 500; its log says "pool activation
    requires a live fleet capability proof"): the pool's status says so, and the next run sends it again.
    """

    def accepted() -> bool:
        run = play(request(tenant, key), tmp_path, admin_endpoint=url)
        assert run.returncode == 0, run.output
        assert pool_item(api, namespace)["lifecycleState"] in ("Decommissioning", "Decommissioned")
        return old_pool_on_server(root(url))["decommissionStatus"] in ("queued", "running", "complete")

    until(accepted, 90, f"RustFS accepting the start of {key}")


@pytest.fixture
def started(api: client.ApiClient, namespace: str, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    """The tenant applied and its pods' StatefulSets on the API server (pods Ready in KWOK)."""
    credentials(api, namespace)
    data = tmp_path / "pods"
    tenant = tenant_with(namespace, data)
    created = play(tenant, tmp_path, wait=True, wait_timeout=120)
    assert created.returncode == 0, created.output
    return tenant, data


def test_the_engine_drains_a_pool_in_rustfs_and_the_pods_restarted_without_it_keep_every_object(
    api: client.ApiClient, namespace: str, tmp_path: Path, started: tuple[dict[str, Any], Path]
) -> None:
    tenant, data = started
    claims_before = claims(api, namespace)
    assert len(claims_before) == 8
    with running_pods(api, namespace, data) as pods:
        assert set(pods.pods) == {"drain-old-0", "drain-new-0"}
        url = pods.pods["drain-new-0"].url
        admin = root(url)
        assert len(admin.list_pools()) == 2
        objects = write_objects(admin, 40, 60000)

        # 1. The start reaches RustFS under the pool name RustFS was started with.
        start(api, namespace, tenant, tmp_path, url, "retire-1")

        # 2. Reconciles follow RustFS's progress to its end; then the StatefulSet goes and the claims stay.
        def drained() -> bool:
            run = play(tenant, tmp_path, admin_endpoint=url)
            assert run.returncode == 0, run.output
            return bool(pool_item(api, namespace)["lifecycleState"] == "Decommissioned")

        until(drained, 180, "the decommission of pool old")
        item = pool_item(api, namespace)
        assert item["decommission"]["phase"] == "Complete", item
        assert old_pool_on_server(admin)["decommissionStatus"] == "complete"
        kube.wait_for(lambda: "drain-old" not in statefulsets(api, namespace), timeout=60, what="drain-old deleted")
        assert "drain-old-" not in volumes_env(statefulsets(api, namespace)["drain-new"])
        assert claims(api, namespace) == claims_before
        assert unreadable(admin, objects) == []

        # 3. The pods start again as the API server now has them: one pod, one pool, every object there.
        pods.start()
        assert set(pods.pods) == {"drain-new-0"}
        assert [p["cmdline"] for p in admin.list_pools()] == [volumes_env(statefulsets(api, namespace)["drain-new"])]
        assert unreadable(admin, objects) == []

        # 4. The drained pool leaves the spec: the tenant is Ready, and a rerun writes nothing.
        tenant["spec"]["pools"] = [p for p in tenant["spec"]["pools"] if p["name"] != "old"]
        removed = play(tenant, tmp_path, admin_endpoint=url, wait=True, wait_timeout=120)
        assert removed.returncode == 0, removed.output
        assert ready(api, namespace) == ("True", "ReconcileSucceeded")
        again = play(tenant, tmp_path, admin_endpoint=url)
        assert again.returncode == 0 and again.changed == 0, again.output


def test_a_canceled_drain_is_cleared_in_rustfs_when_the_engine_starts_it_again(
    api: client.ApiClient, namespace: str, tmp_path: Path, started: tuple[dict[str, Any], Path]
) -> None:
    """RustFS 1.0.1 refuses a new start until a canceled one is cleared: decommission.Action.clear_first."""
    tenant, data = started
    with running_pods(api, namespace, data) as pods:
        url = pods.pods["drain-new-0"].url
        admin = root(url)
        # Enough data that the drain is still running when the cancel comes (about 10 objects a second here).
        objects = write_objects(admin, 300, 60000)
        start(api, namespace, tenant, tmp_path, url, "retire-1")

        canceled = play(request(tenant, "retire-1", "Cancel"), tmp_path, admin_endpoint=url)
        assert canceled.returncode == 0, canceled.output
        assert pool_item(api, namespace)["lifecycleState"] == "DecommissionCanceled"
        on_server = old_pool_on_server(admin)
        assert on_server["decommissionStatus"] == "canceled", on_server
        assert unreadable(admin, objects) == []

        start(api, namespace, tenant, tmp_path, url, "retire-2")
        assert pool_item(api, namespace)["decommission"]["requestId"] == "retire-2"
        assert unreadable(admin, objects) == []
