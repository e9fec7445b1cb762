# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The Tenant status of spec 10, computed from what the cluster reports.

Playbook mode and operator mode write the same status, so a user can switch
modes (or operators) and read the tenant the same way. Timestamps move only
when something changed, so an unchanged tenant needs no status write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.constants import LABEL_POOL, LABEL_TENANT
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import (
    Signal,
    decommissioned_pools,
    lifecycle_signal,
)
from ansible_collections.rustfs.operator.plugins.module_utils.disruption import max_unavailable
from ansible_collections.rustfs.operator.plugins.module_utils.erasure import PoolLayout, TenantLayout, tenant_layout
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.naming import statefulset_name
from ansible_collections.rustfs.operator.plugins.module_utils.provisioning import condition_of
from ansible_collections.rustfs.operator.plugins.module_utils.tls import base_status

CONDITION_ORDER = (
    "Ready",
    "Reconciling",
    "Degraded",
    "SpecValid",
    "CredentialsReady",
    "RpcAuthReady",
    "KmsReady",
    "TlsReady",
    "PoolsReady",
    "WorkloadsReady",
    "ProvisioningReady",
)
SUCCESS = "ReconcileSucceeded"
# Which condition owns a user-fixable reason; anything unlisted belongs to SpecValid.
OWNING_CONDITION = {
    "CredentialSecretNotFound": "CredentialsReady",
    "CredentialSecretMissingKey": "CredentialsReady",
    "CredentialSecretInvalidEncoding": "CredentialsReady",
    "CredentialSecretTooShort": "CredentialsReady",
    "RpcSecretNotFound": "RpcAuthReady",
    "RpcSecretInvalidReference": "RpcAuthReady",
    "RpcSecretMissingKey": "RpcAuthReady",
    "RpcSecretInvalidEncoding": "RpcAuthReady",
    "RpcSecretInvalidValue": "RpcAuthReady",
    "KmsConfigInvalid": "KmsReady",
    "KmsSecretNotFound": "KmsReady",
    "KmsSecretMissingKey": "KmsReady",
    "StatefulSetUpdateValidationFailed": "WorkloadsReady",
    # The API server refused a rendered StatefulSet (reconcile_steps.ObjectRejected), as the RustFS operator reports it.
    "StatefulSetApplyFailed": "WorkloadsReady",
    # The image cannot run under the pods' seccomp profile: the workloads' condition, as in the RustFS operator.
    "WorkloadSecurityIncompatible": "WorkloadsReady",
    # A larger storage request on a StorageClass without allowVolumeExpansion (safety.py).
    "VolumeExpansionNotSupported": "WorkloadsReady",
    # Configuration checks against the cluster (checks.py): the pools cannot run as specified.
    "StorageClassNotFound": "PoolsReady",
    "InsufficientNodes": "PoolsReady",
    "ResourcesExceedNodeCapacity": "PoolsReady",
    "PriorityClassNotFound": "PoolsReady",
    "ResourceQuotaExceeded": "PoolsReady",
    "ResourceQuotaRequiresResources": "PoolsReady",
    "LimitRangeExceeded": "PoolsReady",
    # A decommission request that cannot be carried out (decommission.py).
    "PoolDecommissionFailed": "PoolsReady",
}
# spec 9.1, plus the certificate checks of certificates.py and the generated-Secret conflict (ours).
TLS_REASONS = (
    "CertificateInvalid",
    "TlsHotReloadUnsupported",
    "CertificateSecretNotFound",
    "CertificateSecretPending",
    "CertificateSecretInvalidType",
    "CertificateSecretMissingKey",
    "CertificateSanMismatch",
    "CaBundleMissing",
    "CaBundleInvalid",
    "CertManagerCrdMissing",
    "CertManagerIssuerNotFound",
    "CertManagerCertificateNotReady",
    "CertManagerCertificateApplyFailed",
    "CertificateExpired",
    "CertificateNotYetValid",
    "CertificateKeyPairMismatch",
    "CertificateWeakKey",
    "CertificateUnsupportedKey",
    "CertificateWeakSignature",
    "CertificateNotSignedByCa",
    "CertificateSecretConflict",
)
OWNING_CONDITION.update(dict.fromkeys(TLS_REASONS, "TlsReady"))
# Reasons that mean "not yet" (cert-manager is still issuing), not "fix your spec": the tenant keeps
# reconciling (Reconciling True) instead of being blocked.
TRANSIENT_REASONS = frozenset({"CertificateSecretPending", "CertManagerCertificateNotReady"})
# Reasons that stop the run like a refusal (nothing more is applied) but that the RustFS operator reports
# as a degradation, not a user-fixable block: Degraded True and currentState Degraded, not Blocked.
DEGRADED_REASONS = frozenset({"StatefulSetApplyFailed"})

