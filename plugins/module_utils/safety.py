# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Refusal of changes that would lose data or that Kubernetes cannot make (spec 8).

RustFS spreads every object over all servers and disks of a pool, so a pool's
shape (servers, disks, claim templates) is fixed for its life. The API server
would reject some of these changes half-way through a run; others (a removed
pool) it would happily carry out and lose data. Everything is checked against
the live StatefulSets before anything is written, and each refusal says what to
restore and how to grow instead.

One change of a claim template is allowed: a larger storage request on a
StorageClass that allows volume expansion (issue 7). The claims are patched
to the new size and the StatefulSet, whose claim templates the API server
keeps immutable, is recreated around its running pods (plan.py says which).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity

GROW_HINT = "To add capacity, add a new pool instead."
REASON_UPDATE_BLOCKED = "StatefulSetUpdateValidationFailed"
REASON_EXPANSION_NOT_SUPPORTED = "VolumeExpansionNotSupported"


class Refusal(TypedDict):
    field: str
    message: str
    reason: str
    condition: str
    event: str


def _refusal(field: str, message: str, reason: str, condition: str, event: str) -> Refusal:
    return {"field": field, "message": message, "reason": reason, "condition": condition, "event": event}


def _update_blocked(field: str, message: str, reason: str = REASON_UPDATE_BLOCKED) -> Refusal:
    return _refusal(field, f"{message} {GROW_HINT}", reason, "WorkloadsReady", "StatefulSetUpdateBlocked")


def _templates(statefulset: Mapping[str, Any]) -> dict[str, JSON]:
    return {
        str(as_dict(t.get("metadata")).get("name")): as_dict(t.get("spec"))
        for t in as_list(as_dict(statefulset.get("spec")).get("volumeClaimTemplates"))
    }


def _storage(spec: Mapping[str, Any]) -> Any:
    return as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")


def _size_change(new: Any, old: Any) -> int | None:
    """0 same size, 1 larger, -1 smaller; None when either is not a quantity and they differ."""
    try:
        a, b = parse_quantity(new), parse_quantity(old)
    except ValueError:
        return 0 if new == old else None
    return (a > b) - (a < b)


def claim_class(spec: Mapping[str, Any]) -> str | None:
    """A claim template's storageClassName: None when unset (the cluster default applies), "" for none."""
    name = spec.get("storageClassName")
    return None if name is None else str(name)


def _expansion_refusal(
    field: str, pool_name: str, name: str, old: Any, new: Any, class_name: str | None, facts: ClusterFacts | None
) -> Refusal | None:
    """None when the claims of template NAME may grow from OLD to NEW on this cluster, else why not."""
    allowed = None if facts is None else facts.allows_expansion(class_name)
    if allowed:
        return None
    growth = f"pool {pool_name} claims {old} per volume ({name}) and the spec asks for {new}"
    restore = f"set the size back to {old}."
    if allowed is False:
        what = "no StorageClass (pre-bound volumes)" if class_name == "" else f"StorageClass {class_name}"
        if class_name is None and facts is not None:
            what = f"the default StorageClass {facts.default_storage_class()}"
        return _update_blocked(
            field,
            f"{growth}, but {what} does not allow volume expansion (allowVolumeExpansion is not true): "
            f"the claims cannot grow; {restore}",
            REASON_EXPANSION_NOT_SUPPORTED,
        )
    if facts is None or facts.storage_classes is None:
        unknown = "the StorageClasses could not be read (grant list on storage.k8s.io storageclasses)"
    elif class_name is None:
        unknown = "the cluster has no default StorageClass"
    else:
        unknown = f"StorageClass {class_name} does not exist"
    return _update_blocked(
        field,
        f"{growth}; claims grow only on a StorageClass that allows volume expansion, and {unknown}, so that "
        f"cannot be checked; {restore}",
    )


def compare_statefulset(
    index: int,
    pool_name: str,
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    facts: ClusterFacts | None = None,
) -> list[Refusal]:
    """Only the fields Kubernetes or RustFS cannot change in place are compared.

    A larger storage request is accepted when FACTS say the claims' StorageClass allows volume
    expansion (expansions() lists what to patch); without FACTS it is refused as unverifiable.
    """
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
        size_field = f"{template_field}.storageSize" if logs else f"{template_field}.resources.requests.storage"
        change = _size_change(_storage(spec), _storage(old))
        if change == 1 and spec.get("storageClassName") == old.get("storageClassName"):
            refusal = _expansion_refusal(
                size_field, pool_name, name, _storage(old), _storage(spec), claim_class(spec), facts
            )
            if refusal is not None:
                refusals.append(refusal)
        elif change != 0:
            refusals.append(
                _update_blocked(
                    size_field,
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


def _live_by_pool(live_statefulsets: list[JSON]) -> dict[str, JSON]:
    return {str(as_dict(as_dict(s.get("metadata")).get("labels")).get(c.LABEL_POOL)): s for s in live_statefulsets}


class ClaimGrowth(TypedDict):
    template: str  # the claim template (vol-<i> or logs)
    size: str  # the new storage request, as the spec writes it


class Expansion(TypedDict):
    pool: str
    statefulset: str
    claims: list[ClaimGrowth]


def expansions(tenant: Tenant, desired_statefulsets: list[JSON], live_statefulsets: list[JSON]) -> list[Expansion]:
    """The pools whose claim templates ask for more storage than the live StatefulSet, in spec order.

    Only meaningful when check_changes() refused nothing: it is what decides that each growth is
    allowed. Every claim made from a growing template is patched to the new size, and the
    StatefulSet is recreated (claim templates are immutable) with its pods and claims kept.
    """
    live_by_pool = _live_by_pool(live_statefulsets)
    found: list[Expansion] = []
    for index, pool in enumerate(tenant.pools):
        live = live_by_pool.get(pool.name)
        if live is None:
            continue
        desired = desired_statefulsets[index]
        existing = _templates(live)
        claims: list[ClaimGrowth] = [
            {"template": name, "size": str(_storage(spec))}
            for name, spec in _templates(desired).items()
            if name in existing and _size_change(_storage(spec), _storage(existing[name])) == 1
        ]
        if claims:
            name = str(as_dict(desired.get("metadata")).get("name"))
            found.append({"pool": pool.name, "statefulset": name, "claims": claims})
    return found


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
    facts: ClusterFacts | None = None,
) -> list[Refusal]:
    """Compare the rendered StatefulSets with the live ones of the tenant (matched by the pool label).

    FACTS (the cluster's StorageClasses) decide whether a larger storage request may be applied.
    """
    live_by_pool = _live_by_pool(live_statefulsets)
    desired_by_pool = {pool.name: (index, desired_statefulsets[index]) for index, pool in enumerate(tenant.pools)}
    refusals: list[Refusal] = []
    for pool_name, (index, desired) in desired_by_pool.items():
        if pool_name in live_by_pool:
            refusals += compare_statefulset(index, pool_name, desired, live_by_pool[pool_name], facts)
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
