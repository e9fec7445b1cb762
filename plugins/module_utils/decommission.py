# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The pool decommission lifecycle (spec 9.5): pure decisions, no I/O.

A pool leaves a Tenant only after RustFS has moved its data to the other pools. The user asks
for it in `spec.poolLifecycle.decommissionRequests` (one request per pool, keyed by `poolName`,
`action: Start` or `Cancel`); each pass the caller observes the RustFS admin pool API
(rustfs_admin.py) for the pools in flight and hands the observations here. `plan_decommission()`
then says, per pool, the new `status.pools[].lifecycleState` and `decommission` object, what to
do now (start or cancel a decommission through the admin API, delete the StatefulSet of a
drained pool: its PVCs are kept), and what is refused.

States (status.pools[].lifecycleState) and how a pool moves between them:

    Active --Start--> Decommissioning --RustFS complete--> Decommissioned (StatefulSet deleted, PVCs kept)
                          |   |--RustFS failed--> DecommissionFailed --Cancel--> DecommissionCanceled
                          |--Cancel (or canceled in RustFS)--> DecommissionCanceled
    DecommissionCanceled --request removed--> Active;  --Start with a new requestId--> Decommissioning
    DecommissionFailed   --Start with a new requestId--> Decommissioning

Rules: never the last live pool; one pool drains at a time (RustFS refuses a second start while a
decommission runs: the others wait in phase Pending, in spec order); a Decommissioned pool is
final, is never updated again (plan.py must skip it: `decommissioned_pools()`) and may leave
`spec.pools` (safety.py then allows the removal). Removing a Start request while the pool drains
does not stop it (RustFS keeps going): use `action: Cancel`.