# A pool whose rollout makes no progress for this long makes the tenant Degraded (RolloutStalled).
ANNOTATION_ROLLOUT_DEADLINE = "operator.rustfs.com/rollout-deadline-seconds"
DEFAULT_ROLLOUT_DEADLINE = 600
REASON_ROLLOUT_STALLED = "RolloutStalled"
# With spec.policies/users/buckets, ProvisioningReady follows status.provisioning (provisioning.py).
PROVISIONING_FIELDS = ("policies", "users", "buckets")
_SECONDS = re.compile(r"^[0-9]{1,10}$", re.ASCII)


def rollout_deadline_errors(tenant: Tenant) -> list[FieldError]:
    """The annotation, when set, must be a whole number of seconds greater than 0."""
    value = tenant.annotations.get(ANNOTATION_ROLLOUT_DEADLINE)
    if value is None or (_SECONDS.match(value.strip()) and int(value) > 0):
        return []
    return [
        field_error(
            f"metadata.annotations[{ANNOTATION_ROLLOUT_DEADLINE}]",
            f"must be a whole number of seconds greater than 0 (the default is {DEFAULT_ROLLOUT_DEADLINE}), "
            'for example "1800"',
            "InvalidSpec",
        )
    ]


def rollout_deadline(tenant: Tenant) -> int:
    """Seconds a pool's rollout may go without progress; the default when the annotation is unset or invalid."""
    if rollout_deadline_errors(tenant) or ANNOTATION_ROLLOUT_DEADLINE not in tenant.annotations:
        return DEFAULT_ROLLOUT_DEADLINE
    return int(tenant.annotations[ANNOTATION_ROLLOUT_DEADLINE])


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time of the status (`2025-01-01T00:00:00Z`); None when it is not one."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _duration(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m"
    if minutes:
        return f"{minutes}m{secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def held(statefulset: Mapping[str, Any] | None) -> bool:
    """Whether a StatefulSet partition keeps the pool's pods on their revision (rollout.py: waiting for its turn)."""
    strategy = as_dict(as_dict(as_dict(statefulset).get("spec")).get("updateStrategy"))
    partition = as_dict(strategy.get("rollingUpdate")).get("partition")
    return isinstance(partition, int) and partition > 0


# What moves while a rollout makes progress: a pool whose item keeps these has not moved.
_PROGRESS = (
    "held",
    "replicas",
    "readyReplicas",
    "currentReplicas",
    "updatedReplicas",
    "currentRevision",
    "updateRevision",
)


def pool_state(statefulset: Mapping[str, Any] | None) -> str:
    if not statefulset:
        return "NotCreated"
    spec, status = as_dict(statefulset.get("spec")), as_dict(statefulset.get("status"))
    desired = int(spec.get("replicas") or 0)
    if not status or desired == 0:
        return "NotCreated"
    generation = as_dict(statefulset.get("metadata")).get("generation")
    ready, updated = int(status.get("readyReplicas") or 0), int(status.get("updatedReplicas") or 0)
    current = int(status.get("currentReplicas") or 0)
    if (
        (generation is not None and status.get("observedGeneration", 0) < generation)
        or status.get("currentRevision") != status.get("updateRevision")
        or updated < desired
        or current < desired
    ):
        return "Updating"
    if ready == updated == desired:
        return "RolloutComplete"
    if ready < desired:
        return "Degraded"
    return "Initialized"


