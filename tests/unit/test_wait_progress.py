"""A wait for pools (wait=true) reports each pending pool's ready pods every 10 s (issue 16 item 6).

The API is a function returning prepared StatefulSets and the clock is settable: pure logic.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import reconcile_steps
from ansible_collections.rustfs.operator.plugins.module_utils.wait_progress import WAIT_PROGRESS


def statefulset(name: str, ready: int, replicas: int = 2) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "generation": 1},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": ready,
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
            "currentRevision": "r1",
            "updateRevision": "r1",
        },
    }


class Cluster:
    """pool-0 gains a ready pod every 10 s of the fake clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def list_labelled(self, *_: Any) -> list[dict[str, Any]]:
        return [statefulset("t-pool-0", min(2, int(self.now // 10))), statefulset("t-pool-1", 2)]

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Cluster:
    fake = Cluster()
    monkeypatch.setattr(reconcile_steps, "list_labelled", fake.list_labelled)
    return fake


def wait(cluster: Cluster, timeout: float = 300) -> tuple[list[dict[str, Any]], list[str]]:
    return reconcile_steps.wait_for_pools(
        None, "ns", "t", ["t-pool-0", "t-pool-1"], timeout, sleep=cluster.sleep, clock=lambda: cluster.now
    )


def test_a_wait_reports_the_pending_pools_every_ten_seconds(cluster: Cluster) -> None:
    lines: list[str] = []
    token = WAIT_PROGRESS.set(lines.append)
    try:
        _, pending = wait(cluster)
    finally:
        WAIT_PROGRESS.reset(token)
    assert pending == []
    assert lines == ["tenant ns/t: waiting for t-pool-0 1/2 ready (10 s of 300 s)"]


def test_a_long_wait_keeps_reporting_until_its_timeout(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[str] = []
    stuck = [statefulset("t-pool-0", 0), statefulset("t-pool-1", 2)]
    monkeypatch.setattr(reconcile_steps, "list_labelled", lambda *_: stuck)
    token = WAIT_PROGRESS.set(lines.append)
    try:
        _, pending = wait(cluster, timeout=45)
    finally:
        WAIT_PROGRESS.reset(token)
    assert pending == ["t-pool-0"]
    assert [line.split("(")[1] for line in lines] == [
        "10 s of 45 s)",
        "20 s of 45 s)",
        "30 s of 45 s)",
        "40 s of 45 s)",
    ]


def test_without_a_display_the_wait_is_silent(cluster: Cluster) -> None:
    _, pending = wait(cluster)  # nothing to report to (a module process): no error
    assert pending == []


def test_a_pool_not_created_yet_is_named_as_such() -> None:
    line = reconcile_steps.wait_progress_line("ns/t", ["t-a", "t-b"], {"t-a": statefulset("t-a", 1, 4)}, 12.4, 300)
    assert line == "tenant ns/t: waiting for t-a 1/4 ready, t-b not created yet (12 s of 300 s)"
