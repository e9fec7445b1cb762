"""The operator's view of the API server: readiness, gated events and one log line per outage.

No cluster: the probe is a function returning prepared answers, the clock is settable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from rustfs_operator.connectivity import ApiHealth, KopfRetryFilter
from rustfs_operator.http import Probes
from rustfs_operator.kubeapi import ApiError
from rustfs_operator.metrics import Metrics
from rustfs_operator.recorder import Recorder

TENANT = {
    "apiVersion": "rustfs.com/v1alpha1",
    "kind": "Tenant",
    "metadata": {"name": "t", "namespace": "ns", "uid": "u"},
}


def value(metric: Any) -> float:
    return float(metric._value.get())


def test_an_outage_is_counted_once_and_ends_when_the_api_answers() -> None:
    metrics, now = Metrics(), [10.0]
    health = ApiHealth(metrics, clock=lambda: now[0])
    assert health.reachable and value(metrics.api_reachable) == 1
    health.lost("first sign")
    now[0] = 11.0
    health.lost("second sign of the same outage")
    assert not health.reachable
    assert (health.outages, value(metrics.api_outages), value(metrics.api_reachable)) == (1, 1, 0)
    assert health.lost_since(5.0)
    health.answered()
    assert health.reachable and value(metrics.api_reachable) == 1
    assert health.lost_since(10.0) and not health.lost_since(10.5)  # lost at 10, not after 10.5


def test_the_probe_loop_follows_the_api_server() -> None:
    answers = [True, False, False, True]
    before_each_probe: list[bool] = []

    async def scenario() -> None:
        health = ApiHealth()

        async def probe() -> bool:
            before_each_probe.append(health.reachable)
            return answers.pop(0) if answers else True

        task = asyncio.create_task(health.watch(probe, interval=0.01, down_interval=0.01))
        while len(before_each_probe) < 6:
            await asyncio.sleep(0.01)
        task.cancel()
        assert health.outages == 1

    asyncio.run(scenario())
    assert before_each_probe[:6] == [True, True, False, False, True, True]


def test_a_sign_of_trouble_cuts_the_probe_pause_short() -> None:
    probes: list[bool] = []

    async def scenario() -> None:
        answer = [True]

        async def probe() -> bool:
            probes.append(answer[0])
            return answer[0]

        health = ApiHealth()
        task = asyncio.create_task(health.watch(probe, interval=60, down_interval=0.02))
        await asyncio.sleep(0.05)
        assert probes == [True]  # one probe, then a pause of 60 s
        answer[0] = False
        health.lost("a request got no answer")  # long before the pause is over: probed at once
        await asyncio.sleep(0.01)
        assert probes == [True, False] and not health.reachable
        answer[0] = True
        await asyncio.sleep(0.05)  # while down, probed every 20 ms
        assert health.reachable and probes == [True, False, True]
        task.cancel()

    asyncio.run(scenario())


def test_readiness_of_the_active_replica_needs_the_api_server() -> None:
    health = ApiHealth()
    probes = Probes()
    probes.role, probes.synced = "active", True
    probes.api_reachable = lambda: health.reachable
    assert probes.ready()
    health.lost("test")
    assert not probes.ready()
    health.answered()
    assert probes.ready()


def kopf_record(
    message: str, level: int = logging.ERROR, name: str = "kopf._cogs.clients.watching"
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_kopf_retry_errors_mark_an_outage_and_are_logged_once_per_outage() -> None:
    health = ApiHealth()
    quiet = KopfRetryFilter(health)
    retry = "Request attempt #1/9 failed; will retry: GET https://127.0.0.1:6443/apis -> ClientConnectorError()"
    assert quiet.filter(kopf_record(retry))  # the first is logged ...
    assert not health.reachable
    assert not quiet.filter(kopf_record(retry.replace("#1/9", "#2/9")))  # ... the rest of the outage are not
    assert quiet.filter(kopf_record("Handler failed", level=logging.ERROR))  # other Kopf errors pass
    assert quiet.filter(kopf_record(retry, name="rustfs_operator.app"))  # only Kopf's lines are judged
    health.answered()
    assert quiet.filter(kopf_record(retry))  # a new outage: logged again
    assert KopfRetryFilter(health, verbose=True).filter(kopf_record(retry))  # DEBUG keeps every line


class FakeApi:
    def __init__(self) -> None:
        self.created: list[str] = []

    async def create(self, path: str, body: Mapping[str, Any]) -> Any:
        if self.fail:
            raise ApiError(0, "ClientConnectorError: refused")
        self.created.append(body["reason"])
        return body

    fail = False


def test_events_are_dropped_and_counted_while_the_api_server_does_not_answer() -> None:
    api, metrics = FakeApi(), Metrics()
    health = ApiHealth(metrics)
    recorder = Recorder(api, metrics, health)  # type: ignore[arg-type]
    events = [{"type": "Warning", "reason": f"R{i}", "message": "m"} for i in range(10)]
    asyncio.run(recorder.events(TENANT, events[:1]))
    assert api.created == ["R0"]
    health.lost("test")
    asyncio.run(recorder.events(TENANT, events))
    assert api.created == ["R0"]
    assert value(metrics.events_dropped) == 10
    assert value(metrics.errors.labels("event")) == 0
    health.answered()
    api.fail = True  # one failure while the API still looks reachable: one error, as before
    asyncio.run(recorder.events(TENANT, events[:1]))
    assert value(metrics.errors.labels("event")) == 1