def pool_status(
    tenant: Tenant, pool_name: str, statefulset: Mapping[str, Any] | None, previous: Mapping[str, Any], now: str
) -> JSON:
    status = as_dict((statefulset or {}).get("status"))
    state = pool_state(statefulset)
    item: JSON = {
        "name": pool_name,
        "ssName": statefulset_name(tenant.name, pool_name),
        "state": state,
        "workloadState": state,
        "lifecycleState": previous.get("lifecycleState") or "Active",
        "replicas": int(status.get("replicas") or 0),
        "readyReplicas": int(status.get("readyReplicas") or 0),
        "currentReplicas": int(status.get("currentReplicas") or 0),
        "updatedReplicas": int(status.get("updatedReplicas") or 0),
    }
    for key in ("currentRevision", "updateRevision"):
        if status.get(key):
            item[key] = status[key]
    if previous.get("decommission"):
        item["decommission"] = previous["decommission"]
    if held(statefulset):
        item["held"] = True
    # The time of the last change of state; for a pool Updating, also of the last progress (or of
    # its release from a hold), which is what the rollout deadline measures from.
    unchanged = previous.get("state") == state and (
        state != "Updating" or all(previous.get(key) == item.get(key) for key in _PROGRESS)
    )
    item["lastUpdateTime"] = previous["lastUpdateTime"] if unchanged and previous.get("lastUpdateTime") else now
    return item


def _stall(item: Mapping[str, Any], now: datetime | None) -> float | None:
    """Seconds since the pool last made rollout progress, when it is Updating, not held, and has a time."""
    started = parse_time(item.get("lastUpdateTime"))
    if item.get("state") != "Updating" or item.get("held") or started is None or now is None:
        return None
    return (now - started).total_seconds()


def stalled_rollouts(tenant: Tenant, pools: Sequence[Mapping[str, Any]], now: str) -> list[str]:
    """One sentence per pool whose rollout has made no progress for longer than the tenant's deadline."""
    deadline = rollout_deadline(tenant)
    messages = []
    for item in pools:
        elapsed = _stall(item, parse_time(now))
        if elapsed is None or elapsed < deadline:
            continue
        replicas = item.get("replicas") or 0
        selector = f"{LABEL_TENANT}={tenant.name},{LABEL_POOL}={item['name']}"
        messages.append(
            f"pool {item['name']} (StatefulSet {item['ssName']}) made no rollout progress for {_duration(elapsed)} "
            f"(deadline {deadline}s, annotation {ANNOTATION_ROLLOUT_DEADLINE}): {item.get('updatedReplicas')}/"
            f"{replicas} pods updated, {item.get('readyReplicas')}/{replicas} ready. Check its pods: kubectl -n "
            f"{tenant.namespace} get pods -l {selector}; a Pending pod: kubectl -n {tenant.namespace} describe pod "
            "<pod> (events: no node fits, an unbound claim); a crashing or unready one: kubectl logs <pod>"
        )
    return messages


def stall_recheck_seconds(tenant: Tenant, status: Mapping[str, Any], now: str) -> float | None:
    """Seconds until a pool of STATUS (a tenant_status() result) reaches its rollout deadline.

    For a caller that recomputes the status only on events (the operator): nothing happens when a
    rollout stalls, so it should check again then. None when no rollout is being timed.
    """
    deadline = rollout_deadline(tenant)
    left = [
        deadline - elapsed
        for item in as_list(status.get("pools"))
        if (elapsed := _stall(as_dict(item), parse_time(now))) is not None and elapsed < deadline
    ]
    return min(left) if left else None


def _condition(kind: str, status: str, reason: str, message: str) -> JSON:
    return {"type": kind, "status": status, "reason": reason, "message": message}


def current_state(conditions: Sequence[Mapping[str, Any]], user_fixable: bool) -> str:
    by_type = {c["type"]: c for c in conditions}

    def is_(kind: str, value: str) -> bool:
        return as_dict(by_type.get(kind)).get("status") == value

    if is_("Ready", "True") and not is_("Degraded", "True") and not is_("Reconciling", "True"):
        return "Ready"
    if user_fixable:
        return "Blocked"
    if is_("Reconciling", "True"):
        return "Reconciling"
    if is_("Degraded", "True"):
        return "Degraded"
    if is_("Ready", "False"):
        return "NotReady"
    return "Unknown"


