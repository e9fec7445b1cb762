# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Refusal of changes that would lose data or that Kubernetes cannot make (spec 8).

RustFS spreads every object over all servers and disks of a pool, so a pool's
shape (servers, disks, claim templates) is fixed for its life. The API server
would reject some of these changes half-way through a run; others (a removed
pool) it would happily carry out and lose data. Everything is checked against
the live StatefulSets before anything is written, and each refusal says what to
restore and how to grow instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity

GROW_HINT = "To add capacity, add a new pool instead."


class Refusal(TypedDict):
    field: str
    message: str
    reason: str
    condition: str
    event: str


def _refusal(field: str, message: str, reason: str, condition: str, event: str) -> Refusal:
    return {"field": field, "message": message, "reason": reason, "condition": condition, "event": event}


def _update_blocked(field: str, message: str) -> Refusal:
    return _refusal(
        field,
        f"{message} {GROW_HINT}",
        "StatefulSetUpdateValidationFailed",
        "WorkloadsReady",
        "StatefulSetUpdateBlocked",
    )


def _templates(statefulset: Mapping[str, Any]) -> dict[str, JSON]:
    return {
        str(as_dict(t.get("metadata")).get("name")): as_dict(t.get("spec"))
        for t in as_list(as_dict(statefulset.get("spec")).get("volumeClaimTemplates"))
    }


def _storage(spec: Mapping[str, Any]) -> Any:
    return as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")


def _same_quantity(a: Any, b: Any) -> bool:
    try:
        return parse_quantity(a) == parse_quantity(b)
    except ValueError:
        return bool(a == b)


def compare_statefulset(
    index: int, pool_name: str, desired: Mapping[str, Any], live: Mapping[str, Any]
) -> list[Refusal]:
    """Only the fields Kubernetes or RustFS cannot change in place are compared."""
    field = f"spec.pools[{index}]"
    want, have = as_dict(desired.get("spec")), as_dict(live.get("spec"))
    refusals: list[Refusal] = []
    if want.get("replicas") != have.get("replicas"):
        refusals.append(
            _update_blocked(
                f"{field}.servers",
                f"pool {pool_name} runs {have.get('replicas')} servers and servers cannot change; "
                f"set servers back to {have.get('replicas')}.",
            )
        )
    for key, what in (("selector", "selector"), ("serviceName", "headless Service")):
        if have.get(key) is not None and want.get(key) != have.get(key):
            refusals.append(
                _update_blocked(
                    field,
                    f"StatefulSet of pool {pool_name} has a different {what} than this tenant renders; "
                    "it was not created for this tenant or was changed by hand.",
                )
            )
    wanted, existing = _templates(desired), _templates(live)
    if sorted(wanted) != sorted(existing):
        live_volumes = len([n for n in existing if n.startswith("vol-")])
        only_logs = sorted(set(wanted) ^ set(existing)) == [c.LOGS_VOLUME]
        refusals.append(
            _update_blocked(
                "spec.logging.mode" if only_logs else f"{field}.persistence.volumesPerServer",
                f"pool {pool_name} has the volume claim templates {', '.join(sorted(existing))} and they cannot change "
                f"(volumesPerServer was {live_volumes}; spec.logging.mode persistent adds 'logs'); restore them.",
            )
        )
        return refusals
    for name, spec in wanted.items():
        old = existing[name]
        # The logs claim is set through spec.logging (storageSize, storageClass; always ReadWriteOnce).
        logs = name == c.LOGS_VOLUME
        template_field = "spec.logging" if logs else f"{field}.persistence.volumeClaimTemplate"
        if not _same_quantity(_storage(spec), _storage(old)):
            refusals.append(
                _update_blocked(
                    f"{template_field}.storageSize" if logs else f"{template_field}.resources.requests.storage",
                    f"pool {pool_name} claims {_storage(old)} per volume ({name}); "
                    f"set the size back to {_storage(old)}.",
                )
            )
        if list(as_list(spec.get("accessModes"))) != list(as_list(old.get("accessModes"))):
            refusals.append(
                _update_blocked(
                    template_field if logs else f"{template_field}.accessModes",
                    f"pool {pool_name} volumes use access modes {as_list(old.get('accessModes'))}; restore them.",
                )
            )
        if spec.get("storageClassName") != old.get("storageClassName"):
            refusals.append(
                _update_blocked(
                    f"{template_field}.storageClass" if logs else f"{template_field}.storageClassName",
                    f"pool {pool_name} volumes use storage class {old.get('storageClassName') or '(cluster default)'}; "
                    "restore it.",
                )
            )
    return refusals


def _decommissioned(tenant_status: Mapping[str, Any], pool_name: str) -> bool:
    return any(
        as_dict(p).get("name") == pool_name and as_dict(p).get("lifecycleState") == "Decommissioned"
        for p in as_list(tenant_status.get("pools"))
    )


def check_changes(
    tenant: Tenant,
    desired_statefulsets: list[JSON],
    live_statefulsets: list[JSON],
    tenant_status: Mapping[str, Any] | None = None,
) -> list[Refusal]:
    """Compare the rendered StatefulSets with the live ones of the tenant (matched by the pool label)."""
    live_by_pool = {
        str(as_dict(as_dict(s.get("metadata")).get("labels")).get(c.LABEL_POOL)): s for s in live_statefulsets
    }
    desired_by_pool = {pool.name: (index, desired_statefulsets[index]) for index, pool in enumerate(tenant.pools)}
    refusals: list[Refusal] = []
    for pool_name, (index, desired) in desired_by_pool.items():
        if pool_name in live_by_pool:
            refusals += compare_statefulset(index, pool_name, desired, live_by_pool[pool_name])
    status = tenant_status or {}
    removed = sorted(p for p in live_by_pool if p not in desired_by_pool and not _decommissioned(status, p))
    added = sorted(p for p in desired_by_pool if p not in live_by_pool)
    if removed and added:
        refusals.append(
            _refusal(
                "spec.pools[].name",
                f"pool names are immutable: {', '.join(removed)} is gone and {', '.join(added)} is new in one change. "
                f"Restore the pool {', '.join(removed)}; add new pools under new names alongside it.",
                "ImmutableFieldModified",
                "SpecValid",
                "ImmutableFieldModified",
            )
        )
    elif removed:
        refusals.append(
            _refusal(
                "spec.pools",
                f"pool {', '.join(removed)} still has a StatefulSet and holds data; put it back in spec.pools. "
                f"A pool can leave the spec only after it is decommissioned (spec.poolLifecycle). {GROW_HINT}",
                "PoolDeleteBlocked",
                "SpecValid",
                "PoolDeleteBlocked",
            )
        )
    return refusals
