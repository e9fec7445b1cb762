"""Snapshot sets (module_utils/snapshots.py): when one is due, what it is, and which sets retention deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import snapshots
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant

NOW = datetime(2026, 12, 6, 6, 30, 0, tzinfo=UTC)


def tenant(snapshot_spec: dict[str, Any] | None = None, created: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "pools": [
            {"name": "a", "servers": 2, "persistence": {"volumesPerServer": 2}},
            {"name": "b", "servers": 1, "persistence": {"volumesPerServer": 1}},
        ]
    }
    if snapshot_spec is not None:
        spec["snapshots"] = snapshot_spec
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "ns", "creationTimestamp": created},
        "spec": spec,
    }


CLAIMS = ["vol-0-t-a-0", "vol-1-t-a-0", "vol-0-t-a-1", "vol-1-t-a-1", "vol-0-t-b-0"]


def claims(phase: str = "Bound", names: list[str] = CLAIMS) -> list[dict[str, Any]]:
    return [{"metadata": {"name": n, "namespace": "ns"}, "status": {"phase": phase}} for n in names]


def taken(identifier: str, ready: bool | None = True, names: list[str] = CLAIMS) -> list[dict[str, Any]]:
    """The live VolumeSnapshots of a set the collection took at IDENTIFIER."""
    document = tenant({"enabled": True})
    parsed = snapshots.parse_tenant(document)
    found = []
    for name in names:
        pool = name.split("-")[3]
        obj = snapshots.snapshot_object(parsed, pool, name, identifier, len(names), None)
        if ready is not None:
            obj["status"] = {"readyToUse": ready}
        found.append(obj)
    return found


def test_a_set_is_one_snapshot_per_data_claim_of_every_pool_with_our_labels_and_no_owner() -> None:
    result = snapshots.plan(tenant({"enabled": True}), claims(), [], NOW, "now")
    assert result.set_id == "20261206-063000"
    assert [o["spec"]["source"]["persistentVolumeClaimName"] for o in result.create] == [
        "vol-0-t-a-0",
        "vol-1-t-a-0",
        "vol-0-t-a-1",
        "vol-1-t-a-1",
        "vol-0-t-b-0",
    ]
    first = result.create[0]
    assert first["apiVersion"] == "snapshot.storage.k8s.io/v1" and first["kind"] == "VolumeSnapshot"
    assert first["metadata"]["name"] == "vol-0-t-a-0-20261206-063000"
    assert first["metadata"]["namespace"] == "ns"
    assert first["metadata"]["labels"] == {
        "app.kubernetes.io/name": "rustfs",
        "app.kubernetes.io/instance": "t",
        "app.kubernetes.io/managed-by": "rustfs-operator",
        "app.kubernetes.io/component": "snapshot",
        "rustfs.tenant": "t",
        "rustfs.pool": "a",
        "operator.rustfs.com/snapshot-set": "20261206-063000",
    }
    assert "ownerReferences" not in first["metadata"]  # a backup outlives the tenant
    assert "volumeSnapshotClassName" not in first["spec"]
    with_class = snapshots.plan(tenant({"enabled": True, "volumeSnapshotClassName": "csi"}), claims(), [], NOW, "now")
    assert with_class.create[0]["spec"]["volumeSnapshotClassName"] == "csi"


def test_log_claims_and_decommissioned_pools_are_not_snapshotted() -> None:
    document = tenant({"enabled": True})
    document["spec"]["logging"] = {"mode": "persistent"}
    document["status"] = {"pools": [{"name": "b", "lifecycleState": "Decommissioned"}]}
    result = snapshots.plan(document, claims(), [], NOW, "now")
    assert [o["metadata"]["labels"]["rustfs.pool"] for o in result.create] == ["a"] * 4


def test_no_set_is_taken_unless_every_data_claim_is_bound() -> None:
    pending = snapshots.plan(tenant({"enabled": True}), claims("Pending"), [], NOW, "now")
    assert not pending.create and pending.blocked is not None and "not Bound: vol-0-t-a-0" in pending.blocked
    missing = snapshots.plan(tenant({"enabled": True}), claims(names=CLAIMS[:4]), [], NOW, "now")
    assert not missing.create and missing.blocked is not None and "missing: vol-0-t-b-0" in missing.blocked


@pytest.mark.parametrize(
    ("spec", "created", "sets", "due_at"),
    [
        # No set yet: the first scheduled time after the Tenant was created.
        ({"enabled": True, "schedule": "0 2 * * *"}, "2026-12-06T05:00:00Z", [], "2026-12-07T02:00:00"),
        ({"enabled": True, "schedule": "0 2 * * *"}, "2026-01-01T00:00:00Z", [], "2026-01-01T02:00:00"),
        # The next time after the newest set.
        (
            {"enabled": True, "schedule": "0 2 * * *"},
            "2026-01-01T00:00:00Z",
            ["20261206-020007"],
            "2026-12-07T02:00:00",
        ),
        # Default @daily.
        ({"enabled": True}, "2026-01-01T00:00:00Z", ["20261206-000000"], "2026-12-07T00:00:00"),
        # Intervals count from the newest set.
        (
            {"enabled": True, "schedule": "@every 4h"},
            "2026-01-01T00:00:00Z",
            ["20261206-030000"],
            "2026-12-06T07:00:00",
        ),
    ],
)
def test_due_time(spec: dict[str, Any], created: str, sets: list[str], due_at: str) -> None:
    live = [s for identifier in sets for s in taken(identifier)]
    when = snapshots.next_due(tenant(spec, created), live)
    assert when == datetime.fromisoformat(due_at).replace(tzinfo=UTC)


def test_scheduled_mode_takes_a_set_only_when_due_and_one_for_many_missed_times() -> None:
    document = tenant({"enabled": True, "schedule": "@hourly"})
    live = taken("20261206-060000")
    not_due = snapshots.plan(document, claims(), live, NOW, "scheduled")
    assert not not_due.due and not not_due.changed and not_due.due_at == NOW.replace(hour=7, minute=0)
    at_time = snapshots.plan(document, claims(), live, NOW.replace(hour=7, minute=0), "scheduled")
    assert at_time.due and len(at_time.create) == 5
    days_later = snapshots.plan(document, claims(), live, NOW + timedelta(days=3), "scheduled")
    assert days_later.due and len({o["metadata"]["labels"][snapshots.LABEL_SET] for o in days_later.create}) == 1


def test_disabled_snapshots_take_nothing_on_schedule_and_prune_nothing_on_demand() -> None:
    live = [s for day in range(1, 10) for s in taken(f"202611{day:02d}-000000")]
    scheduled = snapshots.plan(tenant({"retain": 1}), claims(), live, NOW, "scheduled")
    assert not scheduled.changed and scheduled.skipped is not None and scheduled.due_at is None
    now = snapshots.plan(tenant({"retain": 1}), claims(), live, NOW, "now")
    assert len(now.create) == 5 and now.delete == []


def test_retention_keeps_the_newest_sets_and_deletes_only_ours() -> None:
    ours = [s for day in range(1, 6) for s in taken(f"202612{day:02d}-000000")]
    mine = {
        "apiVersion": "snapshot.storage.k8s.io/v1",
        "kind": "VolumeSnapshot",
        "metadata": {"name": "before-upgrade", "namespace": "ns", "labels": {"rustfs.tenant": "t"}},
        "spec": {"source": {"persistentVolumeClaimName": "vol-0-t-a-0"}},
        "status": {"readyToUse": True},
    }
    # Our labels copied onto a user's snapshot of another name: still not ours.
    copied = {
        **mine,
        "metadata": {"name": "copy", "labels": dict(ours[0]["metadata"]["labels"])},
    }
    other_tenant = taken("20261101-000000")
    for item in other_tenant:
        item["metadata"]["labels"]["rustfs.tenant"] = "other"
    live = [mine, copied, *other_tenant, *ours]
    document = tenant({"enabled": True, "retain": 2, "schedule": "@daily"})
    result = snapshots.plan(document, claims(), live, NOW, "scheduled")
    assert result.set_id == "20261206-063000"
    # The new set and the newest old one (ready) are kept.
    assert result.pruned_sets == ["20261201-000000", "20261202-000000", "20261203-000000", "20261204-000000"]
    assert sorted(result.delete) == sorted(f"{c}-{s}" for s in result.pruned_sets for c in CLAIMS)
    assert "before-upgrade" not in result.delete and "copy" not in result.delete
    assert [s.id for s in result.sets] == [f"202612{day:02d}-000000" for day in range(1, 6)]


def test_retention_never_deletes_the_newest_ready_set() -> None:
    ready = taken("20261201-000000", ready=True)
    failing = [s for day in (2, 3, 4) for s in taken(f"202612{day:02d}-000000", ready=False)]
    for item in failing:
        item["status"]["error"] = {"message": "no such class"}
    document = tenant({"enabled": True, "retain": 1})
    result = snapshots.plan(document, claims(), ready + failing, NOW, "now")
    # The new set (not ready yet) is the one kept by count; the only ready set stays too.
    assert result.pruned_sets == ["20261202-000000", "20261203-000000", "20261204-000000"]
    assert [s.failed for s in result.sets][1] == ("no such class",) * 5
    # A set with a member missing is not ready: the older complete one is protected.
    partial = taken("20261205-000000", ready=True)[1:]
    again = snapshots.plan(document, claims(), ready + partial, NOW, "now")
    assert again.pruned_sets == ["20261205-000000"]


def test_a_second_pass_in_the_same_second_takes_no_second_set() -> None:
    live = taken(snapshots.set_id(NOW))
    result = snapshots.plan(tenant({"enabled": True}), claims(), live, NOW, "now")
    assert not result.create and result.blocked is not None and "exists already" in result.blocked


def own(errors: list[Any]) -> list[Any]:
    """The errors about spec.snapshots (the fixture's second pool has its own erasure-layout refusal)."""
    return [e for e in errors if str(e["field"]).startswith("spec.snapshots")]


def test_an_invalid_schedule_is_refused_with_the_spec() -> None:
    errors = own(validate_tenant(tenant({"enabled": True, "schedule": "0 25 * * *"})))
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.snapshots.schedule", "InvalidSpec")]
    assert "outside 0-23" in errors[0]["message"]
    assert own(validate_tenant(tenant({"enabled": True, "schedule": "*/30 * * * *", "retain": 3}))) == []
    assert snapshots.next_due(tenant({"enabled": True, "schedule": "bad"}), []) is None
    blocked = snapshots.plan(tenant({"enabled": True, "schedule": "bad"}), claims(), [], NOW, "scheduled")
    assert blocked.blocked is not None and not blocked.changed


def test_schema_refuses_a_retain_of_zero() -> None:
    errors = own(validate_tenant(tenant({"enabled": True, "retain": 0})))
    assert [e["field"] for e in errors] == ["spec.snapshots.retain"]


def test_summary_names_what_was_done() -> None:
    ours = [s for day in range(1, 4) for s in taken(f"202612{day:02d}-000000")]
    result = snapshots.plan(tenant({"enabled": True, "retain": 2}), claims(), ours, NOW, "now")
    assert snapshots.summary(result) == [
        "ns/t: set 20261206-063000 taken (5 VolumeSnapshot(s))",
        "ns/t: set 20261201-000000 pruned (retention)",
        "ns/t: set 20261202-000000 pruned (retention)",
    ]
    assert result.status() == {"lastSet": "20261206-063000", "lastSetTime": "2026-12-06T06:30:00Z", "sets": 2}
    assert snapshots.plan(tenant({"enabled": False}), claims(), [], NOW, "scheduled").status() is None
    with pytest.raises(ValueError, match="mode must be"):
        snapshots.plan(tenant(), claims(), [], NOW, "sometimes")


class FakeClient:
    """The few calls of the dynamic client snapshot_run makes, recorded."""

    def __init__(self, stored: dict[str, Any], live: list[dict[str, Any]]) -> None:
        self.stored, self.live = stored, live
        self.calls: list[tuple[str, str, Any]] = []

    def resource(self, kind: str, api_version: str) -> str:
        return kind

    def get(self, resource: str, name: str | None = None, namespace: str | None = None, **_: Any) -> Any:
        if resource == "Tenant":
            return self.stored
        return {"items": claims() if resource == "PersistentVolumeClaim" else self.live}

    def create(self, resource: str, body: Any, namespace: str, **params: Any) -> Any:
        self.calls.append(("create", resource, params.get("dry_run")))
        return body

    def delete(self, resource: str, name: str, namespace: str, **params: Any) -> Any:
        self.calls.append(("delete", name, params.get("dry_run")))


def test_check_mode_sends_dry_runs_and_posts_no_event() -> None:
    from ansible_collections.rustfs.operator.plugins.module_utils.snapshot_run import execute

    old = [s for day in (1, 2) for s in taken(f"202612{day:02d}-000000")]
    fake = FakeClient(tenant({"enabled": True, "retain": 1}), old)
    result = execute(fake, {"name": "t", "namespace": "ns", "mode": "now"}, True, False)
    assert result["changed"] is True and len(result["created"]) == 5
    assert {(verb, dry) for verb, _, dry in fake.calls} == {("create", "All"), ("delete", "All")}
    assert not [c for c in fake.calls if c[1] == "Event"]
    # Without check mode the same pass writes for real and posts its events.
    real = FakeClient(tenant({"enabled": True, "retain": 1}), old)
    execute(real, {"name": "t", "namespace": "ns", "mode": "now"}, False, False)
    assert {dry for _, _, dry in real.calls} == {None}
    assert [c for c in real.calls if c[1] == "Event"] == [("create", "Event", None)] * 2  # taken, pruned
