"""The Tenant status of spec §10: pool states, conditions, currentState, timestamps."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import (
    current_state,
    pool_state,
    pool_status,
    rollout_deadline,
    rollout_deadline_errors,
    stall_recheck_seconds,
    tenant_status,
)

T0 = "2025-01-01T00:00:00Z"
T1 = "2025-01-01T00:05:00Z"
T2 = "2025-01-01T00:10:00Z"

ORDER_PLAIN = [
    "Ready",
    "Reconciling",
    "Degraded",
    "SpecValid",
    "CredentialsReady",
    "KmsReady",
    "PoolsReady",
    "WorkloadsReady",
    "ProvisioningReady",
]


def sts(
    pool="p",
    replicas=2,
    ready=None,
    current=None,
    updated=None,
    generation=1,
    observed=1,
    revisions=("rev-1", "rev-1"),
    tenant="demo",
):
    """A live StatefulSet; by default fully rolled out and ready."""
    ready = replicas if ready is None else ready
    status = {
        "observedGeneration": observed,
        "replicas": replicas,
        "readyReplicas": ready,
        "currentReplicas": replicas if current is None else current,
        "updatedReplicas": replicas if updated is None else updated,
        "availableReplicas": ready,
    }
    if revisions[0] is not None:
        status["currentRevision"] = revisions[0]
    if revisions[1] is not None:
        status["updateRevision"] = revisions[1]
    metadata = {"name": f"{tenant}-{pool}", "labels": {"rustfs.tenant": tenant, "rustfs.pool": pool}}
    if generation is not None:
        metadata["generation"] = generation
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata,
        "spec": {"replicas": replicas},
        "status": status,
    }


def tenant(eng, generation=1, pools=None, **spec):
    doc = eng.tenant("demo", "ns", pools=pools or [eng.pool("p", 2, 2)], **spec)
    if generation is not None:
        doc["metadata"]["generation"] = generation
    return parse_tenant(doc)


def by_type(status):
    return {c["type"]: c for c in status["conditions"]}


def summary(status):
    return [(c["type"], c["status"], c["reason"]) for c in status["conditions"]]


def problem(reason, field="spec.x", message="something is wrong"):
    return {"field": field, "message": message, "reason": reason}


# --- pool state -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statefulset", "state"),
    [
        (None, "NotCreated"),
        ({}, "NotCreated"),
        ({"metadata": {"name": "x"}, "spec": {"replicas": 2}}, "NotCreated"),  # no status yet
        ({"metadata": {"name": "x"}, "spec": {"replicas": 2}, "status": {}}, "NotCreated"),
        (sts(replicas=0), "NotCreated"),  # 0 desired
        (sts(generation=2, observed=1), "Updating"),  # generation not yet observed
        (sts(revisions=("rev-1", "rev-2")), "Updating"),  # revisions differ
        (sts(revisions=("rev-1", None)), "Updating"),
        (sts(replicas=4, updated=2, ready=4), "Updating"),  # updated below desired
        (sts(replicas=4, current=3, ready=4), "Updating"),  # current below desired
        (sts(replicas=4), "RolloutComplete"),  # ready = updated = desired
        (sts(replicas=4, revisions=(None, None)), "RolloutComplete"),
        (sts(replicas=4, generation=None), "RolloutComplete"),  # no generation to compare
        (sts(replicas=4, generation=3, observed=4), "RolloutComplete"),
        (sts(replicas=4, ready=3), "Degraded"),  # ready below desired
        (sts(replicas=4, ready=0), "Degraded"),
        (sts(replicas=4, ready=5), "Initialized"),  # neither complete nor short of ready pods
        (sts(replicas=4, updated=5, ready=4), "Initialized"),
    ],
)
def test_pool_state_rules(statefulset, state):
    assert pool_state(statefulset) == state


def test_pool_status_item(eng):
    item = pool_status(tenant(eng), "p", sts(replicas=4, ready=3, revisions=("r-a", "r-a")), {}, T0)
    assert item == {
        "name": "p",
        "ssName": "demo-p",
        "state": "Degraded",
        "workloadState": "Degraded",
        "lifecycleState": "Active",
        "replicas": 4,
        "readyReplicas": 3,
        "currentReplicas": 4,
        "updatedReplicas": 4,
        "currentRevision": "r-a",
        "updateRevision": "r-a",
        "lastUpdateTime": T0,
    }


def test_pool_status_of_a_missing_statefulset(eng):
    assert pool_status(tenant(eng), "p", None, {}, T0) == {
        "name": "p",
        "ssName": "demo-p",
        "state": "NotCreated",
        "workloadState": "NotCreated",
        "lifecycleState": "Active",
        "replicas": 0,
        "readyReplicas": 0,
        "currentReplicas": 0,
        "updatedReplicas": 0,
        "lastUpdateTime": T0,
    }


def test_pool_last_update_time_moves_only_with_the_state(eng):
    previous = {"name": "p", "state": "RolloutComplete", "lastUpdateTime": T0, "lifecycleState": "Decommissioning"}
    same = pool_status(tenant(eng), "p", sts(), previous, T1)
    assert same["lastUpdateTime"] == T0
    assert same["lifecycleState"] == "Decommissioning"  # carried over, not reset to Active
    changed = pool_status(tenant(eng), "p", sts(ready=1), previous, T1)
    assert changed["state"] == "Degraded"
    assert changed["lastUpdateTime"] == T1
    # Same state but no recorded time: now.
    assert pool_status(tenant(eng), "p", sts(), {"state": "RolloutComplete"}, T1)["lastUpdateTime"] == T1


# --- currentState ---------------------------------------------------------------------------------


def cond(kind, status):
    return {"type": kind, "status": status}


@pytest.mark.parametrize(
    ("conditions", "user_fixable", "state"),
    [
        ([cond("Ready", "True"), cond("Reconciling", "False"), cond("Degraded", "False")], False, "Ready"),
        ([cond("Ready", "True")], False, "Ready"),
        ([cond("Ready", "True"), cond("Reconciling", "True")], False, "Reconciling"),
        ([cond("Ready", "True"), cond("Degraded", "True")], False, "Degraded"),
        ([cond("Ready", "False"), cond("Reconciling", "False"), cond("Degraded", "True")], True, "Blocked"),
        ([cond("Ready", "False"), cond("Reconciling", "True"), cond("Degraded", "True")], True, "Blocked"),
        ([cond("Ready", "False"), cond("Reconciling", "True"), cond("Degraded", "True")], False, "Reconciling"),
        ([cond("Ready", "False"), cond("Reconciling", "False"), cond("Degraded", "True")], False, "Degraded"),
        ([cond("Ready", "False"), cond("Reconciling", "False"), cond("Degraded", "False")], False, "NotReady"),
        ([cond("Ready", "Unknown"), cond("Reconciling", "False")], False, "Unknown"),
        ([], False, "Unknown"),
    ],
)
def test_current_state_precedence(conditions, user_fixable, state):
    assert current_state(conditions, user_fixable) == state


# --- the situations of the §10 table --------------------------------------------------------------


def test_new_tenant_with_pods_not_ready(eng):
    status = tenant_status(tenant(eng), [sts(replicas=4, ready=1)], [], None, T0)
    assert status["currentState"] == "Reconciling"
    assert status["availableReplicas"] == 1
    conditions = by_type(status)
    assert (conditions["Ready"]["status"], conditions["Ready"]["reason"]) == ("False", "PodsNotReady")
    assert conditions["Ready"]["message"] == "1/4 pods ready"
    assert (conditions["Reconciling"]["status"], conditions["Reconciling"]["reason"]) == ("True", "PodsNotReady")
    assert conditions["Degraded"]["status"] == "False"
    assert (conditions["WorkloadsReady"]["status"], conditions["WorkloadsReady"]["reason"]) == ("False", "PodsNotReady")
    assert conditions["WorkloadsReady"]["message"] == "1/4 pods ready"
    assert [c["type"] for c in status["conditions"]] == ORDER_PLAIN


def test_pods_not_ready_counts_every_pool(eng):
    doc = tenant(eng, pools=[eng.pool("a", 4, 2), eng.pool("b", 2, 4)])
    status = tenant_status(doc, [sts("a", replicas=4, ready=4), sts("b", replicas=2, ready=0)], [], None, T0)
    assert by_type(status)["Ready"]["message"] == "4/6 pods ready"
    assert status["availableReplicas"] == 4
    assert [p["state"] for p in status["pools"]] == ["RolloutComplete", "Degraded"]


def test_all_ready(eng):
    status = tenant_status(tenant(eng, generation=3), [sts(replicas=2)], [], None, T0)
    assert status["currentState"] == "Ready"
    assert status["observedGeneration"] == 3
    assert status["availableReplicas"] == 2
    assert summary(status) == [
        ("Ready", "True", "ReconcileSucceeded"),
        ("Reconciling", "False", "ReconcileSucceeded"),
        ("Degraded", "False", "ReconcileSucceeded"),
        ("SpecValid", "True", "ReconcileSucceeded"),
        ("CredentialsReady", "True", "ReconcileSucceeded"),
        ("KmsReady", "True", "ReconcileSucceeded"),
        ("PoolsReady", "True", "ReconcileSucceeded"),
        ("WorkloadsReady", "True", "ReconcileSucceeded"),
        # The RustFS operator's reason with nothing to provision.
        ("ProvisioningReady", "True", "ProvisioningConfigured"),
    ]
    for condition in status["conditions"]:
        assert condition["lastTransitionTime"] == T0
        assert condition["observedGeneration"] == 3
    # The erasure layout of the pool is covered by test_status_erasure.py.
    assert status["pools"][0].pop("erasure")["serverLossTolerated"] == 0
    assert status["pools"] == [
        {
            "name": "p",
            "ssName": "demo-p",
            "state": "RolloutComplete",
            "workloadState": "RolloutComplete",
            "lifecycleState": "Active",
            "replicas": 2,
            "readyReplicas": 2,
            "currentReplicas": 2,
            "updatedReplicas": 2,
            "currentRevision": "rev-1",
            "updateRevision": "rev-1",
            "lastUpdateTime": T0,
        }
    ]


def test_all_ready_with_rpc_secret_adds_rpc_auth_ready_after_credentials(eng):
    status = tenant_status(tenant(eng, rpcSecret={"name": "rpc", "key": "k"}), [sts()], [], None, T0)
    assert [c["type"] for c in status["conditions"]] == [
        "Ready",
        "Reconciling",
        "Degraded",
        "SpecValid",
        "CredentialsReady",
        "RpcAuthReady",
        "KmsReady",
        "PoolsReady",
        "WorkloadsReady",
        "ProvisioningReady",
    ]
    assert (by_type(status)["RpcAuthReady"]["status"], by_type(status)["RpcAuthReady"]["reason"]) == (
        "True",
        "ReconcileSucceeded",
    )


def test_all_ready_with_tls_adds_tls_ready_configured(eng):
    status = tenant_status(tenant(eng, tls={"mode": "certManager"}), [sts()], [], None, T0)
    assert [c["type"] for c in status["conditions"]] == [
        "Ready",
        "Reconciling",
        "Degraded",
        "SpecValid",
        "CredentialsReady",
        "KmsReady",
        "TlsReady",
        "PoolsReady",
        "WorkloadsReady",
        "ProvisioningReady",
    ]
    assert (by_type(status)["TlsReady"]["status"], by_type(status)["TlsReady"]["reason"]) == ("True", "TlsConfigured")


def test_tls_disabled_has_no_tls_ready(eng):
    status = tenant_status(tenant(eng, tls={"mode": "disabled"}), [sts()], [], None, T0)
    assert "TlsReady" not in by_type(status)


def test_rollout_in_progress(eng):
    doc = tenant(eng, pools=[eng.pool("alpha", 4, 1)])
    status = tenant_status(doc, [sts("alpha", replicas=4, updated=1, ready=4)], [], None, T0)
    assert status["currentState"] == "Reconciling"
    conditions = by_type(status)
    assert (conditions["Ready"]["status"], conditions["Ready"]["reason"]) == ("False", "RolloutInProgress")
    assert (conditions["Reconciling"]["status"], conditions["Reconciling"]["reason"]) == ("True", "RolloutInProgress")
    assert conditions["Degraded"]["status"] == "False"
    assert (conditions["WorkloadsReady"]["status"], conditions["WorkloadsReady"]["reason"]) == (
        "False",
        "RolloutInProgress",
    )
    assert "alpha" in conditions["Ready"]["message"]


def test_a_pool_not_created_yet_is_a_rollout(eng):
    doc = tenant(eng, pools=[eng.pool("first"), eng.pool("second")])
    status = tenant_status(doc, [sts("first")], [], None, T0)
    assert status["currentState"] == "Reconciling"
    assert by_type(status)["Ready"]["reason"] == "RolloutInProgress"
    assert "second" in by_type(status)["Ready"]["message"]
    assert "first" not in by_type(status)["Ready"]["message"]  # only the pools still rolling out
    assert [p["state"] for p in status["pools"]] == ["RolloutComplete", "NotCreated"]


def test_rollout_wins_over_pods_not_ready(eng):
    doc = tenant(eng, pools=[eng.pool("a"), eng.pool("b")])
    status = tenant_status(doc, [sts("a", ready=0), sts("b", revisions=("r1", "r2"))], [], None, T0)
    assert by_type(status)["Ready"]["reason"] == "RolloutInProgress"


@pytest.mark.parametrize(
    ("reason", "owner"),
    [
        ("CredentialSecretNotFound", "CredentialsReady"),
        ("CredentialSecretMissingKey", "CredentialsReady"),
        ("CredentialSecretInvalidEncoding", "CredentialsReady"),
        ("CredentialSecretTooShort", "CredentialsReady"),
        ("RpcSecretNotFound", "RpcAuthReady"),
        ("RpcSecretInvalidReference", "RpcAuthReady"),
        ("RpcSecretMissingKey", "RpcAuthReady"),
        ("RpcSecretInvalidEncoding", "RpcAuthReady"),
        ("RpcSecretInvalidValue", "RpcAuthReady"),
        ("KmsConfigInvalid", "KmsReady"),
        ("KmsSecretNotFound", "KmsReady"),
        ("KmsSecretMissingKey", "KmsReady"),
        ("StatefulSetUpdateValidationFailed", "WorkloadsReady"),  # §8
        ("PoolDeleteBlocked", "SpecValid"),  # §8
        ("ImmutableFieldModified", "SpecValid"),
        ("InvalidTenantName", "SpecValid"),
        ("InvalidPoolSpec", "SpecValid"),
    ],
)
def test_user_fixable_problem_blocks_with_its_owning_condition_false(eng, reason, owner):
    doc = tenant(eng, generation=2, rpcSecret={"name": "rpc", "key": "k"})
    status = tenant_status(doc, [sts()], [problem(reason, message="fix me")], None, T0)
    assert status["currentState"] == "Blocked"
    assert status["observedGeneration"] == 2
    conditions = by_type(status)
    assert (conditions["Ready"]["status"], conditions["Ready"]["reason"]) == ("False", reason)
    assert (conditions["Reconciling"]["status"], conditions["Reconciling"]["reason"]) == ("False", reason)
    assert (conditions["Degraded"]["status"], conditions["Degraded"]["reason"]) == ("True", reason)
    assert (conditions[owner]["status"], conditions[owner]["reason"]) == ("False", reason)
    assert "fix me" in conditions[owner]["message"] and "spec.x" in conditions[owner]["message"]
    assert "fix me" in conditions["Ready"]["message"]
    # No other component condition is False: only the owner is blamed.
    others = [c["type"] for c in status["conditions"][3:] if c["status"] == "False"]
    assert others == [owner]
    assert [c["type"] for c in status["conditions"]][:5] == [
        "Ready",
        "Reconciling",
        "Degraded",
        "SpecValid",
        "CredentialsReady",
    ]


def test_credentials_too_short_is_blocked_on_credentials_ready(eng):
    errors = [problem("CredentialSecretTooShort", "spec.credsSecret", "Secret creds key accesskey is too short")]
    status = tenant_status(tenant(eng, credsSecret={"name": "creds"}), [sts()], errors, None, T0)
    assert status["currentState"] == "Blocked"
    conditions = by_type(status)
    assert (conditions["CredentialsReady"]["status"], conditions["CredentialsReady"]["reason"]) == (
        "False",
        "CredentialSecretTooShort",
    )
    assert conditions["SpecValid"]["status"] == "True"


def test_tls_problem_is_owned_by_tls_ready(eng):
    status = tenant_status(tenant(eng, tls={"mode": "certManager"}), [], [problem("CertificateSanMismatch")], None, T0)
    assert status["currentState"] == "Blocked"
    assert (by_type(status)["TlsReady"]["status"], by_type(status)["TlsReady"]["reason"]) == (
        "False",
        "CertificateSanMismatch",
    )


def test_a_certificate_the_api_server_refused_blocks_on_tls_ready(eng):
    refused = problem("CertManagerCertificateApplyFailed", "spec.tls", "the API server refused Certificate x")
    status = tenant_status(tenant(eng, tls={"mode": "certManager"}), [], [refused], None, T0)
    assert status["currentState"] == "Blocked"
    conditions = by_type(status)
    assert (conditions["TlsReady"]["status"], conditions["TlsReady"]["reason"]) == (
        "False",
        "CertManagerCertificateApplyFailed",
    )
    assert status["certificates"]["tls"]["lastErrorReason"] == "CertManagerCertificateApplyFailed"


def test_a_statefulset_the_api_server_refused_degrades_on_workloads_ready(eng):
    """As the RustFS operator's StatusError::statefulset_apply_failed: degraded, not blocked (spec 10)."""
    refused = problem("StatefulSetApplyFailed", "spec.pools[0]", "the API server refused StatefulSet demo-p")
    status = tenant_status(tenant(eng), [sts()], [refused], None, T0)
    assert status["currentState"] == "Degraded"
    conditions = by_type(status)
    for kind, value in (
        ("Ready", "False"),
        ("Reconciling", "False"),
        ("Degraded", "True"),
        ("WorkloadsReady", "False"),
    ):
        assert (conditions[kind]["status"], conditions[kind]["reason"]) == (value, "StatefulSetApplyFailed")
    assert "demo-p" in conditions["WorkloadsReady"]["message"]
    assert conditions["SpecValid"]["status"] == "True"
    # With a user-fixable problem beside it, the tenant is blocked.
    both = tenant_status(tenant(eng), [sts()], [refused, problem("InvalidPoolSpec")], None, T0)
    assert both["currentState"] == "Blocked"


