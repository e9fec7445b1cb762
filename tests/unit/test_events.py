"""Which Events a reconcile emits (spec §10 "Events") and their shape."""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils.events import event_object, planned_events

NOW = "2025-01-01T00:00:00Z"


def status(ready_status, reason, message="m"):
    return {"conditions": [{"type": "Ready", "status": ready_status, "reason": reason, "message": message}]}


def test_statefulset_created_and_updated_are_normal_events():
    applied = [
        {"kind": "StatefulSet", "name": "demo-a", "action": "created"},
        {"kind": "StatefulSet", "name": "demo-b", "action": "updated"},
        {"kind": "Service", "name": "demo-io", "action": "created"},  # only StatefulSets are announced
        {"kind": "StatefulSet", "name": "demo-c", "action": "expanded"},  # not an action we announce
    ]
    assert planned_events({}, {}, [], applied) == [
        {"type": "Normal", "reason": "StatefulSetCreated", "message": "created StatefulSet demo-a"},
        {"type": "Normal", "reason": "StatefulSetUpdateStarted", "message": "updating StatefulSet demo-b"},
    ]


def test_pool_lifecycle_steps_are_normal_events():
    applied = [
        {"kind": "Pool", "name": "pool-0", "action": "decommission-started"},
        {"kind": "Pool", "name": "pool-1", "action": "decommission-canceled"},
        {"kind": "Pool", "name": "pool-2", "action": "something-else"},
        {
            "kind": "StatefulSet",
            "name": "demo-pool-0",
            "action": "deleted",
            "pool": "pool-0",
            "cleanup": "decommissioned",
        },
        {"kind": "StatefulSet", "name": "demo-old", "action": "deleted", "pool": "old", "cleanup": "removed-from-spec"},
    ]
    events = planned_events({}, {}, [], applied)
    # The StatefulSet of a decommissioned pool: named as the RustFS operator names it, whether the pool
    # is still in spec.pools (PoolDecommissionCleanupStarted) or was removed from it (PoolRemoved).
    assert [(e["type"], e["reason"]) for e in events] == [
        ("Normal", "PoolDecommissionStarted"),
        ("Normal", "PoolDecommissionCancelRequested"),
        ("Normal", "PoolDecommissionCleanupStarted"),
        ("Normal", "PoolRemoved"),
    ]
    assert "pool-0" in events[0]["message"] and "pool-1" in events[1]["message"]
    assert events[2]["message"] == "deleting StatefulSet demo-pool-0 of decommissioned pool pool-0; its PVCs are kept"
    assert events[3]["message"] == (
        "deleting StatefulSet demo-old of decommissioned pool old, which was removed from spec.pools; its PVCs are kept"
    )


def test_a_refusal_is_a_warning_with_its_reason_and_its_event_reason():
    refusal = {
        "field": "spec.pools[0].servers",
        "message": "set servers back to 2.",
        "reason": "StatefulSetUpdateValidationFailed",
        "condition": "WorkloadsReady",
        "event": "StatefulSetUpdateBlocked",
    }
    blocked = status("False", "StatefulSetUpdateValidationFailed", "spec.pools[0].servers: set servers back to 2.")
    # Both, as the RustFS operator posts them: one named after the condition's reason, and its own.
    assert planned_events({}, blocked, [refusal], []) == [
        {
            "type": "Warning",
            "reason": "StatefulSetUpdateValidationFailed",
            "message": "spec.pools[0].servers: set servers back to 2.",
        },
        {
            "type": "Warning",
            "reason": "StatefulSetUpdateBlocked",
            "message": "spec.pools[0].servers: set servers back to 2.",
        },
    ]
    # Once per refusal: the same refusal again adds neither.
    assert planned_events(blocked, blocked, [refusal], []) == []


def test_a_canceled_decommission_is_a_warning():
    canceled = status("False", "PoolDecommissionCanceled", "DecommissionCanceled: pool-0")
    assert planned_events(status("False", "PoolDecommissioning"), canceled, [], []) == [
        {"type": "Warning", "reason": "PoolDecommissionCanceled", "message": "DecommissionCanceled: pool-0"}
    ]


def test_a_statefulset_the_api_server_refused_is_a_warning_named_after_its_reason():
    refused = {
        "field": "spec.pools[0]",
        "message": "the API server refused StatefulSet demo-a, which this spec makes: invalid",
        "reason": "StatefulSetApplyFailed",
        "condition": "WorkloadsReady",
    }
    events = planned_events({}, status("False", "StatefulSetApplyFailed"), [refused], [])
    assert [(e["type"], e["reason"]) for e in events] == [("Warning", "StatefulSetApplyFailed")]


