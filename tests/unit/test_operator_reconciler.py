"""When the operator runs the playbook, and when it must not: the reconciler and scheduler with fakes.

No cluster and no Ansible: a fake runner returns prepared outcomes, a fake
recorder applies status patches to the in-memory Tenant, and a settable
clock stands in for time.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from rustfs_operator.cache import ClusterView, Key
from rustfs_operator.config import Config
from rustfs_operator.digest import Child, child_of
from rustfs_operator.metrics import Metrics
from rustfs_operator.reconciler import Reconciler, State
from rustfs_operator.runner import RunOutcome
from rustfs_operator.scheduler import Scheduler

KEY: Key = ("ns", "t")
APPLIED = ["ServiceAccount/t-sa", "Service/t-io", "StatefulSet/t-p"]


class FakeRunner:
    def __init__(self) -> None:
        self.outcomes: list[RunOutcome | Callable[[], RunOutcome]] = []
        self.calls: list[dict[str, Any]] = []
        self.rollbacks: list[str] = []

    async def rollback(self, namespace: str, name: str, request: str) -> RunOutcome:
        self.rollbacks.append(request)
        return self.outcomes.pop(0) if self.outcomes else succeeded([])

    async def run(self, tenant: Mapping[str, Any]) -> RunOutcome:
        self.calls.append(dict(tenant))
        outcome = self.outcomes.pop(0) if self.outcomes else succeeded([])
        return outcome() if callable(outcome) else outcome  # a callable: something happens during the run

    async def run_batch(self, slot: int, tenants: Sequence[Mapping[str, Any]]) -> list[RunOutcome]:
        return [await self.run(tenant) for tenant in tenants]


class FakeRecorder:
    def __init__(self, view: ClusterView) -> None:
        self.view = view
        self.patches: list[tuple[str, dict[str, Any]]] = []
        self.posted: list[tuple[str, str]] = []
        self.remembered: list[int] = []

    async def patch_status(self, tenant: Mapping[str, Any], fields: Mapping[str, Any], reason: str) -> Any:
        current = copy.deepcopy(self.view.tenant(KEY))
        assert current is not None
        current.setdefault("status", {}).update(copy.deepcopy(dict(fields)))
        current["metadata"]["resourceVersion"] = str(int(current["metadata"]["resourceVersion"]) + 1)
        self.patches.append((reason, dict(fields)))
        return current

    async def event(self, tenant: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        self.posted.append((reason, message))

    async def events(self, tenant: Mapping[str, Any], events: list[Any]) -> None:
        self.posted.extend((e["reason"], e["message"]) for e in events)

    async def remember(self, tenant: Mapping[str, Any], statefulsets: Any) -> bool:
        self.remembered.append(int(tenant["metadata"]["generation"]))
        return True


def succeeded(changed: list[dict[str, str]], blocked: bool = False, status: Any = None) -> RunOutcome:
    problems = [{"field": "spec.x", "message": "bad", "reason": "InvalidSpec"}] if blocked else []
    result = {
        "blocked": blocked,
        "problems": problems,
        "changed": changed,
        "applied": [] if blocked else APPLIED,
        "status": status or {},
    }
    return RunOutcome("successful", 0, 3.0, result=result, changed=changed)


def failed() -> RunOutcome:
    return RunOutcome("failed", 2, 1.0, error="Apply the pools: 500 Internal Server Error")


class World:
    """A tenant, its children and Secrets as the watches would show them."""

    def __init__(self, tmp: Path) -> None:
        self.now = 100.0
        self.view = ClusterView()
        self.children: dict[Key, list[Child]] = {}
        self.secrets: dict[Key, list[str]] = {("ns", "creds"): ["1"]}
        self.view.bind([self.children], self.secrets)
        self.runner = FakeRunner()
        self.recorder = FakeRecorder(self.view)
        self.metrics = Metrics()
        config = Config(work_dir=tmp, backoff_min=2, backoff_max=8, settle_timeout=10)
        self.reconciler = Reconciler(
            config,
            self.view,
            self.runner,
            self.recorder,
            self.metrics,
            "settings",
            clock=lambda: self.now,  # type: ignore[arg-type]
        )
        self.requests: list[str] = []
        self.reconciler.request = lambda key, reason: self.requests.append(reason)
        self.tenant = {
            "apiVersion": "rustfs.com/v1alpha1",
            "kind": "Tenant",
            "metadata": {"name": "t", "namespace": "ns", "uid": "u", "generation": 1, "resourceVersion": "10"},
            "spec": {
                "credsSecret": {"name": "creds"},
                "pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}],
            },
        }
        self.view.put_tenant(self.tenant)

    def check(self) -> float | None:
        return asyncio.run(self.reconciler.check(KEY))

    def show_children(self, ready: int = 2, generation: int = 1) -> None:
        self.children[KEY] = [
            child_of("ServiceAccount", {"metadata": {"name": "t-sa", "resourceVersion": "5"}}, self.now),
            child_of("Service", {"metadata": {"name": "t-io", "resourceVersion": "6"}}, self.now),
            child_of(
                "StatefulSet",
                {
                    "metadata": {
                        "name": "t-p",
                        "namespace": "ns",
                        "generation": generation,
                        "labels": {"rustfs.tenant": "t", "rustfs.pool": "p"},
                    },
                    "spec": {"replicas": 2},
                    "status": {
                        "replicas": 2,
                        "readyReplicas": ready,
                        "currentReplicas": 2,
                        "updatedReplicas": 2,
                        "currentRevision": "r1",
                        "updateRevision": "r1",
                        "observedGeneration": generation,
                    },
                },
                self.now,
            ),
        ]

    def runs(self) -> int:
        return len(self.runner.calls)

    def status(self) -> dict[str, Any]:
        tenant = self.view.tenant(KEY)
        assert tenant is not None
        return dict(tenant.get("status") or {})

    def settle(self) -> None:
        """A first run, its objects showing up in the watch, and the baseline taken."""
        self.runner.outcomes.append(succeeded([{"kind": k, "name": n, "action": "created"} for k, n in pairs()]))
        self.check()
        self.now += 1
        self.show_children()
        self.check()


def pairs() -> list[tuple[str, str]]:
    return [tuple(a.split("/", 1)) for a in APPLIED]  # type: ignore[misc]


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_a_new_tenant_runs_once_then_records_its_baseline(world: World) -> None:
    world.settle()
    assert world.runs() == 1
    assert world.runner.calls[0]["metadata"]["uid"] == "u"
    reasons = [reason for reason, _ in world.recorder.patches]
    assert reasons[0] == "reconciling" and "lastRun" in reasons
    last = world.status()["lastRun"]
    assert last["result"] == "Succeeded" and last["digest"] and last["childrenDigest"]
    assert last["changed"] == ["ServiceAccount/t-sa created", "Service/t-io created", "StatefulSet/t-p created"]
    assert ("ReconcileStarted", "reconciling generation 1 (first reconcile)") in world.recorder.posted


def test_an_unchanged_tenant_runs_nothing_and_writes_nothing(world: World) -> None:
    world.settle()
    writes = len(world.recorder.patches)
    for _ in range(5):
        world.now += 300
        world.check()
    assert world.runs() == 1
    # Only the status computed from readiness may be written, once.
    assert len(world.recorder.patches) - writes <= 1
    settled = len(world.recorder.patches)
    world.check()
    assert len(world.recorder.patches) == settled
    assert world.metrics.skipped._value.get() >= 5


def test_readiness_changes_the_status_without_a_run(world: World) -> None:
    world.settle()
    world.check()
    assert world.status()["currentState"] == "Ready"
    world.show_children(ready=1)
    world.check()
    assert world.runs() == 1
    # Whatever the engine calls it (section 10), the pool's lost pod reaches the status.
    assert world.status()["currentState"] != "Ready"
    assert world.status()["availableReplicas"] == 1
    ready = next(c for c in world.status()["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and "1/2" in ready["message"]
    assert any(reason == ready["reason"] for reason, _ in world.recorder.posted)


def test_a_spec_change_or_a_secret_change_runs_again(world: World) -> None:
    world.settle()
    world.tenant["spec"]["pools"][0]["servers"] = 4
    world.tenant["metadata"]["generation"] = 2
    world.tenant["metadata"]["resourceVersion"] = "50"
    world.view.put_tenant(world.tenant)
    world.check()
    assert world.runs() == 2
    assert world.runner.calls[1]["metadata"]["generation"] == 2
    world.now += 1
    world.show_children()
    world.check()
    world.secrets[("ns", "creds")] = ["2"]
    world.check()
    assert world.runs() == 3


def test_a_kms_secret_that_appears_or_changes_runs_again(world: World) -> None:
    world.tenant["spec"]["encryption"] = {"enabled": True, "backend": "vault", "kmsSecret": {"name": "vault-kms"}}
    world.view.put_tenant(world.tenant)
    world.settle()
    assert world.runs() == 1
    world.check()
    assert world.runs() == 1  # nothing changed
    world.secrets[("ns", "vault-kms")] = ["1"]  # created (KmsSecretNotFound is fixed)
    world.check()
    assert world.runs() == 2
    world.now += 1
    world.show_children()
    world.check()
    world.secrets[("ns", "vault-kms")] = ["2"]  # vault-token added (KmsSecretMissingKey is fixed)
    world.check()
    assert world.runs() == 3


def drift_count(world: World) -> float:
    return float(world.metrics.drift_detected.labels("ns", "t")._value.get())


def test_drift_runs_again(world: World) -> None:
    world.settle()
    world.children[KEY] = world.children[KEY][1:]  # the ServiceAccount was deleted
    world.check()
    assert world.runs() == 2
    message = next(m for reason, m in world.recorder.posted if reason == "DriftDetected")
    assert "ServiceAccount/t-sa deleted" in message and message.endswith("re-applying")
    assert drift_count(world) == 1


def test_drift_policy_report_reports_once_and_repairs_when_the_annotation_goes(world: World) -> None:
    world.tenant["metadata"]["annotations"] = {"operator.rustfs.com/drift-policy": "report"}
    world.view.put_tenant(world.tenant)
    world.settle()
    assert world.runs() == 1
    # Someone scales the pool by hand and deletes a Service.
    statefulset = next(c for c in world.children[KEY] if c.kind == "StatefulSet")
    scaled = child_of("StatefulSet", {"metadata": {"name": "t-p", "generation": 2}}, world.now)
    world.children[KEY] = [c for c in world.children[KEY] if c.kind == "ServiceAccount"] + [scaled]
    assert statefulset.fingerprint != scaled.fingerprint
    for _ in range(3):
        world.now += 60
        world.check()
    assert world.runs() == 1  # frozen: nothing re-applied, however often it is checked
    warnings = [m for reason, m in world.recorder.posted if reason == "DriftDetected"]
    assert warnings == [
        "owned objects were changed outside the operator: Service/t-io deleted, StatefulSet/t-p changed; "
        "not repaired: the tenant's drift-policy is report"
    ]
    assert drift_count(world) == 1
    # A further edit is new drift: reported and counted again.
    world.children[KEY] = world.children[KEY][1:]
    world.check()
    assert world.runs() == 1 and drift_count(world) == 2
    # Setting or removing the annotation is no input of the playbook; the next check repairs.
    world.tenant["metadata"]["annotations"] = {"operator.rustfs.com/drift-policy": "repair"}
    world.tenant["metadata"]["resourceVersion"] = "60"
    world.view.put_tenant(world.tenant)
    world.check()
    assert world.runs() == 2
    assert world.recorder.posted[-1][0] == "DriftDetected" and world.recorder.posted[-1][1].endswith("re-applying")
    assert drift_count(world) == 2  # the same drift, not counted twice


def test_the_states_a_tenant_goes_through(world: World) -> None:
    """NEW -> run -> SETTLING -> STEADY -> (drift) run failed -> FAILED -> backoff -> run -> SETTLING -> DELETING."""

    def state() -> State:
        return world.reconciler.memory[KEY].state

    world.runner.outcomes.append(succeeded([{"kind": k, "name": n, "action": "created"} for k, n in pairs()]))
    world.check()
    assert (state(), world.runs()) == (State.SETTLING, 1)
    assert world.check() == pytest.approx(10)  # the watch shows nothing yet: wait for it, up to the settle timeout
    assert state() is State.SETTLING
    world.now += 1
    world.show_children()
    world.check()
    assert state() is State.STEADY
    world.children[KEY] = world.children[KEY][1:]  # drift: the ServiceAccount was deleted
    world.runner.outcomes.append(failed())
    assert world.check() == pytest.approx(2)
    assert (state(), world.runs()) == (State.FAILED, 2)
    world.show_children()  # the drift went away by itself: the failed run is still retried
    assert world.check() == pytest.approx(2)  # not before the backoff
    assert world.runs() == 2
    world.now += 2
    world.check()
    assert (state(), world.runs()) == (State.SETTLING, 3)
    assert world.recorder.posted[-1] == ("ReconcileStarted", "reconciling generation 1 (retrying after a failed run)")
    world.check()
    assert state() is State.STEADY
    tenant = world.view.tenant(KEY)
    assert tenant is not None
    world.view.put_tenant({**tenant, "metadata": {**tenant["metadata"], "deletionTimestamp": "2026-12-03T00:00:00Z"}})
    assert world.check() is None
    assert (state(), world.runs()) == (State.DELETING, 3)


def test_a_blocked_tenant_is_not_retried_until_its_inputs_change(world: World) -> None:
    world.runner.outcomes.append(succeeded([], blocked=True))
    world.check()
    world.check()
    for _ in range(3):
        world.now += 1000
        world.check()
    assert world.runs() == 1
    assert world.status()["lastRun"]["result"] == "Blocked"
    world.secrets[("ns", "creds")] = ["2"]
    world.check()
    assert world.runs() == 2


def test_a_failed_run_is_retried_with_backoff(world: World) -> None:
    world.runner.outcomes += [failed(), failed()]
    assert world.check() == 2
    assert world.status()["lastRun"]["result"] == "Failed"
    ready = world.status()["conditions"][0]
    assert (ready["status"], ready["reason"]) == ("Unknown", "KubernetesApiError")
    assert "500 Internal Server Error" in ready["message"]
    # The event is named after the condition's reason, as the RustFS operator names it.
    assert [reason for reason, _ in world.recorder.posted][-1] == "KubernetesApiError"
    assert world.check() == pytest.approx(2)  # too early: no run
    assert world.runs() == 1
    world.now += 2
    assert world.check() == 4  # second failure: the delay doubles
    world.now += 4
    world.check()
    assert world.runs() == 3
    assert world.metrics.errors.labels("run")._value.get() == 2


def test_a_restarted_operator_trusts_a_matching_last_run(world: World, tmp_path: Path) -> None:
    world.settle()
    world.check()
    stored = world.view.tenant(KEY)
    restarted = World(tmp_path)
    restarted.view.put_tenant(stored)  # type: ignore[arg-type]
    restarted.show_children()
    restarted.check()
    assert restarted.runs() == 0
    assert restarted.recorder.patches == []


def test_a_restarted_operator_runs_when_the_spec_moved_while_it_was_down(world: World, tmp_path: Path) -> None:
    world.settle()
    stored = copy.deepcopy(world.view.tenant(KEY))
    assert stored is not None
    stored["metadata"]["generation"] = 2
    restarted = World(tmp_path)
    restarted.view.put_tenant(stored)
    restarted.show_children()
    restarted.check()
    assert restarted.runs() == 1


def test_the_scheduler_coalesces_requests_and_never_overlaps_a_tenant() -> None:
    async def scenario() -> tuple[int, int]:
        calls, running, overlap = 0, 0, 0

        async def process(key: Key) -> float | None:
            nonlocal calls, running, overlap
            calls += 1
            running += 1
            overlap = max(overlap, running)
            await asyncio.sleep(0.05)
            running -= 1
            return None

        scheduler = Scheduler(process)
        scheduler.request(KEY, "a")
        await asyncio.sleep(0.01)
        for reason in "bcdef":
            scheduler.request(KEY, reason)
        await asyncio.sleep(0.2)
        await scheduler.close()
        return calls, overlap

    calls, overlap = asyncio.run(scenario())
    assert calls == 2
    assert overlap == 1


def test_every_timer_fires_not_only_the_first() -> None:
    """A fired timer is not pending: a later request_later must still be honoured (it once was not)."""

    async def scenario() -> list[str]:
        fired: list[str] = []

        async def process(key: Key) -> float | None:
            fired.extend(sorted(scheduler.reasons(key)))
            return None

        scheduler = Scheduler(process)
        scheduler.request_later(KEY, 0.01, "first")
        await asyncio.sleep(0.05)
        scheduler.request_later(KEY, 0.01, "second")
        await asyncio.sleep(0.05)
        scheduler.request_later(KEY, 0.5, "late")
        scheduler.request_later(KEY, 0.01, "earlier wins")
        await asyncio.sleep(0.05)
        await scheduler.close()
        return fired

    assert asyncio.run(scenario()) == ["first", "second", "earlier wins"]


def test_a_tenant_waiting_on_something_transient_is_retried_with_backoff(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rustfs_operator import reconciler

    monkeypatch.setattr(reconciler, "TRANSIENT_REASONS", frozenset({"InvalidSpec"}))
    world.runner.outcomes += [succeeded([], blocked=True), succeeded([], blocked=True)]
    assert world.check() == 2
    world.check()  # the baseline is taken; too early to retry
    assert world.runs() == 1
    world.now += 2
    assert world.check() == 4  # still pending: the delay doubles
    assert world.runs() == 2
    world.check()  # the "run finished" request: the baseline is taken
    world.now += 4
    world.check()
    assert world.runs() == 3


# --- one pool at a time ------------------------------------------------------------------------


def _pool(name: str, held: int = 0, rolling: bool = False, revision: str = "r2") -> dict[str, Any]:
    spec: dict[str, Any] = {"replicas": 2}
    if held:
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": held}}
    done = not (held or rolling)
    return {
        "metadata": {"name": name, "generation": 1},
        "spec": spec,
        "status": {
            "observedGeneration": 1,
            "replicas": 2,
            "readyReplicas": 2,
            "currentReplicas": 2,
            "updatedReplicas": 2 if done else 0,
            "currentRevision": revision if done else "r1",
            "updateRevision": revision,
        },
    }


def test_a_held_pool_is_released_only_when_no_pool_is_rolling():
    from rustfs_operator.reconciler import next_rollout_turn

    assert next_rollout_turn([_pool("a"), _pool("b")]) is None  # nothing held
    assert next_rollout_turn([_pool("a", rolling=True), _pool("b", held=2)]) is None  # a is still rolling
    turn = next_rollout_turn([_pool("a"), _pool("b", held=2)])
    assert turn is not None
    # The same situation gives the same fingerprint (one run per turn), a new revision a new one.
    assert next_rollout_turn([_pool("a"), _pool("b", held=2)]) == turn
    assert next_rollout_turn([_pool("a", revision="r3"), _pool("b", held=2)]) != turn


def test_a_spec_that_finished_rolling_after_its_run_is_recorded_without_another_run(world: World) -> None:
    """The last good spec (for rollback): pods still rolling when the run ended are recorded once ready."""
    world.runner.outcomes.append(succeeded([], status={"currentState": "Reconciling"}))
    world.check()
    world.now += 1
    world.show_children(ready=1)
    world.check()  # baseline taken, still not ready
    world.now += 11
    world.check()
    assert world.runs() == 1
    world.show_children(ready=2)
    world.check()  # the status turns Ready ...
    world.check()  # ... which the next check sees: the spec is recorded, no playbook runs
    assert (world.runs(), world.recorder.remembered) == (1, [1])
    world.show_children(ready=1)
    world.check()
    world.show_children(ready=2)
    world.check()
    world.check()
    assert (world.runs(), world.recorder.remembered) == (1, [1])  # once per generation


def test_a_rollback_request_runs_the_rollback_playbook_once_even_when_it_fails(world: World) -> None:
    world.settle()
    world.tenant = copy.deepcopy(world.view.tenant(KEY))
    world.tenant["metadata"]["annotations"] = {"operator.rustfs.com/rollback": "1"}
    world.view.put_tenant(world.tenant)
    world.runner.outcomes.append(failed())
    world.check()
    world.check()
    assert world.runner.rollbacks == ["1"]
    assert ("RollbackFailed", "Apply the pools: 500 Internal Server Error") in world.recorder.posted
    world.tenant["metadata"]["annotations"] = {"operator.rustfs.com/rollback": "2"}
    world.view.put_tenant(world.tenant)
    world.check()
    assert world.runner.rollbacks == ["1", "2"]


def test_a_rolling_pool_is_checked_again_at_its_rollout_deadline(world: World) -> None:
    from rustfs_operator import reconciler

    world.settle()
    world.check()
    world.tenant = copy.deepcopy(world.view.tenant(KEY))
    world.tenant["metadata"]["annotations"] = {"operator.rustfs.com/rollout-deadline-seconds": "30"}
    world.view.put_tenant(world.tenant)
    stamp = reconciler.now()
    world.tenant["status"] = {
        "pools": [{"name": "p", "state": "Updating", "lastUpdateTime": stamp}],
        "conditions": [],
    }
    world.view.put_tenant(world.tenant)
    delay = world.reconciler._stall_recheck(KEY)
    assert delay is not None and 25 <= delay <= 30


# --- pool decommission ---------------------------------------------------------------------------


def draining() -> RunOutcome:
    outcome = succeeded([])
    assert outcome.result is not None
    return RunOutcome("successful", 0, 3.0, result={**outcome.result, "requeue_after": 30})


def test_a_draining_pool_is_polled_without_a_spec_change_and_quietly(world: World) -> None:
    world.runner.outcomes += [draining(), draining(), succeeded([])]
    assert world.check() == 30.0  # the decommission poll interval (Config default)
    world.now += 1
    world.show_children()
    assert world.check() == 29.0  # the baseline is taken; the poll stays scheduled
    assert world.runs() == 1
    world.now += 29
    world.check()
    assert world.runs() == 2  # polled: nothing else changed
    world.check()
    world.now += 30
    world.check()
    assert world.runs() == 3
    # The drain is over (no requeue_after): no more polls.
    world.check()
    world.now += 300
    world.check()
    assert world.runs() == 3
    started = [message for reason, message in world.recorder.posted if reason == "ReconcileStarted"]
    assert len(started) == 1  # polls post no event of their own


def test_a_poll_due_while_the_baseline_is_taken_is_not_lost(world: World) -> None:
    world.runner.outcomes += [draining(), succeeded([])]
    world.check()
    world.now += 40  # past the poll time, before the watch showed the objects
    world.show_children()
    assert world.check() == 0.05  # this check takes the baseline; the poll comes right after
    world.check()
    assert world.runs() == 2


def test_a_blocked_tenant_is_not_polled(world: World) -> None:
    blocked = succeeded([], blocked=True)
    assert blocked.result is not None
    world.runner.outcomes.append(RunOutcome("successful", 0, 1.0, result={**blocked.result, "requeue_after": 30}))
    assert world.check() is None
    world.now += 100
    world.check()
    assert world.runs() == 1


def provisioning_waits() -> RunOutcome:
    outcome = succeeded([])
    assert outcome.result is not None
    return RunOutcome("successful", 0, 1.0, result={**outcome.result, "requeue_backoff": True})


def test_provisioning_waiting_for_pods_or_rustfs_is_retried_with_a_growing_delay(world: World) -> None:
    """Not a hot loop: each wait doubles the delay (BACKOFF_MIN 2 s); a run that is done stops it."""
    world.runner.outcomes += [provisioning_waits(), provisioning_waits(), succeeded([])]
    first = world.check()
    assert first == 2.0
    world.now += first
    world.show_children()
    delays = [world.check()]
    world.now += 5
    delays.append(world.check())
    assert world.runs() == 2
    assert delays[-1] == 4.0  # doubled
    world.now += 300
    world.check()
    world.now += 300
    world.check()
    assert world.runs() == 3


# --- API server outages (connectivity.ApiHealth) -------------------------------------------


def test_no_check_runs_while_the_api_server_does_not_answer(world: World) -> None:
    async def scenario() -> None:
        world.reconciler.health.lost("test")
        check = asyncio.create_task(world.reconciler.check(KEY))
        await asyncio.sleep(0.05)
        assert not check.done()
        assert (world.runs(), world.recorder.patches, world.recorder.posted) == (0, [], [])
        world.reconciler.health.answered()
        await asyncio.wait_for(check, 5)
        assert world.runs() == 1

    asyncio.run(scenario())


def test_a_run_that_met_an_outage_is_retried_at_once_without_an_error_status(world: World) -> None:
    health = world.reconciler.health

    def outage() -> RunOutcome:
        health.lost("test")
        return failed()

    async def scenario() -> None:
        world.runner.outcomes.append(outage)
        assert await world.reconciler.check(KEY) == 0.0  # no backoff
        assert "lastRun" not in world.status()
        assert "KubernetesApiError" not in [reason for reason, _ in world.recorder.posted]
        assert world.metrics.errors.labels("api")._value.get() == 1
        assert world.metrics.errors.labels("run")._value.get() == 0
        health.answered()
        await world.reconciler.check(KEY)  # at once, although a run just failed
        assert world.runs() == 2
        assert world.reconciler.memory[KEY].failures == 0

    asyncio.run(scenario())


def test_setting_the_drift_policy_starts_no_run(world: World) -> None:
    world.settle()
    world.tenant["metadata"]["annotations"] = {"operator.rustfs.com/drift-policy": "report"}
    world.tenant["metadata"]["resourceVersion"] = "70"
    world.view.put_tenant(world.tenant)
    world.check()
    assert world.runs() == 1 and drift_count(world) == 0
