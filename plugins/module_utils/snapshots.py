# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Scheduled VolumeSnapshots of a tenant's data claims: when a set is due, what it is, which sets go.

Pure: from the Tenant, its live claims and the live VolumeSnapshots of its namespace, the plan of one
pass (rustfs.operator.snapshot and the operator both execute it). The decisions that keep data safe:

* A *set* is one VolumeSnapshot per data claim of every pool, taken in one pass and labelled with
  the set's id (its UTC time, `operator.rustfs.com/snapshot-set`). A set is taken only when every
  claim exists and is Bound: a partial set could not restore the tenant (erasure coding spreads each
  object over the pool's volumes).
* Ours is only what carries our labels (managed-by rustfs-operator, the tenant, a set id) *and* the
  name we give (`<claim>-<set id>`) with the claim as its source: a user's VolumeSnapshot of the same
  claims is never counted, kept or deleted.
* Retention keeps the newest `retain` sets and, whatever their number, the newest set that is ready to
  use: a pass that takes a set (not ready yet) while the schedule keeps one never deletes the only
  usable copy. Older sets go, ready or not.
* No owner reference: a snapshot is a backup, and a backup must outlive the tenant (deleting the
  Tenant, or its claims with rustfs.com/delete-volumes, leaves every set; deleting the namespace does
  not). Once the tenant is gone nothing prunes its sets: delete them by their labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import cron
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import decommissioned_pools
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.events import EventSpec
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import claim_name, pool_labels

GROUP = "snapshot.storage.k8s.io"
API_VERSION = f"{GROUP}/v1"
KIND = "VolumeSnapshot"
PLURAL = "volumesnapshots"
LABEL_SET = "operator.rustfs.com/snapshot-set"
ANNOTATION_SET_SIZE = "operator.rustfs.com/snapshot-set-size"
COMPONENT = "snapshot"
DEFAULT_SCHEDULE = "@daily"
DEFAULT_RETAIN = 7
SET_ID_FORMAT = "%Y%m%d-%H%M%S"
MODES = ("scheduled", "now")
CRDS_MISSING = (
    "the VolumeSnapshot kind (snapshot.storage.k8s.io/v1) is not served by this cluster: install the "
    "external-snapshotter's CRDs and snapshot controller, and a CSI driver that supports snapshots (docs/snapshots.md)"
)


@dataclass(frozen=True)
class Settings:
    enabled: bool
    schedule: str
    retain: int
    class_name: str | None


@dataclass(frozen=True)
class SnapshotSet:
    id: str
    time: datetime
    names: tuple[str, ...]
    size: int  # how many claims the set covered when it was taken
    ready: bool  # every member ready to use
    failed: tuple[str, ...]  # each member's status.error message


@dataclass
class Plan:
    """One pass: CREATE these VolumeSnapshots, DELETE these (by name); BLOCKED says why no set could be taken."""

    tenant: str
    due: bool
    due_at: datetime | None
    set_id: str | None = None
    create: list[JSON] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    pruned_sets: list[str] = field(default_factory=list)
    sets: list[SnapshotSet] = field(default_factory=list)
    blocked: str | None = None
    skipped: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.create or self.delete)

    def status(self) -> JSON | None:
        """`status.snapshots` after the pass: the newest set and how many are kept; None without any set."""
        kept = [s.id for s in self.sets if s.id not in self.pruned_sets] + ([self.set_id] if self.set_id else [])
        if not kept:
            return None
        newest = max(kept)
        when = set_time(newest)
        return {
            "lastSet": newest,
            "lastSetTime": when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None,
            "sets": len(kept),
        }


def settings(spec: Mapping[str, Any]) -> Settings:
    raw = as_dict(spec.get("snapshots"))
    retain = raw.get("retain")
    return Settings(
        enabled=raw.get("enabled") is True,
        schedule=str(raw.get("schedule") or DEFAULT_SCHEDULE),
        retain=int(retain) if isinstance(retain, int) and not isinstance(retain, bool) else DEFAULT_RETAIN,
        class_name=str(raw["volumeSnapshotClassName"]) if raw.get("volumeSnapshotClassName") else None,
    )


def validate_snapshots(tenant: Tenant) -> list[FieldError]:
    """A schedule the engine cannot read is refused with the tenant's other spec errors (before any write)."""
    raw = as_dict(tenant.spec.get("snapshots"))
    if raw.get("schedule") is None:
        return []
    why = cron.problem(str(raw["schedule"]))
    return [field_error("spec.snapshots.schedule", why, "InvalidSpec")] if why else []


def set_id(at: datetime) -> str:
    return at.astimezone(UTC).strftime(SET_ID_FORMAT)