def _conditions(
    tenant: Tenant,
    problems: Sequence[FieldError],
    pools: Sequence[JSON],
    lost: Sequence[str] = (),
    stalled: Sequence[str] = (),
    lifecycle: Signal | None = None,
    provisioning: Mapping[str, Any] | None = None,
) -> tuple[list[JSON], bool]:
    """`lost` names pools that were fully ready and lost pods since: degraded, not starting up.

    `stalled` describes the rollouts past their deadline (stalled_rollouts()); `lifecycle` what the
    pools' decommission lifecycle says (decommission.lifecycle_signal()), reported on its condition
    (PoolsReady for a decommission that stopped, WorkloadsReady for one in progress).

    Returns the conditions and whether the tenant is blocked (user-fixable problems, a stopped
    decommission); DEGRADED_REASONS stop the run too but make it Degraded, not Blocked.
    """
    applicable = [
        kind
        for kind in CONDITION_ORDER
        if not (kind == "RpcAuthReady" and not tenant.spec.get("rpcSecret"))
        and not (kind == "TlsReady" and not tenant.tls_enabled)
    ]
    owned: dict[str, list[FieldError]] = {}
    for problem in problems:
        owned.setdefault(OWNING_CONDITION.get(problem["reason"], "SpecValid"), []).append(problem)
    total = sum(int(p["replicas"]) for p in pools)
    ready = sum(int(p["readyReplicas"]) for p in pools)
    states = {p["state"] for p in pools}
    result: dict[str, JSON] = {}
    fixable = [p for p in problems if p["reason"] not in TRANSIENT_REASONS]
    if problems:
        first = fixable[0] if fixable else problems[0]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        result["Ready"] = _condition("Ready", "False", first["reason"], summary)
        if fixable:
            result["Reconciling"] = _condition(
                "Reconciling", "False", first["reason"], "waiting for the spec to be fixed"
            )
            result["Degraded"] = _condition("Degraded", "True", first["reason"], summary)
        else:
            result["Reconciling"] = _condition("Reconciling", "True", first["reason"], summary)
            result["Degraded"] = _condition("Degraded", "False", SUCCESS, "")
    elif lifecycle is not None and lifecycle.blocked:
        # A decommission that failed or was canceled waits for the user (spec 10: blocked).
        for kind, value in (("Ready", "False"), ("Reconciling", "False"), ("Degraded", "True")):
            result[kind] = _condition(kind, value, lifecycle.reason, lifecycle.message)
    elif stalled:
        # A failed rollout (spec 10, "StatefulSet apply failed"): not user-fixable by a spec rule, so Degraded.
        message = "; ".join(stalled)
        for kind, value in (("Ready", "False"), ("Reconciling", "False"), ("Degraded", "True")):
            result[kind] = _condition(kind, value, REASON_ROLLOUT_STALLED, message)
        result["WorkloadsReady"] = _condition("WorkloadsReady", "False", REASON_ROLLOUT_STALLED, message)
    elif states & {"Updating", "NotCreated"}:
        rolling = [p["name"] for p in pools if p["state"] in ("Updating", "NotCreated") and not p.get("held")]
        waiting = [p["name"] for p in pools if p["state"] in ("Updating", "NotCreated") and p.get("held")]
        updating = ", ".join(rolling or waiting)
        if rolling and waiting:
            updating += f" (waiting for their turn: {', '.join(waiting)})"
        result["Ready"] = _condition("Ready", "False", "RolloutInProgress", f"rolling out pools: {updating}")
        result["Reconciling"] = _condition("Reconciling", "True", "RolloutInProgress", f"rolling out pools: {updating}")
        result["Degraded"] = _condition("Degraded", "False", SUCCESS, "")
        result["WorkloadsReady"] = _condition("WorkloadsReady", "False", "RolloutInProgress", f"rolling out {updating}")
    elif lost:
        message = "; ".join(
            f"pool {p['name']}: {p['readyReplicas']}/{p['replicas']} pods ready" for p in pools if p["name"] in lost
        )
        result["Ready"] = _condition("Ready", "False", "PoolDegraded", message)
        result["Reconciling"] = _condition("Reconciling", "False", "PoolDegraded", message)
        result["Degraded"] = _condition("Degraded", "True", "PoolDegraded", message)
        result["PoolsReady"] = _condition("PoolsReady", "False", "PoolDegraded", message)
    elif ready < total or states - {"RolloutComplete"}:
        message = f"{ready}/{total} pods ready"
        result["Ready"] = _condition("Ready", "False", "PodsNotReady", message)
        result["Reconciling"] = _condition("Reconciling", "True", "PodsNotReady", message)
        result["Degraded"] = _condition("Degraded", "False", SUCCESS, "")
        result["WorkloadsReady"] = _condition("WorkloadsReady", "False", "PodsNotReady", message)
    elif lifecycle is not None:
        # Draining, or a drained pool being cleaned up: progress, polled by the caller (spec 10: reconciling),
        # on WorkloadsReady as the RustFS operator reports it; PoolsReady stays True.
        result["Ready"] = _condition("Ready", "False", lifecycle.reason, lifecycle.message)
        result["Reconciling"] = _condition("Reconciling", "True", lifecycle.reason, lifecycle.message)
        result["Degraded"] = _condition("Degraded", "False", SUCCESS, "")
        result[lifecycle.condition] = _condition(lifecycle.condition, "False", lifecycle.reason, lifecycle.message)
    else:
        result["Ready"] = _condition("Ready", "True", SUCCESS, f"{ready}/{total} pods ready")
        result["Reconciling"] = _condition("Reconciling", "False", SUCCESS, "")
        result["Degraded"] = _condition("Degraded", "False", SUCCESS, "")
    provisioning_failed = False
    if any(tenant.spec.get(name) for name in PROVISIONING_FIELDS) and not problems:
        provisioning_failed = _provisioning_condition(result, provisioning)
    if lifecycle is not None and lifecycle.blocked and not problems and lifecycle.condition not in result:
        # A decommission that failed or was canceled (PoolsReady), whatever else the outcome says.
        result[lifecycle.condition] = _condition(lifecycle.condition, "False", lifecycle.reason, lifecycle.message)
    for kind in applicable:
        if kind in result:
            continue
        if kind in owned:
            result[kind] = _condition(
                kind, "False", owned[kind][0]["reason"], "; ".join(f"{p['field']}: {p['message']}" for p in owned[kind])
            )
        elif problems and kind in ("PoolsReady", "WorkloadsReady", "ProvisioningReady"):
            # Nothing was applied: these report what they last knew, not success.
            result[kind] = _condition(kind, "Unknown", "ReconcileBlocked", "not evaluated while the tenant is blocked")
        else:
            # The RustFS operator's reasons for these two (issue 14: tools written for it must work here).
            reason = {"TlsReady": "TlsConfigured", "ProvisioningReady": "ProvisioningConfigured"}.get(kind, SUCCESS)
            result[kind] = _condition(kind, "True", reason, "")
    blocking = [p for p in fixable if p["reason"] not in DEGRADED_REASONS]
    blocked = bool(blocking) or bool(lifecycle and lifecycle.blocked) or provisioning_failed
    return [result[kind] for kind in applicable], blocked


