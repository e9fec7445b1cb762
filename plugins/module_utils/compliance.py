# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The compliance report of a tenant (issue 17, item 6): pure judgements over facts read elsewhere.

The module rustfs.operator.report reads the Tenant, its namespace, its PodDisruptionBudgets and the
metadata of its credentials Secret (never its value), and hands them here. Every point is judged
from the engine's own answers (the rendered pod spec, the erasure layout, the status the reconcile
wrote); a point that cannot be judged says `unknown` and why, never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.erasure import REASON_UNVERIFIED, tenant_layout
from ansible_collections.rustfs.operator.plugins.module_utils.errors import TenantInvalidError
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import statefulset_name
from ansible_collections.rustfs.operator.plugins.module_utils.render import tenant_objects
from ansible_collections.rustfs.operator.plugins.module_utils.status import parse_time

UNKNOWN = "unknown"
LEVELS = ("privileged", "baseline", "restricted")  # from least to most restrictive
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
CREDENTIAL_CONDITIONS = ("CredentialsReady", "RpcAuthReady")
CREDENTIAL_ENV = ("RUSTFS_ACCESS_KEY", "RUSTFS_SECRET_KEY")
DAY = 86400.0

# Pod Security Standards (Kubernetes 1.34, version "latest"): what the baseline level allows.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
# ... and what the restricted level allows on top of baseline's limits.
RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)
SECCOMP_RESTRICTED = frozenset({"RuntimeDefault", "Localhost"})


def unknown(why: str) -> JSON:
    return {"state": UNKNOWN, "why": why}


# --- Pod Security level of a pod spec ----------------------------------------------------------------


def _containers(spec: Mapping[str, Any]) -> list[JSON]:
    kinds = ("initContainers", "containers", "ephemeralContainers")
    return [as_dict(item) for kind in kinds for item in as_list(spec.get(kind))]


