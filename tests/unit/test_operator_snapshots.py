"""The operator's snapshot sets (rustfs_operator/snapshots.py) with a fake API and a settable wall clock.

What matters: no request at all while snapshots are off or no set is due, one list to learn the due
time, a set taken when due, and a missing CRD reported once and retried an hour later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rustfs_operator.kubeapi import ApiError
from rustfs_operator.snapshots import RETRY, RETRY_UNAVAILABLE, Snapshotter

KEY = ("ns", "t")
SNAPSHOTS = "/apis/snapshot.storage.k8s.io/v1/namespaces/ns/volumesnapshots"
CLAIMS = "/api/v1/namespaces/ns/persistentvolumeclaims"


def tenant(enabled: bool = True, schedule: str = "0 2 * * *") -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "ns", "creationTimestamp": "2026-12-01T00:00:00Z", "uid": "u"},
        "spec": {
            "pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}],
            "snapshots": {"enabled": enabled, "schedule": schedule, "retain": 1},
        },
    }


class FakeApi:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.snapshots: list[dict[str, Any]] = []
        self.missing = False
        self.claims = [{"metadata": {"name": n}, "status": {"phase": "Bound"}} for n in ("vol-0-t-p-0", "vol-0-t-p-1")]

    async def request(self, method: str, path: str, *, body: Any = None, params: Any = None, **_: Any) -> Any:
        self.requests.append((method, path))
        if path.startswith(SNAPSHOTS) and self.missing:
            raise ApiError(404, "the server could not find the requested resource")
        if method == "GET":
            return {"items": list(self.snapshots if path == SNAPSHOTS else self.claims)}
        if method == "POST":
            self.snapshots.append(dict(body))
            return body
        raise AssertionError(f"unexpected {method} {path}")

    async def delete(self, path: str) -> Any:
        self.requests.append(("DELETE", path))
        name = path.rsplit("/", 1)[1]
        self.snapshots = [s for s in self.snapshots if s["metadata"]["name"] != name]


class FakeRecorder:
    def __init__(self) -> None:
        self.posted: list[tuple[str, str, str]] = []

    async def event(self, tenant: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        self.posted.append((type_, reason, message))

    async def events(self, tenant: Mapping[str, Any], events: list[Any]) -> None:
        self.posted += [(e["type"], e["reason"], e["message"]) for e in events]


class Clock:
    def __init__(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def make(at: str) -> tuple[Snapshotter, FakeApi, FakeRecorder, Clock]:
    api, recorder, clock = FakeApi(), FakeRecorder(), Clock(at)
    return Snapshotter(api, recorder, clock), api, recorder, clock  # type: ignore[arg-type]


def test_disabled_snapshots_cost_no_request() -> None:
    snapshotter, api, recorder, _ = make("2026-12-06T06:00:00")
    assert asyncio.run(snapshotter.check(KEY, tenant(enabled=False))) is None
    assert api.requests == [] and recorder.posted == []


def test_the_due_time_is_learned_once_and_a_set_taken_when_due() -> None:
    snapshotter, api, recorder, clock = make("2026-12-01T01:00:00")
    # The tenant was created at midnight: the first set is due at 02:00.
    assert asyncio.run(snapshotter.check(KEY, tenant())) == 3600
    assert api.requests == [("GET", SNAPSHOTS)]
    clock.now += 1800
    assert asyncio.run(snapshotter.check(KEY, tenant())) == 1800
    assert len(api.requests) == 1  # no request until it is due

    clock.now += 1800
    delay = asyncio.run(snapshotter.check(KEY, tenant()))
    assert delay == 24 * 3600  # the next set: tomorrow 02:00
    assert sorted(s["metadata"]["name"] for s in api.snapshots) == [
        "vol-0-t-p-0-20261201-020000",
        "vol-0-t-p-1-20261201-020000",
    ]
    assert [r for _, r, _ in recorder.posted] == ["SnapshotSetTaken"]

    # A day later the second set; retain 1 and no set ready: the first (not ready) goes.
    clock.now += 24 * 3600
    asyncio.run(snapshotter.check(KEY, tenant()))
    assert sorted(s["metadata"]["name"] for s in api.snapshots) == [
        "vol-0-t-p-0-20261202-020000",
        "vol-0-t-p-1-20261202-020000",
    ]
    assert [r for _, r, _ in recorder.posted][-2:] == ["SnapshotSetTaken", "SnapshotSetPruned"]


def test_a_changed_schedule_is_read_again() -> None:
    snapshotter, api, _, _ = make("2026-12-01T01:00:00")
    asyncio.run(snapshotter.check(KEY, tenant()))
    assert asyncio.run(snapshotter.check(KEY, tenant(schedule="30 1 * * *"))) == 1800
    assert api.requests == [("GET", SNAPSHOTS), ("GET", SNAPSHOTS)]


def test_missing_crds_are_reported_once_and_retried_an_hour_later() -> None:
    snapshotter, api, recorder, clock = make("2026-12-06T06:00:00")
    api.missing = True
    assert asyncio.run(snapshotter.check(KEY, tenant())) == RETRY_UNAVAILABLE
    assert recorder.posted == [("Warning", "SnapshotFailed", recorder.posted[0][2])]
    assert "not served by this cluster" in recorder.posted[0][2]
    clock.now += 60
    assert asyncio.run(snapshotter.check(KEY, tenant())) == RETRY_UNAVAILABLE - 60
    assert len(api.requests) == 1  # nothing tried before the retry time
    clock.now += RETRY_UNAVAILABLE
    asyncio.run(snapshotter.check(KEY, tenant()))
    assert len(api.requests) == 2 and len(recorder.posted) == 1  # the same warning is not posted again


def test_claims_not_bound_block_the_set_with_one_warning() -> None:
    snapshotter, api, recorder, clock = make("2026-12-06T06:00:00")
    api.claims[1]["status"]["phase"] = "Pending"
    assert asyncio.run(snapshotter.check(KEY, tenant())) == RETRY
    assert api.snapshots == [] and [r for _, r, _ in recorder.posted] == ["SnapshotFailed"]
    clock.now += RETRY
    asyncio.run(snapshotter.check(KEY, tenant()))
    assert len(recorder.posted) == 1
    api.claims[1]["status"]["phase"] = "Bound"
    clock.now += RETRY
    asyncio.run(snapshotter.check(KEY, tenant()))
    assert len(api.snapshots) == 2


def test_a_blocked_set_is_tried_again_at_the_next_scheduled_time_when_that_comes_before_the_retry() -> None:
    """A tenant created just before its first scheduled minute: its claims are still binding then."""
    snapshotter, api, _recorder, clock = make("2026-12-06T06:00:30")
    api.claims[1]["status"]["phase"] = "Pending"
    assert asyncio.run(snapshotter.check(KEY, tenant(schedule="* * * * *"))) == 30
    assert api.snapshots == []
    api.claims[1]["status"]["phase"] = "Bound"
    clock.now += 30
    asyncio.run(snapshotter.check(KEY, tenant(schedule="* * * * *")))
    assert len(api.snapshots) == 2