def _provisioning_condition(result: dict[str, JSON], block: Mapping[str, Any] | None) -> bool:
    """ProvisioningReady from `status.provisioning` (provisioning.condition_of()); whether it failed.

    A failed item blocks a tenant that is otherwise Ready (the spec or RustFS must change); a pending
    one keeps it reconciling. Nothing provisioned says True: only what was verified in RustFS does.
    """
    status, reason, message = condition_of(block or {})
    result["ProvisioningReady"] = _condition("ProvisioningReady", status, reason, message)
    if as_dict(result.get("Ready")).get("status") == "True" and status != "True":
        failed = status == "False"
        result["Ready"] = _condition("Ready", "False", reason, message)
        result["Reconciling"] = _condition("Reconciling", str(not failed), reason, message)
        result["Degraded"] = _condition(
            "Degraded", str(failed), reason if failed else SUCCESS, message if failed else ""
        )
    return status == "False"


def certificates_status(
    tenant: Tenant,
    problems: Sequence[FieldError],
    previous: Mapping[str, Any],
    observed: Mapping[str, Any] | None,
    now: str,
) -> JSON | None:
    """`status.certificates` (only with TLS): what this run observed (the tls role), else what was known.

    TLS problems of this run make it not ready with the first reason; `lastValidatedTime` moves only
    when the certificates (their hash) changed, so an unchanged tenant needs no status write.
    """
    if not tenant.tls_enabled:
        return None
    before = as_dict(as_dict(previous.get("certificates")).get("tls"))
    current = dict(observed) if observed else (dict(before) if before else base_status(tenant))
    owned = [p for p in problems if OWNING_CONDITION.get(p["reason"]) == "TlsReady"]
    if owned:
        current["ready"] = False
        current["lastErrorReason"] = owned[0]["reason"]
        current["lastErrorMessage"] = "; ".join(p["message"] for p in owned)[:1024]
    elif observed:
        current.pop("lastErrorReason", None)
        current.pop("lastErrorMessage", None)
    if current.get("ready"):
        unchanged = before.get("ready") and before.get("observedHash") == current.get("observedHash")
        current["lastValidatedTime"] = (
            before["lastValidatedTime"] if unchanged and before.get("lastValidatedTime") else now
        )
    return {"tls": current}


