"""The last good spec and the rollback to it (issue 7 item 2): history.py, pure."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.history import (
    ANNOTATION_ROLLBACK,
    ANNOTATION_ROLLBACK_HANDLED,
    HISTORY_KEY,
    history_configmap,
    history_name,
    last_good_record,
    read_record,
    restored_spec,
    rollback_requested,
    rollback_spec,
    spec_digest,
)
from ansible_collections.rustfs.operator.plugins.module_utils.plan import plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import with_digest

UID = "5f1e8d7c-0000-4000-8000-000000000007"
NOW = "2025-01-01T00:00:00Z"
OLD = "rustfs/rustfs:1.0.0-beta.10"
NEW = "rustfs/rustfs:1.0.1"


def stored_tenant(eng, generation=3, uid=UID, status=None, **spec):
    doc = eng.tenant("t", "ns", uid=uid, **spec)
    doc["metadata"]["generation"] = generation
    if status is not None:
        doc["status"] = status
    return doc


def running(statefulsets, complete=True):
    """The StatefulSets as the API server holds them after our apply, rolled out (or not yet)."""
    live = []
    for desired in statefulsets:
        statefulset = with_digest(desired)
        statefulset["metadata"]["generation"] = 2
        replicas = statefulset["spec"]["replicas"]
        statefulset["status"] = {
            "observedGeneration": 2 if complete else 1,
            "replicas": replicas,
            "readyReplicas": replicas,
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
            "currentRevision": "r1",
            "updateRevision": "r1",
        }
        live.append(statefulset)
    return live


def good(eng, doc):
    desired = plan_tenant(doc)["statefulsets"]
    return desired, running(desired)


# --- recording --------------------------------------------------------------------------------------


def test_a_tenant_running_well_is_recorded(eng):
    doc = stored_tenant(eng, image="rustfs/rustfs:1.0.0-beta.10", pools=[eng.pool("a"), eng.pool("b")])
    desired, live = good(eng, doc)
    record = last_good_record(doc, live, [], NOW, desired)
    assert record == {
        "version": 1,
        "tenant": "t",
        "uid": UID,
        "generation": 3,
        "time": NOW,
        "digest": spec_digest(doc["spec"]),
        "spec": doc["spec"],
    }
    assert record["digest"].startswith("sha256:") and len(record["digest"]) == 71
    # Without DESIRED the pool states alone decide; without NOW the time is the current one.
    assert last_good_record(doc, live, [])["time"].endswith("Z")


def test_the_recorded_spec_is_pruned_and_without_nulls(eng):
    doc = stored_tenant(eng, image=None, unknownField={"x": 1})
    record = last_good_record(doc, good(eng, doc)[1], [], NOW)
    assert "unknownField" not in record["spec"] and "image" not in record["spec"]


def test_nothing_is_recorded_with_problems(eng):
    doc = stored_tenant(eng)
    problem = {"field": "spec", "message": "no", "reason": "InvalidSpec"}
    assert last_good_record(doc, good(eng, doc)[1], [problem], NOW) is None


@pytest.mark.parametrize("generation", [None, "3", True])
def test_nothing_is_recorded_without_a_generation(eng, generation):
    doc = stored_tenant(eng)
    live = good(eng, doc)[1]
    if generation is None:
        del doc["metadata"]["generation"]
    else:
        doc["metadata"]["generation"] = generation
    assert last_good_record(doc, live, [], NOW) is None


def test_nothing_is_recorded_while_a_pool_rolls_or_is_missing(eng):
    doc = stored_tenant(eng, pools=[eng.pool("a"), eng.pool("b")])
    desired = plan_tenant(doc)["statefulsets"]
    assert last_good_record(doc, running(desired[:1]), [], NOW) is None  # b has no StatefulSet
    live = running(desired[:1]) + running(desired[1:], complete=False)
    assert last_good_record(doc, live, [], NOW) is None  # b not rolled out
    live[1]["status"]["readyReplicas"] = 1
    live[1]["status"]["observedGeneration"] = 2
    assert last_good_record(doc, live, [], NOW) is None  # b degraded


def test_nothing_is_recorded_for_a_tenant_without_pools(eng):
    doc = stored_tenant(eng, pools=[])
    assert last_good_record(doc, [], [], NOW) is None


def test_a_decommissioned_pool_needs_no_statefulset(eng):
    status = {"pools": [{"name": "b", "lifecycleState": "Decommissioned"}]}
    doc = stored_tenant(eng, pools=[eng.pool("a"), eng.pool("b")], status=status)
    desired = plan_tenant({k: v for k, v in doc.items() if k != "status"})["statefulsets"]
    assert len(desired) == 2
    assert last_good_record(doc, running(desired[:1]), [], NOW, desired) is not None


def test_pods_of_an_earlier_spec_do_not_make_the_new_one_good(eng):
    old = stored_tenant(eng, generation=3)
    live = good(eng, old)[1]
    new = stored_tenant(eng, generation=4, image="rustfs/rustfs:1.0.1")
    desired = plan_tenant(new)["statefulsets"]
    assert last_good_record(new, live, [], NOW, desired) is None
    # A live StatefulSet without our digest, or a desired set without its pool, proves nothing either.
    del live[0]["metadata"]["annotations"]
    assert last_good_record(old, live, [], NOW, plan_tenant(old)["statefulsets"]) is None
    assert last_good_record(old, good(eng, old)[1], [], NOW, []) is None


# --- the ConfigMap ------------------------------------------------------------------------------------


def test_history_configmap(eng):
    doc = stored_tenant(eng)
    record = last_good_record(doc, good(eng, doc)[1], [], NOW)
    configmap = history_configmap(doc, record)
    assert configmap["metadata"] == {
        "name": "t-history",
        "namespace": "ns",
        "labels": {
            "app.kubernetes.io/name": "rustfs",
            "app.kubernetes.io/instance": "t",
            "app.kubernetes.io/managed-by": "rustfs-operator",
            "rustfs.tenant": "t",
        },
        "ownerReferences": [
            {
                "apiVersion": "rustfs.com/v1alpha1",
                "kind": "Tenant",
                "name": "t",
                "uid": UID,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    assert history_name("t") == "t-history"
    assert read_record(configmap) == record
    # The same spec again, later: no write (the record keeps its first time).
    later = {**record, "time": "2025-02-01T00:00:00Z", "generation": 9}
    assert history_configmap(doc, later, configmap) is None
    # Another spec, or the same spec of a new Tenant of that name: rewritten.
    other = {**record, "digest": "sha256:other"}
    assert read_record(history_configmap(doc, other, configmap)) == other
    assert history_configmap(doc, {**record, "uid": "new"}, configmap) is not None


def test_history_configmap_without_uid_has_no_owner(eng):
    doc = stored_tenant(eng, uid=None)
    record = last_good_record(doc, good(eng, doc)[1], [], NOW)
    assert "ownerReferences" not in history_configmap(doc, record)["metadata"]


def test_history_configmap_replaces_an_unreadable_record(eng):
    doc = stored_tenant(eng)
    record = last_good_record(doc, good(eng, doc)[1], [], NOW)
    assert history_configmap(doc, record, {"data": {HISTORY_KEY: "{"}}) is not None


@pytest.mark.parametrize(
    ("configmap", "error"),
    [
        ({"data": {HISTORY_KEY: "{"}}, "is not JSON"),
        ({"data": {HISTORY_KEY: "[]"}}, "holds no spec"),
        ({"data": {HISTORY_KEY: '{"spec": 1}'}}, "holds no spec"),
    ],
)
def test_read_record_refuses_what_is_not_a_record(configmap, error):
    with pytest.raises(ValueError, match=error):
        read_record(configmap)


@pytest.mark.parametrize("configmap", [None, {}, {"data": {}}, {"data": {"other": "x"}}])
def test_read_record_without_one(configmap):
    assert read_record(configmap) is None


# --- the rollback --------------------------------------------------------------------------------------


def recorded(eng, doc):
    return last_good_record(doc, good(eng, doc)[1], [], NOW)


def test_rollback_restores_the_recorded_spec(eng):
    old = stored_tenant(eng, image="rustfs/rustfs:1.0.0-beta.10", env=[{"name": "A", "value": "1"}])
    record = recorded(eng, old)
    new = stored_tenant(eng, generation=4, image="rustfs/rustfs:9.9.9", credsSecret={"name": "c"})
    live = good(eng, old)[1]  # the bad change is refused or still rolling: pods of the old spec
    spec, problems, notes = rollback_spec(new, record, live)
    assert problems == [] and notes == []
    assert spec == old["spec"]


def test_rollback_keeps_pools_added_since_and_does_not_restore_removed_ones(eng):
    old = stored_tenant(eng, pools=[eng.pool("a", 2, 2, nodeSelector={"disk": "ssd"}), eng.pool("gone")], image=OLD)
    record = recorded(eng, old)
    current = {"pools": [eng.pool("a", 2, 2), eng.pool("added", 4, 1)], "image": NEW, "poolLifecycle": {"x": 1}}
    spec, notes = restored_spec(current, record["spec"])
    assert spec == {
        "image": OLD,
        "pools": [old["spec"]["pools"][0], eng.pool("added", 4, 1)],
        "poolLifecycle": {"x": 1},
    }
    assert notes == [
        "spec.poolLifecycle is kept as it is now (requests, not configuration)",
        "pool gone left the spec since the record and is not restored",
        "pool added was added since the record and is kept as it is",
    ]
    # Not modified: the record and the current spec.
    assert record["spec"]["pools"][1]["name"] == "gone" and "poolLifecycle" not in record["spec"]


def test_rollback_in_the_cluster_keeps_the_added_pool(eng):
    old = stored_tenant(eng, pools=[eng.pool("a")], image="rustfs/rustfs:1.0.0-beta.10")
    record = recorded(eng, old)
    new = stored_tenant(eng, generation=5, pools=[eng.pool("a"), eng.pool("b", 4, 1)], image="rustfs/rustfs:1.0.1")
    live = running(plan_tenant(new)["statefulsets"])
    result = rollback_spec(new, record, live)
    assert result.problems == []
    assert [p["name"] for p in result.spec["pools"]] == ["a", "b"]
    assert result.spec["image"] == "rustfs/rustfs:1.0.0-beta.10"
    assert result.notes == ["pool b was added since the record and is kept as it is"]


def test_without_a_record_there_is_no_rollback(eng):
    spec, problems, notes = rollback_spec(stored_tenant(eng), None)
    assert spec is None and notes == []
    assert [(p["field"], p["reason"]) for p in problems] == [("metadata.name", "RollbackUnavailable")]
    assert "t-history" in problems[0]["message"]


def test_a_record_edited_by_hand_is_refused(eng):
    doc = stored_tenant(eng)
    record = recorded(eng, doc)
    record["spec"]["image"] = "mine"
    result = rollback_spec(doc, record)
    assert result.spec is None
    assert [p["reason"] for p in result.problems] == ["RollbackRecordInvalid"]
    assert "edited by hand" in result.problems[0]["message"]
    no_pools = {**record, "spec": {"image": "x"}}
    assert "holds no spec" in rollback_spec(doc, no_pools).problems[0]["message"]


def test_a_record_of_an_earlier_tenant_is_refused(eng):
    record = recorded(eng, stored_tenant(eng, uid="old-uid"))
    result = rollback_spec(stored_tenant(eng), record)
    assert [(p["field"], p["reason"]) for p in result.problems] == [("metadata.uid", "RollbackRecordInvalid")]
    # A record or a Tenant without a uid (render, playbook before the resource existed) is not compared.
    assert rollback_spec(stored_tenant(eng, uid=None), record).problems == []
    assert rollback_spec(stored_tenant(eng), {**record, "uid": None}).problems == []


def test_a_rollback_that_would_shrink_claims_is_refused(eng):
    def sized(size):
        claim = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
        return [eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim})]

    old = stored_tenant(eng, pools=sized("10Gi"), image="rustfs/rustfs:1.0.0-beta.10")
    record = recorded(eng, old)
    grown = stored_tenant(eng, generation=6, pools=sized("20Gi"), image="rustfs/rustfs:1.0.1")
    live = running(plan_tenant(grown)["statefulsets"])  # the claims grew (expansion done)
    result = rollback_spec(grown, record, live)
    assert result.spec is None
    assert [p["reason"] for p in result.problems] == ["StatefulSetUpdateValidationFailed"]
    assert result.problems[0]["message"].startswith("restoring the last good spec (generation 3): pool a claims 20Gi")
    # Without the live StatefulSets, the ones the current spec renders stand in for them.
    assert rollback_spec(grown, record).problems == result.problems


def test_a_rollback_that_grows_claims_needs_an_expandable_class(eng):
    def sized(size):
        claim = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
        return [eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim})]

    record = recorded(eng, stored_tenant(eng, pools=sized("20Gi")))
    current = stored_tenant(eng, generation=4, pools=sized("10Gi"))
    default = {"metadata": {"name": "std", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}
    facts = ClusterFacts.from_api(storage_classes=[{**default, "allowVolumeExpansion": True}])
    assert rollback_spec(current, record, facts=facts).problems == []
    assert rollback_spec(current, record).spec is None


def test_a_rollback_is_validated(eng):
    doc = stored_tenant(eng)
    record = recorded(eng, doc)
    # An annotation added since that the validation refuses: the restored Tenant is refused too.
    doc["metadata"]["annotations"] = {"operator.rustfs.com/rollout-deadline-seconds": "soon"}
    result = rollback_spec(doc, record)
    assert [p["reason"] for p in result.problems] == ["InvalidSpec"]


def test_rollback_uses_the_status_of_the_document_for_decommissioned_pools(eng):
    old = stored_tenant(eng, pools=[eng.pool("a"), eng.pool("b")])
    record = recorded(eng, old)
    live = running(plan_tenant(old)["statefulsets"])
    status = {"pools": [{"name": "a", "lifecycleState": "Active"}, {"name": "b", "lifecycleState": "Decommissioned"}]}
    current = stored_tenant(eng, generation=8, pools=[eng.pool("a")], status=status)
    result = rollback_spec(current, record, live)
    assert result.problems == []
    assert [p["name"] for p in result.spec["pools"]] == ["a"]
    # The status given explicitly wins.
    assert [p["reason"] for p in rollback_spec(current, record, live, {}).problems] == ["PoolDeleteBlocked"]


def test_rollback_does_not_modify_its_inputs(eng):
    old = stored_tenant(eng, env=[{"name": "A", "value": "1"}])
    record = recorded(eng, old)
    new = stored_tenant(eng, generation=4, env=[{"name": "A", "value": "2"}], status={"pools": []})
    before = copy.deepcopy((new, record))
    spec = rollback_spec(new, record).spec
    spec["env"][0]["value"] = "changed"
    assert (new, record) == before


def test_the_record_is_json_the_configmap_can_hold(eng):
    doc = stored_tenant(eng)
    configmap = history_configmap(doc, recorded(eng, doc))
    text = configmap["data"][HISTORY_KEY]
    assert text.endswith("\n") and json.loads(text)["generation"] == 3


# --- operator mode: the request annotation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("annotations", "asked"),
    [
        (None, None),
        ({}, None),
        ({ANNOTATION_ROLLBACK: ""}, None),
        ({ANNOTATION_ROLLBACK: "  "}, None),
        ({ANNOTATION_ROLLBACK: "1"}, "1"),
        ({ANNOTATION_ROLLBACK: " 2 "}, "2"),
        ({ANNOTATION_ROLLBACK: "1", ANNOTATION_ROLLBACK_HANDLED: "1"}, None),
        ({ANNOTATION_ROLLBACK: "2", ANNOTATION_ROLLBACK_HANDLED: "1"}, "2"),
        ({ANNOTATION_ROLLBACK_HANDLED: "1"}, None),
    ],
)
def test_rollback_requested(annotations, asked):
    tenant = {"metadata": {"name": "t"} if annotations is None else {"name": "t", "annotations": annotations}}
    assert rollback_requested(tenant) == asked