def test_blocked_beats_a_running_rollout_and_reports_every_problem(eng):
    problems = [
        problem("StatefulSetUpdateValidationFailed", "spec.pools[0].servers", "servers cannot change"),
        problem("StatefulSetUpdateValidationFailed", "spec.pools[1].servers", "servers cannot change either"),
        problem("PoolDeleteBlocked", "spec.pools", "put it back"),
    ]
    status = tenant_status(tenant(eng), [sts(revisions=("a", "b"))], problems, None, T0)
    assert status["currentState"] == "Blocked"
    conditions = by_type(status)
    assert conditions["Ready"]["reason"] == "StatefulSetUpdateValidationFailed"  # the first problem
    for text in ("spec.pools[0].servers", "spec.pools[1].servers", "put it back"):
        assert text in conditions["Ready"]["message"]
    assert "spec.pools[1].servers" in conditions["WorkloadsReady"]["message"]
    assert (conditions["SpecValid"]["status"], conditions["SpecValid"]["reason"]) == ("False", "PoolDeleteBlocked")
    # Nothing was applied: pool/provisioning readiness is not claimed.
    assert conditions["PoolsReady"]["status"] == "Unknown"
    assert conditions["ProvisioningReady"]["status"] == "Unknown"


def test_provisioning_is_claimed_only_for_what_was_verified(eng):
    """spec.buckets not provisioned yet: ProvisioningReady Unknown (pending), the tenant not Ready; True once
    status.provisioning says every item was verified in RustFS; a failed item blocks the tenant."""
    plain = tenant_status(tenant(eng), [sts(replicas=2)], [], None, T0)
    assert (by_type(plain)["ProvisioningReady"]["status"], plain["currentState"]) == ("True", "Ready")
    asked = tenant_status(tenant(eng, buckets=[{"name": "photos"}]), [sts(replicas=2)], [], None, T0)
    condition = by_type(asked)["ProvisioningReady"]
    assert (condition["status"], condition["reason"]) == ("Unknown", "ProvisioningPending")
    assert asked["currentState"] == "Reconciling"
    item = {"name": "photos", "state": "Ready", "reason": "ProvisioningConfigured", "message": "verified"}
    done = tenant_status(
        tenant(eng, buckets=[{"name": "photos"}]),
        [sts(replicas=2)],
        [],
        None,
        T0,
        None,
        {"phase": "Ready", "buckets": [item]},
    )
    assert (by_type(done)["ProvisioningReady"]["status"], done["currentState"]) == ("True", "Ready")
    assert done["provisioning"]["buckets"] == [item]
    failed = {"phase": "Failed", "buckets": [{**item, "state": "Failed", "reason": "BucketCreateFailed"}]}
    blocked = tenant_status(tenant(eng, buckets=[{"name": "photos"}]), [sts(replicas=2)], [], None, T0, None, failed)
    assert by_type(blocked)["ProvisioningReady"]["reason"] == "BucketCreateFailed"
    assert blocked["currentState"] == "Blocked"


# --- timestamps, generations, stale conditions ----------------------------------------------------


def test_an_unchanged_tenant_gets_an_identical_status(eng):
    first = tenant_status(tenant(eng, generation=5), [sts()], [], None, T0)
    again = tenant_status(tenant(eng, generation=5), [sts()], [], copy.deepcopy(first), T1)
    assert again == first  # nothing to write
    assert {c["lastTransitionTime"] for c in again["conditions"]} == {T0}
    assert again["pools"][0]["lastUpdateTime"] == T0


def test_last_transition_time_moves_only_when_the_status_flips(eng):
    reconciling = tenant_status(tenant(eng), [sts(replicas=4, updated=1, ready=4)], [], None, T0)
    # Same statuses, different reason (RolloutInProgress -> PodsNotReady): no time moves.
    pods = tenant_status(tenant(eng), [sts(replicas=4, ready=3)], [], reconciling, T1)
    assert by_type(pods)["Ready"]["reason"] == "PodsNotReady"
    assert {c["lastTransitionTime"] for c in pods["conditions"]} == {T0}
    # Ready, Reconciling and WorkloadsReady flip; the others keep their time.
    ready = tenant_status(tenant(eng), [sts(replicas=4)], [], pods, T2)
    times = {c["type"]: c["lastTransitionTime"] for c in ready["conditions"]}
    assert times == {
        "Ready": T2,
        "Reconciling": T2,
        "Degraded": T0,
        "SpecValid": T0,
        "CredentialsReady": T0,
        "KmsReady": T0,
        "PoolsReady": T0,
        "WorkloadsReady": T2,
        "ProvisioningReady": T0,
    }


def test_a_previous_condition_without_a_time_gets_now(eng):
    previous = {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconcileSucceeded"}]}
    status = tenant_status(tenant(eng), [sts()], [], previous, T1)
    assert by_type(status)["Ready"]["lastTransitionTime"] == T1


def test_observed_generation_follows_the_tenant(eng):
    status = tenant_status(tenant(eng, generation=9), [sts()], [], {"observedGeneration": 8}, T0)
    assert status["observedGeneration"] == 9
    assert {c["observedGeneration"] for c in status["conditions"]} == {9}
    # Without a generation (a Tenant never stored) nothing claims one.
    status = tenant_status(tenant(eng, generation=None), [sts()], [], None, T0)
    assert "observedGeneration" not in status
    assert all("observedGeneration" not in c for c in status["conditions"])


def test_stale_and_legacy_conditions_are_dropped(eng):
    previous = {
        "conditions": [
            {"type": "Progressing", "status": "True", "lastTransitionTime": T0},
            {"type": "RpcAuthReady", "status": "False", "reason": "RpcSecretNotFound", "lastTransitionTime": T0},
            {"type": "TlsReady", "status": "True", "reason": "TlsConfigured", "lastTransitionTime": T0},
        ]
    }
    status = tenant_status(tenant(eng), [sts()], [], previous, T1)
    assert [c["type"] for c in status["conditions"]] == ORDER_PLAIN


def test_pools_follow_the_spec_and_match_statefulsets_by_label(eng):
    doc = tenant(eng, pools=[eng.pool("b"), eng.pool("a")])
    previous = {"pools": [{"name": "a", "lifecycleState": "Decommissioning", "state": "RolloutComplete"}]}
    status = tenant_status(doc, [sts("a", replicas=2), sts("b", replicas=2, ready=1), sts("gone")], [], previous, T0)
    assert [(p["name"], p["ssName"], p["state"], p["lifecycleState"]) for p in status["pools"]] == [
        ("b", "demo-b", "Degraded", "Active"),
        ("a", "demo-a", "RolloutComplete", "Decommissioning"),
    ]
    assert status["availableReplicas"] == 3


def test_a_ready_pool_that_loses_a_pod_is_degraded_not_starting(eng):
    t = tenant(eng)
    ready = tenant_status(t, [sts(replicas=2)], [], None, T0)
    assert ready["currentState"] == "Ready"
    lost = tenant_status(t, [sts(replicas=2, ready=1)], [], ready, T1)
    conditions = by_type(lost)
    assert lost["currentState"] == "Degraded"
    assert (conditions["Ready"]["status"], conditions["Ready"]["reason"]) == ("False", "PoolDegraded")
    assert conditions["Ready"]["message"] == "pool p: 1/2 pods ready"
    assert (conditions["Degraded"]["status"], conditions["Reconciling"]["status"]) == ("True", "False")
    assert (conditions["PoolsReady"]["status"], conditions["PoolsReady"]["reason"]) == ("False", "PoolDegraded")
    # Still short on the next pass: still degraded (not mistaken for a start-up).
    again = tenant_status(t, [sts(replicas=2, ready=1)], [], lost, T2)
    assert again["currentState"] == "Degraded"
    assert by_type(again)["Degraded"]["lastTransitionTime"] == T1
    # Recovered.
    assert tenant_status(t, [sts(replicas=2)], [], again, T2)["currentState"] == "Ready"


def test_a_new_pool_with_pods_not_ready_is_starting_not_degraded(eng):
    status = tenant_status(tenant(eng), [sts(replicas=2, ready=0)], [], None, T0)
    assert status["currentState"] == "Reconciling"
    assert by_type(status)["Ready"]["reason"] == "PodsNotReady"


# --- held pools and stalled rollouts (issue 7) ----------------------------------------------------

DEADLINE = "operator.rustfs.com/rollout-deadline-seconds"


def held_sts(pool="p", replicas=2, **fields):
    statefulset = sts(pool, replicas=replicas, **fields)
    statefulset["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": replicas}}
    return statefulset


def annotated(eng, value, pools=None):
    doc = eng.tenant("demo", "ns", pools=pools or [eng.pool("p", 2, 2)], annotations={DEADLINE: value})
    doc["metadata"]["generation"] = 1
    return parse_tenant(doc)


def rolling(**fields):
    """Pool p half-way through a rollout: 1 of 2 pods updated."""
    return sts(updated=1, current=1, revisions=("rev-1", "rev-2"), **fields)


def test_a_held_pool_says_so(eng):
    item = pool_status(tenant(eng), "p", held_sts(revisions=("r1", "r2")), {}, T0)
    assert item["held"] is True
    assert item["state"] == "Updating"
    assert "held" not in pool_status(tenant(eng), "p", sts(), {}, T0)
    released = sts()
    released["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert "held" not in pool_status(tenant(eng), "p", released, {}, T0)


def test_an_updating_pool_keeps_its_time_only_while_it_makes_no_progress(eng):
    first = pool_status(tenant(eng), "p", rolling(), {}, T0)
    assert pool_status(tenant(eng), "p", rolling(), first, T1)["lastUpdateTime"] == T0
    progressed = pool_status(tenant(eng), "p", rolling(ready=1), first, T1)
    assert progressed["lastUpdateTime"] == T1
    # Released from a hold: the clock starts again.
    waiting = pool_status(tenant(eng), "p", held_sts(revisions=("rev-1", "rev-2")), {}, T0)
    released = pool_status(tenant(eng), "p", sts(revisions=("rev-1", "rev-2")), waiting, T1)
    assert released["lastUpdateTime"] == T1


def test_the_rollout_message_names_the_pools_waiting_for_their_turn(eng):
    doc = tenant(eng, pools=[eng.pool("a"), eng.pool("b"), eng.pool("c")])
    status = tenant_status(
        doc, [sts("a", revisions=("r1", "r2")), held_sts("b", revisions=("r1", "r2")), sts("c")], [], None, T0
    )
    assert by_type(status)["Ready"]["message"] == "rolling out pools: a (waiting for their turn: b)"
    # Only held pools left (the rolling one just completed, the next not released yet).
    status = tenant_status(doc, [sts("a"), held_sts("b", revisions=("r1", "r2")), sts("c")], [], None, T0)
    assert by_type(status)["Ready"]["message"] == "rolling out pools: b"


def stalled_status(eng, doc=None, now="2025-01-01T00:10:00Z", statefulset=None):
    doc = doc or tenant(eng)
    first = tenant_status(doc, [statefulset or rolling()], [], None, T0)
    return tenant_status(doc, [statefulset or rolling()], [], first, now)


def test_a_rollout_without_progress_past_the_deadline_is_stalled(eng):
    status = stalled_status(eng)  # 10 minutes = the default deadline
    assert status["currentState"] == "Degraded"
    assert summary(status)[:3] == [
        ("Ready", "False", "RolloutStalled"),
        ("Reconciling", "False", "RolloutStalled"),
        ("Degraded", "True", "RolloutStalled"),
    ]
    conditions = by_type(status)
    assert (conditions["WorkloadsReady"]["status"], conditions["WorkloadsReady"]["reason"]) == (
        "False",
        "RolloutStalled",
    )
    assert conditions["PoolsReady"]["status"] == "True"
    message = conditions["Ready"]["message"]
    assert message.startswith("pool p (StatefulSet demo-p) made no rollout progress for 10m (deadline 600s")
    assert "1/2 pods updated, 2/2 ready" in message
    assert "kubectl -n ns get pods -l rustfs.tenant=demo,rustfs.pool=p" in message
    assert "describe pod" in message
    assert status["pools"][0]["lastUpdateTime"] == T0


def test_a_rollout_within_the_deadline_is_in_progress(eng):
    status = stalled_status(eng, now="2025-01-01T00:09:59Z")
    assert status["currentState"] == "Reconciling"
    assert by_type(status)["Ready"]["reason"] == "RolloutInProgress"


def test_the_deadline_annotation_sets_the_deadline(eng):
    assert stalled_status(eng, annotated(eng, "1800"))["currentState"] == "Reconciling"
    status = stalled_status(eng, annotated(eng, "60"), now="2025-01-01T01:02:03Z")
    assert "made no rollout progress for 1h2m (deadline 60s" in by_type(status)["Ready"]["message"]
    status = stalled_status(eng, annotated(eng, "60"), now="2025-01-01T00:01:30Z")
    assert "for 1m30s (deadline 60s" in by_type(status)["Ready"]["message"]
    status = stalled_status(eng, annotated(eng, "1"), now="2025-01-01T00:00:05Z")
    assert "for 5s (deadline 1s" in by_type(status)["Ready"]["message"]


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", "", " ", "99999999999"])
def test_an_invalid_deadline_is_an_error_and_the_default_applies(eng, value):
    doc = annotated(eng, value)
    assert [(e["field"], e["reason"]) for e in rollout_deadline_errors(doc)] == [
        (f"metadata.annotations[{DEADLINE}]", "InvalidSpec")
    ]
    assert rollout_deadline(doc) == 600


def test_deadline_values(eng):
    assert rollout_deadline(tenant(eng)) == 600
    assert rollout_deadline_errors(tenant(eng)) == []
    assert rollout_deadline(annotated(eng, "42")) == 42
    assert rollout_deadline(annotated(eng, " 42 ")) == 42


def test_a_held_pool_is_waiting_not_stalled(eng):
    status = stalled_status(eng, statefulset=held_sts(revisions=("rev-1", "rev-2")))
    assert status["currentState"] == "Reconciling"
    assert by_type(status)["Ready"]["reason"] == "RolloutInProgress"


def test_a_pool_without_a_readable_time_is_not_timed(eng):
    doc = tenant(eng)
    previous = {"pools": [{**pool_status(doc, "p", rolling(), {}, T0), "lastUpdateTime": "yesterday"}]}
    status = tenant_status(doc, [rolling()], [], previous, T2)
    assert by_type(status)["Ready"]["reason"] == "RolloutInProgress"
    # A time without a zone is not one we wrote: not timed either.
    previous["pools"][0]["lastUpdateTime"] = "2025-01-01T00:00:00"
    assert by_type(tenant_status(doc, [rolling()], [], previous, T2))["Ready"]["reason"] == "RolloutInProgress"
    # Nor with a `now` that is not a time.
    assert by_type(stalled_status(eng, now="later"))["Ready"]["reason"] == "RolloutInProgress"


def test_problems_win_over_a_stalled_rollout(eng):
    doc = tenant(eng)
    first = tenant_status(doc, [rolling()], [], None, T0)
    status = tenant_status(doc, [rolling()], [problem("CredentialSecretNotFound")], first, T2)
    assert status["currentState"] == "Blocked"


def test_every_stalled_pool_is_named(eng):
    doc = tenant(eng, pools=[eng.pool("a"), eng.pool("b")])
    live = [sts("a", updated=0, revisions=("r1", "r2")), sts("b", updated=0, revisions=("r1", "r2"))]
    status = tenant_status(doc, live, [], tenant_status(doc, live, [], None, T0), T2)
    message = by_type(status)["Ready"]["message"]
    assert "pool a (StatefulSet demo-a)" in message and "; pool b (StatefulSet demo-b)" in message


def test_a_stalled_rollout_that_moves_again_is_in_progress(eng):
    doc = tenant(eng)
    stalled = stalled_status(eng)
    moving = tenant_status(doc, [rolling(ready=1)], [], stalled, "2025-01-01T00:11:00Z")
    assert moving["currentState"] == "Reconciling"
    assert moving["pools"][0]["lastUpdateTime"] == "2025-01-01T00:11:00Z"


def test_stall_recheck_seconds(eng):
    doc = tenant(eng)
    status = tenant_status(doc, [rolling()], [], None, T0)
    assert stall_recheck_seconds(doc, status, T1) == 300
    assert stall_recheck_seconds(doc, status, T2) is None  # stalled already: reported
    assert stall_recheck_seconds(doc, tenant_status(doc, [sts()], [], None, T0), T1) is None
    waiting = tenant_status(doc, [held_sts(revisions=("r1", "r2"))], [], None, T0)
    assert stall_recheck_seconds(doc, waiting, T1) is None
    two = tenant(eng, pools=[eng.pool("a"), eng.pool("p")])
    both = tenant_status(two, [sts("a", updated=0, revisions=("r1", "r2")), rolling()], [], None, T0)
    both["pools"][0]["lastUpdateTime"] = "2024-12-31T23:58:00Z"
    assert stall_recheck_seconds(two, both, T1) == 180


# --- pool lifecycle (decommission, spec 9.5) ------------------------------------------------------


def two_pools(eng, generation=1):
    return tenant(eng, generation=generation, pools=[eng.pool("a", 2, 2), eng.pool("b", 2, 2)])


def lifecycle_status(state, phase, **decommission):
    return {
        "pools": [
            {"name": "a", "lifecycleState": state, "decommission": {"requestId": "r1", "phase": phase, **decommission}},
            {"name": "b", "lifecycleState": "Active"},
        ]
    }


def test_a_draining_pool_keeps_the_tenant_reconciling_on_workloads_ready(eng):
    previous = lifecycle_status("Decommissioning", "Running", message="moving data to the other pools (40% done)")
    status = tenant_status(two_pools(eng), [sts("a"), sts("b")], [], previous, T0)
    assert status["currentState"] == "Reconciling"
    conditions = by_type(status)
    assert (conditions["Ready"]["status"], conditions["Ready"]["reason"]) == ("False", "PoolDecommissioning")
    assert conditions["Reconciling"]["status"] == "True"
    assert (conditions["Degraded"]["status"], conditions["Degraded"]["reason"]) == ("False", "ReconcileSucceeded")
    # Where the RustFS operator reports it (finish_reconciling): WorkloadsReady; PoolsReady stays True.
    workloads = conditions["WorkloadsReady"]
    assert (workloads["status"], workloads["reason"]) == ("False", "PoolDecommissioning")
    assert "a: moving data to the other pools (40% done)" in workloads["message"]
    assert (conditions["PoolsReady"]["status"], conditions["PoolsReady"]["reason"]) == ("True", "ReconcileSucceeded")
    # The lifecycle fields survive a recomputation from the StatefulSets alone (the operator's refresh).
    item = status["pools"][0]
    assert item["lifecycleState"] == "Decommissioning" and item["decommission"]["phase"] == "Running"


@pytest.mark.parametrize(
    ("state", "reason", "hint"),
    [
        ("DecommissionFailed", "PoolDecommissionFailed", "cancel it"),
        ("DecommissionCanceled", "PoolDecommissionCanceled", "remove the request"),
    ],
)
def test_a_failed_or_canceled_decommission_blocks_with_what_to_do(eng, state, reason, hint):
    status = tenant_status(two_pools(eng), [sts("a"), sts("b")], [], lifecycle_status(state, "Failed"), T0)
    assert status["currentState"] == "Blocked"
    conditions = by_type(status)
    assert conditions["Ready"]["reason"] == conditions["PoolsReady"]["reason"] == reason
    assert conditions["PoolsReady"]["status"] == "False"
    assert conditions["Degraded"]["status"] == "True" and hint in conditions["PoolsReady"]["message"]
    assert (conditions["WorkloadsReady"]["status"], conditions["WorkloadsReady"]["reason"]) == (
        "True",
        "ReconcileSucceeded",
    )


def test_a_decommissioned_pool_no_longer_counts_and_keeps_its_entry_after_leaving_the_spec(eng):
    previous = lifecycle_status("Decommissioned", "Complete", cleanup={"state": "PvcRetained"})
    # Still in the spec, StatefulSet gone: the tenant is Ready on pool b alone.
    status = tenant_status(two_pools(eng), [sts("b")], [], previous, T0)
    assert status["currentState"] == "Ready" and status["availableReplicas"] == 2
    assert [(p["name"], p["lifecycleState"]) for p in status["pools"]] == [("b", "Active"), ("a", "Decommissioned")]
    assert "erasure" not in status["pools"][1]
    # Gone from the spec: the entry stays (it is what allowed the removal), unchanged.
    only_b = tenant(eng, pools=[eng.pool("b", 2, 2)])
    after = tenant_status(only_b, [sts("b")], [], status, T1)
    assert after["pools"][1] == status["pools"][1]
    assert after["currentState"] == "Ready"


def test_a_drained_pool_whose_statefulset_is_being_deleted_is_reconciling(eng):
    previous = lifecycle_status("Decommissioned", "Complete", cleanup={"state": "StatefulSetDeleting"})
    status = tenant_status(two_pools(eng), [sts("a"), sts("b")], [], previous, T0)
    assert status["currentState"] == "Reconciling"
    conditions = by_type(status)
    # Still decommissioning (the RustFS operator's "cleanup is in progress"), on WorkloadsReady.
    assert conditions["Ready"]["reason"] == "PoolDecommissioning"
    assert (conditions["WorkloadsReady"]["status"], conditions["WorkloadsReady"]["reason"]) == (
        "False",
        "PoolDecommissioning",
    )
    assert "deleting its StatefulSet" in conditions["WorkloadsReady"]["message"]
    assert conditions["PoolsReady"]["status"] == "True"
    assert status["availableReplicas"] == 2  # pool a's pods no longer count


def test_a_refused_decommission_request_is_owned_by_pools_ready(eng):
    refused = problem("PoolDecommissionFailed", "spec.poolLifecycle.decommissionRequests[0].poolName")
    status = tenant_status(two_pools(eng), [sts("a"), sts("b")], [refused], None, T0)
    assert status["currentState"] == "Blocked"
    assert by_type(status)["PoolsReady"]["reason"] == "PoolDecommissionFailed"