# The pool-level numbers of the published layout (erasure.py's camelCase names), for accepted layouts.
_LAYOUT_NUMBERS = (
    "setDriveCount",
    "setCount",
    "parity",
    "parityOnOlderReleases",
    "dataShards",
    "readQuorum",
    "writeQuorum",
    "drivesPerServerPerSet",
    "driveLossTolerated",
    "driveLossToleratedForReads",
    "serverLossTolerated",
    "serverLossToleratedForReads",
)
_CAPACITY = ("claimSize", "rawCapacity", "usableCapacity")


def _layout_of(tenant: Tenant) -> TenantLayout | None:
    """The erasure layout, or None for a spec that cannot have one (its validation problems say why).

    The status is written for invalid Tenants too, so this must not raise on what validation refuses.
    """
    if not tenant.pools or any(p.servers <= 0 or p.persistence.volumes_per_server <= 0 for p in tenant.pools):
        return None
    try:
        return tenant_layout(tenant)
    except (ArithmeticError, LookupError, TypeError, ValueError):
        return None


def pool_erasure(layout: PoolLayout, warnings: Sequence[FieldError]) -> JSON:
    """`status.pools[].erasure`: what RustFS makes of the pool's drives, and what it survives.

    `maxUnavailable` is the pool's PodDisruptionBudget; `warnings` are the layout warnings of this
    pool (for example ErasureLayoutNoServerTolerance when it cannot lose a server and stay writable).
    Unknown values (a claim size that is not a quantity, the numbers of a refused layout) are left out.
    """
    full = layout.to_dict()
    item: JSON = {"valid": layout.valid, "drives": layout.drives}
    if layout.valid:
        item.update({key: full[key] for key in _LAYOUT_NUMBERS if full[key] is not None})
        item["maxUnavailable"] = max_unavailable(layout)
    else:
        item["refusal"] = layout.refusal
    item.update({key: full[key] for key in _CAPACITY if full[key] is not None})
    if warnings:
        item["warnings"] = [{"reason": w["reason"], "message": w["message"]} for w in warnings]
    return item


def erasure_status(tenant: Tenant) -> tuple[JSON | None, list[JSON | None]]:
    """(`status.erasure`, one `status.pools[].erasure` per pool) from the spec alone; None when unknown.

    The tenant level holds the totals (an object lives in one pool, so the tenant survives what its
    weakest pool survives) and the warnings that belong to no single pool (`spec.env`); each pool's
    own warnings are in its item.
    """
    layout = _layout_of(tenant)
    if layout is None:
        return None, [None] * len(tenant.pools)
    pool_warnings: dict[int, list[FieldError]] = {}
    other: list[FieldError] = []
    fields = {f"spec.pools[{index}]": index for index in range(len(layout.pools))}
    for warning in layout.warnings:
        if warning["field"] in fields:
            pool_warnings.setdefault(fields[warning["field"]], []).append(warning)
        else:
            other.append(warning)
    totals = layout.totals()
    summary: JSON = {
        key: totals[key]
        for key in (
            "valid",
            "drives",
            "sets",
            "rawCapacity",
            "usableCapacity",
            "driveLossTolerated",
            "serverLossTolerated",
        )
        if totals[key] is not None
    }
    if other:
        summary["warnings"] = [dict(w) for w in other]
    pools: list[JSON | None] = [
        pool_erasure(pool, pool_warnings.get(index, [])) for index, pool in enumerate(layout.pools)
    ]
    return summary, pools


