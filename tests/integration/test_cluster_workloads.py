"""The local control plane runs real controllers: scheduling, StatefulSets,
dynamic PVs and garbage collection, on kwok's fake nodes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import kube
import pytest
from kubernetes import client

pytestmark = pytest.mark.integration


def statefulset(name: str, replicas: int, with_volume: bool) -> dict:
    sts: dict = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "serviceName": name,
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    # Required anti-affinity: the scheduler must place each
                    # replica on its own (fake) node.
                    "affinity": {
                        "podAntiAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "labelSelector": {"matchLabels": {"app": name}},
                                    "topologyKey": "kubernetes.io/hostname",
                                }
                            ]
                        }
                    },
                    # Never pulled or run: kwok only fakes the status.
                    "containers": [{"name": "main", "image": "registry.invalid/none:0"}],
                },
            },
        },
    }
    if with_volume:
        sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
        sts["spec"]["volumeClaimTemplates"] = [
            {
                "metadata": {"name": "data"},
                # No storageClassName: the DefaultStorageClass admission plugin fills it in.
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }
        ]
    return sts


def pod_ready(pod: client.V1Pod) -> bool:
    return pod.status.phase == "Running" and any(
        c.type == "Ready" and c.status == "True" for c in pod.status.conditions or []
    )


def test_fake_nodes_are_ready_and_spread_over_three_zones(api: client.ApiClient) -> None:
    nodes = client.CoreV1Api(api).list_node(label_selector="type=kwok").items
    assert len(nodes) >= 4
    assert {n.metadata.labels["topology.kubernetes.io/zone"] for n in nodes} == {"zone-a", "zone-b", "zone-c"}
    for n in nodes:
        assert any(c.type == "Ready" and c.status == "True" for c in n.status.conditions), n.metadata.name
        assert {a.type: a.address for a in n.status.addresses}["InternalIP"] == "127.0.0.1"
        assert not n.spec.taints, f"{n.metadata.name} is tainted: {n.spec.taints}"
        # kwok renews each node's Lease every 10 s (duration 40 s); without
        # that the node-lifecycle controller would mark the node NotReady.
        lease = client.CoordinationV1Api(api).read_namespaced_lease(n.metadata.name, "kube-node-lease")
        assert lease.spec.lease_duration_seconds == 40
        age = lease_age(api, n.metadata.name)
        assert age < timedelta(seconds=40), f"{n.metadata.name} lease renewed {age} ago"


def lease_age(api: client.ApiClient, node: str) -> timedelta:
    """How long ago NODE's Lease was renewed, allowing one renewal (10 s) to catch up.

    A step of the wall clock (a VM's clock being synchronised) makes a lease
    look old until its next renewal; a kwok that stopped renewing stays old.
    """
    deadline = time.monotonic() + 25
    while True:
        lease = client.CoordinationV1Api(api).read_namespaced_lease(node, "kube-node-lease")
        age = datetime.now(UTC) - lease.spec.renew_time
        if age < timedelta(seconds=40) or time.monotonic() > deadline:
            return age
        time.sleep(1)


def test_statefulset_with_volume_claims_becomes_ready(api: client.ApiClient, namespace: str) -> None:
    kube.apply(
        api,
        [
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "web"},
                "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 9000}]},
            },
            statefulset("web", replicas=2, with_volume=True),
        ],
        namespace=namespace,
    )
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)

    kube.wait_for(
        lambda: (apps.read_namespaced_stateful_set("web", namespace).status.ready_replicas or 0) == 2,
        timeout=90,
        what="StatefulSet web readyReplicas=2",
    )

    pods = core.list_namespaced_pod(namespace, label_selector="app=web").items
    assert sorted(p.metadata.name for p in pods) == ["web-0", "web-1"]
    assert all(pod_ready(p) for p in pods)
    assert len({p.spec.node_name for p in pods}) == 2, "anti-affinity: one replica per node"
    assert all(p.spec.node_name.startswith("kwok-node-") for p in pods)

    pvcs = core.list_namespaced_persistent_volume_claim(namespace).items
    assert sorted(c.metadata.name for c in pvcs) == ["data-web-0", "data-web-1"]
    for pvc in pvcs:
        assert pvc.status.phase == "Bound"
        assert pvc.spec.storage_class_name == "standard"
        pv = core.read_persistent_volume(pvc.spec.volume_name)
        assert pv.spec.host_path.path.startswith("/tmp/hostpath_pv/")


def test_deleting_an_owner_collects_its_dependents(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    owner = kube.apply(
        api, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}}, namespace=namespace
    )[0]
    kube.apply(
        api,
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "dependent",
                "ownerReferences": [
                    {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
                ],
            },
            "stringData": {"k": "v"},
        },
        namespace=namespace,
    )
    kube.apply(api, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bystander"}}, namespace=namespace)

    core.delete_namespaced_config_map("owner", namespace)

    kube.wait_gone(lambda: core.read_namespaced_secret("dependent", namespace), what="dependent Secret collected")
    core.read_namespaced_secret("bystander", namespace)  # no owner: untouched


def test_foreground_deletion_of_a_statefulset_removes_its_pods(api: client.ApiClient, namespace: str) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    kube.apply(api, statefulset("db", replicas=2, with_volume=False), namespace=namespace)
    kube.wait_for(
        lambda: (apps.read_namespaced_stateful_set("db", namespace).status.ready_replicas or 0) == 2,
        timeout=90,
        what="StatefulSet db ready",
    )

    apps.delete_namespaced_stateful_set("db", namespace, propagation_policy="Foreground")

    # Foreground: the StatefulSet stays until the GC has removed every pod
    # (kwok stands in for the kubelet that would confirm termination).
    kube.wait_gone(lambda: apps.read_namespaced_stateful_set("db", namespace), what="StatefulSet db deleted")
    assert core.list_namespaced_pod(namespace, label_selector="app=db").items == []
    assert apps.list_namespaced_controller_revision(namespace).items == []
