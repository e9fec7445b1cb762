"""The decision for one tenant: skip, refresh the status, or run the playbook.

A check is level-triggered: it compares what the watches show now with what
the last run was given and left behind, whatever event caused the check. What
the operator is doing about a tenant is one of the `State`s below; a check
takes the step of the tenant's state:

    NEW ──status.lastRun matches the inputs──> STEADY
    NEW, SETTLING, STEADY ──inputs changed──> run
    STEADY ──drift, a pool's rollout turn, a due retry, poll or resync──> run
    run ──succeeded or blocked──> SETTLING ──the watch shows its writes──> STEADY
    run ──failed──> FAILED ──backoff over──> run
    any ──deletion──> DELETING

* inputs: the digest of the spec, generation, labels, referenced Secrets and
  settings; drift: the children's digest differs from the baseline taken
  when the last run settled (an owned object edited or deleted), counted in
  rustfs_operator_drift_detected_total; a tenant annotated
  `operator.rustfs.com/drift-policy: report` gets a Warning Event naming the
  objects instead of a run (a change freeze), until the annotation goes;
* otherwise no run: only the status is recomputed from StatefulSet readiness
  and written if it moved, and a tenant with spec.snapshots enabled gets its
  snapshot set when one is due (snapshots.py: no playbook; the check returns
  when the next set is due).

Blocked tenants (user-fixable problems) are therefore re-run only when
their inputs change. Failed runs (API errors, timeouts) are retried with
exponential backoff. After a successful run the operator waits until the
watch shows every object the run changed, then takes the observed children
as the new baseline and records `status.lastRun` with both digests, which a
restarted operator trusts instead of re-running unchanged tenants.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import history, rollout
from ansible_collections.rustfs.operator.plugins.module_utils import status as engine
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

from rustfs_operator.cache import ClusterView, Key
from rustfs_operator.config import Config
from rustfs_operator.connectivity import ApiHealth
from rustfs_operator.digest import (
    Child,
    children_digest,
    drift_policy,
    drifted,
    fingerprints,
    input_digest,
    tenant_input,
    tls_epoch,
)
from rustfs_operator.dispatch import Dispatcher, Prepared
from rustfs_operator.kubeapi import ApiError
from rustfs_operator.metrics import Metrics
from rustfs_operator.recorder import Recorder
from rustfs_operator.runner import PlaybookRunner, RunOutcome
from rustfs_operator.snapshots import Snapshotter
from rustfs_operator.status import computed, engine_view, last_run, now, reconciling, refresh_events

logger = logging.getLogger(__name__)

# Problems that clear by themselves (a certificate being issued): retried with
# backoff, unlike user-fixable ones. Defined by the engine, if it has any.
TRANSIENT_REASONS: frozenset[str] = frozenset(getattr(engine, "TRANSIENT_REASONS", ()))

Clock = Callable[[], float]  # monotonic seconds
POLL_REASON = "polling a pool decommission"
DRIFT_REASON = "owned objects changed"


@dataclass
class Settle:
    """Objects a run changed, which the watch must show before the baseline is taken."""

    started: float
    deadline: float
    present: frozenset[tuple[str, str]]
    seen: frozenset[tuple[str, str]]

    def done(self, children: Sequence[Child], at: float) -> bool:
        if at >= self.deadline:
            return True
        by_key = {(c.kind, c.name): c for c in children}
        return all(k in by_key for k in self.present) and all(
            by_key[k].seen >= self.started for k in self.seen if k in by_key
        )


class State(enum.Enum):
    """What the operator is doing about one tenant (the module docstring draws the transitions)."""

    NEW = "new"  # not looked at since the operator started: a matching status.lastRun is trusted
    SETTLING = "settling"  # a run ended: waiting for the watch to show what it wrote (`Memory.settle`)
    STEADY = "steady"  # the baseline is taken: a run needs a reason
    FAILED = "failed"  # the last run failed: the next one waits for the backoff (`Memory.not_before`)
    DELETING = "deleting"  # the finalizer handles the tenant: no check runs anything


@dataclass
class Memory:
    """What the operator remembers of one tenant between checks."""

    state: State = State.NEW
    digest: str | None = None
    baseline: str | None = None
    blocked: bool = False
    problems: list[dict[str, Any]] | None = None
    generation: int | None = None
    settle: Settle | None = None
    expect_status: dict[str, Any] | None = None
    expect_until: float = 0.0
    pending_last_run: dict[str, Any] | None = None
    failures: int = 0
    not_before: float = 0.0
    pending_retries: int = 0
    retry_at: float = 0.0
    poll_at: float = 0.0  # when to ask RustFS again how a pool's decommission is going
    last_run_at: float = 0.0
    rollout_turn: str | None = None
    rollback_answered: str | None = None
    record_pending: int | None = None  # a generation to record as last good once all pools run it
    record_tried: int | None = None
    # Each owned object's fingerprint when the baseline was taken (None after a restart until seen).
    baseline_children: dict[tuple[str, str], str] | None = None
    drift_seen: str | None = None  # the children digest whose drift was last counted (and reported)
    drift_names: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def next_rollout_turn(statefulsets: Sequence[Mapping[str, Any]]) -> str | None:
    """A fingerprint when a held pool waits and no pool is rolling (the playbook must release it), else None.

    Pools wait their turn behind a StatefulSet partition (module_utils/rollout.py); only a
    run releases the next one, and nothing else would start that run: the spec did not move.
    """
    held = [s for s in statefulsets if rollout.partition(s) > 0]
    if not held:
        return None
    if any(rollout.partition(s) == 0 and engine.pool_state(s) == "Updating" for s in statefulsets):
        return None
    return ",".join(
        sorted(f"{s['metadata']['name']}@{(s.get('status') or {}).get('updateRevision')}" for s in statefulsets)
    )


def _ready_at(tenant: Mapping[str, Any], generation: int) -> bool:
    status = tenant.get("status") or {}
    return bool(
        (tenant.get("metadata") or {}).get("generation") == generation
        and status.get("observedGeneration") == generation
        and status.get("currentState") == "Ready"
    )


def _earliest(*delays: float | None) -> float | None:
    found = [d for d in delays if d is not None]
    return min(found) if found else None


def _pairs(items: Sequence[Any]) -> frozenset[tuple[str, str]]:
    found = set()
    for item in items:
        if isinstance(item, str) and "/" in item:
            kind, name = item.split("/", 1)
            found.add((kind, name))
        elif isinstance(item, Mapping) and item.get("kind") and item.get("name"):
            found.add((str(item["kind"]), str(item["name"])))
    return frozenset(found)


class Reconciler:
    def __init__(
        self,
        config: Config,
        view: ClusterView,
        runner: PlaybookRunner,
        recorder: Recorder,
        metrics: Metrics,
        settings_fingerprint: str,
        health: ApiHealth | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config
        self.view = view
        self.runner = runner
        self.recorder = recorder
        self.metrics = metrics
        self.settings_fingerprint = settings_fingerprint
        self.clock = clock
        # Whether the API server answers: checks wait for it (connectivity.py).
        self.health = health if health is not None else ApiHealth(clock=clock)
        self.memory: dict[Key, Memory] = {}
        # The bounded pool of playbook runs; queued tenants may share one.
        self.dispatcher = Dispatcher(config.workers, config.batch_size, runner.run, runner.run_batch, metrics)
        # Set by the app: schedule another check of a tenant (after a run).
        self.request: Any = None
        # Set by the app: takes the tenant's due snapshot sets (snapshots.py); None leaves them alone.
        self.snapshots: Snapshotter | None = None

    def forget(self, key: Key) -> None:
        self.memory.pop(key, None)
        if self.snapshots is not None:
            self.snapshots.forget(key)

    # --- the check --------------------------------------------------------------

    async def check(self, key: Key) -> float | None:
        """Take the tenant's next step; the seconds until it needs another look, or None."""
        # Nothing to do while the API server is away: a run would fail, count an error and back off.
        await self.health.wait()
        tenant = self.view.tenant(key)
        if tenant is None:
            self.memory.pop(key, None)
            return None
        mem = self.memory.setdefault(key, Memory())
        if (tenant.get("metadata") or {}).get("deletionTimestamp"):
            mem.state = State.DELETING
        if mem.state is State.DELETING:
            return None
        at = self.clock()
        request = history.rollback_requested(tenant)
        if request is not None and request != mem.rollback_answered:
            # A rollback comes first: it rewrites the spec, which the next check then reconciles.
            mem.rollback_answered = request
            return await self._rollback(key, tenant, request)
        digest = self._input_digest(key, tenant)
        if mem.state is State.NEW:
            self._trust_last_run(mem, tenant, digest, at)

        reason, delay = await self._step(key, tenant, mem, digest, at)
        if reason is not None:
            return await self._run(key, tenant, mem, reason)
        if mem.state is not State.SETTLING:
            self.metrics.skipped.inc()
        await self._refresh_status(key, mem)
        # A poll whose time came during a settle is not lost: the next check is scheduled for it.
        poll = max(0.05, mem.poll_at - at) if mem.poll_at else None
        # A due snapshot set is taken between runs; the check comes back when the next one is due.
        snapshot = await self.snapshots.check(key, tenant) if self.snapshots is not None else None
        return _earliest(delay, self._stall_recheck(key), poll, snapshot)

    def _input_digest(self, key: Key, tenant: Mapping[str, Any]) -> str:
        inputs = tenant_input(tenant)
        return input_digest(
            inputs,
            self.view.secret_versions(key),
            self.settings_fingerprint,
            tls_epoch(inputs, time.time()),
            self.view.configmap_versions(key),
        )

    async def _step(
        self, key: Key, tenant: Mapping[str, Any], mem: Memory, digest: str, at: float
    ) -> tuple[str | None, float | None]:
        """(why the tenant must run now, or None; seconds until its state needs another look, or None)."""
        changed = _input_change(mem, tenant, digest)
        if mem.state is State.FAILED:
            if at < mem.not_before:
                return None, mem.not_before - at
            return changed or "retrying after a failed run", None
        if changed is not None:
            return changed, None
        children = self.view.children(key)
        if mem.state is State.SETTLING:
            assert mem.settle is not None  # set with the state
            if not mem.settle.done(children, at):
                return None, max(0.05, mem.settle.deadline - at)
            await self._adopt(key, tenant, mem, children)
            return None, None
        return await self._steady_step(key, tenant, mem, children, at), None

    async def _steady_step(
        self, key: Key, tenant: Mapping[str, Any], mem: Memory, children: Sequence[Child], at: float
    ) -> str | None:
        """Why a steady tenant must run again, the first that applies, or None."""
        digest = children_digest(children)
        if digest == mem.baseline:
            mem.drift_seen = None
            if mem.baseline_children is None:  # trusted from status.lastRun: now known object by object
                mem.baseline_children = fingerprints(children)
        elif not await self._drift(key, tenant, mem, children, digest):
            return DRIFT_REASON
        else:
            return None  # drift-policy report: frozen, nothing is applied until the policy allows it
        if not mem.blocked:
            turn = next_rollout_turn(self.view.statefulsets(key))
            if turn != mem.rollout_turn:
                mem.rollout_turn = turn
                if turn is not None:
                    return "the rolling pool is complete: releasing the next one"
        if mem.record_pending is not None and _ready_at(tenant, mem.record_pending):
            # The last run left pods rolling; now that all run its spec, record it (for rollback).
            mem.record_tried, mem.record_pending = mem.record_pending, None  # once per generation
            await self._remember(tenant, self.view.statefulsets(key))
        if mem.retry_at and at >= mem.retry_at:
            return "retrying what was pending"
        if mem.poll_at and at >= mem.poll_at:
            return POLL_REASON
        if self.config.full_resync_interval and at - mem.last_run_at >= self.config.full_resync_interval:
            return "periodic full resync"
        return None

    async def _drift(
        self, key: Key, tenant: Mapping[str, Any], mem: Memory, children: Sequence[Child], digest: str
    ) -> bool:
        """Count drift once per new state of the children; True when the tenant's policy is to report it only."""
        report = drift_policy(tenant) == "report"
        if digest == mem.drift_seen:
            return report
        mem.drift_seen = digest
        mem.drift_names = drifted(mem.baseline_children, children) if mem.baseline_children is not None else []
        self.metrics.drift_detected.labels(*key).inc()
        if report:
            await self.recorder.event(
                tenant,
                "Warning",
                "DriftDetected",
                f"{_drift_text(mem.drift_names)}; not repaired: the tenant's drift-policy is report",
            )
        logger.info(
            "drift: %s (%s)",
            _drift_text(mem.drift_names),
            "reported only" if report else "re-applying",
            extra={"tenant": "/".join(key)},
        )
        return report

    async def _remember(self, tenant: Mapping[str, Any], statefulsets: Sequence[Mapping[str, Any]]) -> None:
        try:
            if await self.recorder.remember(tenant, statefulsets):
                logger.info("recorded the last good spec", extra={"tenant": _name(tenant)})
        except ApiError as error:
            logger.warning("could not record the last good spec: %s", error, extra={"tenant": _name(tenant)})

    def _stall_recheck(self, key: Key) -> float | None:
        """Nothing happens when a rollout stalls: check again when a pool reaches its deadline."""
        tenant = self.view.tenant(key)
        if tenant is None or not tenant.get("status"):
            return None
        try:
            parsed = parse_tenant(tenant, default_image=self.config.default_image)
            return engine.stall_recheck_seconds(parsed, tenant["status"], now())
        except (KeyError, TypeError, ValueError):
            return None

    async def _rollback(self, key: Key, tenant: Mapping[str, Any], request: str) -> float | None:
        """Run rustfs.operator.rollback once for REQUEST; a failure is reported, not retried."""
        await self.recorder.event(tenant, "Normal", "RollbackStarted", f"rolling back (request {request[:100]})")
        outcome = await self.dispatcher.exclusive(key, lambda: self.runner.rollback(key[0], key[1], request))
        result = "succeeded" if outcome.ok else outcome.status
        self.metrics.reconciled(f"rollback-{result}")
        log = logger.info if outcome.ok else logger.warning
        log("rollback %s: %s", result, outcome.error or "spec restored", extra={"tenant": "/".join(key)})
        if not outcome.ok:
            message = outcome.error or f"the rollback playbook ended with {outcome.status}"
            await self.recorder.event(tenant, "Warning", "RollbackFailed", message[:600])
        return None

    def _trust_last_run(self, mem: Memory, tenant: Mapping[str, Any], digest: str, at: float) -> None:
        """A restarted operator trusts status.lastRun when its digest still matches: NEW -> STEADY."""
        last = (tenant.get("status") or {}).get("lastRun") or {}
        trusted = last.get("result") in ("Succeeded", "Blocked") and last.get("childrenDigest")
        if trusted and last.get("digest") == digest:
            mem.state = State.STEADY
            mem.digest, mem.baseline = digest, str(last["childrenDigest"])
            mem.blocked = last["result"] == "Blocked"
            mem.problems = None if mem.blocked else []
            mem.generation = last.get("generation")
            mem.last_run_at = at

    # --- status between runs ----------------------------------------------------

    async def _refresh_status(self, key: Key, mem: Memory) -> None:
        tenant = self.view.tenant(key)
        if tenant is None or mem.problems is None or mem.state is State.FAILED:
            return
        generation = (tenant.get("metadata") or {}).get("generation")
        if generation != mem.generation:
            return
        current = engine_view(tenant.get("status"))
        if mem.expect_status is not None:
            if current != engine_view(mem.expect_status) and self.clock() < mem.expect_until:
                return  # the run's own status write has not reached the watch yet
            mem.expect_status = None
        try:
            status = computed(tenant, self.view.statefulsets(key), mem.problems, self.config.default_image, now())
        except (KeyError, TypeError, ValueError) as error:
            # A spec the engine cannot even parse is the playbook's to report.
            logger.debug("no status refresh: %s", error, extra={"tenant": _name(tenant)})
            return
        if status == current:
            return
        updated = await self._patch(tenant, status, "readiness")
        if updated:
            await self.recorder.events(tenant, refresh_events(current, status, mem.problems))

    async def _patch(self, tenant: Mapping[str, Any], fields: Mapping[str, Any], reason: str) -> bool:
        """Write status FIELDS and keep the cache as fresh as the answer."""
        try:
            updated = await self.recorder.patch_status(tenant, fields, reason)
        except ApiError as error:
            logger.warning("status write failed: %s", error, extra={"tenant": _name(tenant)})
            return False
        if updated is not None:
            self.view.put_tenant(updated)
        return updated is not None

    async def _adopt(self, key: Key, tenant: Mapping[str, Any], mem: Memory, children: Sequence[Child]) -> None:
        """SETTLING -> STEADY: the children the watch shows now are the baseline drift is measured against."""
        mem.state = State.STEADY
        mem.baseline = children_digest(children)
        mem.baseline_children = fingerprints(children)
        mem.drift_seen = None
        mem.settle = None
        if mem.pending_last_run is not None:
            summary = dict(mem.pending_last_run, childrenDigest=mem.baseline)
            mem.pending_last_run = None
            await self._patch(tenant, {"lastRun": summary}, "lastRun")

    # --- playbook runs ----------------------------------------------------------

    async def _run(self, key: Key, tenant: Mapping[str, Any], mem: Memory, reason: str) -> float | None:
        status = tenant.get("status") or {}
        generation = (tenant.get("metadata") or {}).get("generation")
        if generation is not None and status.get("observedGeneration") != generation:
            fields = reconciling(status, generation, now(), message=f"reconciling generation {generation}")
            await self._patch(tenant, fields, "reconciling")
        # One event per run started, saying why; a decommission poll reports only what it finds.
        if reason == DRIFT_REASON:
            await self.recorder.event(tenant, "Normal", "DriftDetected", f"{_drift_text(mem.drift_names)}; re-applying")
        elif reason != POLL_REASON:
            await self.recorder.event(
                tenant, "Normal", "ReconcileStarted", f"reconciling generation {generation} ({reason})"
            )

        # Inputs may move while the tenant waits for a worker: the run takes the latest.
        dispatched = await self.dispatcher.reconcile(key, lambda: self._prepare(key, mem), solo=mem.failures > 0)
        if dispatched is None:
            return None
        run = dispatched.prepared
        return await self._record(
            key, run.tenant, mem, reason, dispatched.outcome, run.digest, run.started, run.started_at, run.inputs
        )

    def _prepare(self, key: Key, mem: Memory) -> Prepared | None:
        """The tenant's inputs when its run is formed; None when it is gone or being deleted."""
        fresh = self.view.tenant(key)
        if fresh is None or mem.state is State.DELETING or (fresh.get("metadata") or {}).get("deletionTimestamp"):
            return None
        return Prepared(key, fresh, tenant_input(fresh), self._input_digest(key, fresh), now(), self.clock())

    async def _record(
        self,
        key: Key,
        tenant: Mapping[str, Any],
        mem: Memory,
        reason: str,
        outcome: RunOutcome,
        digest: str,
        started: str,
        started_at: float,
        inputs: Mapping[str, Any],
    ) -> float | None:
        generation = inputs["metadata"].get("generation")
        result = "blocked" if outcome.blocked else "succeeded" if outcome.ok else outcome.status
        self.metrics.reconciled(result, outcome.duration)
        mem.last_run_at = self.clock()
        log = logger.info if outcome.ok else logger.warning
        log(
            "playbook run %s: %s",
            result,
            outcome.error or f"{len(outcome.changed)} object(s) changed",
            extra={
                "tenant": "/".join(key),
                "reason": reason,
                "result": result,
                "duration": round(outcome.duration, 2),
                "changed": len(outcome.changed),
                "generation": generation,
                "batch": outcome.batch,
            },
        )
        if outcome.ok and outcome.result is not None:
            mem.state = State.SETTLING
            mem.digest = digest
            mem.blocked = outcome.blocked
            mem.problems = [dict(p) for p in outcome.result.get("problems") or []]
            mem.generation = generation
            mem.failures, mem.not_before = 0, 0.0
            applied = [] if outcome.blocked else list(outcome.result.get("applied") or [])
            mem.settle = Settle(
                started=started_at,
                deadline=self.clock() + self.config.settle_timeout,
                present=_pairs(applied),
                seen=_pairs(outcome.changed),
            )
            mem.expect_status = dict(outcome.result.get("status") or {}) or None
            mem.expect_until = self.clock() + self.config.settle_timeout
            mem.pending_last_run = last_run(
                result="Blocked" if outcome.blocked else "Succeeded",
                generation=generation,
                started=started,
                duration=outcome.duration,
                changed=outcome.changed,
                digest=digest,
                children=None,
            )
            if self.request is not None:
                self.request(key, "run finished")
            problems = mem.problems
            waiting = problems and all(p.get("reason") in TRANSIENT_REASONS for p in problems)
            # Provisioning waits for the pods or for RustFS (nothing in the cluster says when): back off.
            if waiting or (outcome.result.get("requeue_backoff") and not outcome.blocked):
                delay = min(self.config.backoff_max, self.config.backoff_min * 2.0**mem.pending_retries)
                mem.pending_retries += 1
                mem.retry_at = self.clock() + delay
                return delay
            mem.pending_retries, mem.retry_at = 0, 0.0
            # Pods still rolling when the run ended: its spec is recorded as good once they all run it.
            rolling = (outcome.result.get("status") or {}).get("currentState") == "Reconciling"
            waits = rolling and not outcome.blocked and generation != mem.record_tried
            mem.record_pending = generation if waits else None
            mem.poll_at = 0.0
            if outcome.result.get("requeue_after") and not outcome.blocked:
                # A pool drains in RustFS: nothing in the cluster will say when it is done, so poll.
                mem.poll_at = self.clock() + self.config.decommission_poll_interval
                return self.config.decommission_poll_interval
            return None

        mem.state = State.FAILED
        if self.health.lost_since(started_at) or not await self.health.check_now():
            # The run met an API server outage: retried as soon as the API answers, with no
            # backoff, no error status and no event (they would fail too); counted once.
            self.metrics.errors.labels("api").inc()
            mem.not_before = 0.0
            return 0.0
        mem.failures += 1
        backoff = min(self.config.backoff_max, self.config.backoff_min * 2.0 ** (mem.failures - 1))
        mem.not_before = self.clock() + backoff
        category = "timeout" if outcome.status == "timeout" else "run"
        self.metrics.errors.labels(category).inc()
        message = outcome.error or f"the playbook ended with {outcome.status}"
        reason_code = "ReconcileTimeout" if category == "timeout" else "KubernetesApiError"
        current = self.view.tenant(key) or tenant
        fields = reconciling(
            current.get("status"), generation, now(), ready="Unknown", reason=reason_code, message=message[:500]
        )
        fields["lastRun"] = last_run(
            result="Failed",
            generation=generation,
            started=started,
            duration=outcome.duration,
            changed=outcome.changed,
            digest=None,
            children=None,
            message=message,
        )
        await self._patch(current, fields, "failure")
        await self.recorder.event(current, "Warning", reason_code, f"{message[:600]} (retrying in {backoff:.0f}s)")
        return backoff


def _input_change(mem: Memory, tenant: Mapping[str, Any], digest: str) -> str | None:
    """Why the inputs the last run was given no longer hold, or None when they do."""
    if digest == mem.digest:
        return None
    if mem.digest is None:
        return "first reconcile"
    if (tenant.get("metadata") or {}).get("generation") != mem.generation:
        return "spec changed"
    return "labels, annotations, a referenced Secret or the operator settings changed"


def _drift_text(names: Sequence[str]) -> str:
    if not names:
        return "owned objects were changed outside the operator"
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    return f"owned objects were changed outside the operator: {shown}"


def _name(tenant: Mapping[str, Any]) -> str:
    metadata = tenant.get("metadata") or {}
    return f"{metadata.get('namespace')}/{metadata.get('name')}"