def merge_patch(old: Any, new: Any) -> Any:
    """The RFC 7386 merge patch that turns `old` into `new`: keys `new` lacks are set to null."""
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return new
    patch = {key: merge_patch(old.get(key), value) for key, value in new.items()}
    patch.update({key: None for key in old if key not in new})
    return patch


def tenant_status(
    tenant: Tenant,
    live_statefulsets: Sequence[Mapping[str, Any]],
    problems: Sequence[FieldError],
    previous: Mapping[str, Any] | None,
    now: str,
    certificates: Mapping[str, Any] | None = None,
    provisioning: Mapping[str, Any] | None = None,
) -> JSON:
    """`problems` are user-fixable (validation errors, bad Secrets, refusals) or transient (TRANSIENT_REASONS).

    `certificates`: the `status.certificates.tls` the tls role observed in this run, if it ran.
    `provisioning`: the `status.provisioning` this run's provisioning phase wrote; else the stored one stays.
    """
    previous = previous or {}
    provisioned = dict(provisioning) if provisioning is not None else as_dict(previous.get("provisioning"))
    by_pool = {str(as_dict(as_dict(s.get("metadata")).get("labels")).get("rustfs.pool")): s for s in live_statefulsets}
    previous_pools = {str(as_dict(p).get("name")): as_dict(p) for p in as_list(previous.get("pools"))}
    # Decommissioned pools keep their item (it is what lets them leave the spec) but no longer count:
    # they run nothing and hold no data, so readiness and the erasure layout are the other pools'.
    gone = decommissioned_pools(previous)
    everything = tenant
    tenant = replace(tenant, pools=tuple(p for p in tenant.pools if p.name not in gone))
    pools = [
        pool_status(tenant, p.name, by_pool.get(p.name), previous_pools.get(p.name, {}), now) for p in tenant.pools
    ]
    retired = [
        {**previous_pools[name], "name": name, "ssName": statefulset_name(tenant.name, name)}
        for name in [p.name for p in everything.pools if p.name in gone]
        + sorted(n for n in gone if n not in {p.name for p in everything.pools})
    ]
    # A pool that had completed its rollout (or was already reported degraded) and now has
    # fewer ready pods than desired lost servers; a pool still starting up has not.
    was_degraded = (
        as_dict(next((c for c in as_list(previous.get("conditions")) if as_dict(c).get("type") == "Ready"), {})).get(
            "reason"
        )
        == "PoolDegraded"
    )
    lost = [
        p["name"]
        for p in pools
        if p["state"] == "Degraded"
        and (previous_pools.get(p["name"], {}).get("state") == "RolloutComplete" or was_degraded)
    ]
    conditions, user_fixable = _conditions(
        tenant,
        problems,
        pools,
        lost,
        stalled_rollouts(tenant, pools, now),
        lifecycle_signal(pools + retired),
        provisioned,
    )
    erasure, pool_layouts = erasure_status(tenant)
    for item, pool_layout in zip(pools, pool_layouts, strict=True):
        if pool_layout is not None:
            item["erasure"] = pool_layout
    previous_conditions = {as_dict(c).get("type"): as_dict(c) for c in as_list(previous.get("conditions"))}
    for condition in conditions:
        old = previous_conditions.get(condition["type"], {})
        condition["lastTransitionTime"] = (
            old["lastTransitionTime"]
            if old.get("status") == condition["status"] and old.get("lastTransitionTime")
            else now
        )
        if tenant.generation is not None:
            condition["observedGeneration"] = tenant.generation
    status: JSON = {
        "currentState": current_state(conditions, user_fixable),
        "availableReplicas": sum(int(p["readyReplicas"]) for p in pools),
        "pools": pools + retired,
        "conditions": conditions,
    }
    if tenant.generation is not None:
        status["observedGeneration"] = tenant.generation
    if erasure is not None:
        status["erasure"] = erasure
    if provisioned:
        status["provisioning"] = provisioned
    tls_status = certificates_status(tenant, problems, previous, certificates, now)
    if tls_status is not None:
        status["certificates"] = tls_status
    return status
