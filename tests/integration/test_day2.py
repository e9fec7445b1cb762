"""Day-2 safety in playbook mode on the real control plane: pools roll one at a time,
configuration checks refuse what cannot run, and each pool gets a PodDisruptionBudget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from support.playbook import PlaybookRun, example_tenant, run_playbook

pytestmark = pytest.mark.integration

NEW_IMAGE = "rustfs/rustfs:1.0.0-beta.11"


@pytest.fixture(scope="module", autouse=True)
def tenant_crd(kubeconfig: Path) -> None:
    installed = run_playbook("rustfs.operator.install_crds")
    assert installed.returncode == 0, installed.output


def play(tenant: dict[str, Any], tmp_path: Path, **extra: Any) -> PlaybookRun:
    return run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant, **extra}, tmp_dir=tmp_path)


def two_pools(namespace: str) -> dict[str, Any]:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    tenant["metadata"]["name"] = "roll"
    tenant["spec"]["pools"] = [
        {"name": "a", "servers": 2, "persistence": {"volumesPerServer": 2}},
        {"name": "b", "servers": 2, "persistence": {"volumesPerServer": 2}},
    ]
    return tenant


def pools(api: client.ApiClient, namespace: str) -> dict[str, client.V1StatefulSet]:
    return {s.metadata.name: s for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items}


def partition_of(sts: client.V1StatefulSet) -> int:
    strategy = sts.spec.update_strategy
    return int((strategy.rolling_update.partition or 0) if strategy and strategy.rolling_update else 0)


def image_of(sts: client.V1StatefulSet) -> str:
    return str(sts.spec.template.spec.containers[0].image)


def complete(sts: client.V1StatefulSet) -> bool:
    s = sts.status
    return bool(
        s.observed_generation == sts.metadata.generation
        and s.current_revision == s.update_revision
        and (s.updated_replicas or 0) == (s.ready_replicas or 0) == sts.spec.replicas
    )


def test_a_new_image_replaces_the_pods_of_one_pool_at_a_time(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = two_pools(namespace)
    assert play(tenant, tmp_path, wait=True, wait_timeout=120).returncode == 0
    before = pools(api, namespace)
    old_revision = before["roll-b"].status.current_revision

    tenant["spec"]["image"] = NEW_IMAGE
    started = play(tenant, tmp_path)
    assert started.returncode == 0, started.output
    now = pools(api, namespace)
    # Both pools carry the new template; only the first may replace its pods.
    assert image_of(now["roll-a"]) == image_of(now["roll-b"]) == NEW_IMAGE
    assert (partition_of(now["roll-a"]), partition_of(now["roll-b"])) == (0, 2)
    kube.wait_for(lambda: complete(pools(api, namespace)["roll-a"]), timeout=90, what="pool a rolled")
    held = pools(api, namespace)["roll-b"]
    assert held.status.current_revision == old_revision and (held.status.updated_replicas or 0) == 0

    # The next run releases pool b; the one after finds nothing to do.
    released = play(tenant, tmp_path)
    assert released.returncode == 0, released.output
    assert partition_of(pools(api, namespace)["roll-b"]) == 0
    kube.wait_for(lambda: complete(pools(api, namespace)["roll-b"]), timeout=90, what="pool b rolled")
    # That run finds pool b complete and records it in the status; then nothing is left to do.
    assert play(tenant, tmp_path, wait=True).returncode == 0
    again = play(tenant, tmp_path)
    assert again.returncode == 0 and again.changed == 0, again.output


def test_wait_rolls_every_pool_in_turn_in_one_run(api: client.ApiClient, namespace: str, tmp_path: Path) -> None:
    tenant = two_pools(namespace)
    assert play(tenant, tmp_path, wait=True, wait_timeout=120).returncode == 0
    tenant["spec"]["image"] = NEW_IMAGE
    done = play(tenant, tmp_path, wait=True, wait_timeout=180)
    assert done.returncode == 0, done.output
    for sts in pools(api, namespace).values():
        assert image_of(sts) == NEW_IMAGE and partition_of(sts) == 0 and complete(sts)


def test_each_pool_gets_a_disruption_budget_from_its_erasure_layout(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("multi-pool-tenant.yaml", namespace)
    assert play(tenant, tmp_path).returncode == 0
    name = tenant["metadata"]["name"]
    budgets = {
        b.metadata.name: b for b in client.PolicyV1Api(api).list_namespaced_pod_disruption_budget(namespace).items
    }
    assert set(budgets) == {f"{name}-{p['name']}" for p in tenant["spec"]["pools"]}
    stored = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", name
    )
    for pool in stored["status"]["pools"]:
        budget = budgets[pool["ssName"]]
        assert budget.spec.max_unavailable == pool["erasure"]["maxUnavailable"]
        assert budget.metadata.owner_references[0].uid == stored["metadata"]["uid"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda p: p["persistence"].update(volumeClaimTemplate={"storageClassName": "no-such-class"}),
            "StorageClassNotFound",
        ),
        (lambda p: p.update(priorityClassName="no-such-priority"), "PriorityClassNotFound"),
        (lambda p: p.update(nodeSelector={"rustfs.example/zone": "nowhere"}), "InsufficientNodes"),
        (lambda p: p.update(resources={"requests": {"cpu": "1000"}}), "ResourcesExceedNodeCapacity"),
    ],
)
def test_configuration_that_cannot_run_is_refused_before_anything_is_applied(
    api: client.ApiClient, namespace: str, tmp_path: Path, change: Any, reason: str
) -> None:
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    change(tenant["spec"]["pools"][0])
    refused = play(tenant, tmp_path)
    assert refused.returncode != 0
    assert reason in refused.output
    assert pools(api, namespace) == {}
    assert client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items == []


def storage_class(api: client.ApiClient, name: str, expandable: bool) -> None:
    kube.apply(
        api,
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": name},
            "provisioner": "kubernetes.io/host-path",
            "allowVolumeExpansion": expandable,
            "volumeBindingMode": "Immediate",
        },
    )


def claim_sizes(api: client.ApiClient, namespace: str) -> dict[str, str]:
    return {
        c.metadata.name: c.spec.resources.requests["storage"]
        for c in client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    }


def sized(namespace: str, class_name: str, size: str) -> dict[str, Any]:
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    tenant["spec"]["pools"][0]["persistence"]["volumeClaimTemplate"] = {
        "storageClassName": class_name,
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
    }
    return tenant


def test_claims_grow_on_a_class_that_allows_it_and_the_pods_stay(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    storage_class(api, "it-expandable", expandable=True)
    tenant = sized(namespace, "it-expandable", "1Gi")
    assert play(tenant, tmp_path, wait=True, wait_timeout=120).returncode == 0
    pods = {p.metadata.name: p.metadata.uid for p in client.CoreV1Api(api).list_namespaced_pod(namespace).items}
    claims_before = {
        c.metadata.name: c.metadata.uid
        for c in client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    }

    grown = sized(namespace, "it-expandable", "2Gi")
    done = play(grown, tmp_path, wait=True, wait_timeout=120)
    assert done.returncode == 0, done.output
    assert set(claim_sizes(api, namespace).values()) == {"2Gi"}
    sts = next(iter(pools(api, namespace).values()))
    assert sts.spec.volume_claim_templates[0].spec.resources.requests["storage"] == "2Gi"
    # The same claims (data kept) and the same pods: the StatefulSet was recreated around them.
    claims_after = {
        c.metadata.name: c.metadata.uid
        for c in client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    }
    assert claims_after == claims_before
    assert {p.metadata.name: p.metadata.uid for p in client.CoreV1Api(api).list_namespaced_pod(namespace).items} == pods
    assert play(grown, tmp_path).changed == 0


@pytest.mark.parametrize(
    ("class_name", "expandable", "size"), [("it-fixed", False, "2Gi"), ("it-expandable", True, "512Mi")]
)
def test_shrinking_or_growing_without_expansion_is_refused_and_nothing_changes(
    api: client.ApiClient, namespace: str, tmp_path: Path, class_name: str, expandable: bool, size: str
) -> None:
    storage_class(api, class_name, expandable=expandable)
    tenant = sized(namespace, class_name, "1Gi")
    assert play(tenant, tmp_path, wait=True, wait_timeout=120).returncode == 0
    before_claims = claim_sizes(api, namespace)
    before_sts = {n: s.metadata.resource_version for n, s in pools(api, namespace).items()}
    refused = play(sized(namespace, class_name, size), tmp_path)
    assert refused.returncode != 0
    assert "spec.pools[0].persistence" in refused.output
    assert claim_sizes(api, namespace) == before_claims
    assert {n: s.metadata.resource_version for n, s in pools(api, namespace).items()} == before_sts