def set_time(identifier: str) -> datetime | None:
    try:
        return datetime.strptime(identifier, SET_ID_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def snapshot_name(claim: str, identifier: str) -> str:
    return f"{claim}-{identifier}"


def data_claims(tenant: Tenant, status: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(pool, claim name) of every data volume of every pool that holds data (not Decommissioned).

    The names the StatefulSets' claim templates give (naming.claim_name); log volumes hold no object data.
    """
    gone = decommissioned_pools(status)
    return [
        (pool.name, claim_name(tenant.name, pool.name, volume, ordinal))
        for pool in tenant.pools
        if pool.name not in gone
        for ordinal in range(pool.servers)
        for volume in range(pool.persistence.volumes_per_server)
    ]


def snapshot_labels(tenant_name: str, pool_name: str, identifier: str) -> dict[str, str]:
    return {**pool_labels(tenant_name, pool_name), c.LABEL_COMPONENT: COMPONENT, LABEL_SET: identifier}


def selector(tenant_name: str) -> str:
    """The label selector of the tenant's sets (kubectl get volumesnapshots -l ...)."""
    return f"{c.LABEL_MANAGED_BY}={c.MANAGED_BY},{c.LABEL_TENANT}={tenant_name},{LABEL_SET}"


def snapshot_object(
    tenant: Tenant, pool_name: str, claim: str, identifier: str, size: int, class_name: str | None
) -> JSON:
    spec: JSON = {"source": {"persistentVolumeClaimName": claim}}
    if class_name:
        spec["volumeSnapshotClassName"] = class_name
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": snapshot_name(claim, identifier),
            "namespace": tenant.namespace,
            "labels": snapshot_labels(tenant.name, pool_name, identifier),
            "annotations": {ANNOTATION_SET_SIZE: str(size)},
        },
        "spec": spec,
    }


def _ours(tenant_name: str, snapshot: Mapping[str, Any]) -> str | None:
    """The set id of SNAPSHOT when the collection took it for TENANT_NAME, else None."""
    metadata = as_dict(snapshot.get("metadata"))
    labels = as_dict(metadata.get("labels"))
    identifier = str(labels.get(LABEL_SET) or "")
    claim = as_dict(as_dict(snapshot.get("spec")).get("source")).get("persistentVolumeClaimName")
    if (
        labels.get(c.LABEL_MANAGED_BY) != c.MANAGED_BY
        or labels.get(c.LABEL_TENANT) != tenant_name
        or set_time(identifier) is None
        or not isinstance(claim, str)
        or metadata.get("name") != snapshot_name(claim, identifier)
    ):
        return None
    return identifier


def our_sets(tenant_name: str, snapshots: Iterable[Mapping[str, Any]]) -> list[SnapshotSet]:
    """The sets the collection took for the tenant, oldest first; every other VolumeSnapshot is left out."""
    members: dict[str, list[Mapping[str, Any]]] = {}
    for snapshot in snapshots:
        identifier = _ours(tenant_name, snapshot)
        if identifier is not None:
            members.setdefault(identifier, []).append(snapshot)
    found = []
    for identifier, items in sorted(members.items()):
        sizes = [as_dict(as_dict(s.get("metadata")).get("annotations")).get(ANNOTATION_SET_SIZE) for s in items]
        size = max([int(s) for s in sizes if isinstance(s, str) and s.isdigit()] or [len(items)])
        statuses = [as_dict(s.get("status")) for s in items]
        failed = tuple(str(as_dict(st.get("error")).get("message") or "failed") for st in statuses if st.get("error"))
        found.append(
            SnapshotSet(
                id=identifier,
                time=set_time(identifier) or datetime.min.replace(tzinfo=UTC),
                names=tuple(sorted(str(as_dict(s.get("metadata")).get("name")) for s in items)),
                size=size,
                ready=len(items) >= size and all(st.get("readyToUse") is True for st in statuses),
                failed=failed,
            )
        )
    return found


def _created(document: Mapping[str, Any]) -> datetime | None:
    text = as_dict(document.get("metadata")).get("creationTimestamp")
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def due_at(document: Mapping[str, Any], sets: Sequence[SnapshotSet]) -> datetime | None:
    """When the next scheduled set is due: the schedule's next time after the newest set (any state).

    Without a set, after the Tenant's creation: a new tenant gets its first set at the first scheduled
    time, an existing tenant that enables snapshots at once. Missed times (an operator down for days)
    make one set, not one per missed time. None when snapshots are off or the schedule is invalid.
    """
    config = settings(as_dict(document.get("spec")))
    if not config.enabled:
        return None
    try:
        schedule = cron.parse(config.schedule)
    except ValueError:
        return None
    reference = sets[-1].time if sets else _created(document)
    if reference is None:
        return datetime.min.replace(tzinfo=UTC)
    return schedule.next_after(reference)


def next_time(document: Mapping[str, Any], after: datetime) -> datetime | None:
    """The schedule's first time after AFTER (None when snapshots are off or the schedule is invalid):
    a set that could not be taken is tried again by then at the latest, never a scheduled time later."""
    config = settings(as_dict(document.get("spec")))
    if not config.enabled:
        return None
    try:
        return cron.parse(config.schedule).next_after(after)
    except ValueError:
        return None


