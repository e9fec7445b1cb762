# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One pool at a time: which pools may roll their pods now, and which wait.

An erasure-coded pool survives losing a few servers; several pools restarting
servers at once multiply the risk for data that spans them. So a template
change is applied to every pool at once (the plan stays declarative), but
only one pool's pods are replaced at a time: the others are held with a
StatefulSet partition equal to their replicas (no pod is updated) and are
released, in spec order, on a later pass once the rolling pool is complete.
A new pool has no pods to replace and is never held.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import covers
from ansible_collections.rustfs.operator.plugins.module_utils.status import pool_state


@dataclass
class Rollout:
    statefulsets: list[JSON] = field(default_factory=list)
    rolling: str | None = None  # the StatefulSet whose pods are being replaced, if any
    held: list[str] = field(default_factory=list)  # StatefulSets waiting for their turn

    @property
    def pending(self) -> bool:
        """Whether another pass is needed once the rolling pool completes."""
        return bool(self.held)


def partition(statefulset: Mapping[str, Any]) -> int:
    strategy = as_dict(as_dict(statefulset.get("spec")).get("updateStrategy"))
    return int(as_dict(strategy.get("rollingUpdate")).get("partition") or 0)


def template_changes(desired: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    return not covers(as_dict(live.get("spec")).get("template"), as_dict(desired.get("spec")).get("template"))


def held(statefulset: Mapping[str, Any]) -> JSON:
    """STATEFULSET with every pod kept on its current revision."""
    body = copy.deepcopy(dict(statefulset))
    spec = body["spec"]
    spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": int(spec["replicas"])}}
    return body


def plan_rollout(desired: Sequence[Mapping[str, Any]], live: Sequence[Mapping[str, Any]]) -> Rollout:
    """DESIRED StatefulSets (spec order) as they may be applied now, given the LIVE ones."""
    by_name = {str(s["metadata"]["name"]): s for s in live}
    waiting: list[str] = []  # existing pools with pods to replace, in spec order
    rolling: str | None = None
    for sts in desired:
        name = str(sts["metadata"]["name"])
        current = by_name.get(name)
        if current is None:
            continue
        changes = template_changes(sts, current) or partition(current) > 0
        if partition(current) == 0 and pool_state(current) == "Updating":
            rolling = rolling or name  # released earlier and not done: it keeps its turn
        elif changes:
            waiting.append(name)
    if rolling is None and waiting:
        rolling = waiting.pop(0)
    else:
        waiting = [n for n in waiting if n != rolling]
    result = Rollout(rolling=rolling, held=waiting)
    for sts in desired:
        name = str(sts["metadata"]["name"])
        result.statefulsets.append(held(sts) if name in waiting else copy.deepcopy(dict(sts)))
    return result