The RustFS pool is addressed by its command line, which equals the pool's RUSTFS_VOLUMES token
(`pool_argument()`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.naming import statefulset_name
from ansible_collections.rustfs.operator.plugins.module_utils.volumes import (
    is_single_node_single_disk,
    pool_volume_token,
)

POLL_SECONDS = 30
PVC_RETENTION_POLICY = "Retain"

STATE_ACTIVE = "Active"
STATE_DECOMMISSIONING = "Decommissioning"
STATE_DECOMMISSIONED = "Decommissioned"
STATE_CANCELED = "DecommissionCanceled"
STATE_FAILED = "DecommissionFailed"

PHASE_PENDING = "Pending"
PHASE_RUNNING = "Running"
PHASE_COMPLETE = "Complete"
PHASE_CANCELED = "Canceled"
PHASE_FAILED = "Failed"

ACTION_START = "Start"
ACTION_CANCEL = "Cancel"

REASON_DECOMMISSIONING = "PoolDecommissioning"
REASON_FAILED = "PoolDecommissionFailed"
REASON_CANCELED = "PoolDecommissionCanceled"
# The conditions the RustFS operator reports lifecycle reasons on (its finalize_tenant_status): a
# decommission that stopped (failed, canceled) on PoolsReady; one in progress (a pool draining, or a
# drained pool's StatefulSet being deleted) on WorkloadsReady, while PoolsReady stays True.
BLOCKED_CONDITION = "PoolsReady"
PROGRESS_CONDITION = "WorkloadsReady"

# What the user can do about a decommission that stopped (the tenant is blocked until then).
FAILED_HINT = "; cancel it (action: Cancel) or start again with a new requestId"
CANCELED_HINT = "; remove the request to use the pool again, or start again with a new requestId"

REQUESTS_FIELD = "spec.poolLifecycle.decommissionRequests"

# What the change of a deleted StatefulSet says of its pool (events.py names its event after it):
# a decommissioned pool still in spec.pools, or one the spec no longer lists.
CLEANUP_IN_SPEC = "decommissioned"
CLEANUP_REMOVED = "removed-from-spec"

ActionKind = Literal["StartDecommission", "CancelDecommission", "DeleteStatefulSet"]


@dataclass(frozen=True)
class PoolProgress:
    """What the RustFS admin API says of one pool (its `decommissionInfo`)."""

    started: bool
    complete: bool = False
    failed: bool = False
    canceled: bool = False
    started_at: str | None = None
    objects_done: int = 0
    objects_failed: int = 0
    bytes_done: int = 0
    bytes_failed: int = 0
    total_size: int = 0
    message: str = ""

    @property
    def running(self) -> bool:
        return self.started and not (self.complete or self.failed or self.canceled)

    @property
    def percent(self) -> int | None:
        """Share of the pool's data moved so far, when RustFS reported a size."""
        moved = self.bytes_done + self.bytes_failed
        if self.total_size <= 0:
            return None
        return min(100, int(moved * 100 / self.total_size))


@dataclass(frozen=True)
class Action:
    """Something to do now. `argument` is the RustFS pool command line (admin API `pool=`)."""

    kind: ActionKind
    pool: str
    argument: str = ""
    statefulset: str = ""
    # StatefulSet deletion only: the pods go with it; the claims stay (no retention policy is set,
    # so the StatefulSet controller's default `whenDeleted: Retain` keeps every PVC).
    propagation_policy: str = "Foreground"
    # StatefulSet deletion only: the pool already left spec.pools (event PoolRemoved, else
    # PoolDecommissionCleanupStarted, as the RustFS operator names them).
    removed_from_spec: bool = False
    # StartDecommission only: RustFS still holds this pool's canceled or failed decommission, which
    # it clears before it accepts a new start ("clear failed or canceled metadata before starting again").
    clear_first: bool = False


@dataclass(frozen=True)
class PoolLifecycle:
    pool: str
    state: str
    decommission: JSON | None = None

    def status_fields(self) -> JSON:
        """The two fields to merge into the pool's status item."""
        fields: JSON = {"lifecycleState": self.state}
        if self.decommission is not None:
            fields["decommission"] = dict(self.decommission)
        return fields


@dataclass(frozen=True)
class Signal:
    """What the lifecycle adds to the Tenant's conditions (on `condition`)."""

    reason: str
    message: str
    blocked: bool

    @property
    def condition(self) -> str:
        return BLOCKED_CONDITION if self.blocked else PROGRESS_CONDITION


@dataclass
class DecommissionPlan:
    pools: dict[str, PoolLifecycle] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)

    def status_items(self) -> list[JSON]:
        """Each pool's lifecycle fields, as `status.pools` items (name, lifecycleState, decommission)."""
        return [{"name": name, **pool.status_fields()} for name, pool in self.pools.items()]

    @property
    def requeue_seconds(self) -> int | None:
        """Poll again in 30 s while a pool drains or a drained pool's StatefulSet is being deleted."""
        busy = any(p.state == STATE_DECOMMISSIONING for p in self.pools.values()) or any(
            a.kind == "DeleteStatefulSet" for a in self.actions
        )
        return POLL_SECONDS if busy else None

    @property
    def signal(self) -> Signal | None:
        """A refused request first; otherwise what the pools' new lifecycle says (lifecycle_signal())."""
        if self.problems:
            return Signal(REASON_FAILED, "; ".join(p["message"] for p in self.problems), True)
        return lifecycle_signal(self.status_items())


def lifecycle_signal(pools: Sequence[Mapping[str, Any]]) -> Signal | None:
    """What the lifecycle of POOLS (status.pools items) adds to the Tenant's conditions.

    Read from the status items rather than from a plan, so that whoever recomputes the status between
    passes (the operator, on StatefulSet events) reports the same. Failed beats canceled beats
    decommissioning beats a drained pool whose StatefulSet is being deleted, which is reported as
    PoolDecommissioning too (the RustFS operator's "cleanup is in progress").
    """
    items = {str(as_dict(p).get("name")): as_dict(p) for p in pools}
    lifecycles = {
        name: PoolLifecycle(name, str(item.get("lifecycleState") or STATE_ACTIVE), as_dict(item.get("decommission")))
        for name, item in items.items()
    }
    for state, reason, blocked in (
        (STATE_FAILED, REASON_FAILED, True),
        (STATE_CANCELED, REASON_CANCELED, True),
        (STATE_DECOMMISSIONING, REASON_DECOMMISSIONING, False),
    ):
        names = sorted(name for name, p in lifecycles.items() if p.state == state)
        if names:
            message = _signal_message(state, names, lifecycles)
            message += {STATE_FAILED: FAILED_HINT, STATE_CANCELED: CANCELED_HINT}.get(state, "")
            return Signal(reason, message, blocked)
    deleting = sorted(
        name
        for name, p in lifecycles.items()
        if p.state == STATE_DECOMMISSIONED
        and as_dict(as_dict(p.decommission).get("cleanup")).get("state") == "StatefulSetDeleting"
    )
    if deleting:
        return Signal(
            REASON_DECOMMISSIONING,
            f"pool {', '.join(deleting)} is decommissioned; deleting its StatefulSet (PVCs are kept)",
            False,
        )
    return None


