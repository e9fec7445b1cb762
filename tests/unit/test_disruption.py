"""disruption.py: one PodDisruptionBudget per pool, sized by the erasure layout (issue 7, item 5).

The budget may never let more of a pool's pods go than the pool survives; the expected
numbers are the hand-computed tolerances of test_erasure.py.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.disruption import (
    REASON_DRAIN_BLOCKED,
    disruption_warnings,
    pod_disruption_budgets,
)
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

POOL_LABELS = {
    "app.kubernetes.io/name": "rustfs",
    "app.kubernetes.io/instance": "multi-pool-tenant",
    "app.kubernetes.io/managed-by": "rustfs-operator",
    "rustfs.tenant": "multi-pool-tenant",
    "app.kubernetes.io/component": "storage",
}


def budgets(document):
    return pod_disruption_budgets(parse_tenant(copy.deepcopy(document)))


def warnings(document):
    return disruption_warnings(parse_tenant(copy.deepcopy(document)))


def shape(eng, *pools, **spec):
    return eng.tenant(pools=[eng.pool(f"pool-{i}", s, v) for i, (s, v) in enumerate(pools)], **spec)


def test_multi_pool_example_budgets_exactly(example):
    assert budgets(example("multi-pool-tenant.yaml")) == [
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {
                "name": "multi-pool-tenant-pool-0",
                "namespace": "rustfs-system",
                "labels": {**POOL_LABELS, "rustfs.pool": "pool-0"},
            },
            # 4 servers x 2 volumes: one 4+4 set, two drives per server, write quorum 5 -> one server.
            "spec": {
                "maxUnavailable": 1,
                "selector": {"matchLabels": {"rustfs.tenant": "multi-pool-tenant", "rustfs.pool": "pool-0"}},
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {
                "name": "multi-pool-tenant-pool-1",
                "namespace": "rustfs-system",
                "labels": {**POOL_LABELS, "rustfs.pool": "pool-1"},
            },
            # 2 servers x 4 volumes: one server holds four drives of the 4+4 set -> none.
            "spec": {
                "maxUnavailable": 0,
                "selector": {"matchLabels": {"rustfs.tenant": "multi-pool-tenant", "rustfs.pool": "pool-1"}},
            },
        },
    ]


@pytest.mark.parametrize(
    "filename", ["simple-tenant.yaml", "secret-credentials-tenant.yaml", "minimal-dev-tenant.yaml"]
)
def test_examples_without_server_tolerance_block_evictions(example, filename):
    [budget] = budgets(example(filename))
    assert budget["spec"]["maxUnavailable"] == 0


@pytest.mark.parametrize(
    "filename",
    ["minimal-dev-tenant.yaml", "simple-tenant.yaml", "secret-credentials-tenant.yaml", "multi-pool-tenant.yaml"],
)
def test_budget_selects_exactly_the_pods_of_its_statefulset(eng, example, filename):
    document = example(filename)
    statefulsets = eng.statefulsets(eng.render(document))
    pdbs = budgets(document)
    assert [p["metadata"]["name"] for p in pdbs] == [s["metadata"]["name"] for s in statefulsets]
    for pdb, statefulset in zip(pdbs, statefulsets, strict=True):
        assert pdb["metadata"]["namespace"] == statefulset["metadata"]["namespace"]
        assert pdb["metadata"]["labels"] == statefulset["metadata"]["labels"]
        assert pdb["spec"]["selector"] == statefulset["spec"]["selector"]
        pod_labels = statefulset["spec"]["template"]["metadata"]["labels"]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


@pytest.mark.parametrize(
    ("servers", "volumes", "allowed"),
    [
        (2, 1, 0),
        (3, 1, 1),
        (4, 1, 1),
        (6, 1, 2),
        (8, 1, 3),
        (16, 1, 4),
        (32, 1, 4),
        (4, 4, 1),
        (6, 2, 2),
        (2, 8, 0),
        (1, 4, 0),
    ],
)
def test_max_unavailable_is_the_whole_server_tolerance(eng, servers, volumes, allowed):
    [budget] = budgets(shape(eng, (servers, volumes)))
    assert budget["spec"]["maxUnavailable"] == allowed
    assert allowed < servers  # never every pod


def test_refused_and_unverified_layouts_allow_nothing(eng):
    refused = shape(eng, (1, 1), (8, 1))
    assert [b["spec"]["maxUnavailable"] for b in budgets(refused)] == [0, 3]
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}]
    assert [b["spec"]["maxUnavailable"] for b in budgets(shape(eng, (8, 1), env=env))] == [0]
    env_refused = [{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": "x"}]
    assert [b["spec"]["maxUnavailable"] for b in budgets(shape(eng, (8, 1), env=env_refused))] == [0]


def test_explicit_parity_lowers_the_budget(eng):
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:2"}]
    assert budgets(shape(eng, (8, 1), env=env))[0]["spec"]["maxUnavailable"] == 2  # 6+2: write quorum 6


def test_warnings_explain_that_drains_block(example):
    assert warnings(example("multi-pool-tenant.yaml")) == [
        {
            "field": "spec.pools[1]",
            "message": "PodDisruptionBudget multi-pool-tenant-pool-1 sets maxUnavailable 0 because pool pool-1 "
            "cannot lose a server and stay writable (see the erasure layout); draining a node that runs a "
            "multi-pool-tenant-pool-1 pod (kubectl drain, a cluster upgrade) is refused until an administrator "
            "deletes that pod and accepts the outage",
            "reason": REASON_DRAIN_BLOCKED,
        }
    ]


def test_warning_for_a_refused_layout(eng):
    [warning] = warnings(shape(eng, (1, 1), (8, 1)))
    assert warning["field"] == "spec.pools[0]"
    assert "because RustFS refuses the layout of pool pool-0" in warning["message"]


def test_no_warning_when_every_pool_tolerates_a_server(eng):
    assert warnings(shape(eng, (4, 1), (8, 1))) == []
    assert budgets(eng.tenant(pools=[])) == [] and warnings(eng.tenant(pools=[])) == []
