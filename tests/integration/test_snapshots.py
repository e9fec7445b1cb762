"""Snapshot sets on the real control plane, with the real snapshot.storage.k8s.io CRDs (snapshot_crds.py).

No snapshot controller or CSI driver runs here: a VolumeSnapshot stays not ready to use unless a test
writes its status through the status subresource, the way a snapshot controller would (as KWOK
simulates pods, these tests simulate the controller's readiness, nothing else).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kube
import pytest
import snapshot_crds
import yaml
from kubernetes import client
from operator_support import active_operator, label_tenant, wait_until
from support.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.integration

GROUP, VERSION, PLURAL = "snapshot.storage.k8s.io", "v1", "volumesnapshots"
SET_LABEL = "operator.rustfs.com/snapshot-set"
CLAIMS = ["vol-0-snap-pool-0-0", "vol-0-snap-pool-0-1", "vol-0-snap-pool-1-0", "vol-0-snap-pool-1-1"]


@pytest.fixture(scope="module")
def snapshot_api(api: client.ApiClient, crd: None) -> Iterator[client.ApiClient]:
    """The cluster with the Tenant CRD and the snapshot CRDs installed (left installed: other runs reuse them)."""
    snapshot_crds.install(api)
    yield api


def tenant(namespace: str, snapshots: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "snap", "namespace": namespace},
        "spec": {
            "pools": [
                {"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}},
                {"name": "pool-1", "servers": 2, "persistence": {"volumesPerServer": 1}},
            ],
            "snapshots": snapshots,
        },
    }


def create_tenant(api: client.ApiClient, namespace: str, tmp_path: Path, snapshots: dict[str, Any]) -> Path:
    """The tenant, reconciled by the playbook, with its claims Bound (the hostPath provisioner)."""
    tenant_file = tmp_path / "tenant.yaml"
    tenant_file.write_text(yaml.safe_dump(tenant(namespace, snapshots)))
    created = run_playbook("rustfs.operator.tenant", "-e", f"tenant_file={tenant_file}")
    assert created.returncode == 0, created.output
    core = client.CoreV1Api(api)

    def bound() -> bool:
        claims = core.list_namespaced_persistent_volume_claim(namespace, label_selector="rustfs.tenant=snap").items
        return sorted(c.metadata.name for c in claims) == CLAIMS and all(c.status.phase == "Bound" for c in claims)

    kube.wait_for(bound, timeout=120, interval=1, what="the tenant's claims Bound")
    return tenant_file


def snapshot(namespace: str, *args: str) -> tuple[PlaybookRun, dict[str, Any]]:
    """The snapshot playbook for tenant snap, once, with its JSON result (empty when it printed none)."""
    done = run_playbook(
        "rustfs.operator.snapshot",
        "-e",
        "tenant_name=snap",
        "-e",
        f"tenant_namespace={namespace}",
        *args,
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_SHOW_CUSTOM_STATS": "1"},
    )
    try:
        output: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        output = {}
    return done, output


def result_of(output: dict[str, Any]) -> dict[str, Any]:
    """The tenant's entry of the module's result."""
    [entry] = output["global_custom_stats"]["rustfs_snapshots"]
    return dict(entry)


def volume_snapshots(api: client.ApiClient, namespace: str) -> dict[str, dict[str, Any]]:
    items = client.CustomObjectsApi(api).list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)["items"]
    return {str(i["metadata"]["name"]): i for i in items}


def mark_ready(api: client.ApiClient, namespace: str, names: list[str]) -> None:
    """What the snapshot controller does once the CSI driver cut the snapshot (status subresource)."""
    for name in names:
        client.CustomObjectsApi(api).patch_namespaced_custom_object_status(
            GROUP, VERSION, namespace, PLURAL, name, {"status": {"readyToUse": True}}
        )


def test_now_takes_one_snapshot_per_claim_and_scheduled_takes_none_before_it_is_due(
    snapshot_api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    api = snapshot_api
    tenant_file = create_tenant(api, namespace, tmp_path, {"enabled": True, "schedule": "@yearly", "retain": 3})

    # Created this instant: the first yearly set is due on the next 1 January, not now.
    versions_before = {n: o["metadata"]["resourceVersion"] for n, o in volume_snapshots(api, namespace).items()}
    done, output = snapshot(namespace)
    assert done.returncode == 0, done.output
    assert output["stats"]["localhost"]["changed"] == 0
    not_due = result_of(output)
    assert not_due["due"] is False and not_due["created"] == [] and not_due["due_at"].endswith("-01-01T00:00:00Z")
    assert volume_snapshots(api, namespace) == {} == versions_before

    # Check mode: the creations go to the API server as dry runs only.
    done, output = snapshot(namespace, "-e", "mode=now", "--check")
    assert done.returncode == 0, done.output
    assert len(result_of(output)["created"]) == 4
    assert volume_snapshots(api, namespace) == {}

    done, output = snapshot(namespace, "-e", "mode=now")
    assert done.returncode == 0, done.output
    taken = result_of(output)
    assert taken["changed"] is True and taken["set"]
    found = volume_snapshots(api, namespace)
    assert sorted(o["spec"]["source"]["persistentVolumeClaimName"] for o in found.values()) == CLAIMS
    for name, obj in found.items():
        claim = obj["spec"]["source"]["persistentVolumeClaimName"]
        assert name == f"{claim}-{taken['set']}"
        labels = obj["metadata"]["labels"]
        assert labels[SET_LABEL] == taken["set"] and labels["rustfs.tenant"] == "snap"
        assert labels["rustfs.pool"] == claim.split("-snap-")[1][:6]
        assert labels["app.kubernetes.io/managed-by"] == "rustfs-operator"
        assert not obj["metadata"].get("ownerReferences")
    events = client.CoreV1Api(api).list_namespaced_event(namespace, field_selector="involvedObject.name=snap").items
    assert any(e.reason == "SnapshotSetTaken" for e in events)
    summary = {"lastSet": taken["set"], "sets": 1}
    stored = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "snap"
    )
    assert {k: stored["status"]["snapshots"][k] for k in summary} == summary
    # A reconcile keeps the summary (its status write may still record the pods' readiness) ...
    again = run_playbook("rustfs.operator.tenant", "-e", f"tenant_file={tenant_file}")
    assert again.returncode == 0, again.output
    # ... and, once nothing else moved, writes nothing for it.
    kube.wait_for(
        lambda: run_playbook("rustfs.operator.tenant", "-e", f"tenant_file={tenant_file}").changed == 0,
        timeout=60,
        interval=1,
        what="a reconcile that changes nothing",
    )
    stored = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "snap"
    )
    assert stored["status"]["snapshots"]["lastSet"] == taken["set"]

    # The set is the newest: the next yearly time is after it, so a scheduled run writes nothing.
    before = {n: o["metadata"]["resourceVersion"] for n, o in volume_snapshots(api, namespace).items()}
    done, output = snapshot(namespace)
    assert done.returncode == 0, done.output
    assert output["stats"]["localhost"]["changed"] == 0 and result_of(output)["created"] == []
    assert {n: o["metadata"]["resourceVersion"] for n, o in volume_snapshots(api, namespace).items()} == before


def test_retention_prunes_only_our_sets_and_keeps_the_newest_ready_one(
    snapshot_api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    api = snapshot_api
    create_tenant(api, namespace, tmp_path, {"enabled": True, "schedule": "@yearly", "retain": 2})
    # A user's own snapshot of the tenant's claim, even labelled with the tenant: never ours to delete.
    mine = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "VolumeSnapshot",
        "metadata": {"name": "before-upgrade", "namespace": namespace, "labels": {"rustfs.tenant": "snap"}},
        "spec": {"source": {"persistentVolumeClaimName": CLAIMS[0]}},
    }
    client.CustomObjectsApi(api).create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, mine)
    mark_ready(api, namespace, ["before-upgrade"])

    sets = []
    for _ in range(3):
        done, output = snapshot(namespace, "-e", "mode=now")
        assert done.returncode == 0, done.output
        sets.append(result_of(output)["set"])
        if len(sets) == 1:
            mark_ready(api, namespace, result_of(output)["created"])
    assert len(set(sets)) == 3
    # Three sets, retain 2: the oldest is the only ready one, so it stays.
    assert result_of(output)["deleted"] == []
    assert {o["metadata"]["labels"].get(SET_LABEL) for o in volume_snapshots(api, namespace).values()} == {
        None,
        *sets,
    }

    mark_ready(api, namespace, [f"{claim}-{sets[1]}" for claim in CLAIMS])
    done, output = snapshot(namespace, "-e", "mode=now")
    assert done.returncode == 0, done.output
    fourth = result_of(output)
    assert fourth["pruned_sets"] == [sets[0]]
    assert sorted(fourth["deleted"]) == sorted(f"{claim}-{sets[0]}" for claim in CLAIMS)
    left = volume_snapshots(api, namespace)
    assert "before-upgrade" in left
    assert {o["metadata"]["labels"].get(SET_LABEL) for o in left.values()} == {None, sets[1], sets[2], fourth["set"]}
    events = client.CoreV1Api(api).list_namespaced_event(namespace, field_selector="involvedObject.name=snap").items
    assert any(e.reason == "SnapshotSetPruned" and sets[0] in e.message for e in events)


def test_missing_snapshot_crds_fail_with_a_clear_message(
    snapshot_api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    api = snapshot_api
    create_tenant(api, namespace, tmp_path, {"enabled": True})
    snapshot_crds.uninstall(api)
    try:
        done, _ = snapshot(namespace, "-e", "mode=now")
        assert done.returncode != 0
        assert "snapshot.storage.k8s.io/v1) is not served by this cluster" in done.output, done.output
    finally:
        snapshot_crds.install(api)


def test_the_operator_takes_a_set_when_due_with_its_shipped_rbac(
    snapshot_api: client.ApiClient, namespace: str, operator_home: Any
) -> None:
    """The operator's ClusterRole (operator/deploy) is all it holds; the set comes at the next minute."""
    api = snapshot_api
    objects = client.CustomObjectsApi(api)
    with active_operator(operator_home, "snapshots") as operator:
        body = label_tenant(tenant(namespace, {"enabled": True, "schedule": "* * * * *"}), operator.instance)
        objects.create_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants", body)

        def one_set() -> set[str] | None:
            sets = {o["metadata"]["labels"].get(SET_LABEL) for o in volume_snapshots(api, namespace).values()}
            return sets if len(volume_snapshots(api, namespace)) >= len(CLAIMS) else None

        sets = wait_until(one_set, timeout=150, what="the operator's first snapshot set")
        found = volume_snapshots(api, namespace)
        assert len(sets) == 1, sets
        assert sorted(o["spec"]["source"]["persistentVolumeClaimName"] for o in found.values()) == CLAIMS
        events = client.CoreV1Api(api).list_namespaced_event(namespace, field_selector="involvedObject.name=snap")
        assert any(e.reason == "SnapshotSetTaken" for e in events.items), operator.output()[-3000:]

        def summary() -> dict[str, Any] | None:
            stored = objects.get_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants", "snap")
            found: dict[str, Any] | None = (stored.get("status") or {}).get("snapshots")
            return found if found and found.get("lastSet") in sets else None

        assert wait_until(summary, timeout=30, what="status.snapshots")["sets"] >= 1
        operator.assert_running()


