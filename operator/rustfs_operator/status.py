"""The parts of a Tenant's status the operator computes itself.

The playbook writes the full status after every run. Between runs the
operator keeps it current without Ansible, computing it with the
collection's own engine (`module_utils.status`), so both writers produce the
same document: StatefulSet readiness reaches the status in milliseconds. The
operator also owns `status.lastRun` (a summary of the last playbook run) and
the `Reconciling` conditions it sets before a run and after a failed one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.events import EventSpec, planned_events
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import (
    CONDITION_ORDER,
    current_state,
    tenant_status,
)

# Status fields the engine's status never has: the operator's record of runs, and the snapshot
# sets' summary (written by the snapshot pass, kept by every status write).
OPERATOR_FIELDS = ("lastRun", "snapshots")
MAX_CHANGED_LISTED = 20


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def engine_view(status: Mapping[str, Any] | None) -> dict[str, Any]:
    """The status without operator-owned fields: what the engine would compare."""
    return {k: v for k, v in (status or {}).items() if k not in OPERATOR_FIELDS}


def computed(
    tenant: Mapping[str, Any],
    statefulsets: Sequence[Mapping[str, Any]],
    problems: Sequence[Mapping[str, Any]],
    default_image: str,
    timestamp: str,
) -> dict[str, Any]:
    """What the playbook's status module would write now, from state already in memory."""
    previous = engine_view(tenant.get("status"))
    parsed = parse_tenant(tenant, default_image=default_image)
    return tenant_status(parsed, statefulsets, list(problems), previous, timestamp)  # type: ignore[arg-type]


def refresh_events(
    previous: Mapping[str, Any] | None, status: Mapping[str, Any], problems: Sequence[Mapping[str, Any]]
) -> list[EventSpec]:
    return planned_events(previous or {}, status, problems, [])


def _condition(
    existing: Mapping[str, Any] | None,
    kind: str,
    status: str,
    reason: str,
    message: str,
    generation: int | None,
    timestamp: str,
) -> dict[str, Any]:
    moved = not existing or existing.get("status") != status or not existing.get("lastTransitionTime")
    condition: dict[str, Any] = {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": timestamp if moved else existing["lastTransitionTime"],  # type: ignore[index]
    }
    if generation is not None:
        condition["observedGeneration"] = generation
    return condition


def reconciling(
    status: Mapping[str, Any] | None,
    generation: int | None,
    timestamp: str,
    *,
    ready: str = "False",
    reason: str = "ReconcileStarted",
    message: str = "",
) -> dict[str, Any]:
    """Status fields for a reconcile in progress: a new generation, or a retry after a failure.

    Ready is False/ReconcileStarted for a new generation and Unknown with the
    failure's reason after a transient error; Reconciling is True and Degraded
    False either way (tenant API spec, section 10). Other conditions are kept.
    """
    old = {c.get("type"): c for c in (status or {}).get("conditions") or [] if isinstance(c, Mapping)}
    updated = dict(old)
    updated["Ready"] = _condition(old.get("Ready"), "Ready", ready, reason, message, generation, timestamp)
    updated["Reconciling"] = _condition(
        old.get("Reconciling"), "Reconciling", "True", reason, message, generation, timestamp
    )
    updated["Degraded"] = _condition(old.get("Degraded"), "Degraded", "False", reason, "", generation, timestamp)
    order = {kind: index for index, kind in enumerate(CONDITION_ORDER)}
    conditions = sorted(updated.values(), key=lambda c: order.get(str(c.get("type")), len(order)))
    fields: dict[str, Any] = {"conditions": conditions, "currentState": current_state(conditions, False)}
    if generation is not None:
        fields["observedGeneration"] = generation
    for required, default in (("availableReplicas", 0), ("pools", [])):
        if required not in (status or {}):
            fields[required] = default
    return fields


def last_run(
    *,
    result: str,
    generation: int | None,
    started: str,
    duration: float,
    changed: Sequence[Mapping[str, Any]],
    digest: str | None,
    children: str | None,
    message: str = "",
) -> dict[str, Any]:
    """The `status.lastRun` summary; its digests let a restarted operator skip unchanged tenants."""
    summary: dict[str, Any] = {
        "result": result,
        "startedAt": started,
        "durationSeconds": round(duration, 2),
        "changed": [f"{c.get('kind')}/{c.get('name')} {c.get('action')}" for c in changed][:MAX_CHANGED_LISTED],
    }
    if len(changed) > MAX_CHANGED_LISTED:
        summary["changedTotal"] = len(changed)
    if generation is not None:
        summary["generation"] = generation
    if message:
        summary["message"] = message[:500]
    if digest:
        summary["digest"] = digest
    if children:
        summary["childrenDigest"] = children
    return summary
