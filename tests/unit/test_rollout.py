"""One pool at a time: which pool replaces its pods now, which are held by a partition."""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.rollout import (
    partition,
    plan_rollout,
    template_changes,
)


def desired(name: str, image: str = "rustfs:2", replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "rustfs", "image": image}]}},
        },
    }


def live(
    name: str, image: str = "rustfs:1", replicas: int = 2, held: int = 0, rolling: bool = False
) -> dict[str, Any]:
    sts = desired(name, image, replicas)
    sts["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"
    if held:
        sts["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": held}}
    revision = "r2" if rolling or held else "r1"
    sts["metadata"]["generation"] = 3
    sts["status"] = {
        "observedGeneration": 3,
        "replicas": replicas,
        "readyReplicas": replicas,
        "updatedReplicas": replicas if not (rolling or held) else 0,
        "currentReplicas": replicas,
        "currentRevision": "r1",
        "updateRevision": revision,
    }
    return sts


def names_held(result: Any) -> list[str]:
    return [s["metadata"]["name"] for s in result.statefulsets if partition(s) > 0]


def test_a_template_change_rolls_the_first_pool_and_holds_the_others():
    result = plan_rollout([desired("a"), desired("b"), desired("c")], [live("a"), live("b"), live("c")])
    assert (result.rolling, result.held, result.pending) == ("a", ["b", "c"], True)
    assert names_held(result) == ["b", "c"]
    held = result.statefulsets[1]["spec"]["updateStrategy"]
    assert held == {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    # Every pool gets the new template now: the plan stays declarative.
    assert all(s["spec"]["template"]["spec"]["containers"][0]["image"] == "rustfs:2" for s in result.statefulsets)


def test_a_pool_still_rolling_keeps_its_turn():
    result = plan_rollout([desired("a"), desired("b")], [live("a", held=2), live("b", "rustfs:2", rolling=True)])
    assert (result.rolling, result.held) == ("b", ["a"])


def test_the_next_held_pool_is_released_once_the_rolling_one_is_complete():
    result = plan_rollout(
        [desired("a"), desired("b"), desired("c")],
        [live("a", "rustfs:2"), live("b", "rustfs:2", held=2), live("c", "rustfs:2", held=2)],
    )
    assert (result.rolling, result.held) == ("b", ["c"])
    assert names_held(result) == ["c"]
    assert "updateStrategy" not in result.statefulsets[1]["spec"]  # released: the partition is dropped


def test_nothing_to_roll_holds_nothing():
    same = [live("a", "rustfs:2"), live("b", "rustfs:2")]
    result = plan_rollout([desired("a"), desired("b")], same)
    assert (result.rolling, result.held, result.pending) == (None, [], False)
    assert result.statefulsets == [desired("a"), desired("b")]


def test_a_new_pool_is_created_without_hold_while_an_existing_one_rolls():
    result = plan_rollout([desired("a"), desired("new")], [live("a")])
    assert (result.rolling, result.held) == ("a", [])
    assert names_held(result) == []


def test_template_changes_ignore_server_defaults():
    assert not template_changes(desired("a", "rustfs:1"), live("a", "rustfs:1"))
    assert template_changes(desired("a", "rustfs:2"), live("a", "rustfs:1"))


def test_the_input_is_not_modified():
    wanted = [desired("a"), desired("b")]
    before = copy.deepcopy(wanted)
    plan_rollout(wanted, [live("a"), live("b")])
    assert wanted == before
