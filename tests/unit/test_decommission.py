"""The pool decommission lifecycle (spec 9.5, issue 7 item 3): every transition and every refusal."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import decommission as d
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import (
    Action,
    PoolProgress,
    decommissioned_pools,
    plan_decommission,
    pool_argument,
    pools_to_observe,
)
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

NOW = "2025-01-02T03:04:05Z"
ARG0 = "http://demo-pool-0-{0...1}.demo-hl.ns.svc.cluster.local:9000/data/rustfs{0...1}"
ARG1 = "http://demo-pool-1-{0...1}.demo-hl.ns.svc.cluster.local:9000/data/rustfs{0...1}"
RUNNING = PoolProgress(started=True, bytes_done=50, total_size=200)
IDLE = PoolProgress(started=False)


def tenant(pools: tuple[str, ...] = ("pool-0", "pool-1"), requests: list[dict[str, Any]] | None = None, **spec: Any):
    document = {
        "metadata": {"name": "demo", "namespace": "ns"},
        "spec": {
            "pools": [{"name": p, "servers": 2, "persistence": {"volumesPerServer": 2}} for p in pools],
            **spec,
        },
    }
    if requests is not None:
        document["spec"]["poolLifecycle"] = {"decommissionRequests": requests}
    return parse_tenant(document)


def start(pool: str = "pool-0", request_id: str = "r1", **extra: Any) -> dict[str, Any]:
    return {"poolName": pool, "requestId": request_id, "action": "Start", **extra}


def cancel(pool: str = "pool-0", request_id: str = "r1") -> dict[str, Any]:
    return {"poolName": pool, "requestId": request_id, "action": "Cancel", "cancelRequestedAt": NOW}


def item(name: str, state: str, phase: str | None = None, request_id: str = "r1", **record: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "lifecycleState": state}
    if phase is not None:
        found["decommission"] = {"requestId": request_id, "action": "Start", "phase": phase, **record}
    return found


def run(t, previous=(), observations=None, live=None):
    return plan_decommission(t, list(previous), observations or {}, NOW, live_statefulsets=live)


def kinds(plan) -> list[tuple[str, str]]:
    return [(a.kind, a.pool) for a in plan.actions]


# --- helpers -------------------------------------------------------------------------------------


def test_pool_argument_is_the_rustfs_volumes_token():
    assert pool_argument(tenant(), "pool-1") == ARG1
    assert pool_argument(tenant(), "pool-0", "k8s.local").endswith("demo-hl.ns.svc.k8s.local:9000/data/rustfs{0...1}")
    tls = tenant(tls={"mode": "certManager", "enableInternodeHttps": True})
    assert pool_argument(tls, "pool-0").startswith("https://")
    single = parse_tenant(
        {
            "metadata": {"name": "d"},
            "spec": {"pools": [{"name": "p", "servers": 1, "persistence": {"volumesPerServer": 1}}]},
        }
    )
    assert pool_argument(single, "p") == "/data/rustfs0"
    with pytest.raises(ValueError, match=r"pool nope is not in spec\.pools"):
        pool_argument(tenant(), "nope")


def test_decommissioned_pools():
    status = {"pools": [item("a", "Decommissioned"), item("b", "Active"), {"name": "c"}, "junk"]}
    assert decommissioned_pools(status) == {"a"}
    assert decommissioned_pools(None) == set()
    assert decommissioned_pools({"pools": None}) == set()


def test_pools_to_observe():
    t = tenant(("pool-0", "pool-1", "pool-2", "pool-3"), [start("pool-0"), start("pool-3")])
    status = {
        "pools": [
            item("pool-1", "Decommissioning", "Running"),
            item("pool-2", "DecommissionCanceled", "Canceled"),
            item("pool-3", "Decommissioned", "Complete"),
        ]
    }
    assert pools_to_observe(t, status) == ["pool-0", "pool-1", "pool-2"]
    assert pools_to_observe(tenant(), None) == []


def test_progress_percent():
    assert RUNNING.percent == 25 and RUNNING.running
    assert PoolProgress(started=True, bytes_done=300, total_size=200).percent == 100
    assert IDLE.percent is None and not IDLE.running


# --- no request ----------------------------------------------------------------------------------


def test_no_request_everything_active_and_quiet():
    plan = run(tenant())
    assert {n: p.state for n, p in plan.pools.items()} == {"pool-0": "Active", "pool-1": "Active"}
    assert plan.actions == [] and plan.problems == [] and plan.signal is None and plan.requeue_seconds is None
    assert plan.pools["pool-0"].status_fields() == {"lifecycleState": "Active"}


# --- Start ---------------------------------------------------------------------------------------


def test_start_sends_the_start_and_enters_decommissioning():
    plan = run(tenant(requests=[start(requestedAt=NOW, reason="old disks")]))
    pool = plan.pools["pool-0"]
    assert pool.state == "Decommissioning"
    assert plan.actions == [Action("StartDecommission", "pool-0", ARG0, "demo-pool-0")]
    record = pool.decommission
    assert record is not None
    assert record["requestId"] == "r1" and record["phase"] == "Pending" and record["startRequestedAt"] == NOW
    assert record["requestedAt"] == NOW and record["reason"] == "old disks"
    assert plan.requeue_seconds == 30
    assert plan.signal == d.Signal("PoolDecommissioning", "Decommissioning: pool-0: " + record["message"], False)
    assert pool.status_fields()["decommission"] == record


def test_started_pool_runs_with_progress():
    previous = [item("pool-0", "Decommissioning", "Pending", startRequestedAt="t0")]
    plan = run(tenant(requests=[start()]), previous, {"pool-0": PoolProgress(started=True, started_at="t1")})
    record = plan.pools["pool-0"].decommission
    assert plan.pools["pool-0"].state == "Decommissioning" and record is not None
    assert record["phase"] == "Running" and record["startedAt"] == "t1" and record["lastPollTime"] == NOW
    assert record["message"] == "moving data to the other pools" and plan.actions == []
    plan = run(
        tenant(requests=[start()]), [item("pool-0", "Decommissioning", "Running", startedAt="t1")], {"pool-0": RUNNING}
    )
    record = plan.pools["pool-0"].decommission
    assert record is not None and record["startedAt"] == "t1"
    assert record["progress"] == {
        "objectsMigrated": 0,
        "bytesMigrated": 50,
        "objectsFailed": 0,
        "bytesFailed": 0,
        "percent": 25,
    }
    assert "25% done" in record["message"]


def test_start_that_did_not_take_is_sent_again():
    previous = [item("pool-0", "Decommissioning", "Pending", startRequestedAt="t0")]
    plan = run(tenant(requests=[start()]), previous, {"pool-0": IDLE})
    assert kinds(plan) == [("StartDecommission", "pool-0")]


def test_admin_api_unreachable_changes_nothing():
    previous = [item("pool-0", "Decommissioning", "Running", startedAt="t1")]
    plan = run(tenant(requests=[start()]), previous, {"pool-0": None})
    record = plan.pools["pool-0"].decommission
    assert plan.pools["pool-0"].state == "Decommissioning" and plan.actions == []
    assert (
        record is not None and record["phase"] == "Running" and record["message"] == "waiting for the RustFS admin API"
    )
    assert "lastPollTime" not in record


def test_complete_becomes_decommissioned_and_deletes_the_statefulset():
    previous = [item("pool-0", "Decommissioning", "Running", startedAt="t1")]
    plan = run(tenant(requests=[start()]), previous, {"pool-0": PoolProgress(started=True, complete=True)})
    pool = plan.pools["pool-0"]
    assert pool.state == "Decommissioned" and pool.decommission is not None
    assert pool.decommission["phase"] == "Complete" and pool.decommission["completedAt"] == NOW
    assert pool.decommission["cleanup"] == {"state": "StatefulSetDeleting", "pvcRetentionPolicy": "Retain"}
    assert plan.actions == [Action("DeleteStatefulSet", "pool-0", "", "demo-pool-0", "Foreground")]
    assert not plan.actions[0].removed_from_spec
    # While its StatefulSet is being deleted the pool is still decommissioning, on WorkloadsReady (as the
    # RustFS operator reports its cleanup), not PoolDecommissioned.
    assert plan.signal == d.Signal(
        "PoolDecommissioning", "pool pool-0 is decommissioned; deleting its StatefulSet (PVCs are kept)", False
    )
    assert plan.signal.condition == "WorkloadsReady" and plan.requeue_seconds == 30


def test_failed_in_rustfs():
    previous = [item("pool-0", "Decommissioning", "Running")]
    observed = PoolProgress(started=True, failed=True, message="3 objects could not be moved")
    plan = run(tenant(requests=[start()]), previous, {"pool-0": observed})
    pool = plan.pools["pool-0"]
    assert pool.state == "DecommissionFailed" and pool.decommission is not None
    assert pool.decommission["lastError"] == {
        "reason": "PoolDecommissionFailed",
        "message": "3 objects could not be moved",
    }
    assert plan.signal == d.Signal(
        "PoolDecommissionFailed", "DecommissionFailed: pool-0: 3 objects could not be moved" + d.FAILED_HINT, True
    )
    assert plan.requeue_seconds is None
    default = run(tenant(requests=[start()]), previous, {"pool-0": PoolProgress(started=True, failed=True)})
    assert default.pools["pool-0"].decommission["message"] == "RustFS reported the decommission as failed"  # type: ignore[index]


def test_canceled_outside_the_operator():
    previous = [item("pool-0", "Decommissioning", "Running")]
    plan = run(tenant(requests=[start()]), previous, {"pool-0": PoolProgress(started=True, canceled=True)})
    assert plan.pools["pool-0"].state == "DecommissionCanceled"
    assert plan.signal is not None and plan.signal.reason == "PoolDecommissionCanceled" and plan.signal.blocked
    assert plan.signal.condition == "PoolsReady"


def test_ended_request_stays_ended_and_a_new_request_id_starts_again():
    for state in ("DecommissionCanceled", "DecommissionFailed"):
        previous = [item("pool-0", state, "Canceled")]
        plan = run(tenant(requests=[start()]), previous)
        assert plan.pools["pool-0"].state == state and plan.actions == []
        plan = run(tenant(requests=[start(request_id="r2")]), previous)
        assert plan.pools["pool-0"].state == "Decommissioning" and kinds(plan) == [("StartDecommission", "pool-0")]
        assert plan.pools["pool-0"].decommission["requestId"] == "r2"  # type: ignore[index]


def test_a_new_start_after_a_canceled_or_failed_one_clears_it_in_rustfs_first():
    """RustFS 1.0.1 refuses a start while it holds a stopped decommission of the pool (seen on the real
    server): the start is preceded by a clear, and only then."""
    for state, observed in (
        ("DecommissionCanceled", PoolProgress(started=True, canceled=True)),
        ("DecommissionFailed", PoolProgress(started=True, failed=True)),
    ):
        previous = [item("pool-0", state, "Canceled")]
        plan = run(tenant(requests=[start(request_id="r2")]), previous, {"pool-0": observed})
        assert kinds(plan) == [("StartDecommission", "pool-0")] and plan.actions[0].clear_first
    fresh = run(tenant(requests=[start()]), [], {"pool-0": IDLE})
    assert kinds(fresh) == [("StartDecommission", "pool-0")] and not fresh.actions[0].clear_first


def test_new_request_id_while_draining_is_adopted():
    previous = [item("pool-0", "Decommissioning", "Running")]
    plan = run(tenant(requests=[start(request_id="r9")]), previous, {"pool-0": RUNNING})
    assert plan.actions == [] and plan.pools["pool-0"].decommission["requestId"] == "r9"  # type: ignore[index]


# --- one at a time -------------------------------------------------------------------------------


def test_one_pool_drains_at_a_time():
    t = tenant(("pool-0", "pool-1", "pool-2"), [start("pool-0"), start("pool-1")])
    plan = run(t)
    assert kinds(plan) == [("StartDecommission", "pool-0")]
    waiting = plan.pools["pool-1"]
    assert waiting.state == "Decommissioning" and waiting.decommission is not None
    assert waiting.decommission["phase"] == "Pending" and "startRequestedAt" not in waiting.decommission
    assert waiting.decommission["message"] == "waiting for pool pool-0 to finish decommissioning"
    previous = [item("pool-0", "Decommissioning", "Running"), {"name": "pool-1", **waiting.status_fields()}]
    still = run(t, previous, {"pool-0": RUNNING, "pool-1": IDLE})
    assert still.actions == [] and still.pools["pool-1"].state == "Decommissioning"
    unasked = run(t, previous, {"pool-0": RUNNING})
    assert unasked.actions == [] and unasked.pools["pool-1"].decommission["phase"] == "Pending"  # type: ignore[index]
    done = run(t, previous, {"pool-0": PoolProgress(started=True, complete=True), "pool-1": IDLE})
    assert kinds(done) == [("DeleteStatefulSet", "pool-0"), ("StartDecommission", "pool-1")]
    # Not asked about, but its turn has come: the start is sent.
    free = run(t, [item("pool-0", "Decommissioned", "Complete"), {"name": "pool-1", **waiting.status_fields()}])
    assert kinds(free) == [("StartDecommission", "pool-1")]


def test_removed_start_request_keeps_following_the_drain():
    previous = [item("pool-0", "Decommissioning", "Running")]
    plan = run(tenant(), previous, {"pool-0": PoolProgress(started=True, complete=True)})
    assert plan.pools["pool-0"].state == "Decommissioned" and kinds(plan) == [("DeleteStatefulSet", "pool-0")]


def test_removed_request_after_cancel_returns_to_active_but_failed_stays():
    plan = run(tenant(), [item("pool-0", "DecommissionCanceled", "Canceled")])
    assert plan.pools["pool-0"].state == "Active" and plan.pools["pool-0"].decommission is not None
    plan = run(tenant(), [item("pool-0", "DecommissionFailed", "Failed")])
    assert plan.pools["pool-0"].state == "DecommissionFailed"


# --- Cancel --------------------------------------------------------------------------------------


def test_cancel_a_running_decommission():
    previous = [item("pool-0", "Decommissioning", "Running", startedAt="t1")]
    plan = run(tenant(requests=[cancel()]), previous, {"pool-0": RUNNING})
    pool = plan.pools["pool-0"]
    assert pool.state == "DecommissionCanceled" and kinds(plan) == [("CancelDecommission", "pool-0")]
    assert plan.actions[0].argument == ARG0
    assert pool.decommission is not None
    assert pool.decommission["phase"] == "Canceled" and pool.decommission["action"] == "Cancel"
    assert pool.decommission["cancelRequestedAt"] == NOW and pool.decommission["startedAt"] == "t1"


def test_cancel_without_observation_or_of_a_failed_one_still_cancels():
    previous = [item("pool-0", "Decommissioning", "Pending", startRequestedAt="t0")]
    assert kinds(run(tenant(requests=[cancel()]), previous)) == [("CancelDecommission", "pool-0")]
    failed = run(tenant(requests=[cancel()]), [item("pool-0", "DecommissionFailed", "Failed")])
    assert failed.pools["pool-0"].state == "DecommissionCanceled" and kinds(failed) == [
        ("CancelDecommission", "pool-0")
    ]


def test_cancel_of_a_waiting_pool_needs_no_api_call():
    previous = [item("pool-0", "Decommissioning", "Running"), item("pool-1", "Decommissioning", "Pending")]
    t = tenant(("pool-0", "pool-1", "pool-2"), [start("pool-0"), cancel("pool-1")])
    plan = run(t, previous, {"pool-0": RUNNING, "pool-1": IDLE})
    assert plan.pools["pool-1"].state == "DecommissionCanceled" and plan.actions == []


def test_cancel_is_verified_and_resent_while_rustfs_still_drains():
    previous = [item("pool-0", "DecommissionCanceled", "Canceled")]
    plan = run(tenant(requests=[cancel()]), previous, {"pool-0": RUNNING})
    assert plan.pools["pool-0"].state == "DecommissionCanceled" and kinds(plan) == [("CancelDecommission", "pool-0")]
    quiet = run(tenant(requests=[cancel()]), previous, {"pool-0": PoolProgress(started=True, canceled=True)})
    assert quiet.actions == []


def test_cancel_too_late_the_pool_is_drained():
    for state, phase in (("DecommissionCanceled", "Canceled"), ("Decommissioning", "Running")):
        previous = [item("pool-0", state, phase)]
        plan = run(tenant(requests=[cancel()]), previous, {"pool-0": PoolProgress(started=True, complete=True)})
        assert plan.pools["pool-0"].state == "Decommissioned" and kinds(plan) == [("DeleteStatefulSet", "pool-0")]


# --- Decommissioned ------------------------------------------------------------------------------


def test_decommissioned_is_final_and_its_statefulset_deletion_is_retried():
    previous = [item("pool-0", "Decommissioned", "Complete", cleanup={"state": "StatefulSetDeleting"})]
    t = tenant(requests=[start()])
    plan = run(t, previous, live={"pool-0", "pool-1"})
    assert plan.pools["pool-0"].state == "Decommissioned" and kinds(plan) == [("DeleteStatefulSet", "pool-0")]
    assert plan.problems == []
    gone = run(t, previous, live={"pool-1"})
    assert gone.actions == [] and gone.signal is None
    assert gone.pools["pool-0"].decommission["cleanup"] == {  # type: ignore[index]
        "state": "PvcRetained",
        "statefulSetDeletedAt": NOW,
        "pvcRetentionPolicy": "Retain",
    }
    settled = [{"name": "pool-0", **gone.pools["pool-0"].status_fields()}]
    assert run(t, settled, live={"pool-1"}).pools["pool-0"].decommission == gone.pools["pool-0"].decommission
    assert run(t, previous).actions == []
    bare = run(tenant(), [item("pool-0", "Decommissioned")], live={"pool-0"})
    assert bare.pools["pool-0"].decommission is None and kinds(bare) == [("DeleteStatefulSet", "pool-0")]


def test_decommissioned_pool_that_left_the_spec_keeps_its_record():
    previous = [item("old", "Decommissioned", "Complete"), item("gone", "Active")]
    plan = run(tenant(requests=[start("old")]), previous)
    assert plan.pools["old"].state == "Decommissioned" and "gone" not in plan.pools
    assert plan.problems == []


def test_a_statefulset_deletion_says_whether_its_pool_left_the_spec():
    previous = [item("pool-0", "Decommissioned", "Complete"), item("old", "Decommissioned", "Complete")]
    plan = run(tenant(), previous, live={"pool-0", "pool-1", "old"})
    assert [(a.pool, a.statefulset, a.removed_from_spec) for a in plan.actions] == [
        ("pool-0", "demo-pool-0", False),
        ("old", "demo-old", True),
    ]
    assert plan.signal is not None and plan.signal.reason == "PoolDecommissioning"
    assert plan.signal.condition == "WorkloadsReady" and not plan.signal.blocked


# --- refusals ------------------------------------------------------------------------------------


def test_unknown_pool_is_refused():
    plan = run(tenant(requests=[start("pool-0"), start("nope", "r2")]))
    assert plan.problems == [
        {
            "field": "spec.poolLifecycle.decommissionRequests[1].poolName",
            "message": "there is no pool nope in spec.pools; a decommission request names an existing pool",
            "reason": "PoolDecommissionFailed",
        }
    ]
    assert plan.signal is not None and plan.signal.blocked and plan.signal.reason == "PoolDecommissionFailed"


def test_cancel_without_start_is_refused():
    for previous in ([], [item("pool-0", "Active")]):
        plan = run(tenant(requests=[cancel()]), previous)
        assert plan.pools["pool-0"].state == "Active" and plan.actions == []
        assert [p["field"] for p in plan.problems] == ["spec.poolLifecycle.decommissionRequests[0].action"]
        assert "nothing to cancel" in plan.problems[0]["message"]


def test_request_for_an_already_decommissioned_pool_is_refused():
    previous = [item("pool-0", "Decommissioned", "Complete")]
    plan = run(tenant(requests=[start(request_id="r2")]), previous)
    assert [p["field"] for p in plan.problems] == ["spec.poolLifecycle.decommissionRequests[0].requestId"]
    assert "already decommissioned" in plan.problems[0]["message"]
    plan = run(tenant(requests=[cancel()]), previous)
    assert [p["field"] for p in plan.problems] == ["spec.poolLifecycle.decommissionRequests[0].action"]
    bare = run(tenant(requests=[start()]), [item("pool-0", "Decommissioned")])
    assert len(bare.problems) == 1


def test_the_last_live_pool_is_never_decommissioned():
    plan = run(tenant(("pool-0",), [start()]))
    assert plan.pools["pool-0"].state == "Active" and plan.actions == []
    assert plan.problems[0]["field"] == "spec.poolLifecycle.decommissionRequests[0].poolName"
    assert "last live pool" in plan.problems[0]["message"]
    both = run(tenant(requests=[start("pool-0"), start("pool-1", "r2")]))
    assert kinds(both) == [("StartDecommission", "pool-0")] and both.pools["pool-1"].state == "Active"
    assert [p["field"] for p in both.problems] == ["spec.poolLifecycle.decommissionRequests[1].poolName"]
    # The other pool is already drained: this one is the last.
    last = run(tenant(requests=[start("pool-1", "r2")]), [item("pool-0", "Decommissioned", "Complete")])
    assert last.actions == [] and len(last.problems) == 1


def test_last_pool_rule_counts_pools_draining_without_a_request_and_prefers_fresh_requests():
    previous = [item("pool-0", "Decommissioning", "Running")]
    plan = run(tenant(requests=[start("pool-1", "r2")]), previous, {"pool-0": RUNNING})
    assert plan.pools["pool-0"].state == "Decommissioning" and plan.pools["pool-1"].state == "Active"
    assert len(plan.problems) == 1 and plan.actions == []
    # Both already draining (a status edited by hand): the last in spec order is held back, not reset.
    previous = [item("pool-0", "Decommissioning", "Running"), item("pool-1", "Decommissioning", "Pending")]
    held = run(tenant(requests=[start("pool-0"), start("pool-1", "r2")]), previous, {"pool-0": RUNNING})
    assert held.pools["pool-1"].state == "Decommissioning" and len(held.problems) == 1


def test_signal_precedence():
    previous = [
        item("pool-0", "DecommissionFailed", "Failed", message="boom"),
        item("pool-1", "DecommissionCanceled", "Canceled"),
        item("pool-2", "Decommissioning", "Running"),
    ]
    t = tenant(("pool-0", "pool-1", "pool-2", "pool-3"), [start("pool-1"), start("pool-2")])
    plan = run(t, previous, {"pool-2": RUNNING})
    assert plan.signal == d.Signal("PoolDecommissionFailed", "DecommissionFailed: pool-0: boom" + d.FAILED_HINT, True)
    plan = run(t, previous[1:], {"pool-2": RUNNING})
    assert plan.signal is not None and plan.signal.reason == "PoolDecommissionCanceled"
    assert plan.signal.message == "DecommissionCanceled: pool-1" + d.CANCELED_HINT
