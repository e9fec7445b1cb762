# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Writing a Tenant's status and events: the only place either is written.

The status is patched only when it moved, and events are those the engine
plans (one per action and per refusal, a refusal only once), so a steady or
a blocked tenant reconciled again costs no write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError
from ansible_collections.rustfs.operator.plugins.module_utils.events import event_object, planned_events
from ansible_collections.rustfs.operator.plugins.module_utils.model import as_dict, as_list, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import merge_patch, tenant_status

# Status fields other writers own, carried over unchanged by every status write: the operator's record
# of runs (lastRun), and the snapshot pass's summary of the tenant's sets (snapshots.py).
KEPT_STATUS = ("lastRun", "snapshots")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_lifecycle(previous: Mapping[str, Any], lifecycle: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """PREVIOUS with each pool's lifecycle fields replaced by LIFECYCLE's (pools it adds are appended)."""
    updates = {str(item["name"]): dict(item) for item in lifecycle}
    pools = []
    for item in as_list(previous.get("pools")):
        entry = dict(as_dict(item))
        update = updates.pop(str(entry.get("name")), None)
        if update is not None:
            entry.pop("decommission", None)
            entry.update(update)
        pools.append(entry)
    pools += list(updates.values())
    return {**previous, "pools": pools}


def write_status(
    client: Any,
    tenant: Mapping[str, Any],
    statefulsets: Sequence[Mapping[str, Any]],
    problems: Sequence[Mapping[str, Any]],
    applied: Sequence[Mapping[str, Any]],
    extra: Mapping[str, Any],
    certificates: Mapping[str, Any] | None,
    check_mode: bool,
    lifecycle: Sequence[Mapping[str, Any]] | None = None,
    provisioning: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Compute TENANT's status from the given state; patch it and record events unless CHECK_MODE.

    LIFECYCLE: this pass's `lifecycleState`/`decommission` of each pool (pool_lifecycle.py), which
    replace what the status held; tenant_status() keeps them from there on. PROVISIONING: this
    run's `status.provisioning` (provisioning_run.py), when the phase ran.
    """
    name, namespace = str(tenant["metadata"]["name"]), str(tenant["metadata"]["namespace"])
    previous: dict[str, Any] = dict(tenant.get("status") or {})
    timestamp = now()
    # Problems may carry more than a FieldError's keys (the event reason of a refusal): keep them.
    errors = cast(list[FieldError], [dict(p) for p in problems])
    basis = with_lifecycle(previous, lifecycle) if lifecycle else previous
    status = tenant_status(
        parse_tenant(dict(tenant)), list(statefulsets), errors, basis, timestamp, certificates, provisioning
    )
    status.update({key: previous[key] for key in KEPT_STATUS if key in previous})
    status.update(extra)
    events = planned_events(previous, status, problems, applied)
    changed = status != previous
    if not check_mode:
        if changed:
            body = dict(status)
            for key in ("certificates", "provisioning"):
                if key in previous or key in status:
                    # A merge patch keeps keys it does not mention: drop the ones that went away.
                    body[key] = merge_patch(previous.get(key), status.get(key))
            client.patch(
                client.resource(c.TENANT_KIND, c.TENANT_API_VERSION).status,
                {"metadata": {"name": name}, "status": body},
                name=name,
                namespace=namespace,
                content_type="application/merge-patch+json",
            )
        event_resource = client.resource("Event", "v1")
        for event in events:
            client.create(event_resource, event_object(tenant, event, timestamp), namespace=namespace)
    return {"changed": changed, "status": status, "events": events, "previous": previous}
