# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The Tenant status of spec 10, computed from what the cluster reports.

Playbook mode and operator mode write the same status, so a user can switch
modes (or operators) and read the tenant the same way. Timestamps move only
when something changed, so an unchanged tenant needs no status write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.naming import statefulset_name
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
    "CertificateKeyMismatch",
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
    item["lastUpdateTime"] = (
        previous["lastUpdateTime"] if previous.get("state") == state and previous.get("lastUpdateTime") else now
    )
    return item


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
    tenant: Tenant, problems: Sequence[FieldError], pools: Sequence[JSON], lost: Sequence[str] = ()
) -> tuple[list[JSON], bool]:
    """`lost` names pools that were fully ready and lost pods since: degraded, not starting up."""
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
    elif states & {"Updating", "NotCreated"}:
        updating = ", ".join(p["name"] for p in pools if p["state"] in ("Updating", "NotCreated"))
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
    else:
        result["Ready"] = _condition("Ready", "True", SUCCESS, f"{ready}/{total} pods ready")
        result["Reconciling"] = _condition("Reconciling", "False", SUCCESS, "")
        result["Degraded"] = _condition("Degraded", "False", SUCCESS, "")
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
            reason = "TlsConfigured" if kind == "TlsReady" else SUCCESS
            result[kind] = _condition(kind, "True", reason, "")
    return [result[kind] for kind in applicable], bool(fixable)


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
) -> JSON:
    """`problems` are user-fixable (validation errors, bad Secrets, refusals) or transient (TRANSIENT_REASONS).

    `certificates`: the `status.certificates.tls` the tls role observed in this run, if it ran.
    """
    previous = previous or {}
    by_pool = {str(as_dict(as_dict(s.get("metadata")).get("labels")).get("rustfs.pool")): s for s in live_statefulsets}
    previous_pools = {str(as_dict(p).get("name")): as_dict(p) for p in as_list(previous.get("pools"))}
    pools = [
        pool_status(tenant, p.name, by_pool.get(p.name), previous_pools.get(p.name, {}), now) for p in tenant.pools
    ]
    # A pool that had completed its rollout (or was already reported degraded) and now has
    # fewer ready pods than desired lost servers; a pool still starting up has not.
    was_degraded = as_dict(
        next((c for c in as_list(previous.get("conditions")) if as_dict(c).get("type") == "Ready"), {})
    ).get("reason") == "PoolDegraded"
    lost = [
        p["name"]
        for p in pools
        if p["state"] == "Degraded"
        and (previous_pools.get(p["name"], {}).get("state") == "RolloutComplete" or was_degraded)
    ]
    conditions, user_fixable = _conditions(tenant, problems, pools, lost)
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
        "pools": pools,
        "conditions": conditions,
    }
    if tenant.generation is not None:
        status["observedGeneration"] = tenant.generation
    tls_status = certificates_status(tenant, problems, previous, certificates, now)
    if tls_status is not None:
        status["certificates"] = tls_status
    return status
