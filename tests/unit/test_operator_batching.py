"""Batching of queued tenants into one playbook run: the dispatcher, the reading of a batch's results, the reconciler.

No cluster and no Ansible: fake run functions record what each run carried
and hold runs open until the test lets them finish, so the queue can be
filled while every worker is busy.
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
from rustfs_operator.dispatch import Dispatched, Dispatcher, Prepared
from rustfs_operator.metrics import Metrics
from rustfs_operator.reconciler import Reconciler
from rustfs_operator.runner import Played, RunOutcome, batch_key, batch_outcomes, single_outcome


def sample(metrics: Metrics, name: str, labels: dict[str, str] | None = None) -> float:
    value = metrics.registry.get_sample_value(name, labels or {})
    return 0.0 if value is None else value


def result(name: str) -> dict[str, Any]:
    return {"blocked": False, "problems": [], "changed": [], "applied": [], "status": {}, "tenant": name}


class Runs:
    """Fake run functions: each run waits for `release`, and is recorded as the list of tenant names it carried."""

    def __init__(self) -> None:
        self.carried: list[list[str]] = []
        self.forms: list[str] = []
        self.gate = asyncio.Event()
        self.failing: set[str] = set()

    def outcome(self, tenant: Mapping[str, Any], size: int) -> RunOutcome:
        name = tenant["metadata"]["name"]
        if name in self.failing:
            return RunOutcome("failed", 2, 1.0, error=f"{name}: 500 Internal Server Error", batch=size)
        return RunOutcome("successful", 0, 1.0, result=result(name), batch=size)

    async def one(self, tenant: Mapping[str, Any]) -> RunOutcome:
        self.carried.append([tenant["metadata"]["name"]])
        self.forms.append("single")
        await self.gate.wait()
        return self.outcome(tenant, 1)

    async def many(self, slot: int, tenants: Sequence[Mapping[str, Any]]) -> list[RunOutcome]:
        self.carried.append([t["metadata"]["name"] for t in tenants])
        self.forms.append(f"batch on worker {slot}")
        await self.gate.wait()
        return [self.outcome(t, len(tenants)) for t in tenants]


def inputs(name: str, **extra: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns", **extra}, "spec": {}}


def preparing(name: str, source: dict[str, dict[str, Any] | None] | None = None) -> Callable[[], Prepared | None]:
    """Reads SOURCE[name] when called, as the reconciler reads the watch cache when the run is formed."""

    def prepare() -> Prepared | None:
        body = inputs(name) if source is None else source.get(name)
        if body is None:
            return None
        return Prepared(("ns", name), body, body, f"digest-{name}", "now", 0.0)

    return prepare


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def dispatcher(runs: Runs, workers: int = 1, batch_size: int = 8) -> tuple[Dispatcher, Metrics]:
    metrics = Metrics()
    return Dispatcher(workers, batch_size, runs.one, runs.many, metrics), metrics


def submit(d: Dispatcher, name: str, **kwargs: Any) -> asyncio.Task[Dispatched | None]:
    return asyncio.create_task(d.reconcile(("ns", name), preparing(name, kwargs.pop("source", None)), **kwargs))


# --- the dispatcher ----------------------------------------------------------------------------


def test_a_tenant_waiting_alone_runs_alone_in_the_single_form() -> None:
    async def scenario() -> tuple[Runs, Dispatched | None]:
        runs = Runs()
        runs.gate.set()
        d, _ = dispatcher(runs, workers=2)
        return runs, await d.reconcile(("ns", "a"), preparing("a"))

    runs, done = asyncio.run(scenario())
    assert runs.forms == ["single"] and runs.carried == [["a"]]
    assert done is not None and done.outcome.ok and done.prepared.digest == "digest-a"


def test_tenants_queued_behind_busy_workers_share_runs_of_at_most_the_batch_size() -> None:
    async def scenario() -> tuple[Runs, Metrics, list[Dispatched | None], float]:
        runs = Runs()
        d, metrics = dispatcher(runs, workers=1, batch_size=4)
        first = submit(d, "t00")
        await settle()
        rest = [submit(d, f"t{i:02d}") for i in range(1, 11)]
        await settle()
        waiting = sample(metrics, "rustfs_operator_runs_waiting")
        runs.gate.set()
        done = await asyncio.gather(first, *rest)
        return runs, metrics, list(done), waiting

    runs, metrics, done, waiting = asyncio.run(scenario())
    assert waiting == 10  # tenants, not runs
    assert runs.carried == [["t00"], ["t01", "t02", "t03", "t04"], ["t05", "t06", "t07", "t08"], ["t09", "t10"]]
    assert runs.forms == ["single", "batch on worker 0", "batch on worker 0", "batch on worker 0"]
    # Every tenant gets its own outcome, with its own inputs.
    assert [d.prepared.key[1] for d in done if d] == [f"t{i:02d}" for i in range(11)]
    assert all(d is not None and d.outcome.result and d.outcome.result["tenant"] == d.prepared.key[1] for d in done)
    assert sample(metrics, "rustfs_operator_run_batch_size_count") == 4
    assert sample(metrics, "rustfs_operator_run_batch_size_sum") == 11
    assert sample(metrics, "rustfs_operator_run_batch_size_bucket", {"le": "1.0"}) == 1
    assert sample(metrics, "rustfs_operator_runs_in_flight") == 0
    assert sample(metrics, "rustfs_operator_runs_waiting") == 0


def test_in_flight_counts_playbook_runs_not_tenants() -> None:
    async def scenario() -> list[float]:
        runs = Runs()
        d, metrics = dispatcher(runs, workers=2, batch_size=8)
        tasks = [submit(d, "a"), submit(d, "b")]
        await settle()
        tasks += [submit(d, n) for n in "cdef"]
        await settle()
        seen = [sample(metrics, "rustfs_operator_runs_in_flight")]
        runs.gate.set()
        await asyncio.gather(*tasks)
        return [*seen, sample(metrics, "rustfs_operator_runs_in_flight")]

    assert asyncio.run(scenario()) == [2, 0]


def test_a_batch_size_of_one_never_batches() -> None:
    async def scenario() -> Runs:
        runs = Runs()
        d, _ = dispatcher(runs, workers=1, batch_size=1)
        tasks = [submit(d, n) for n in "abcd"]
        await settle()
        runs.gate.set()
        await asyncio.gather(*tasks)
        return runs

    runs = asyncio.run(scenario())
    assert runs.carried == [["a"], ["b"], ["c"], ["d"]] and set(runs.forms) == {"single"}


def test_a_tenant_deleted_while_waiting_is_left_out_of_the_run() -> None:
    async def scenario() -> tuple[Runs, list[Dispatched | None]]:
        runs = Runs()
        d, _ = dispatcher(runs, workers=1)
        source: dict[str, dict[str, Any] | None] = {n: inputs(n) for n in "abcd"}
        tasks = [submit(d, n, source=source) for n in "abcd"]
        await settle()
        source["c"] = None  # deleted while "a" runs
        runs.gate.set()
        return runs, list(await asyncio.gather(*tasks))

    runs, done = asyncio.run(scenario())
    assert runs.carried == [["a"], ["b", "d"]]
    assert done[2] is None
    assert [d.prepared.key[1] for d in done if d] == ["a", "b", "d"]


def test_a_run_left_with_one_tenant_after_deletions_uses_the_single_form() -> None:
    async def scenario() -> Runs:
        runs = Runs()
        d, _ = dispatcher(runs, workers=1)
        source: dict[str, dict[str, Any] | None] = {n: inputs(n) for n in "abc"}
        tasks = [submit(d, n, source=source) for n in "abc"]
        await settle()
        source["b"] = None
        runs.gate.set()
        await asyncio.gather(*tasks)
        return runs

    runs = asyncio.run(scenario())
    assert runs.carried == [["a"], ["c"]] and runs.forms == ["single", "single"]


def test_inputs_are_read_when_the_run_is_formed_not_when_the_tenant_was_queued() -> None:
    async def scenario() -> list[Dispatched | None]:
        runs = Runs()
        d, _ = dispatcher(runs, workers=1)
        source: dict[str, dict[str, Any] | None] = {n: inputs(n, generation=1) for n in "abc"}
        tasks = [submit(d, n, source=source) for n in "abc"]
        await settle()
        source["b"] = inputs("b", generation=2)  # edited while "a" runs
        runs.gate.set()
        return list(await asyncio.gather(*tasks))

    done = asyncio.run(scenario())
    assert done[1] is not None and done[1].prepared.inputs["metadata"]["generation"] == 2


def test_a_tenant_whose_last_run_failed_and_every_rollback_run_alone() -> None:
    async def scenario() -> tuple[Runs, list[str]]:
        runs = Runs()
        d, _ = dispatcher(runs, workers=1)
        rolled: list[str] = []

        async def rollback() -> RunOutcome:
            rolled.append("r")
            return RunOutcome("successful", 0, 1.0, result={})

        tasks: list[asyncio.Task[Any]] = [submit(d, "a")]
        await settle()
        tasks.append(asyncio.create_task(d.exclusive(("ns", "r"), rollback)))
        tasks += [submit(d, "b"), submit(d, "c", solo=True), submit(d, "d")]
        await settle()
        runs.gate.set()
        await asyncio.gather(*tasks)
        return runs, rolled

    runs, rolled = asyncio.run(scenario())
    # The rollback was queued first and runs first, alone; b and d share a run; c runs alone.
    assert rolled == ["r"]
    assert runs.carried == [["a"], ["b", "d"], ["c"]]


def test_a_waiter_cancelled_in_the_queue_is_not_run() -> None:
    async def scenario() -> Runs:
        runs = Runs()
        d, metrics = dispatcher(runs, workers=1)
        first, second, third = submit(d, "a"), submit(d, "b"), submit(d, "c")
        await settle()
        second.cancel()
        await settle()
        assert sample(metrics, "rustfs_operator_runs_waiting") == 1
        runs.gate.set()
        await asyncio.gather(first, third)
        return runs

    assert asyncio.run(scenario()).carried == [["a"], ["c"]]


def test_a_runner_error_reaches_every_tenant_of_the_run_and_frees_the_worker() -> None:
    async def scenario() -> tuple[list[Any], Dispatched | None]:
        runs = Runs()

        async def broken(slot: int, tenants: Sequence[Mapping[str, Any]]) -> list[RunOutcome]:
            raise RuntimeError("cannot schedule new futures after shutdown")

        metrics = Metrics()
        d = Dispatcher(1, 8, runs.one, broken, metrics)
        tasks = [submit(d, n) for n in "abc"]
        await settle()
        runs.gate.set()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        return list(done), await d.reconcile(("ns", "z"), preparing("z"))

    done, after = asyncio.run(scenario())
    assert isinstance(done[0], Dispatched)
    assert [type(e) for e in done[1:]] == [RuntimeError, RuntimeError]
    assert after is not None and after.outcome.ok


def test_a_run_that_loses_a_tenant_fails_them_all_rather_than_leave_one_waiting() -> None:
    async def scenario() -> list[Any]:
        runs = Runs()

        async def short(slot: int, tenants: Sequence[Mapping[str, Any]]) -> list[RunOutcome]:
            return [runs.outcome(t, len(tenants)) for t in tenants[1:]]

        d = Dispatcher(1, 8, runs.one, short, Metrics())
        tasks = [submit(d, n) for n in "abc"]
        await settle()
        runs.gate.set()
        return list(await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5))

    done = asyncio.run(scenario())
    assert [type(e) for e in done[1:]] == [RuntimeError, RuntimeError]


def test_the_batch_size_is_a_setting_of_at_least_one() -> None:
    from rustfs_operator import config

    assert config.load([], {}).batch_size == 8
    assert config.load([], {"RUSTFS_OPERATOR_BATCH_SIZE": "3"}).batch_size == 3
    assert config.load(["--batch-size", "1"], {}).batch_size == 1
    with pytest.raises(SystemExit):
        config.load([], {"RUSTFS_OPERATOR_BATCH_SIZE": "0"})


# --- reading a run's results -------------------------------------------------------------------


def test_a_failure_entry_fails_only_its_own_tenant() -> None:
    tenants = [inputs("a"), inputs("b"), inputs("c")]
    played = Played(
        "successful",
        0,
        12.0,
        value={
            "ns/a": result("a"),
            "ns/b": {"failed": True, "error": "Reconcile the tenant: 500 Internal Server Error"},
            "ns/c": result("c") | {"blocked": True},
        },
    )
    a, b, c = batch_outcomes(tenants, played)
    assert a.ok and not a.blocked and a.batch == 3 and a.duration == 12.0
    assert (b.ok, b.status, b.error) == (False, "failed", "Reconcile the tenant: 500 Internal Server Error")
    assert c.ok and c.blocked


def test_tenants_without_an_entry_share_the_fate_of_the_run() -> None:
    tenants = [inputs("a"), inputs("b")]
    timed_out = batch_outcomes(tenants, Played("timeout", None, 600.0, problem="the playbook did not finish"))
    assert [(o.status, o.error) for o in timed_out] == [("timeout", "the playbook did not finish")] * 2
    # A run that failed after reconciling "a" still delivers a's result.
    a, b = batch_outcomes(tenants, Played("failed", 2, 5.0, value={"ns/a": result("a")}, problem="boom"))
    assert a.ok and (b.status, b.error) == ("failed", "boom")
    (missing,) = batch_outcomes([inputs("z")], Played("successful", 0, 1.0, value={}))
    assert missing.status == "failed" and "no result" in missing.error


def test_the_batch_key_is_the_one_the_playbook_writes() -> None:
    assert batch_key(inputs("a")) == "ns/a"
    assert batch_key({"metadata": {"name": "a"}}) == "default/a"


def test_a_single_run_reads_rustfs_result_as_before() -> None:
    ok = single_outcome(Played("successful", 0, 2.0, value=result("a") | {"changed": [{"kind": "Service"}]}))
    assert ok.ok and ok.changed == [{"kind": "Service"}] and ok.batch == 1 and ok.error == ""
    empty = single_outcome(Played("successful", 0, 2.0, problem="ansible-playbook ended with successful (rc=0)"))
    assert (empty.status, empty.ok) == ("failed", False) and empty.error
    failed = single_outcome(Played("failed", 2, 2.0, problem="Apply: 500"))
    assert (failed.status, failed.error) == ("failed", "Apply: 500")


# --- the reconciler over several tenants -------------------------------------------------------


class Recorder:
    def __init__(self, view: ClusterView) -> None:
        self.view = view
        self.posted: list[tuple[str, str]] = []

    async def patch_status(self, tenant: Mapping[str, Any], fields: Mapping[str, Any], reason: str) -> Any:
        metadata = tenant["metadata"]
        current = copy.deepcopy(self.view.tenant((metadata["namespace"], metadata["name"])))
        if current is None:
            return None
        current.setdefault("status", {}).update(copy.deepcopy(dict(fields)))
        current["metadata"]["resourceVersion"] = str(int(current["metadata"]["resourceVersion"]) + 1)
        return current

    async def event(self, tenant: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        self.posted.append((tenant["metadata"]["name"], reason))

    async def events(self, tenant: Mapping[str, Any], events: list[Any]) -> None:
        self.posted.extend((tenant["metadata"]["name"], e["reason"]) for e in events)

    async def remember(self, tenant: Mapping[str, Any], statefulsets: Any) -> bool:
        return True


class Fleet:
    """Several tenants behind one real Reconciler, with a fake runner that holds runs open."""

    def __init__(self, tmp: Path, names: Sequence[str], workers: int = 1, batch_size: int = 8) -> None:
        self.view = ClusterView()
        self.view.bind([{}], {})
        self.runs = Runs()
        self.metrics = Metrics()
        runner: Any = type("FakeRunner", (), {})()
        runner.run = self.runs.one
        runner.run_batch = self.runs.many
        config = Config(work_dir=tmp, workers=workers, batch_size=batch_size, backoff_min=2, backoff_max=8)
        self.recorder = Recorder(self.view)
        self.reconciler = Reconciler(config, self.view, runner, self.recorder, self.metrics, "settings")  # type: ignore[arg-type]
        self.reconciler.request = lambda key, reason: None
        for name in names:
            self.view.put_tenant(
                {
                    "apiVersion": "rustfs.com/v1alpha1",
                    "kind": "Tenant",
                    "metadata": {"name": name, "namespace": "ns", "uid": name, "generation": 1, "resourceVersion": "1"},
                    "spec": {"pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}]},
                }
            )

    def key(self, name: str) -> Key:
        return ("ns", name)

    def last_run(self, name: str) -> dict[str, Any]:
        tenant = self.view.tenant(self.key(name))
        assert tenant is not None
        return dict((tenant.get("status") or {}).get("lastRun") or {})

    async def check_all(self, first: str, rest: Sequence[str], between: Callable[[], None] | None = None) -> list[Any]:
        """Check FIRST (it takes the only worker), queue REST behind it, then let every run finish."""
        tasks = [asyncio.create_task(self.reconciler.check(self.key(first)))]
        await settle()
        tasks += [asyncio.create_task(self.reconciler.check(self.key(n))) for n in rest]
        await settle()
        if between is not None:
            between()
        self.runs.gate.set()
        return list(await asyncio.gather(*tasks))


def test_a_failure_in_a_batch_backs_off_only_that_tenant(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, ["a", "b", "c", "d"])
    fleet.runs.failing.add("c")
    delays = asyncio.run(fleet.check_all("a", ["b", "c", "d"]))
    assert fleet.runs.carried == [["a"], ["b", "c", "d"]]
    assert delays == [None, None, 2, None]  # only c retries, after the first backoff step
    assert fleet.last_run("c")["result"] == "Failed"
    assert "500 Internal Server Error" in fleet.last_run("c")["message"]
    for name in "abd":  # written once the watch shows their objects (the baseline)
        pending = fleet.reconciler.memory[fleet.key(name)].pending_last_run
        assert pending is not None and pending["result"] == "Succeeded"
    assert [n for n, reason in fleet.recorder.posted if reason == "KubernetesApiError"] == ["c"]
    assert sample(fleet.metrics, "rustfs_operator_reconcile_total", {"result": "success", "outcome": "succeeded"}) == 3
    assert sample(fleet.metrics, "rustfs_operator_reconcile_total", {"result": "error", "outcome": "failed"}) == 1
    assert sample(fleet.metrics, "rustfs_operator_errors_total", {"category": "run"}) == 1
    assert fleet.reconciler.memory[fleet.key("b")].digest is not None
    assert fleet.reconciler.memory[fleet.key("c")].digest is None


def test_a_tenant_that_failed_in_a_batch_is_retried_alone(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, ["a", "b", "c", "x", "y"])
    fleet.runs.failing.add("c")
    asyncio.run(fleet.check_all("a", ["b", "c"]))
    fleet.runs.failing.clear()
    fleet.runs.gate = asyncio.Event()
    fleet.reconciler.memory[fleet.key("c")].not_before = 0.0  # the backoff is over
    asyncio.run(fleet.check_all("x", ["c", "y"]))
    assert fleet.runs.carried[-2:] == [["c"], ["y"]]
    assert fleet.reconciler.memory[fleet.key("c")].failures == 0


def test_a_tenant_deleted_while_queued_is_not_run_and_not_recorded(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, ["a", "b", "c", "d"])

    def delete_c() -> None:
        tenant = fleet.view.tenant(fleet.key("c"))
        assert tenant is not None
        tenant["metadata"]["deletionTimestamp"] = "2026-11-26T00:00:00Z"
        fleet.view.put_tenant(tenant)

    delays = asyncio.run(fleet.check_all("a", ["b", "c", "d"], between=delete_c))
    assert fleet.runs.carried == [["a"], ["b", "d"]]
    assert delays[2] is None
    assert fleet.reconciler.memory[fleet.key("c")].digest is None
    assert sample(fleet.metrics, "rustfs_operator_reconcile_total", {"result": "success", "outcome": "succeeded"}) == 3


def test_a_batched_tenant_runs_with_the_inputs_of_when_its_run_was_formed(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, ["a", "b"])
    seen: list[Mapping[str, Any]] = []
    many = fleet.runs.many

    async def recording(slot: int, tenants: Sequence[Mapping[str, Any]]) -> list[RunOutcome]:
        seen.extend(tenants)
        return await many(slot, tenants)

    fleet.reconciler.dispatcher.run_many = recording

    def edit_b() -> None:
        tenant = fleet.view.tenant(fleet.key("b"))
        assert tenant is not None
        tenant["spec"]["pools"][0]["servers"] = 4
        tenant["metadata"]["generation"] = 2
        fleet.view.put_tenant(tenant)

    asyncio.run(fleet.check_all("a", ["b"], between=edit_b))
    assert fleet.runs.carried == [["a"], ["b"]]  # alone in the queue: the single form
    mem = fleet.reconciler.memory[fleet.key("b")]
    assert mem.generation == 2


@pytest.mark.parametrize("batch_size", [1, 3, 8])
def test_every_tenant_is_run_exactly_once_whatever_the_batch_size(tmp_path: Path, batch_size: int) -> None:
    names = [f"t{i:02d}" for i in range(12)]
    fleet = Fleet(tmp_path, names, workers=2, batch_size=batch_size)
    asyncio.run(fleet.check_all("t00", names[1:]))
    carried = [n for run in fleet.runs.carried for n in run]
    assert sorted(carried) == names
    assert max(len(run) for run in fleet.runs.carried) <= batch_size
    assert all(fleet.reconciler.memory[fleet.key(n)].digest for n in names)