def _baseline_violations(spec: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    pod = as_dict(spec.get("securityContext"))
    containers = _containers(spec)
    contexts = [("pod", pod)] + [(f"container {c.get('name')}", as_dict(c.get("securityContext"))) for c in containers]
    found += [f"{name} is true" for name in ("hostNetwork", "hostPID", "hostIPC") if spec.get(name) is True]
    for where, context in contexts:
        if as_dict(context.get("windowsOptions")).get("hostProcess") is True:
            found.append(f"{where}: windowsOptions.hostProcess is true")
        if context.get("privileged") is True:
            found.append(f"{where}: privileged is true")
        added = [str(a) for a in as_list(as_dict(context.get("capabilities")).get("add"))]
        beyond = sorted(a for a in added if a not in BASELINE_CAPABILITIES)
        if beyond:
            found.append(f"{where}: capabilities.add {', '.join(beyond)}")
        if as_dict(context.get("appArmorProfile")).get("type") == "Unconfined":
            found.append(f"{where}: appArmorProfile.type is Unconfined")
        selinux = as_dict(context.get("seLinuxOptions"))
        if str(selinux.get("type") or "") not in SELINUX_TYPES:
            found.append(f"{where}: seLinuxOptions.type {selinux.get('type')}")
        found += [f"{where}: seLinuxOptions.{key} is set" for key in ("user", "role") if selinux.get(key)]
        if context.get("procMount") not in (None, "Default"):
            found.append(f"{where}: procMount {context.get('procMount')}")
        if as_dict(context.get("seccompProfile")).get("type") == "Unconfined":
            found.append(f"{where}: seccompProfile.type is Unconfined")
    for volume in as_list(spec.get("volumes")):
        if "hostPath" in as_dict(volume):
            found.append(f"volume {as_dict(volume).get('name')}: hostPath")
    for container in containers:
        for port in as_list(container.get("ports")):
            if as_dict(port).get("hostPort"):
                found.append(f"container {container.get('name')}: hostPort {as_dict(port).get('hostPort')}")
    for sysctl in as_list(pod.get("sysctls")):
        if as_dict(sysctl).get("name") not in SAFE_SYSCTLS:
            found.append(f"pod: sysctl {as_dict(sysctl).get('name')}")
    return found


def _restricted_violations(spec: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    pod = as_dict(spec.get("securityContext"))
    for volume in as_list(spec.get("volumes")):
        kinds = [key for key in as_dict(volume) if key != "name"]
        if any(kind not in RESTRICTED_VOLUMES for kind in kinds):
            found.append(f"volume {as_dict(volume).get('name')}: type {', '.join(kinds)}")
    pod_non_root = pod.get("runAsNonRoot") is True
    pod_seccomp = as_dict(pod.get("seccompProfile")).get("type")
    if pod.get("runAsUser") == 0:
        found.append("pod: runAsUser is 0")
    if pod_seccomp is not None and pod_seccomp not in SECCOMP_RESTRICTED:
        found.append(f"pod: seccompProfile.type {pod_seccomp}")
    for container in _containers(spec):
        where = f"container {container.get('name')}"
        context = as_dict(container.get("securityContext"))
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{where}: allowPrivilegeEscalation is not false")
        non_root = context.get("runAsNonRoot")
        if non_root is False or (non_root is None and not pod_non_root):
            found.append(f"{where}: runAsNonRoot is not true")
        if context.get("runAsUser") == 0:
            found.append(f"{where}: runAsUser is 0")
        seccomp = as_dict(context.get("seccompProfile")).get("type")
        if seccomp is not None and seccomp not in SECCOMP_RESTRICTED:
            found.append(f"{where}: seccompProfile.type {seccomp}")
        elif seccomp is None and pod_seccomp is None:
            found.append(f"{where}: no seccompProfile (RuntimeDefault or Localhost)")
        capabilities = as_dict(context.get("capabilities"))
        if "ALL" not in [str(d) for d in as_list(capabilities.get("drop"))]:
            found.append(f"{where}: capabilities.drop lacks ALL")
        added = sorted(str(a) for a in as_list(capabilities.get("add")) if a != "NET_BIND_SERVICE")
        if added:
            found.append(f"{where}: capabilities.add {', '.join(added)}")
    return found


def pod_security_level(spec: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(the most restrictive Pod Security level the pod spec satisfies, what keeps it from the next one)."""
    baseline = _baseline_violations(spec)
    if baseline:
        return "privileged", baseline
    restricted = _restricted_violations(spec)
    return ("baseline", restricted) if restricted else ("restricted", [])


def admits(namespace_level: str, pod_level: str) -> bool:
    """Whether a namespace enforcing NAMESPACE_LEVEL admits pods that satisfy POD_LEVEL."""
    return LEVELS.index(pod_level) >= LEVELS.index(namespace_level)


def pod_security(tenant_doc: Mapping[str, Any], namespace: Mapping[str, Any] | str) -> JSON:
    """The level the namespace enforces (NAMESPACE: the Namespace, or why it could not be read) and the
    level the tenant's rendered pods satisfy (the weakest pool)."""
    result: JSON = {}
    whys: list[str] = []
    if isinstance(namespace, str):
        result["namespace_enforce"] = UNKNOWN
        whys.append(namespace)
    else:
        labels = as_dict(as_dict(namespace.get("metadata")).get("labels"))
        level = labels.get(ENFORCE_LABEL)
        if level in LEVELS:
            result["namespace_enforce"] = level
        else:
            result["namespace_enforce"] = UNKNOWN
            whys.append(
                f"the namespace has no {ENFORCE_LABEL} label: the API server's own PodSecurity default applies "
                "(privileged unless its admission configuration says otherwise)"
                if level is None
                else f"the namespace's {ENFORCE_LABEL} label is {level!r}, not a Pod Security level"
            )
    try:
        # The spec decides the pods; the status is the cluster's and not the engine's to judge here.
        objects = tenant_objects({key: value for key, value in tenant_doc.items() if key != "status"})
    except TenantInvalidError as error:
        result.update(pods=UNKNOWN, violations=[])
        whys.append(f"the Tenant does not render: {'; '.join(str(error).splitlines())}")
    else:
        levels = []
        violations: list[str] = []
        for obj in objects:
            if obj.get("kind") != "StatefulSet":
                continue
            level, found = pod_security_level(as_dict(as_dict(as_dict(obj["spec"]).get("template")).get("spec")))
            levels.append(level)
            violations += [f"{obj['metadata']['name']}: {v}" for v in found]
        if levels:
            weakest = min(levels, key=LEVELS.index)
            result.update(pods=weakest, violations=violations)
        else:
            result.update(pods=UNKNOWN, violations=[])
            whys.append("the Tenant renders no StatefulSet")
    if UNKNOWN in (result["namespace_enforce"], result["pods"]):
        result["admitted"] = UNKNOWN
    else:
        result["admitted"] = admits(result["namespace_enforce"], result["pods"])
    if whys:
        result["why"] = "; ".join(whys)
        result["whys"] = whys
    return result


# --- dates -------------------------------------------------------------------------------------------


def days_between(start: datetime, end: datetime) -> int:
    """Whole days from START to END, rounded down (negative when END is before START)."""
    return math.floor((end - start).total_seconds() / DAY)


def days_left(not_after: Any, now: datetime) -> int | None:
    """Whole days until a certificate's notAfter (negative once expired), None when it is not a time."""
    end = parse_time(not_after)
    return None if end is None else days_between(now, end)


def age_days(created: Any, now: datetime) -> int | None:
    """Whole days since a creationTimestamp, None when it is not a time."""
    start = parse_time(created)
    return None if start is None else days_between(start, now)


def tls_report(tenant: Tenant, status: Mapping[str, Any], now: datetime) -> JSON:
    if not tenant.tls_enabled:
        return {"enabled": False}
    tls = as_dict(as_dict(status.get("certificates")).get("tls"))
    not_after = tls.get("notAfter")
    result: JSON = {"enabled": True, "mode": str(tenant.tls.get("mode"))}
    if not not_after:
        why = (
            "status.certificates.tls has no notAfter: no reconcile has observed the serving certificate yet"
            if not tls
            else "status.certificates.tls has no notAfter"
            + (f" ({tls['lastErrorReason']})" if tls.get("lastErrorReason") else "")
        )
        return {**result, "not_after": UNKNOWN, "days_left": UNKNOWN, "why": why}
    left = days_left(not_after, now)
    if left is None:
        return {**result, "not_after": UNKNOWN, "days_left": UNKNOWN, "why": f"notAfter {not_after!r} is not a time"}
    return {**result, "not_after": str(not_after), "days_left": left}


def credentials_report(tenant: Tenant, secret: Mapping[str, Any] | str | None, now: datetime) -> JSON:
    """SECRET: the credentials Secret's metadata (never its data), why it could not be read, or None
    when the tenant names none."""
    name = as_dict(tenant.spec.get("credsSecret")).get("name")
    if not name:
        return {"secret": None, "age_days": None, "why": "the Tenant names no spec.credsSecret"}
    if secret is None or isinstance(secret, str):
        return {"secret": name, "age_days": UNKNOWN, "why": secret or f"Secret {name} not found in {tenant.namespace}"}
    created = as_dict(secret.get("metadata")).get("creationTimestamp")
    age = age_days(created, now)
    if age is None:
        return {"secret": name, "age_days": UNKNOWN, "why": f"Secret {name} has no creationTimestamp"}
    return {"secret": name, "created": str(created), "age_days": age}


def _conditions(status: Mapping[str, Any]) -> dict[str, JSON]:
    return {str(as_dict(c).get("type")): as_dict(c) for c in as_list(status.get("conditions"))}


def _sets_credentials_in_env(tenant: Tenant) -> bool:
    return any(as_dict(item).get("name") in CREDENTIAL_ENV for item in as_list(tenant.spec.get("env")))


def default_credentials(tenant: Tenant, status: Mapping[str, Any]) -> JSON:
    """Whether the engine refused this tenant's credentials (the reasons of its last reconcile, on
    CredentialsReady and RpcAuthReady: RpcSecretInvalidValue is the RustFS default, among others),
    or its checks passed at the current generation."""
    conditions = _conditions(status)
    blocked = status.get("currentState") == "Blocked"
    refused = [
        {"condition": kind, "reason": conditions[kind].get("reason"), "message": conditions[kind].get("message")}
        for kind in CREDENTIAL_CONDITIONS
        if conditions.get(kind, {}).get("status") == "False"
    ]
    if refused:
        return {"state": "refused", "blocked": blocked, "reasons": refused}
    if not as_dict(tenant.spec.get("credsSecret")).get("name") and not _sets_credentials_in_env(tenant):
        return {
            "state": "builtin",
            "blocked": blocked,
            "reasons": [],
            "why": "no spec.credsSecret and no RUSTFS_ACCESS_KEY/RUSTFS_SECRET_KEY in spec.env: RustFS runs with "
            "its built-in credentials",
        }
    checked = [conditions[kind] for kind in CREDENTIAL_CONDITIONS if kind in conditions]
    if not checked:
        return {**unknown("no CredentialsReady condition: the tenant has not been reconciled"), "blocked": blocked}
    stale = [
        cond
        for cond in checked
        if tenant.generation is not None and cond.get("observedGeneration") not in (None, tenant.generation)
    ]
    if stale:
        return {
            **unknown(
                f"the credential conditions are of generation {stale[0].get('observedGeneration')}, the spec is at "
                f"{tenant.generation}: not reconciled since it changed"
            ),
            "blocked": blocked,
        }
    return {"state": "passed", "blocked": blocked, "reasons": []}


def pdb_report(tenant: Tenant, pdbs: Sequence[Mapping[str, Any]] | str) -> JSON:
    """PDBS: the PodDisruptionBudgets labelled for the tenant, or why they could not be listed."""
    expected = [(pool.name, statefulset_name(tenant.name, pool.name)) for pool in tenant.pools]
    if isinstance(pdbs, str):
        return {"pools": [{"pool": p, "name": n, "present": UNKNOWN} for p, n in expected], **unknown(pdbs)}
    present = {str(as_dict(p.get("metadata")).get("name")) for p in pdbs}
    pools = [{"pool": p, "name": n, "present": n in present} for p, n in expected]
    return {"state": "complete" if all(p["present"] for p in pools) else "missing", "pools": pools}


def erasure_report(tenant: Tenant) -> JSON:
    """Per pool, how many servers and drives it can lose and stay readable and writable (the engine's
    layout); unknown for a refused layout or one whose settings cannot be read at render time."""
    try:
        layout = tenant_layout(tenant)
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        return {"pools": [], **unknown(f"no erasure layout: {error}")}
    unverified = [w["message"] for w in layout.warnings if w["reason"] == REASON_UNVERIFIED]
    pools: list[JSON] = []
    for pool in layout.pools:
        if not pool.valid:
            pools.append({"pool": pool.name, **unknown(f"RustFS would refuse the layout: {pool.refusal}")})
        elif unverified:
            pools.append({"pool": pool.name, **unknown("; ".join(unverified))})
        else:
            pools.append(
                {
                    "pool": pool.name,
                    "servers_tolerated": pool.server_loss_tolerated,
                    "drives_tolerated": pool.drive_loss_tolerated,
                    "servers_tolerated_for_reads": pool.server_loss_tolerated_for_reads,
                    "drives_tolerated_for_reads": pool.drive_loss_tolerated_for_reads,
                    "set_drive_count": pool.set_drive_count,
                    "parity": pool.parity,
                }
            )
    return {"pools": pools}


def last_reconcile(status: Mapping[str, Any]) -> JSON:
    """The last successful reconcile, from `status.lastRun` (the operator writes it)."""
    run = as_dict(status.get("lastRun"))
    if not run:
        return unknown("no status.lastRun: the operator has not run this tenant (playbook mode does not record runs)")
    result = str(run.get("result") or "")
    if result == "Succeeded":
        return {"state": "succeeded", "at": run.get("startedAt"), "generation": run.get("generation")}
    return {
        **unknown(f"the last run ended {result or 'without a result'}; status.lastRun records the last run only"),
        "last_result": result or None,
        "last_at": run.get("startedAt"),
    }


def tenant_report(
    document: Mapping[str, Any],
    *,
    namespace: Mapping[str, Any] | str,
    pdbs: Sequence[Mapping[str, Any]] | str,
    credentials_secret: Mapping[str, Any] | str | None,
    drift: JSON,
    now: datetime,
) -> JSON:
    """Every point of the report for one stored Tenant, from facts the caller read."""
    tenant = parse_tenant(document)
    status = as_dict(document.get("status"))
    return {
        "name": tenant.name,
        "namespace": tenant.namespace,
        "state": status.get("currentState") or UNKNOWN,
        "pod_security": pod_security(document, namespace),
        "tls": tls_report(tenant, status, now),
        "credentials": credentials_report(tenant, credentials_secret, now),
        "default_credentials": default_credentials(tenant, status),
        "pdbs": pdb_report(tenant, pdbs),
        "erasure": erasure_report(tenant),
        "drift": drift,
        "last_reconcile": last_reconcile(status),
    }


def drift_entry(result: Mapping[str, Any]) -> JSON:
    """The report's drift point from the result of rustfs.operator.drift: its objects' kind, name and
    state (the field values stay in that module's own report)."""
    objects = [
        {"kind": entry.get("kind"), "name": entry.get("name"), "state": entry.get("state")}
        for entry in as_list(result.get("objects"))
    ]
    entry: JSON = {"state": "drifted" if result.get("drifted") else "in-sync", "objects": objects}
    if result.get("not_compared"):
        entry["not_compared"] = list(as_list(result.get("not_compared")))
    return entry


# --- the human table ---------------------------------------------------------------------------------

COLUMNS = (
    "NAMESPACE",
    "TENANT",
    "STATE",
    "PSA NS/PODS",
    "TLS",
    "CREDS AGE",
    "DEFAULT CREDS",
    "PDBS",
    "TOLERATES",
    "DRIFT",
    "LAST OK",
)


def _or_unknown(value: Any, suffix: str = "") -> str:
    return "?" if value == UNKNOWN or value is None else f"{value}{suffix}"


def _tolerates(pools: Sequence[Mapping[str, Any]]) -> str:
    """What the weakest pool survives (an object lives in one pool), or `?` when a pool is unknown."""
    if not pools or any(pool.get("state") == UNKNOWN for pool in pools):
        return "?"
    servers = min(int(pool["servers_tolerated"]) for pool in pools)
    drives = min(int(pool["drives_tolerated"]) for pool in pools)
    return f"{servers} servers/{drives} drives"


def _cells(report: Mapping[str, Any]) -> list[str]:
    psa = as_dict(report.get("pod_security"))
    admitted = psa.get("admitted")
    psa_cell = f"{_or_unknown(psa.get('namespace_enforce'))}/{_or_unknown(psa.get('pods'))}"
    if admitted is False:
        psa_cell += " DENIED"
    tls = as_dict(report.get("tls"))
    tls_cell = "off" if not tls.get("enabled") else f"on, {_or_unknown(tls.get('days_left'), 'd')} left"
    creds = as_dict(report.get("credentials"))
    defaults = as_dict(report.get("default_credentials"))
    default_cell = "?" if defaults.get("state") == UNKNOWN else str(defaults.get("state"))
    if defaults.get("blocked") and defaults.get("state") == "refused":
        default_cell += " (blocked)"
    pdbs = as_dict(report.get("pdbs"))
    pools = as_list(pdbs.get("pools"))
    pdb_cell = (
        "?" if pdbs.get("state") == UNKNOWN else f"{sum(1 for p in pools if p.get('present') is True)}/{len(pools)}"
    )
    tolerates = _tolerates(as_list(as_dict(report.get("erasure")).get("pools")))
    drift = as_dict(report.get("drift"))
    last = as_dict(report.get("last_reconcile"))
    return [
        str(report.get("namespace")),
        str(report.get("name")),
        _or_unknown(report.get("state")),
        psa_cell,
        tls_cell,
        "-" if creds.get("secret") is None else _or_unknown(creds.get("age_days"), "d"),
        default_cell,
        pdb_cell,
        tolerates,
        "?" if drift.get("state") == UNKNOWN else str(drift.get("state")),
        "?" if last.get("state") == UNKNOWN else str(last.get("at")),
    ]


def unknown_notes(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(point, why) for every point of the report marked `?` in the table."""
    notes: list[tuple[str, str]] = []
    for key in ("pod_security", "tls", "credentials", "default_credentials", "pdbs", "drift", "last_reconcile"):
        section = as_dict(report.get(key))
        if section.get("why") and UNKNOWN in section.values():
            notes += [(key, str(why)) for why in as_list(section.get("whys")) or [section["why"]]]
    erasure = as_dict(report.get("erasure"))
    if erasure.get("state") == UNKNOWN:
        notes.append(("erasure", str(erasure.get("why"))))
    by_why: dict[str, list[str]] = {}
    for pool in as_list(erasure.get("pools")):
        if pool.get("state") == UNKNOWN:
            by_why.setdefault(str(pool.get("why")), []).append(str(pool.get("pool")))
    notes += [(f"erasure of pools {', '.join(pools)}", why) for why, pools in by_why.items()]
    return [(key, _short(" ".join(why.split()))) for key, why in notes]


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


MAX_NAMED = 3


def format_table(reports: Sequence[Mapping[str, Any]]) -> list[str]:
    """The report as aligned text lines: a header, one row per tenant, then why each `?` is unknown."""
    if not reports:
        return ["no tenants found"]
    rows = [list(COLUMNS)] + [_cells(report) for report in reports]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    # One line per distinct reason, naming the tenants it concerns (the first few of them).
    grouped: dict[tuple[str, str], list[str]] = {}
    for report in reports:
        for note in unknown_notes(report):
            grouped.setdefault(note, []).append(f"{report.get('namespace')}/{report.get('name')}")
    notes = []
    for (key, why), names in grouped.items():
        more = f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else ""
        notes.append(f"  {key} ({', '.join(names[:MAX_NAMED])}{more}): {why}")
    return lines + (["", "? unknown:", *notes] if notes else [])
