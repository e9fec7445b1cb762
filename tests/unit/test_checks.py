"""checks.py: configuration checks of a Tenant against the cluster (issue 7, item 5).

The facts are written as the API returns them (StorageClass, Node and PriorityClass items);
expectations follow what the API server and kube-scheduler do with them, stated per test.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.checks import (
    PROBLEM_REASONS,
    WARNING_REASONS,
    ClusterFacts,
    configuration_problems,
    node_matches,
    pod_requests,
    spreading_keys,
)
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import tenant_status

T_OLD = "2024-01-01T00:00:00Z"
T_NEW = "2025-06-01T00:00:00Z"


def sc(name, default=False, expand=None, created=T_OLD, annotation="storageclass.kubernetes.io/is-default-class"):
    metadata = {"name": name, "creationTimestamp": created}
    if default:
        metadata["annotations"] = {annotation: "true"}
    item = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": metadata, "provisioner": "x"}
    if expand is not None:
        item["allowVolumeExpansion"] = expand
    return item


def node(name, labels=None, taints=None, unschedulable=None, ready="True", cpu="32", memory="256Gi", **extra):
    status = {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110", **extra}}
    if ready is not None:
        status["conditions"] = [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}]
    spec = {}
    if taints is not None:
        spec["taints"] = taints
    if unschedulable is not None:
        spec["unschedulable"] = unschedulable
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
        "status": status,
    }


def nodes(count, **fields):
    return [node(f"n{i}", **fields) for i in range(count)]


def pc(name):
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": 1}


def facts(storage_classes=None, node_items=None, priority_classes=None):
    return ClusterFacts.from_api(storage_classes=storage_classes, nodes=node_items, priority_classes=priority_classes)


def check(document, cluster, existing=()):
    return configuration_problems(parse_tenant(copy.deepcopy(document)), cluster, existing)


def summary(errors):
    return [(e["field"], e["reason"]) for e in errors]


def with_class(eng, name, pool="p", servers=4, volumes=1, **fields):
    template = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    if name is not None:
        template["storageClassName"] = name
    return eng.pool(pool, servers, volumes, persistence={"volumeClaimTemplate": template}, **fields)


def tenant_of(eng, *pools, **spec):
    return eng.tenant("t", "ns", pools=list(pools) or [eng.pool("p", 4, 1)], **spec)


CLASS_FIELD = "spec.pools[0].persistence.volumeClaimTemplate.storageClassName"


# --- facts ------------------------------------------------------------------------------------------


def test_unread_facts_skip_every_check(eng):
    document = tenant_of(
        eng,
        with_class(eng, "missing", nodeSelector={"nowhere": "x"}, priorityClassName="nope"),
        with_class(eng, "other", pool="q"),
        logging={"mode": "persistent", "storageClass": "gone"},
    )
    # Only the mixed-class warning needs no facts: it compares the names the spec gives.
    problems, warnings = check(document, ClusterFacts())
    assert problems == []
    assert summary(warnings) == [("spec.pools", "MixedStorageClasses")]


def test_facts_are_read_from_api_items_leniently():
    cluster = ClusterFacts.from_api(
        storage_classes=[{"metadata": {}}],
        nodes=[{"metadata": {"name": "bare"}}, {"status": {"capacity": {"cpu": "4", "memory": "lots"}}}],
        priority_classes=[{"metadata": {"name": "high"}}, {}],
    )
    assert cluster.storage_classes is not None and cluster.storage_classes[0].name == ""
    assert cluster.storage_classes[0].default is False and cluster.storage_classes[0].allow_volume_expansion is False
    bare, sized = cluster.nodes or ()
    # No conditions reported: the node counts as ready; no allocatable: capacity stands in.
    assert (bare.ready, bare.unschedulable, bare.labels, bare.taints, bare.allocatable) == (True, False, {}, (), {})
    assert sized.allocatable == {"cpu": Decimal(4)}  # "lots" is not a quantity
    assert sized.allocatable_text == {"cpu": "4"}
    assert cluster.priority_classes == frozenset({"high", ""})


def test_reason_lists():
    assert set(PROBLEM_REASONS) == {
        "StorageClassNotFound",
        "InsufficientNodes",
        "ResourcesExceedNodeCapacity",
        "PriorityClassNotFound",
        "ResourceQuotaExceeded",
        "ResourceQuotaRequiresResources",
        "LimitRangeExceeded",
    }
    assert set(WARNING_REASONS) == {
        "DefaultStorageClassMissing",
        "MixedStorageClasses",
        "LimitRangeDefaultApplied",
        "NetworkPolicyBlocksVault",
    }


# --- StorageClass ---------------------------------------------------------------------------------


def test_a_named_class_that_exists_passes(eng):
    assert check(tenant_of(eng, with_class(eng, "fast")), facts([sc("fast"), sc("slow")])) == ([], [])


def test_a_named_class_that_does_not_exist_blocks(eng):
    problems, warnings = check(tenant_of(eng, with_class(eng, "fsat")), facts([sc("slow"), sc("fast")]))
    assert warnings == []
    assert problems == [
        {
            "field": CLASS_FIELD,
            "message": "StorageClass fsat of pool p does not exist (the cluster has: fast, slow); its claims would "
            "stay Pending: create the StorageClass or name an existing one",
            "reason": "StorageClassNotFound",
        }
    ]


def test_a_cluster_without_classes_says_so(eng):
    [problem] = check(tenant_of(eng, with_class(eng, "fast")), facts([]))[0]
    assert "(the cluster has: none)" in problem["message"]


def test_a_missing_class_of_an_existing_pool_is_only_a_warning(eng):
    # The claims exist and are bound, and the class of a claim template cannot change: blocking every
    # update of the tenant would not bring the class back.
    problems, warnings = check(tenant_of(eng, with_class(eng, "gone")), facts([sc("fast")]), existing={"p"})
    assert problems == []
    assert summary(warnings) == [(CLASS_FIELD, "StorageClassNotFound")]
    assert "the existing claims keep working, but no new claim can be provisioned" in warnings[0]["message"]


def test_an_unset_class_uses_the_default(eng):
    assert check(tenant_of(eng), facts([sc("standard", default=True)])) == ([], [])
    assert check(tenant_of(eng, with_class(eng, None)), facts([sc("standard", default=True)])) == ([], [])


def test_no_default_class_is_a_warning_for_pools_without_a_class(eng):
    problems, warnings = check(tenant_of(eng), facts([sc("fast")]))
    assert problems == []
    assert summary(warnings) == [(CLASS_FIELD, "DefaultStorageClassMissing")]
    assert "bind only to pre-created PersistentVolumes without a class" in warnings[0]["message"]


def test_an_empty_class_means_pre_created_volumes_and_is_not_looked_up(eng):
    assert check(tenant_of(eng, with_class(eng, "")), facts([])) == ([], [])


def test_the_logs_volume_class_is_checked_too(eng):
    persistent = {"mode": "persistent", "storageClass": "logs-class"}
    problems, _ = check(tenant_of(eng, logging=persistent), facts([sc("standard", default=True)]))
    assert summary(problems) == [("spec.logging.storageClass", "StorageClassNotFound")]
    assert "StorageClass logs-class of the logs volume does not exist" in problems[0]["message"]
    # Every pool exists: the logs claims exist too, so only a warning.
    problems, warnings = check(
        tenant_of(eng, logging=persistent), facts([sc("standard", default=True)]), existing={"p"}
    )
    assert problems == [] and summary(warnings) == [("spec.logging.storageClass", "StorageClassNotFound")]
    # Without a class the logs volume uses the default one; emptydir logs have no claim.
    _, warnings = check(tenant_of(eng, logging={"mode": "persistent"}), facts([]))
    assert summary(warnings) == [
        (CLASS_FIELD, "DefaultStorageClassMissing"),
        ("spec.logging.storageClass", "DefaultStorageClassMissing"),
    ]
    _, warnings = check(tenant_of(eng, logging={"mode": "emptydir", "storageClass": "x"}), facts([]))
    assert summary(warnings) == [(CLASS_FIELD, "DefaultStorageClassMissing")]


def test_the_default_class_is_the_newest_default_then_the_lowest_name():
    cluster = facts(
        [
            sc("old-default", default=True, created=T_OLD),
            sc("b-new", default=True, created=T_NEW),
            sc("a-new", default=True, created=T_NEW, annotation="storageclass.beta.kubernetes.io/is-default-class"),
            sc("plain", created="2026-01-01T00:00:00Z"),
        ]
    )
    assert cluster.default_storage_class() == "a-new"
    assert facts([sc("x")]).default_storage_class() is None
    assert ClusterFacts().default_storage_class() is None
    # Only the exact value "true" marks a default, as the API server reads it.
    item = sc("x")
    item["metadata"]["annotations"] = {"storageclass.kubernetes.io/is-default-class": "True"}
    assert facts([item]).default_storage_class() is None


def test_allows_expansion():
    cluster = facts([sc("grow", expand=True), sc("fixed", expand=False), sc("std", default=True, expand=True)])
    assert cluster.allows_expansion("grow") is True
    assert cluster.allows_expansion("fixed") is False
    assert cluster.allows_expansion(None) is True  # the default class, std
    assert cluster.allows_expansion("") is False  # no class: pre-created volumes never expand
    assert cluster.allows_expansion("missing") is None
    assert facts([sc("grow", expand=True)]).allows_expansion(None) is None  # no default class
    assert ClusterFacts().allows_expansion("grow") is None  # not read
    assert facts([sc("unset")]).allows_expansion("unset") is False  # allowVolumeExpansion defaults to false


# --- mixed StorageClasses ------------------------------------------------------------------------


def test_pools_on_different_classes_are_warned_about(eng):
    document = tenant_of(eng, with_class(eng, "nvme"), with_class(eng, "hdd", pool="q"), with_class(eng, "", "r"))
    problems, warnings = check(document, facts([sc("nvme"), sc("hdd")]))
    assert problems == []
    assert warnings == [
        {
            "field": "spec.pools",
            "message": "pools use different StorageClasses (no class: r; hdd: q; nvme: p); RustFS puts each object "
            "in one pool, chosen by free space and not by speed, and erasure-codes it over that pool's drives, so "
            "requests run at the pace of whichever class holds the object and the slowest class sets the tenant's "
            "worst case (moving data between pools too). Use one class for every pool unless the difference is "
            "intended",
            "reason": "MixedStorageClasses",
        }
    ]


def test_the_default_class_counts_as_the_class_of_a_pool_without_one(eng):
    document = tenant_of(eng, with_class(eng, None), with_class(eng, "standard", pool="q"))
    assert check(document, facts([sc("standard", default=True)])) == ([], [])
    _, warnings = check(document, facts([sc("standard"), sc("other", default=True)]))
    assert summary(warnings) == [("spec.pools", "MixedStorageClasses")]
    # Classes not read: a pool without a class cannot be compared, so no warning.
    assert check(document, ClusterFacts()) == ([], [])


def test_one_class_everywhere_is_fine(eng):
    document = tenant_of(eng, with_class(eng, "fast"), with_class(eng, "fast", pool="q"))
    assert check(document, facts([sc("fast")])) == ([], [])


# --- nodes: selectors, affinity, taints -----------------------------------------------------------


def test_enough_plain_nodes_pass(eng):
    assert check(tenant_of(eng), facts(node_items=nodes(1))) == ([], [])


def test_no_node_at_all(eng):
    problems, _ = check(tenant_of(eng), facts(node_items=[]))
    assert problems == [
        {
            "field": "spec.pools[0]",
            "message": "no schedulable node of the cluster's 0 matches pool p's nodeSelector, required node affinity "
            "and tolerations (cordoned and NotReady nodes do not count): its pods would stay Pending",
            "reason": "InsufficientNodes",
        }
    ]


def test_node_selector(eng):
    pool = eng.pool("p", 2, 2, nodeSelector={"disk": "nvme"})
    cluster = facts(node_items=[node("a", labels={"disk": "hdd"}), node("b")])
    assert summary(check(tenant_of(eng, pool), cluster)[0]) == [("spec.pools[0]", "InsufficientNodes")]
    cluster = facts(node_items=[node("a", labels={"disk": "nvme"})])
    assert check(tenant_of(eng, pool), cluster) == ([], [])


def _parsed_pool(eng, **fields):
    return parse_tenant(tenant_of(eng, eng.pool("p", 4, 1, **fields))).pools[0]


def _matches(eng, item, **fields):
    [parsed] = facts(node_items=[item]).nodes or ()
    return node_matches(_parsed_pool(eng, **fields), parsed)


def _required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def _expr(key, operator, *values):
    requirement = {"key": key, "operator": operator}
    if values:
        requirement["values"] = list(values)
    return {"matchExpressions": [requirement]}


@pytest.mark.parametrize(
    ("term", "labels", "matches"),
    [
        (_expr("zone", "In", "a", "b"), {"zone": "b"}, True),
        (_expr("zone", "In", "a"), {"zone": "b"}, False),
        (_expr("zone", "In", "a"), {}, False),
        (_expr("zone", "NotIn", "a"), {"zone": "b"}, True),
        (_expr("zone", "NotIn", "a"), {}, True),  # an absent label is not in the list
        (_expr("zone", "NotIn", "a"), {"zone": "a"}, False),
        (_expr("gpu", "Exists"), {"gpu": ""}, True),
        (_expr("gpu", "Exists"), {}, False),
        (_expr("gpu", "DoesNotExist"), {}, True),
        (_expr("gpu", "DoesNotExist"), {"gpu": "1"}, False),
        (_expr("cores", "Gt", "8"), {"cores": "16"}, True),
        (_expr("cores", "Gt", "8"), {"cores": "8"}, False),
        (_expr("cores", "Lt", "8"), {"cores": "4"}, True),
        (_expr("cores", "Lt", "8"), {"cores": "16"}, False),
        (_expr("cores", "Gt", "8"), {"cores": "many"}, False),  # not an integer
        (_expr("cores", "Gt", "8"), {}, False),
        (_expr("cores", "Gt", "8", "9"), {"cores": "16"}, False),  # Gt takes exactly one value
        (_expr("zone", "Near", "a"), {"zone": "a"}, False),  # unknown operator
        ({}, {"zone": "a"}, False),  # a term without requirements matches no node
        ({"matchExpressions": [], "matchFields": []}, {}, False),
        ({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n0"]}]}, {}, True),
        ({"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["n0"]}]}, {}, False),
        (
            {
                "matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}],
                "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["other"]}],
            },
            {"zone": "a"},
            False,  # requirements of a term are ANDed
        ),
    ],
)
def test_required_node_affinity_terms(eng, term, labels, matches):
    assert _matches(eng, node("n0", labels=labels), affinity=_required(term)) is matches


def test_node_affinity_terms_are_ored_and_an_empty_requirement_matches_all(eng):
    either = _required(_expr("zone", "In", "a"), _expr("zone", "In", "b"))
    assert _matches(eng, node("n0", labels={"zone": "b"}), affinity=either) is True
    assert _matches(eng, node("n0", labels={"zone": "c"}), affinity=either) is False
    assert _matches(eng, node("n0"), affinity=_required()) is False  # no term: nothing matches
    # Only preferred terms, or no required block: every node passes.
    preferred = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}]}}
    assert _matches(eng, node("n0"), affinity=preferred) is True
    assert _matches(eng, node("n0"), affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}})


def _taint(key, effect="NoSchedule", value=None):
    taint = {"key": key, "effect": effect}
    if value is not None:
        taint["value"] = value
    return taint


@pytest.mark.parametrize(
    ("taints", "tolerations", "matches"),
    [
        ([_taint("dedicated", value="storage")], None, False),
        ([_taint("dedicated", effect="NoExecute")], None, False),
        ([_taint("dedicated", effect="PreferNoSchedule")], None, True),  # a preference only
        (
            [_taint("dedicated", value="storage")],
            [{"key": "dedicated", "operator": "Equal", "value": "storage", "effect": "NoSchedule"}],
            True,
        ),
        ([_taint("dedicated", value="storage")], [{"key": "dedicated", "value": "storage"}], True),  # Equal default
        ([_taint("dedicated", value="storage")], [{"key": "dedicated", "value": "other"}], False),
        ([_taint("dedicated")], [{"key": "dedicated"}], True),  # both without a value
        ([_taint("dedicated", value="storage")], [{"key": "dedicated", "operator": "Exists"}], True),
        ([_taint("dedicated")], [{"key": "other", "operator": "Exists"}], False),
        ([_taint("dedicated"), _taint("gpu", "NoExecute")], [{"operator": "Exists"}], True),  # tolerates all
        ([_taint("dedicated")], [{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}], False),
        (
            [_taint("dedicated"), _taint("gpu")],
            [{"key": "dedicated", "operator": "Exists"}],
            False,  # every taint must be tolerated
        ),
    ],
)
def test_taints_and_tolerations(eng, taints, tolerations, matches):
    fields = {} if tolerations is None else {"tolerations": tolerations}
    assert _matches(eng, node("n0", taints=taints), **fields) is matches


def test_cordoned_and_not_ready_nodes_do_not_count(eng):
    assert _matches(eng, node("n0", unschedulable=True)) is False
    assert _matches(eng, node("n0", unschedulable=False)) is True
    unschedulable = {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}
    assert _matches(eng, node("n0", unschedulable=True), tolerations=[unschedulable]) is True
    assert _matches(eng, node("n0", ready="False")) is False
    assert _matches(eng, node("n0", ready="Unknown")) is False
    assert _matches(eng, node("n0", ready=None)) is True  # no conditions reported yet


# --- resources ------------------------------------------------------------------------------------


def test_requests_larger_than_every_matching_node_block(eng):
    pool = eng.pool("p", 2, 2, resources={"requests": {"cpu": "8", "memory": "300Gi"}})
    cluster = facts(
        node_items=[node("small", cpu="4", memory="16Gi"), node("big", cpu="32", memory="256Gi"), node("tiny")]
    )
    problems, _ = check(tenant_of(eng, pool), cluster)
    assert problems == [
        {
            "field": "spec.pools[0].resources",
            "message": "pool p requests cpu 8, memory 300Gi per pod, more than any of the 3 nodes it may run on can "
            "allocate (the largest, big, has cpu 32, memory 256Gi): lower the requests or add larger nodes",
            "reason": "ResourcesExceedNodeCapacity",
        }
    ]


def test_requests_that_fit_one_node_pass(eng):
    pool = eng.pool("p", 1, 4, resources={"requests": {"cpu": "500m", "memory": "64Gi"}})
    cluster = facts(node_items=[node("small", cpu="250m", memory="1Gi"), node("big", memory="128Gi")])
    assert check(tenant_of(eng, pool), cluster) == ([], [])


def test_only_nodes_the_pool_may_use_are_compared(eng):
    pool = eng.pool("p", 1, 4, nodeSelector={"pool": "rustfs"}, resources={"requests": {"memory": "64Gi"}})
    cluster = facts(node_items=[node("big", memory="512Gi"), node("small", labels={"pool": "rustfs"}, memory="8Gi")])
    problems, _ = check(tenant_of(eng, pool), cluster)
    assert summary(problems) == [("spec.pools[0].resources", "ResourcesExceedNodeCapacity")]
    assert "any of the 1 nodes it may run on" in problems[0]["message"]
    assert "(the largest, small, has memory 8Gi)" in problems[0]["message"]


def test_limits_stand_in_for_unset_requests_and_extended_resources_count(eng):
    pool = parse_tenant(
        tenant_of(
            eng,
            eng.pool(
                "p",
                2,
                2,
                resources={
                    "limits": {"cpu": "2", "memory": "4Gi", "example.com/fpga": 1},
                    "requests": {"cpu": "1", "ephemeral-storage": "0", "hugepages": "lots"},
                },
            ),
        )
    ).pools[0]
    # cpu from requests, memory and the extended resource from limits; zero and non-quantities ignored.
    assert {name: amount for name, (amount, _) in pod_requests(pool).items()} == {
        "cpu": Decimal(1),
        "memory": Decimal(4 * 2**30),
        "example.com/fpga": Decimal(1),
    }
    document = tenant_of(eng, eng.pool("p", 2, 2, resources={"limits": {"example.com/fpga": 1}}))
    problems, _ = check(document, facts(node_items=[node("n0")]))
    assert "(the largest, n0, has example.com/fpga 0)" in problems[0]["message"]
    assert check(document, facts(node_items=[node("n0", **{"example.com/fpga": "2"})])) == ([], [])


def test_the_largest_node_is_the_one_closest_to_fitting(eng):
    pool = eng.pool("p", 2, 2, resources={"requests": {"cpu": "16", "memory": "64Gi"}})
    cluster = facts(node_items=[node("cpu-heavy", cpu="64", memory="8Gi"), node("balanced", cpu="8", memory="128Gi")])
    [problem] = check(tenant_of(eng, pool), cluster)[0]
    # Both miss one request; then the most of each resource in name order (cpu first).
    assert "(the largest, cpu-heavy, has cpu 64, memory 8Gi)" in problem["message"]
    # Meeting more of the requests wins over having more of the first resource.
    pool = eng.pool("p", 2, 2, resources={"requests": {"cpu": "16", "memory": "64Gi", "ephemeral-storage": "50Gi"}})
    cluster = facts(
        node_items=[
            node("cpu-heavy", cpu="128", memory="8Gi", **{"ephemeral-storage": "1Gi"}),
            node("close", cpu="8", memory="64Gi", **{"ephemeral-storage": "100Gi"}),
        ]
    )
    [problem] = check(tenant_of(eng, pool), cluster)[0]
    assert "(the largest, close, has cpu 8, ephemeral-storage 100Gi, memory 64Gi)" in problem["message"]


# --- anti-affinity ------------------------------------------------------------------------------


def _anti(topology="kubernetes.io/hostname", selector=None, **term):
    labels = {"matchLabels": {"rustfs.tenant": "t", "rustfs.pool": "p"}} if selector is None else selector
    entry = {"labelSelector": labels, "topologyKey": topology, **term}
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [entry]}}


def test_required_anti_affinity_by_hostname_needs_one_node_per_server(eng):
    pool = eng.pool("p", 4, 1, affinity=_anti())
    problems, _ = check(tenant_of(eng, pool), facts(node_items=nodes(3)))
    assert problems == [
        {
            "field": "spec.pools[0]",
            "message": "pool p has 4 servers and a required pod anti-affinity on kubernetes.io/hostname, so it needs "
            "4 nodes, but only 3 of the schedulable nodes matching its scheduling fields and requests provide them: "
            "the remaining pods would stay Pending; add nodes, relax the selectors, or make the anti-affinity "
            "preferred",
            "reason": "InsufficientNodes",
        }
    ]
    assert check(tenant_of(eng, pool), facts(node_items=nodes(4))) == ([], [])
    # Without the anti-affinity, one node takes all four pods.
    assert check(tenant_of(eng, eng.pool("p", 4, 1)), facts(node_items=nodes(1))) == ([], [])


def test_only_nodes_that_fit_the_requests_count_for_the_spread(eng):
    pool = eng.pool("p", 2, 2, affinity=_anti(), resources={"requests": {"memory": "64Gi"}})
    cluster = facts(node_items=[node("a", memory="128Gi"), node("b", memory="32Gi")])
    assert summary(check(tenant_of(eng, pool), cluster)[0]) == [("spec.pools[0]", "InsufficientNodes")]


def test_anti_affinity_on_zones_needs_distinct_zones(eng):
    zoned = [node(f"n{i}", labels={"topology.kubernetes.io/zone": f"zone-{'abc'[i % 3]}"}) for i in range(6)]
    pool = eng.pool("p", 4, 1, affinity=_anti("topology.kubernetes.io/zone"))
    [problem] = check(tenant_of(eng, pool), facts(node_items=zoned))[0]
    assert "needs 4 distinct topology.kubernetes.io/zone values, but only 3" in problem["message"]
    assert check(
        tenant_of(eng, eng.pool("p", 3, 1, affinity=_anti("topology.kubernetes.io/zone"))), facts(node_items=zoned)
    ) == ([], [])
    # A node without the label takes any number of pods (the term cannot match there).
    assert check(tenant_of(eng, pool), facts(node_items=[*zoned, node("unlabelled")])) == ([], [])


@pytest.mark.parametrize(
    ("affinity", "spreads"),
    [
        (_anti(), ["kubernetes.io/hostname"]),
        (_anti(selector={"matchLabels": {"rustfs.tenant": "t"}}), ["kubernetes.io/hostname"]),
        (
            _anti(selector={"matchExpressions": [{"key": "rustfs.pool", "operator": "In", "values": ["p"]}]}),
            ["kubernetes.io/hostname"],
        ),
        (_anti(selector={}), ["kubernetes.io/hostname"]),  # an empty selector selects every pod
        (_anti(selector={"matchLabels": {"app": "other"}}), []),  # other pods: no spread of ours
        (_anti(selector={"matchExpressions": [{"key": "rustfs.pool", "operator": "NotIn", "values": ["p"]}]}), []),
        (_anti(namespaces=["ns"]), ["kubernetes.io/hostname"]),
        (_anti(namespaces=["elsewhere"]), []),
        (_anti(namespaceSelector={}), []),  # namespaces we cannot evaluate
        (_anti(topology=""), []),
        ({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "x"}]}}, []),
        ({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}]}}, []),
        (None, []),
    ],
)
def test_which_anti_affinity_terms_spread_the_pool(eng, affinity, spreads):
    fields = {} if affinity is None else {"affinity": affinity}
    document = tenant_of(eng, eng.pool("p", 4, 1, **fields))
    tenant = parse_tenant(document)
    assert spreading_keys(tenant, tenant.pools[0]) == spreads


def test_every_pool_is_checked_on_its_own(eng):
    document = tenant_of(
        eng,
        eng.pool("a", 2, 2, nodeSelector={"disk": "nvme"}),
        eng.pool("b", 2, 2, resources={"requests": {"cpu": "64"}}),
        eng.pool("c", 2, 2),
    )
    cluster = facts(node_items=nodes(2))
    assert summary(check(document, cluster)[0]) == [
        ("spec.pools[0]", "InsufficientNodes"),
        ("spec.pools[1].resources", "ResourcesExceedNodeCapacity"),
    ]


# --- PriorityClass --------------------------------------------------------------------------------


def test_priority_classes(eng):
    cluster = facts(priority_classes=[pc("high")])
    assert check(tenant_of(eng, eng.pool("p", 4, 1, priorityClassName="high")), cluster) == ([], [])
    assert check(tenant_of(eng, priorityClassName="high"), cluster) == ([], [])
    problems, _ = check(tenant_of(eng, eng.pool("p", 4, 1, priorityClassName="hihg")), cluster)
    assert problems == [
        {
            "field": "spec.pools[0].priorityClassName",
            "message": "PriorityClass hihg does not exist: the API server refuses every pod that names it; create "
            "it or name an existing one",
            "reason": "PriorityClassNotFound",
        }
    ]


def test_the_tenant_priority_class_is_checked_once_and_only_where_used(eng):
    cluster = facts(priority_classes=[pc("high")])
    two = tenant_of(eng, eng.pool("p", 4, 1), eng.pool("q", 4, 1), priorityClassName="missing")
    assert summary(check(two, cluster)[0]) == [("spec.priorityClassName", "PriorityClassNotFound")]
    # Every pool names its own class: the tenant's fallback is never used.
    overridden = tenant_of(eng, eng.pool("p", 4, 1, priorityClassName="high"), priorityClassName="missing")
    assert check(overridden, cluster) == ([], [])


def test_built_in_priority_classes_always_exist(eng):
    document = tenant_of(eng, eng.pool("p", 4, 1, priorityClassName="system-cluster-critical"))
    assert check(document, facts(priority_classes=[])) == ([], [])
    document = tenant_of(eng, priorityClassName="system-node-critical")
    assert check(document, facts(priority_classes=[])) == ([], [])


# --- all together -------------------------------------------------------------------------------


def test_problems_and_warnings_together_in_a_stable_order(eng):
    document = tenant_of(
        eng,
        with_class(eng, "gone", nodeSelector={"disk": "nvme"}),
        with_class(eng, "fast", pool="q", priorityClassName="nope"),
    )
    cluster = facts([sc("fast")], nodes(2), [])
    problems, warnings = check(document, cluster)
    assert summary(problems) == [
        (CLASS_FIELD, "StorageClassNotFound"),
        ("spec.pools[0]", "InsufficientNodes"),
        ("spec.pools[1].priorityClassName", "PriorityClassNotFound"),
    ]
    assert summary(warnings) == [("spec.pools", "MixedStorageClasses")]


def test_the_examples_pass_on_the_local_test_cluster(examples):
    # tests/cluster: six kwok nodes (32 CPU, 256Gi) over three zones, default class "standard".
    zoned = [node(f"kwok-node-{i}", labels={"topology.kubernetes.io/zone": f"zone-{'abc'[i % 3]}"}) for i in range(6)]
    cluster = facts([sc("standard", default=True)], zoned, [])
    for document in examples.values():
        assert check(document, cluster) == ([], [])


@pytest.mark.parametrize("reason", PROBLEM_REASONS)
def test_a_problem_blocks_the_tenant_on_pools_ready(eng, reason):
    problem = {"field": "spec.pools[0]", "message": "does not fit", "reason": reason}
    status = tenant_status(parse_tenant(tenant_of(eng)), [], [problem], None, T_OLD)
    by_type = {c["type"]: c for c in status["conditions"]}
    assert status["currentState"] == "Blocked"
    assert (by_type["PoolsReady"]["status"], by_type["PoolsReady"]["reason"]) == ("False", reason)
    assert by_type["SpecValid"]["status"] == "True"
