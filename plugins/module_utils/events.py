# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Which Kubernetes Events a reconcile should emit.

`kubectl describe tenant` is where users look first; an event per action and
per refusal tells them what happened, while emitting only on changes (a new
outcome, a new refusal) keeps a steady tenant from flooding the event store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import CLEANUP_REMOVED
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict, as_list


class EventSpec(TypedDict):
    type: str
    reason: str
    message: str


# Outcomes that need someone to look (the others are steps of a normal reconcile); a canceled
# decommission too, as the RustFS operator reports it (the tenant waits for the user).
WARNING_OUTCOMES = frozenset({"PoolDegraded", "RolloutStalled", "PoolDecommissionFailed", "PoolDecommissionCanceled"})
# What a pool lifecycle step (pool_lifecycle.carry_out()) is reported as.
_LIFECYCLE_EVENTS = {
    "decommission-started": (
        "PoolDecommissionStarted",
        "asked RustFS to decommission pool {pool}: its data moves to the other pools",
    ),
    "decommission-canceled": ("PoolDecommissionCancelRequested", "asked RustFS to stop decommissioning pool {pool}"),
}


def planned_events(
    previous_status: Mapping[str, Any],
    status: Mapping[str, Any],
    problems: Sequence[Mapping[str, Any]],
    applied: Sequence[Mapping[str, Any]],
) -> list[EventSpec]:
    events: list[EventSpec] = []
    for item in applied:
        if item.get("kind") == "Pool" and item.get("action") in _LIFECYCLE_EVENTS:
            reason, message = _LIFECYCLE_EVENTS[str(item["action"])]
            events.append({"type": "Normal", "reason": reason, "message": message.format(pool=item["name"])})
            continue
        if item.get("kind") != "StatefulSet":
            continue
        if item.get("action") == "deleted":
            # The StatefulSet of a decommissioned pool (pool_lifecycle.carry_out()), named as the RustFS
            # operator names it: whether the pool is still in spec.pools or already left it.
            pool = item.get("pool") or item["name"]
            removed = item.get("cleanup") == CLEANUP_REMOVED
            events.append(
                {
                    "type": "Normal",
                    "reason": "PoolRemoved" if removed else "PoolDecommissionCleanupStarted",
                    "message": f"deleting StatefulSet {item['name']} of decommissioned pool {pool}"
                    + (", which was removed from spec.pools" if removed else "")
                    + "; its PVCs are kept",
                }
            )
        elif item.get("action") == "created":
            events.append(
                {"type": "Normal", "reason": "StatefulSetCreated", "message": f"created StatefulSet {item['name']}"}
            )
        elif item.get("action") == "updated":
            events.append(
                {
                    "type": "Normal",
                    "reason": "StatefulSetUpdateStarted",
                    "message": f"updating StatefulSet {item['name']}",
                }
            )
    old = {as_dict(x).get("type"): as_dict(x) for x in as_list(previous_status.get("conditions"))}
    new = {as_dict(x).get("type"): as_dict(x) for x in as_list(status.get("conditions"))}
    if problems:
        # Each refusal is reported once: a run that finds exactly the problems the status
        # already shows (same Ready reason and message) adds no event, so a blocked tenant
        # reconciled again and again does not flood the event store.
        before, after = old.get("Ready", {}), new.get("Ready", {})
        if (before.get("reason"), before.get("message")) == (after.get("reason"), after.get("message")):
            return events
        # Warning even while cert-manager is still issuing (CertManagerCertificateNotReady), as the
        # RustFS operator reports it: alerts on Warning events work the same with either operator.
        # Each refusal is an event named after its reason, as the RustFS operator records one for
        # every condition reason it sets; a refusal with an event of its own (`event`: a refused
        # StatefulSet update is also StatefulSetUpdateBlocked there) gets that one too.
        for problem in problems:
            message = f"{problem['field']}: {problem['message']}"
            reasons = [str(problem["reason"])]
            if problem.get("event") and str(problem["event"]) not in reasons:
                reasons.append(str(problem["event"]))
            events += [{"type": "Warning", "reason": reason, "message": message} for reason in reasons]
        return events
    for condition in as_list(status.get("conditions")):
        before = old.get(condition["type"], {})
        if condition["type"] != "Ready":
            continue
        if before.get("status") != condition["status"] or before.get("reason") != condition["reason"]:
            warning = condition["status"] != "True" and condition["reason"] in WARNING_OUTCOMES
            kind = "Warning" if warning else "Normal"
            events.append(
                {
                    "type": kind,
                    "reason": condition["reason"],
                    "message": condition.get("message") or condition["reason"],
                }
            )
    return events


def event_object(tenant: Mapping[str, Any], event: EventSpec, now: str) -> JSON:
    metadata = as_dict(tenant.get("metadata"))
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": f"{metadata.get('name')}.", "namespace": metadata.get("namespace")},
        "involvedObject": {
            "apiVersion": c.TENANT_API_VERSION,
            "kind": c.TENANT_KIND,
            "name": metadata.get("name"),
            "namespace": metadata.get("namespace"),
            "uid": metadata.get("uid"),
            "resourceVersion": metadata.get("resourceVersion"),
        },
        "type": event["type"],
        "reason": event["reason"],
        "message": event["message"][:1024],
        "source": {"component": c.MANAGED_BY},
        "reportingComponent": c.MANAGED_BY,
        "reportingInstance": c.MANAGED_BY,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }
