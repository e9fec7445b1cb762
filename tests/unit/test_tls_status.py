"""TLS in the Tenant status (§10): TlsReady, waiting for cert-manager, status.certificates.tls, the merge patch."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.events import planned_events
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import (
    TLS_REASONS,
    merge_patch,
    tenant_status,
)

T0, T1 = "2025-01-01T00:00:00Z", "2025-01-01T00:05:00Z"
TLS = {"mode": "certManager", "certManager": {"secretName": "srv"}}


def _tenant(eng, tls=TLS):
    doc = eng.tenant("demo", "ns", pools=[eng.pool("p", 2, 1)], tls=tls)
    doc["metadata"]["generation"] = 1
    return parse_tenant(doc)


def _sts():
    status = {
        "observedGeneration": 1,
        "replicas": 2,
        "readyReplicas": 2,
        "currentReplicas": 2,
        "updatedReplicas": 2,
        "currentRevision": "r",
        "updateRevision": "r",
    }
    return {
        "metadata": {"name": "demo-p", "generation": 1, "labels": {"rustfs.pool": "p"}},
        "spec": {"replicas": 2},
        "status": status,
    }


def _problem(reason):
    return {"field": "spec.tls.certManager.secretName", "message": f"{reason} happened", "reason": reason}


def _conditions(status):
    return {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}


@pytest.mark.parametrize("reason", TLS_REASONS)
def test_every_tls_reason_is_owned_by_tls_ready(eng, reason):
    status = tenant_status(_tenant(eng), [_sts()], [_problem(reason)], None, T0)
    assert _conditions(status)["TlsReady"] == ("False", reason)
    assert _conditions(status)["SpecValid"] == ("True", "ReconcileSucceeded")


@pytest.mark.parametrize("reason", ["CertificateSecretPending", "CertManagerCertificateNotReady"])
def test_waiting_for_cert_manager_reconciles_instead_of_blocking(eng, reason):
    status = tenant_status(_tenant(eng), [], [_problem(reason)], None, T0)
    conditions = _conditions(status)
    assert status["currentState"] == "Reconciling"
    assert conditions["Ready"] == ("False", reason)
    assert conditions["Reconciling"] == ("True", reason)
    assert conditions["Degraded"] == ("False", "ReconcileSucceeded")
    # A Warning, as the RustFS operator reports it, though the tenant is not blocked.
    events = planned_events({}, status, [_problem(reason)], [])
    assert [(e["type"], e["reason"]) for e in events] == [("Warning", reason)]


def test_a_user_error_next_to_a_pending_certificate_blocks(eng):
    problems = [_problem("CertManagerCertificateNotReady"), _problem("CertificateSanMismatch")]
    status = tenant_status(_tenant(eng), [], problems, None, T0)
    assert status["currentState"] == "Blocked"
    assert _conditions(status)["Ready"] == ("False", "CertificateSanMismatch")
    assert _conditions(status)["Degraded"] == ("True", "CertificateSanMismatch")


def test_observed_certificates_are_written_and_validated_time_moves_only_on_change(eng):
    observed = {"mode": "CertManager", "ready": True, "observedHash": "sha256:1", "source": "Secret"}
    first = tenant_status(_tenant(eng), [_sts()], [], None, T0, observed)
    assert first["certificates"] == {"tls": {**observed, "lastValidatedTime": T0}}
    same = tenant_status(_tenant(eng), [_sts()], [], first, T1, observed)
    assert same["certificates"]["tls"]["lastValidatedTime"] == T0
    rotated = tenant_status(_tenant(eng), [_sts()], [], first, T1, {**observed, "observedHash": "sha256:2"})
    assert rotated["certificates"]["tls"]["lastValidatedTime"] == T1


def test_without_an_observation_the_known_status_is_kept_and_marked_by_problems(eng):
    observed = {"mode": "CertManager", "ready": True, "observedHash": "sha256:1"}
    first = tenant_status(_tenant(eng), [_sts()], [], None, T0, observed)
    kept = tenant_status(_tenant(eng), [_sts()], [], first, T1)
    assert kept["certificates"] == first["certificates"]
    blocked = tenant_status(_tenant(eng), [_sts()], [_problem("CertificateExpired")], first, T1)
    tls = blocked["certificates"]["tls"]
    assert (tls["ready"], tls["lastErrorReason"], tls["observedHash"]) == (False, "CertificateExpired", "sha256:1")
    # Blocked by something else than TLS: the certificates are what they were.
    other = tenant_status(
        _tenant(eng), [_sts()], [{"field": "spec.x", "message": "m", "reason": "InvalidPoolSpec"}], first, T1
    )
    assert other["certificates"] == first["certificates"]


def test_a_tls_tenant_blocked_before_any_check_gets_an_error_status(eng):
    status = tenant_status(_tenant(eng), [], [_problem("CertificateInvalid")], None, T0)
    assert status["certificates"]["tls"] == {
        "mode": "CertManager",
        "ready": False,
        "source": "Secret",
        "managedCertificate": False,
        "rotationStrategy": "Rollout",
        "mountPath": "/var/run/rustfs/tls",
        "trustSource": "CertificateSecretCa",
        "lastErrorReason": "CertificateInvalid",
        "lastErrorMessage": "CertificateInvalid happened",
    }


def test_without_tls_there_is_no_certificates_status(eng):
    plain = parse_tenant(eng.tenant("demo", "ns"))
    previous = {"certificates": {"tls": {"mode": "CertManager", "ready": True}}}
    assert "certificates" not in tenant_status(plain, [], [], previous, T0)


def test_merge_patch_removes_what_went_away():
    old = {"tls": {"ready": False, "lastErrorReason": "X", "refs": {"a": 1, "b": 2}, "list": [1, 2]}}
    new = {"tls": {"ready": True, "refs": {"a": 1}, "list": [1]}}
    assert merge_patch(old, new) == {
        "tls": {"ready": True, "refs": {"a": 1, "b": None}, "list": [1], "lastErrorReason": None}
    }
    assert merge_patch(None, new) == new
    assert merge_patch(old, None) is None