def test_the_restore_path_claims_from_a_set_are_adopted_by_a_tenant_of_the_same_shape(
    snapshot_api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    """docs/snapshots.md, Restore: claims named as the claim templates name them, then the tenant.

    No CSI driver runs here, so nothing fills the restored volumes; what is proven is the
    collection's part: the StatefulSets use the claims made from the set (same objects, dataSource
    kept) instead of provisioning new ones.
    """
    api = snapshot_api
    create_tenant(api, namespace, tmp_path, {"enabled": True, "schedule": "@yearly"})
    done, output = snapshot(namespace, "-e", "mode=now")
    assert done.returncode == 0, done.output
    taken = result_of(output)
    mark_ready(api, namespace, taken["created"])

    core = client.CoreV1Api(api)
    restored: dict[str, str] = {}
    for name, obj in volume_snapshots(api, namespace).items():
        claim = obj["spec"]["source"]["persistentVolumeClaimName"].replace("-snap-", "-restored-")
        pool = obj["metadata"]["labels"]["rustfs.pool"]
        body = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": claim,
                "labels": {
                    "app.kubernetes.io/name": "rustfs",
                    "app.kubernetes.io/instance": "restored",
                    "app.kubernetes.io/managed-by": "rustfs-operator",
                    "app.kubernetes.io/component": "storage",
                    "rustfs.tenant": "restored",
                    "rustfs.pool": pool,
                },
            },
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "10Gi"}},
                "dataSource": {"apiGroup": GROUP, "kind": "VolumeSnapshot", "name": name},
            },
        }
        restored[claim] = core.create_namespaced_persistent_volume_claim(namespace, body).metadata.uid
    assert sorted(restored) == sorted(c.replace("-snap-", "-restored-") for c in CLAIMS)

    target = tenant(namespace, {})
    target["metadata"]["name"] = "restored"
    del target["spec"]["snapshots"]
    tenant_file = tmp_path / "restored.yaml"
    tenant_file.write_text(yaml.safe_dump(target))
    applied = run_playbook("rustfs.operator.tenant", "-e", f"tenant_file={tenant_file}")
    assert applied.returncode == 0, applied.output

    def pods_use_the_restored_claims() -> dict[str, str] | None:
        pods = core.list_namespaced_pod(namespace, label_selector="rustfs.tenant=restored").items
        used = {
            v.persistent_volume_claim.claim_name: p.metadata.name
            for p in pods
            for v in p.spec.volumes or []
            if v.persistent_volume_claim is not None
        }
        return used if sorted(used) == sorted(restored) else None

    kube.wait_for(pods_use_the_restored_claims, timeout=120, interval=1, what="pods of the restored tenant")
    claims = {
        c.metadata.name: c
        for c in core.list_namespaced_persistent_volume_claim(namespace, label_selector="rustfs.tenant=restored").items
    }
    assert {n: c.metadata.uid for n, c in claims.items()} == restored  # adopted, none provisioned anew
    assert all(c.spec.data_source.kind == "VolumeSnapshot" for c in claims.values())
