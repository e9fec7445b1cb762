"""The compliance report's judgements (module_utils/compliance.py): pure, from facts read elsewhere."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import compliance as cp
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import tenant_objects

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
IN_SYNC = {"state": "in-sync", "objects": []}


def doc(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "ns", "generation": 3},
        "spec": {"pools": [{"name": "p", "servers": 4, "persistence": {"volumesPerServer": 2}}], **spec},
    }


def pod_spec(**spec: Any) -> dict[str, Any]:
    statefulset = next(o for o in tenant_objects(doc(**spec)) if o["kind"] == "StatefulSet")
    return copy.deepcopy(statefulset["spec"]["template"]["spec"])


# --- Pod Security level ------------------------------------------------------------------------------


def test_the_rendered_defaults_are_restricted() -> None:
    assert cp.pod_security_level(pod_spec()) == ("restricted", [])


def test_a_pod_that_may_escalate_is_baseline() -> None:
    level, violations = cp.pod_security_level(pod_spec(containerSecurityContext={"allowPrivilegeEscalation": True}))
    assert level == "baseline"
    assert violations == ["container rustfs: allowPrivilegeEscalation is not false"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["securityContext"].update(runAsUser=0, runAsNonRoot=False), "baseline"),
        (lambda s: s["securityContext"].pop("seccompProfile"), "baseline"),
        (lambda s: s["containers"][0]["securityContext"]["capabilities"].update(drop=[]), "baseline"),
        (lambda s: s["containers"][0]["securityContext"]["capabilities"].update(add=["CHOWN"]), "baseline"),
        (lambda s: s.setdefault("volumes", []).append({"name": "x", "nfs": {"server": "a", "path": "/"}}), "baseline"),
        (lambda s: s.update(hostNetwork=True), "privileged"),
        (lambda s: s.update(hostPID=True), "privileged"),
        (lambda s: s["containers"][0]["securityContext"].update(privileged=True), "privileged"),
        (lambda s: s["containers"][0]["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]), "privileged"),
        (lambda s: s.setdefault("volumes", []).append({"name": "h", "hostPath": {"path": "/"}}), "privileged"),
        (lambda s: s["containers"][0]["ports"].append({"containerPort": 1, "hostPort": 80}), "privileged"),
        (lambda s: s["securityContext"].update(seccompProfile={"type": "Unconfined"}), "privileged"),
        (lambda s: s["securityContext"].update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]), "privileged"),
        (lambda s: s["securityContext"].update(seLinuxOptions={"type": "spc_t"}), "privileged"),
        (lambda s: s["containers"][0]["securityContext"].update(procMount="Unmasked"), "privileged"),
        (lambda s: s["containers"][0]["securityContext"].update(appArmorProfile={"type": "Unconfined"}), "privileged"),
    ],
)
def test_each_rule_lowers_the_level(change: Any, expected: str) -> None:
    spec = pod_spec()
    change(spec)
    level, violations = cp.pod_security_level(spec)
    assert level == expected and violations


def test_safe_sysctls_and_baseline_capabilities_stay_baseline_or_better() -> None:
    spec = pod_spec()
    spec["securityContext"]["sysctls"] = [{"name": "net.ipv4.ip_local_port_range", "value": "1 2"}]
    spec["containers"][0]["securityContext"]["capabilities"]["add"] = ["NET_BIND_SERVICE"]
    assert cp.pod_security_level(spec) == ("restricted", [])


def test_a_namespace_admits_pods_at_its_level_or_stricter() -> None:
    assert cp.admits("baseline", "restricted") and cp.admits("restricted", "restricted")
    assert not cp.admits("restricted", "baseline") and cp.admits("privileged", "privileged")


def test_pod_security_compares_the_namespace_label_with_the_pods() -> None:
    namespace = {"metadata": {"labels": {cp.ENFORCE_LABEL: "restricted"}}}
    result = cp.pod_security(doc(containerSecurityContext={"allowPrivilegeEscalation": True}), namespace)
    assert (result["namespace_enforce"], result["pods"], result["admitted"]) == ("restricted", "baseline", False)
    assert result["violations"] == ["t-p: container rustfs: allowPrivilegeEscalation is not false"]


def test_pod_security_says_unknown_and_why() -> None:
    unlabelled = cp.pod_security(doc(), {"metadata": {}})
    assert (unlabelled["namespace_enforce"], unlabelled["admitted"]) == ("unknown", "unknown")
    assert "no pod-security.kubernetes.io/enforce label" in unlabelled["why"]
    odd = cp.pod_security(doc(), {"metadata": {"labels": {cp.ENFORCE_LABEL: "strict"}}})
    assert "'strict', not a Pod Security level" in odd["why"]
    unread = cp.pod_security(doc(), "this identity may not read namespace ns")
    assert unread["namespace_enforce"] == "unknown" and unread["why"] == "this identity may not read namespace ns"
    invalid = cp.pod_security(doc(pools=[]), {"metadata": {"labels": {cp.ENFORCE_LABEL: "baseline"}}})
    assert (invalid["pods"], invalid["admitted"]) == ("unknown", "unknown")
    assert invalid["why"].startswith("the Tenant does not render")


# --- dates -------------------------------------------------------------------------------------------


def test_days_are_whole_and_rounded_down() -> None:
    assert cp.days_left("2026-12-16T11:59:59Z", NOW) == 9
    assert cp.days_left("2026-12-16T12:00:00Z", NOW) == 10
    assert cp.days_left("2026-12-05T12:00:00Z", NOW) == -1
    assert cp.days_left("soon", NOW) is None
    assert cp.age_days("2026-11-06T12:00:00Z", NOW) == 30
    assert cp.age_days(None, NOW) is None


def test_tls_expiry_from_the_status() -> None:
    tenant = parse_tenant(doc(tls={"mode": "certManager", "certManager": {"secretName": "s"}}))
    status = {"certificates": {"tls": {"notAfter": "2027-01-05T12:00:00Z"}}}
    assert cp.tls_report(tenant, status, NOW) == {
        "enabled": True,
        "mode": "certManager",
        "not_after": "2027-01-05T12:00:00Z",
        "days_left": 30,
    }
    pending = cp.tls_report(tenant, {}, NOW)
    assert pending["days_left"] == "unknown" and "no reconcile has observed" in pending["why"]
    failed = cp.tls_report(tenant, {"certificates": {"tls": {"lastErrorReason": "CertificateSecretNotFound"}}}, NOW)
    assert "(CertificateSecretNotFound)" in failed["why"]
    assert cp.tls_report(parse_tenant(doc()), status, NOW) == {"enabled": False}


def test_credentials_age_from_metadata_only() -> None:
    tenant = parse_tenant(doc(credsSecret={"name": "creds"}))
    secret = {"metadata": {"name": "creds", "creationTimestamp": "2026-10-07T00:00:00Z"}}
    assert cp.credentials_report(tenant, secret, NOW) == {
        "secret": "creds",
        "created": "2026-10-07T00:00:00Z",
        "age_days": 60,
    }
    assert cp.credentials_report(tenant, None, NOW)["why"] == "Secret creds not found in ns"
    assert cp.credentials_report(tenant, "denied", NOW) == {"secret": "creds", "age_days": "unknown", "why": "denied"}
    assert cp.credentials_report(parse_tenant(doc()), None, NOW)["age_days"] is None


# --- the engine's reasons, PDBs, tolerance, last run ---------------------------------------------------


def condition(kind: str, status: str, reason: str, generation: int = 3) -> dict[str, Any]:
    return {"type": kind, "status": status, "reason": reason, "message": "m", "observedGeneration": generation}


def test_default_credentials_refused_passed_builtin_or_unknown() -> None:
    named = parse_tenant(doc(credsSecret={"name": "c"}, rpcSecret={"name": "r", "key": "k"}))
    refused = cp.default_credentials(
        named,
        {
            "currentState": "Blocked",
            "conditions": [
                condition("CredentialsReady", "True", "ReconcileSucceeded"),
                condition("RpcAuthReady", "False", "RpcSecretInvalidValue"),
            ],
        },
    )
    assert refused == {
        "state": "refused",
        "blocked": True,
        "reasons": [{"condition": "RpcAuthReady", "reason": "RpcSecretInvalidValue", "message": "m"}],
    }
    passed = {"conditions": [condition("CredentialsReady", "True", "ReconcileSucceeded")]}
    assert cp.default_credentials(named, passed) == {"state": "passed", "blocked": False, "reasons": []}
    stale = {"conditions": [condition("CredentialsReady", "True", "ReconcileSucceeded", generation=2)]}
    assert "generation 2, the spec is at 3" in cp.default_credentials(named, stale)["why"]
    assert cp.default_credentials(named, {})["state"] == "unknown"
    assert cp.default_credentials(parse_tenant(doc()), passed)["state"] == "builtin"
    env = parse_tenant(doc(env=[{"name": "RUSTFS_ACCESS_KEY", "value": "x"}]))
    assert cp.default_credentials(env, passed)["state"] == "passed"


def test_pdbs_per_pool() -> None:
    tenant = parse_tenant(doc(pools=[{"name": n, "servers": 4, "persistence": {"volumesPerServer": 1}} for n in "ab"]))
    assert cp.pdb_report(tenant, [{"metadata": {"name": "t-a"}}]) == {
        "state": "missing",
        "pools": [{"pool": "a", "name": "t-a", "present": True}, {"pool": "b", "name": "t-b", "present": False}],
    }
    assert cp.pdb_report(tenant, [{"metadata": {"name": "t-a"}}, {"metadata": {"name": "t-b"}}])["state"] == "complete"
    unread = cp.pdb_report(tenant, "denied")
    assert (unread["state"], unread["why"], unread["pools"][0]["present"]) == ("unknown", "denied", "unknown")


def test_erasure_tolerance_per_pool() -> None:
    (pool,) = cp.erasure_report(parse_tenant(doc()))["pools"]
    # 4 servers x 2 drives: one set of 8, parity 4, write quorum 5: 3 drives, 1 server (2 drives each).
    assert pool == {
        "pool": "p",
        "servers_tolerated": 1,
        "drives_tolerated": 3,
        "servers_tolerated_for_reads": 2,
        "drives_tolerated_for_reads": 4,
        "set_drive_count": 8,
        "parity": 4,
    }
    refused = cp.erasure_report(
        parse_tenant(doc(pools=[{"name": "p", "servers": 17, "persistence": {"volumesPerServer": 1}}]))
    )
    assert refused["pools"][0]["state"] == "unknown" and "RustFS would refuse" in refused["pools"][0]["why"]
    unverified = cp.erasure_report(
        parse_tenant(doc(env=[{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "valueFrom": {"configMapKeyRef": {}}}]))
    )
    assert unverified["pools"][0]["state"] == "unknown"


def test_drift_from_the_drift_check() -> None:
    result = {
        "drifted": True,
        "objects": [{"kind": "Service", "name": "t-io", "state": "differs", "fields": [{"path": "spec.type"}]}],
        "not_compared": ["the certificates' hash"],
    }
    assert cp.drift_entry(result) == {
        "state": "drifted",
        "objects": [{"kind": "Service", "name": "t-io", "state": "differs"}],
        "not_compared": ["the certificates' hash"],
    }
    assert cp.drift_entry({"drifted": False, "objects": [], "not_compared": []}) == IN_SYNC


def test_last_successful_reconcile_from_last_run() -> None:
    run = {"result": "Succeeded", "startedAt": "2026-12-01T10:00:00Z", "generation": 2}
    assert cp.last_reconcile({"lastRun": run}) == {"state": "succeeded", "at": run["startedAt"], "generation": 2}
    failed = cp.last_reconcile({"lastRun": {**run, "result": "Failed"}})
    assert (failed["state"], failed["last_result"]) == ("unknown", "Failed")
    assert "no status.lastRun" in cp.last_reconcile({})["why"]


# --- the whole report and its table ------------------------------------------------------------------


def report(**overrides: Any) -> dict[str, Any]:
    document = doc(credsSecret={"name": "creds"})
    document["status"] = {
        "currentState": "Ready",
        "conditions": [condition("CredentialsReady", "True", "ReconcileSucceeded")],
        "lastRun": {"result": "Succeeded", "startedAt": "2026-12-01T10:00:00Z"},
    }
    facts: dict[str, Any] = {
        "namespace": {"metadata": {"labels": {cp.ENFORCE_LABEL: "restricted"}}},
        "pdbs": [{"metadata": {"name": "t-p"}}],
        "credentials_secret": {"metadata": {"creationTimestamp": "2026-11-26T12:00:00Z"}},
        "drift": cp.unknown("the drift check failed: boom"),
        "now": NOW,
        **overrides,
    }
    return cp.tenant_report(document, **facts)


def test_a_tenant_report_has_every_point() -> None:
    result = report()
    assert list(result) == [
        "name",
        "namespace",
        "state",
        "pod_security",
        "tls",
        "credentials",
        "default_credentials",
        "pdbs",
        "erasure",
        "drift",
        "last_reconcile",
    ]
    assert result["credentials"]["age_days"] == 10 and result["drift"]["state"] == "unknown"


def test_the_table_aligns_columns_and_explains_each_unknown() -> None:
    lines = cp.format_table([report(), report(namespace="denied", pdbs="denied")])
    header, first, second = lines[:3]
    assert header.split()[:3] == ["NAMESPACE", "TENANT", "STATE"]
    assert header.index("PDBS") == first.index("1/1") == second.index("?", header.index("PDBS"))
    assert "restricted/restricted" in first and "1 servers/3 drives" in first and "2026-12-01T10:00:00Z" in first
    assert "?/restricted" in second
    notes = lines[lines.index("? unknown:") + 1 :]
    assert "  drift (ns/t, ns/t): the drift check failed: boom" in notes
    assert "  pod_security (ns/t): denied" in notes and "  pdbs (ns/t): denied" in notes


def test_the_table_flags_denied_pods_and_refused_credentials() -> None:
    namespace = {"metadata": {"labels": {cp.ENFORCE_LABEL: "restricted"}}}
    document = doc(containerSecurityContext={"allowPrivilegeEscalation": True}, rpcSecret={"name": "r", "key": "k"})
    document["status"] = {
        "currentState": "Blocked",
        "conditions": [condition("RpcAuthReady", "False", "RpcSecretInvalidValue")],
    }
    result = cp.tenant_report(document, namespace=namespace, pdbs=[], credentials_secret=None, drift=IN_SYNC, now=NOW)
    row = cp.format_table([result])[1]
    assert "restricted/baseline DENIED" in row and "refused (blocked)" in row and "0/1" in row
    assert "in-sync" in row


def test_notes_name_a_few_tenants_and_long_reasons_are_cut() -> None:
    many = [report(pdbs="x" * 300) for _ in range(5)]
    notes = [line for line in cp.format_table(many) if line.startswith("  pdbs")]
    assert notes == [f"  pdbs (ns/t, ns/t, ns/t and 2 more): {'x' * 157}..."]


def test_no_tenants() -> None:
    assert cp.format_table([]) == ["no tenants found"]