def _signal_message(state: str, names: list[str], pools: Mapping[str, PoolLifecycle]) -> str:
    details = []
    for name in names:
        message = str(as_dict(pools[name].decommission).get("message") or "")
        details.append(f"{name}: {message}" if message else name)
    return f"{state}: {'; '.join(details)}"


def pool_argument(tenant: Tenant, pool_name: str, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> str:
    """The RustFS pool command line of POOL_NAME: its RUSTFS_VOLUMES token (spec 7)."""
    for pool in tenant.pools:
        if pool.name == pool_name:
            if is_single_node_single_disk(tenant):
                return pool.volume_paths()[0]
            return pool_volume_token(tenant, pool, cluster_domain)
    raise ValueError(f"pool {pool_name} is not in spec.pools of tenant {tenant.name}")


def decommissioned_pools(status: Mapping[str, Any] | None) -> set[str]:
    """Names of the pools whose lifecycleState is Decommissioned: never rendered, applied or rolled again."""
    return {
        str(as_dict(item).get("name"))
        for item in as_list(as_dict(status).get("pools"))
        if as_dict(item).get("lifecycleState") == STATE_DECOMMISSIONED
    }


def active_document(document: Mapping[str, Any], status: Mapping[str, Any] | None) -> JSON:
    """DOCUMENT without its Decommissioned pools: what is rendered, applied and rolled.

    A drained pool holds no data and its StatefulSet is deleted; the other pools must stop naming
    it in RUSTFS_VOLUMES, exactly as if it had already left spec.pools.
    """
    gone = decommissioned_pools(status)
    spec = as_dict(document.get("spec"))
    pools = as_list(spec.get("pools"))
    if not gone or not pools:
        return dict(document)
    kept = [p for p in pools if str(as_dict(p).get("name")) not in gone]
    return {**document, "spec": {**spec, "pools": kept}}


def pools_to_observe(tenant: Tenant, status: Mapping[str, Any] | None) -> list[str]:
    """The spec pools whose RustFS decommission status the caller should read before plan_decommission().

    Those with a request, and those Decommissioning or DecommissionCanceled (a cancel is verified);
    never a Decommissioned pool.
    """
    previous = _previous_by_pool(as_list(as_dict(status).get("pools")))
    requests = requests_by_pool(tenant)
    return [
        pool.name
        for pool in tenant.pools
        if previous.get(pool.name, {}).get("lifecycleState") != STATE_DECOMMISSIONED
        and (
            pool.name in requests
            or previous.get(pool.name, {}).get("lifecycleState") in (STATE_DECOMMISSIONING, STATE_CANCELED)
        )
    ]


def requests_by_pool(tenant: Tenant) -> dict[str, tuple[int, JSON]]:
    """The decommission requests, keyed by pool name, with their index in the list (for field paths)."""
    found: dict[str, tuple[int, JSON]] = {}
    for index, raw in enumerate(as_list(as_dict(tenant.spec.get("poolLifecycle")).get("decommissionRequests"))):
        request = as_dict(raw)
        found.setdefault(str(request.get("poolName", "")), (index, request))
    return found


def _field(index: int, name: str) -> str:
    return f"{REQUESTS_FIELD}[{index}].{name}"


def _record(request: Mapping[str, Any], phase: str, message: str, previous: Mapping[str, Any] | None = None) -> JSON:
    """A fresh decommission status object for REQUEST, keeping the times already recorded for it."""
    record: JSON = {
        "requestId": str(request.get("requestId", "")),
        "action": str(request.get("action", ACTION_START)),
        "phase": phase,
        "message": message,
    }
    for key in ("requestedAt", "cancelRequestedAt", "reason"):
        if request.get(key):
            record[key] = str(request[key])
    for key in ("startRequestedAt", "startedAt", "lastPollTime", "progress"):
        if previous and previous.get(key) is not None:
            record[key] = previous[key]
    return record


def _progress(observed: PoolProgress) -> JSON:
    progress: JSON = {
        "objectsMigrated": observed.objects_done,
        "bytesMigrated": observed.bytes_done,
        "objectsFailed": observed.objects_failed,
        "bytesFailed": observed.bytes_failed,
    }
    if observed.percent is not None:
        progress["percent"] = observed.percent
    return progress


def _observed(record: JSON, observed: PoolProgress, now: str) -> JSON:
    record["lastPollTime"] = now
    record["progress"] = _progress(observed)
    if observed.started:
        record["startedAt"] = record.get("startedAt") or observed.started_at or now
    return record


def _finished(record: JSON, phase: str, message: str, now: str) -> JSON:
    record["phase"] = phase
    record["message"] = message
    record["completedAt"] = now
    return record


@dataclass
class _Context:
    tenant: Tenant
    cluster_domain: str
    now: str
    observations: Mapping[str, PoolProgress | None]
    live_statefulsets: Collection[str] | None
    plan: DecommissionPlan
    # The pool draining in RustFS (or about to start), if any: RustFS runs one decommission at a time.
    draining: str | None = None

    def action(self, kind: ActionKind, pool: str) -> None:
        argument = pool_argument(self.tenant, pool, self.cluster_domain) if kind != "DeleteStatefulSet" else ""
        removed = pool not in {p.name for p in self.tenant.pools}
        observed = self.observations.get(pool)
        stopped = observed is not None and (observed.canceled or observed.failed) and not observed.complete
        self.plan.actions.append(
            Action(
                kind,
                pool,
                argument,
                statefulset_name(self.tenant.name, pool),
                removed_from_spec=removed,
                clear_first=kind == "StartDecommission" and stopped,
            )
        )


def _previous_by_pool(previous_pools: Sequence[Mapping[str, Any]]) -> dict[str, JSON]:
    return {str(as_dict(p).get("name")): as_dict(p) for p in previous_pools}


def _blocked_last_pool(
    tenant: Tenant, previous: Mapping[str, JSON], requests: Mapping[str, tuple[int, JSON]]
) -> set[str]:
    """Start requests refused because they would leave no live pool (the pools not already draining, last first)."""
    live = [p.name for p in tenant.pools if previous.get(p.name, {}).get("lifecycleState") != STATE_DECOMMISSIONED]
    starting = [
        name
        for name in live
        if (
            name in requests
            and requests[name][1].get("action") == ACTION_START
            and not _ended_request(previous.get(name, {}), requests[name][1])
        )
        or (name not in requests and previous.get(name, {}).get("lifecycleState") == STATE_DECOMMISSIONING)
    ]
    excess = len(starting) - (len(live) - 1)
    if excess <= 0:
        return set()
    draining = [n for n in starting if previous.get(n, {}).get("lifecycleState") == STATE_DECOMMISSIONING]
    fresh = [n for n in starting if n not in draining]
    return set((draining + fresh)[-excess:])


def _holds_slot(item: Mapping[str, Any]) -> bool:
    record = as_dict(item.get("decommission"))
    return item.get("lifecycleState") == STATE_DECOMMISSIONING and (
        record.get("phase") == PHASE_RUNNING or bool(record.get("startRequestedAt"))
    )


def _ended_request(item: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """Whether REQUEST is the one whose decommission already ended in a Canceled or Failed state."""
    record = as_dict(item.get("decommission"))
    return item.get("lifecycleState") in (STATE_CANCELED, STATE_FAILED) and record.get("requestId") == request.get(
        "requestId"
    )


def plan_decommission(
    tenant: Tenant,
    previous_pools: Sequence[Mapping[str, Any]],
    observations: Mapping[str, PoolProgress | None],
    now: str,
    live_statefulsets: Collection[str] | None = None,
    cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN,
) -> DecommissionPlan:
    """Decide every pool's lifecycle for this pass.

    PREVIOUS_POOLS is `status.pools` as last written; OBSERVATIONS the admin API's view of the pools
    asked about (a missing key or None: not asked or unreachable, nothing is concluded); NOW the
    RFC 3339 time of the pass; LIVE_STATEFULSETS the pool names whose StatefulSet exists (when given,
    a Decommissioned pool whose StatefulSet is still there gets its deletion retried).
    """
    plan = DecommissionPlan()
    previous = _previous_by_pool(previous_pools)
    requests = requests_by_pool(tenant)
    spec_pools = [p.name for p in tenant.pools]
    context = _Context(tenant, cluster_domain, now, observations, live_statefulsets, plan)
    for name, (index, _unused) in sorted(requests.items(), key=lambda item: item[1][0]):
        if name not in spec_pools and previous.get(name, {}).get("lifecycleState") != STATE_DECOMMISSIONED:
            plan.problems.append(
                field_error(
                    _field(index, "poolName"),
                    f"there is no pool {name} in spec.pools; a decommission request names an existing pool",
                    REASON_FAILED,
                )
            )
    blocked = _blocked_last_pool(tenant, previous, requests)
    # A pool already draining (or whose start was sent) holds RustFS's single decommission slot.
    context.draining = next((name for name in spec_pools if _holds_slot(previous.get(name, {}))), None)
    for name in spec_pools:
        entry = requests.get(name)
        outcome = _decide(context, name, previous.get(name, {}), entry, name in blocked)
        plan.pools[name] = outcome
    # Pools that already left the spec keep their final record (safety.py reads it).
    for name, item in previous.items():
        if name not in plan.pools and item.get("lifecycleState") == STATE_DECOMMISSIONED:
            plan.pools[name] = _decommissioned(context, name, item, requests.get(name))
    return plan


def _decide(context: _Context, name: str, item: JSON, entry: tuple[int, JSON] | None, blocked: bool) -> PoolLifecycle:
    state = str(item.get("lifecycleState") or STATE_ACTIVE)
    record = as_dict(item.get("decommission")) or None
    if state == STATE_DECOMMISSIONED:
        return _decommissioned(context, name, item, entry)
    if entry is None:
        return _without_request(context, name, state, record)
    index, request = entry
    if request.get("action") == ACTION_CANCEL:
        return _cancel(context, name, state, record, index, request)
    return _start(context, name, state, record, index, request, blocked)


def _decommissioned(context: _Context, name: str, item: JSON, entry: tuple[int, JSON] | None) -> PoolLifecycle:
    record = as_dict(item.get("decommission")) or None
    if entry is not None:
        index, request = entry
        same = record is not None and record.get("requestId") == request.get("requestId")
        if request.get("action") == ACTION_CANCEL or not same:
            context.plan.problems.append(
                field_error(
                    _field(index, "action" if request.get("action") == ACTION_CANCEL else "requestId"),
                    f"pool {name} is already decommissioned (its data was moved to the other pools); this cannot "
                    "be canceled or started again: remove the request, and the pool from spec.pools",
                    REASON_FAILED,
                )
            )
    if context.live_statefulsets is not None and name in context.live_statefulsets:
        context.action("DeleteStatefulSet", name)
        if record is not None:
            record = {**record, "cleanup": {"state": "StatefulSetDeleting", "pvcRetentionPolicy": PVC_RETENTION_POLICY}}
    elif context.live_statefulsets is not None and record is not None:
        cleanup = as_dict(record.get("cleanup"))
        if cleanup.get("state") != "PvcRetained":
            record = {
                **record,
                "cleanup": {
                    "state": "PvcRetained",
                    "statefulSetDeletedAt": context.now,
                    "pvcRetentionPolicy": PVC_RETENTION_POLICY,
                },
            }
    return PoolLifecycle(name, STATE_DECOMMISSIONED, record)


def _without_request(context: _Context, name: str, state: str, record: JSON | None) -> PoolLifecycle:
    if state == STATE_DECOMMISSIONING and record is not None:
        # The request left the spec but RustFS keeps draining: follow it to its end.
        return _follow(context, name, record, {**record, "action": ACTION_START})
    if state == STATE_FAILED:
        return PoolLifecycle(name, STATE_FAILED, record)
    # Canceled (acknowledged by removing the request) or never asked: the pool serves normally.
    return PoolLifecycle(name, STATE_ACTIVE, record)


def _start(
    context: _Context,
    name: str,
    state: str,
    record: JSON | None,
    index: int,
    request: JSON,
    blocked: bool,
) -> PoolLifecycle:
    same = record is not None and record.get("requestId") == request.get("requestId")
    if state in (STATE_CANCELED, STATE_FAILED) and same:
        # This request already ended; a new requestId starts again.
        return PoolLifecycle(name, state, record)
    if blocked:
        context.plan.problems.append(
            field_error(
                _field(index, "poolName"),
                f"pool {name} is the last live pool of the tenant: its data would have nowhere to go. Add a pool "
                "and let it become ready before decommissioning this one",
                REASON_FAILED,
            )
        )
        return PoolLifecycle(name, state, record)
    if state == STATE_DECOMMISSIONING and record is not None:
        return _follow(context, name, record, request)
    return _begin(context, name, _record(request, PHASE_PENDING, "", None))


def _begin(context: _Context, name: str, record: JSON) -> PoolLifecycle:
    """Ask RustFS to start, unless another pool holds the single decommission slot."""
    if context.draining not in (None, name):
        record["phase"] = PHASE_PENDING
        record["message"] = f"waiting for pool {context.draining} to finish decommissioning"
        return PoolLifecycle(name, STATE_DECOMMISSIONING, record)
    context.draining = name
    context.action("StartDecommission", name)
    record["phase"] = PHASE_PENDING
    record["startRequestedAt"] = context.now
    record["message"] = "decommission start requested from RustFS"
    return PoolLifecycle(name, STATE_DECOMMISSIONING, record)


def _follow(context: _Context, name: str, previous: JSON, request: Mapping[str, Any]) -> PoolLifecycle:
    """A pool in Decommissioning: read what RustFS reports and move on."""
    observed = context.observations.get(name)
    record = _record(request, str(previous.get("phase") or PHASE_PENDING), str(previous.get("message") or ""), previous)
    if observed is None:
        if context.draining is None:
            # A waiting pool whose turn has come.
            return _begin(context, name, record)
        if context.draining == name:
            record["message"] = "waiting for the RustFS admin API"
        return PoolLifecycle(name, STATE_DECOMMISSIONING, record)
    _observed(record, observed, context.now)
    if (observed.complete or observed.failed or observed.canceled) and context.draining == name:
        context.draining = None
    if observed.complete:
        context.action("DeleteStatefulSet", name)
        record["cleanup"] = {"state": "StatefulSetDeleting", "pvcRetentionPolicy": PVC_RETENTION_POLICY}
        return PoolLifecycle(
            name,
            STATE_DECOMMISSIONED,
            _finished(record, PHASE_COMPLETE, "every object was moved to the other pools", context.now),
        )
    if observed.failed:
        message = observed.message or "RustFS reported the decommission as failed"
        record["lastError"] = {"reason": REASON_FAILED, "message": message}
        return PoolLifecycle(name, STATE_FAILED, _finished(record, PHASE_FAILED, message, context.now))
    if observed.canceled:
        return PoolLifecycle(
            name,
            STATE_CANCELED,
            _finished(record, PHASE_CANCELED, "the decommission was canceled in RustFS", context.now),
        )
    if observed.started:
        context.draining = name
        record["phase"] = PHASE_RUNNING
        percent = observed.percent
        record["message"] = (
            f"moving data to the other pools ({percent}% done)"
            if percent is not None
            else ("moving data to the other pools")
        )
        return PoolLifecycle(name, STATE_DECOMMISSIONING, record)
    return _begin(context, name, record)


def _cancel(context: _Context, name: str, state: str, record: JSON | None, index: int, request: JSON) -> PoolLifecycle:
    observed = context.observations.get(name)
    if state == STATE_CANCELED:
        if observed is not None and observed.complete:
            # The drain finished before the cancel took effect: the pool is empty, whatever was asked.
            return _follow(context, name, dict(record or {}), request)
        if observed is not None and observed.running:
            context.action("CancelDecommission", name)
        return PoolLifecycle(name, STATE_CANCELED, record)
    if state not in (STATE_DECOMMISSIONING, STATE_FAILED) or record is None:
        context.plan.problems.append(
            field_error(
                _field(index, "action"),
                f"pool {name} is not being decommissioned, so there is nothing to cancel: remove the request "
                "(or set action: Start to decommission it)",
                REASON_FAILED,
            )
        )
        return PoolLifecycle(name, STATE_ACTIVE, record)
    if observed is not None and observed.complete:
        return _follow(context, name, record, request)
    updated = _record(request, PHASE_CANCELED, "", record)
    started_in_rustfs = state == STATE_FAILED or _holds_slot({"lifecycleState": state, "decommission": record})
    if observed is not None:
        _observed(updated, observed, context.now)
        started_in_rustfs = started_in_rustfs or observed.running
    if started_in_rustfs:
        context.action("CancelDecommission", name)
    message = "the decommission was canceled; the pool serves reads and writes again"
    return PoolLifecycle(name, STATE_CANCELED, _finished(updated, PHASE_CANCELED, message, context.now))