def retention(sets: Sequence[SnapshotSet], retain: int) -> list[SnapshotSet]:
    """The sets to delete (oldest first): all but the newest RETAIN and the newest ready one."""
    keep = {s.id for s in sets[-max(retain, 1) :]}
    ready = [s for s in sets if s.ready]
    if ready:
        keep.add(ready[-1].id)
    return [s for s in sets if s.id not in keep]


def _claims_problem(wanted: Sequence[tuple[str, str]], claims: Iterable[Mapping[str, Any]]) -> str | None:
    phases = {
        str(as_dict(claim.get("metadata")).get("name")): as_dict(claim.get("status")).get("phase") for claim in claims
    }
    missing = [name for _pool, name in wanted if name not in phases]
    unbound = [name for _pool, name in wanted if name in phases and phases[name] != "Bound"]
    if not wanted:
        return "the tenant has no data claims to snapshot"
    if missing or unbound:
        parts = []
        if missing:
            parts.append("missing: " + ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else ""))
        if unbound:
            parts.append("not Bound: " + ", ".join(unbound[:10]) + (" ..." if len(unbound) > 10 else ""))
        return f"a set needs every data claim of the tenant Bound ({'; '.join(parts)})"
    return None


def plan(
    document: Mapping[str, Any],
    claims: Iterable[Mapping[str, Any]],
    snapshots: Iterable[Mapping[str, Any]],
    now: datetime,
    mode: str,
    default_namespace: str = "default",
) -> Plan:
    """The pass for the Tenant DOCUMENT (as stored: its creationTimestamp and status count) at NOW.

    MODE `scheduled` takes a set only when one is due (and snapshots are enabled); `now` takes one
    whatever the schedule, even with snapshots disabled (before an upgrade, say). Retention applies only
    while snapshots are enabled, in either mode.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    tenant = parse_tenant(document, default_namespace=default_namespace)
    config = settings(tenant.spec)
    sets = our_sets(tenant.name, snapshots)
    when = due_at(document, sets)
    due = mode == "now" or (when is not None and now >= when)
    result = Plan(tenant=f"{tenant.namespace}/{tenant.name}", due=due, due_at=when, sets=list(sets))
    if mode == "scheduled" and not config.enabled:
        result.skipped = "snapshots are not enabled (spec.snapshots.enabled)"
        return result
    schedule_problem = validate_snapshots(tenant)
    if schedule_problem and mode == "scheduled":
        result.blocked = f"spec.snapshots.schedule: {schedule_problem[0]['message']}"
        return result
    new: SnapshotSet | None = None
    if due:
        wanted = data_claims(tenant, as_dict(document.get("status")))
        result.blocked = _claims_problem(wanted, claims)
        identifier = set_id(now)
        if result.blocked is None and any(s.id == identifier for s in sets):
            result.blocked = f"set {identifier} exists already (one set per second)"
        if result.blocked is not None:
            return result
        result.set_id = identifier
        result.create = [
            snapshot_object(tenant, pool, claim, identifier, len(wanted), config.class_name) for pool, claim in wanted
        ]
        new = SnapshotSet(identifier, now, tuple(o["metadata"]["name"] for o in result.create), len(wanted), False, ())
    if config.enabled:
        pruned = retention([*sets, *([new] if new else [])], config.retain)
        result.pruned_sets = [s.id for s in pruned]
        result.delete = [name for s in pruned for name in s.names]
    return result


def next_due(document: Mapping[str, Any], snapshots: Iterable[Mapping[str, Any]]) -> datetime | None:
    """When the tenant's next scheduled set is due (for the operator's timer), None when never."""
    name = str(as_dict(document.get("metadata")).get("name") or "")
    return due_at(document, our_sets(name, snapshots))


def summary(result: Plan) -> list[str]:
    """The pass for a reader, one line per action."""
    lines = []
    if result.set_id:
        lines.append(f"{result.tenant}: set {result.set_id} taken ({len(result.create)} VolumeSnapshot(s))")
    lines += [f"{result.tenant}: set {identifier} pruned (retention)" for identifier in result.pruned_sets]
    if result.blocked:
        lines.append(f"{result.tenant}: no set taken: {result.blocked}")
    elif result.skipped:
        lines.append(f"{result.tenant}: {result.skipped}")
    elif not result.due and result.due_at is not None:
        lines.append(f"{result.tenant}: no set due before {result.due_at.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    return lines


def events(result: Plan) -> list[EventSpec]:
    """The tenant's events for what a pass did (or could not do)."""
    found: list[EventSpec] = []
    if result.set_id:
        found.append(
            {
                "type": "Normal",
                "reason": "SnapshotSetTaken",
                "message": f"set {result.set_id}: {len(result.create)} VolumeSnapshot(s) created",
            }
        )
    if result.pruned_sets:
        found.append(
            {
                "type": "Normal",
                "reason": "SnapshotSetPruned",
                "message": f"retention deleted set(s) {', '.join(result.pruned_sets)}",
            }
        )
    if result.blocked:
        found.append({"type": "Warning", "reason": "SnapshotFailed", "message": f"no set taken: {result.blocked}"})
    return found