def test_a_problem_without_event_reason_uses_its_reason():
    error = {
        "field": "spec.credsSecret",
        "message": "Secret creds has no key accesskey",
        "reason": "CredentialSecretMissingKey",
    }
    events = planned_events({}, status("False", "CredentialSecretMissingKey"), [error], [])
    assert events == [
        {
            "type": "Warning",
            "reason": "CredentialSecretMissingKey",
            "message": "spec.credsSecret: Secret creds has no key accesskey",
        }
    ]


def test_each_refusal_is_reported_once_not_on_every_blocked_run():
    error = {"field": "f", "message": "m", "reason": "PoolDeleteBlocked", "event": "PoolDeleteBlocked"}
    blocked = status("False", "PoolDeleteBlocked")
    # Even though Ready changed, a blocked run reports only its problems.
    assert [e["reason"] for e in planned_events(status("True", "ReconcileSucceeded"), blocked, [error], [])] == [
        "PoolDeleteBlocked"
    ]
    # The same problems again: the status already says so, no new event.
    assert planned_events(blocked, blocked, [error], []) == []
    # A different problem is news.
    other = status("False", "CredentialSecretNotFound", "other")
    assert [e["reason"] for e in planned_events(blocked, other, [error], [])] == ["PoolDeleteBlocked"]


def test_one_event_when_the_outcome_changes_status():
    events = planned_events(
        status("False", "PodsNotReady"), status("True", "ReconcileSucceeded", "4/4 pods ready"), [], []
    )
    assert events == [{"type": "Normal", "reason": "ReconcileSucceeded", "message": "4/4 pods ready"}]


def test_one_event_when_the_outcome_changes_reason_only():
    events = planned_events(
        status("False", "RolloutInProgress"), status("False", "PodsNotReady", "1/4 pods ready"), [], []
    )
    assert events == [{"type": "Normal", "reason": "PodsNotReady", "message": "1/4 pods ready"}]


def test_no_event_when_the_outcome_is_unchanged():
    same = status("True", "ReconcileSucceeded")
    assert planned_events(same, status("True", "ReconcileSucceeded", "other message"), [], []) == []


def test_first_status_is_announced():
    assert planned_events({}, status("False", "RolloutInProgress", "rolling out pools: a"), [], []) == [
        {"type": "Normal", "reason": "RolloutInProgress", "message": "rolling out pools: a"}
    ]


def test_pool_degraded_is_a_warning():
    events = planned_events(status("True", "ReconcileSucceeded"), status("False", "PoolDegraded", "pool a"), [], [])
    assert events == [{"type": "Warning", "reason": "PoolDegraded", "message": "pool a"}]


def test_only_the_ready_condition_is_the_outcome():
    previous = {
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "ReconcileSucceeded"},
            {"type": "WorkloadsReady", "status": "False", "reason": "PodsNotReady"},
        ]
    }
    current = {
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "ReconcileSucceeded"},
            {"type": "WorkloadsReady", "status": "True", "reason": "ReconcileSucceeded"},
        ]
    }
    assert planned_events(previous, current, [], []) == []


def test_an_empty_message_falls_back_to_the_reason():
    assert planned_events({}, status("True", "ReconcileSucceeded", ""), [], []) == [
        {"type": "Normal", "reason": "ReconcileSucceeded", "message": "ReconcileSucceeded"}
    ]


def test_actions_come_before_the_outcome():
    applied = [{"kind": "StatefulSet", "name": "demo-a", "action": "created"}]
    events = planned_events({}, status("False", "RolloutInProgress"), [], applied)
    assert [e["reason"] for e in events] == ["StatefulSetCreated", "RolloutInProgress"]


# --- event_object -----------------------------------------------------------------------------------

TENANT = {
    "apiVersion": "rustfs.com/v1alpha1",
    "kind": "Tenant",
    "metadata": {"name": "demo", "namespace": "ns", "uid": "uid-1", "resourceVersion": "42", "generation": 3},
}


def test_event_object_shape():
    event = {"type": "Warning", "reason": "StatefulSetUpdateBlocked", "message": "spec.pools[0].servers: no"}
    assert event_object(TENANT, event, NOW) == {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": "demo.", "namespace": "ns"},
        "involvedObject": {
            "apiVersion": "rustfs.com/v1alpha1",
            "kind": "Tenant",
            "name": "demo",
            "namespace": "ns",
            "uid": "uid-1",
            "resourceVersion": "42",
        },
        "type": "Warning",
        "reason": "StatefulSetUpdateBlocked",
        "message": "spec.pools[0].servers: no",
        "source": {"component": "rustfs-operator"},
        "reportingComponent": "rustfs-operator",
        "reportingInstance": "rustfs-operator",
        "firstTimestamp": NOW,
        "lastTimestamp": NOW,
        "count": 1,
    }


def test_event_message_is_cut_to_1024_characters():
    event = {"type": "Normal", "reason": "R", "message": "x" * 5000}
    assert event_object(TENANT, event, NOW)["message"] == "x" * 1024
    assert event_object(TENANT, {"type": "Normal", "reason": "R", "message": "short"}, NOW)["message"] == "short"
