"""The operator's pure logic, without a cluster: digests, references, status fields, settings.

Expected values come from the behaviour docs/operator.md promises (what must
and must not trigger a playbook run) and from the Tenant API's section 10.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rustfs_operator import config
from rustfs_operator.cache import ClusterView
from rustfs_operator.digest import child_of, children_digest, input_digest, tenant_input
from rustfs_operator.references import referenced_configmaps, referenced_secrets
from rustfs_operator.status import engine_view, last_run, reconciling

TENANT: dict[str, Any] = {
    "apiVersion": "rustfs.com/v1alpha1",
    "kind": "Tenant",
    "metadata": {
        "name": "t",
        "namespace": "ns",
        "uid": "u-1",
        "generation": 3,
        "resourceVersion": "100",
        "labels": {"team": "a"},
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "rustfs.com/delete-volumes": "true",
            "operator.rustfs.com/runtime-default-image-ack": "yes",
        },
        "finalizers": ["rustfs.com/finalizer"],
    },
    "spec": {"credsSecret": {"name": "creds"}, "pools": [{"name": "p", "servers": 2}]},
    "status": {"currentState": "Ready"},
}


def digest(tenant: dict[str, Any], secrets: dict[str, str | None] | None = None, settings: str = "s") -> str:
    return input_digest(tenant_input(tenant), secrets or {"creds": "7"}, settings)


# --- what reaches the playbook ----------------------------------------------------


def test_the_playbook_gets_identity_labels_annotations_and_spec_but_no_status_or_bookkeeping() -> None:
    given = tenant_input(TENANT)
    assert given["metadata"] == {
        "name": "t",
        "namespace": "ns",
        "uid": "u-1",
        "generation": 3,
        "labels": {"team": "a"},
        "annotations": {"operator.rustfs.com/runtime-default-image-ack": "yes"},
    }
    assert given["spec"] == TENANT["spec"]
    assert "status" not in given


@pytest.mark.parametrize(
    "spec",
    [
        {"credsSecret": {"name": "a"}},
        {"rpcSecret": {"name": "a", "key": "k"}},
        {"encryption": {"kmsSecret": {"name": "a"}}},
        {"encryption": {"local": {"masterKeySecretRef": {"name": "a", "key": "k"}}}},
        {"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "a", "key": "k"}}}]},
        {"pools": [{"name": "p", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "a", "key": "k"}}}]}]},
        {"tls": {"secretName": "a"}},
    ],
)
def test_every_secret_reference_is_found(spec: dict[str, Any]) -> None:
    assert referenced_secrets(spec) == ["a"]


def test_a_kms_secret_change_reaches_the_tenants_that_reference_it() -> None:
    """The engine reads the KMS Secret (KmsSecretNotFound, KmsSecretMissingKey): its changes must re-run."""
    view = ClusterView()
    vault = {"enabled": True, "backend": "vault", "kmsSecret": {"name": "vault-kms"}}
    local = {"enabled": True, "local": {"masterKeySecretRef": {"name": "local-kms", "key": "master-key"}}}
    for name, encryption in (("v", vault), ("l", local)):
        view.put_tenant({"metadata": {"name": name, "namespace": "ns"}, "spec": {"encryption": encryption}})
    view.bind([], {("ns", "vault-kms"): ["7"]})
    assert view.tenants_referencing("ns", "vault-kms") == [("ns", "v")]
    assert view.tenants_referencing("ns", "local-kms") == [("ns", "l")]
    assert view.tenants_referencing("other", "vault-kms") == []
    # Their resourceVersions are inputs of the digest; a missing Secret counts too (None).
    assert view.secret_versions(("ns", "v")) == {"vault-kms": "7"}
    assert view.secret_versions(("ns", "l")) == {"local-kms": None}


def test_references_are_unique_and_sorted_and_blank_names_ignored() -> None:
    spec = {"credsSecret": {"name": "b"}, "rpcSecret": {"name": "a"}, "kmsSecret": {"name": ""}, "x": {"name": "c"}}
    assert referenced_secrets(spec) == ["a", "b"]


def test_a_provisioned_users_secret_is_referenced_by_default_by_its_name() -> None:
    """spec.users[].credsSecret defaults to a Secret named after the user: fixing it re-reconciles."""
    spec = {"users": [{"name": "app", "policies": ["p"]}, {"name": "svc", "credsSecret": {"name": "svc-keys"}}]}
    assert referenced_secrets(spec) == ["app", "svc-keys"]


def test_a_policy_configmap_change_reaches_the_tenants_whose_policies_it_holds() -> None:
    """A policy document edited in its ConfigMap must be applied to RustFS: its changes re-run the tenant."""
    view = ClusterView()
    policy = {"name": "read", "document": {"configMapKeyRef": {"name": "policies", "key": "read"}}}
    env = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "env-cm", "key": "x"}}}]
    view.put_tenant({"metadata": {"name": "p", "namespace": "ns"}, "spec": {"policies": [policy]}})
    view.put_tenant({"metadata": {"name": "e", "namespace": "ns"}, "spec": {"pools": [{"name": "a", "env": env}]}})
    view.bind([], {}, {("ns", "policies"): ["11"]})
    assert view.tenants_referencing_configmap("ns", "policies") == [("ns", "p")]
    # The engine reads no other ConfigMap (an env var's is the kubelet's business).
    assert view.tenants_referencing_configmap("ns", "env-cm") == []
    assert view.tenants_referencing_configmap("other", "policies") == []
    assert view.configmap_versions(("ns", "p")) == {"policies": "11"}
    assert view.configmap_versions(("ns", "e")) == {}
    tenant = tenant_input(view.tenants[("ns", "p")])
    assert input_digest(tenant, {}, "s", None, {"policies": "11"}) != input_digest(
        tenant, {}, "s", None, {"policies": "12"}
    )
    # A tenant that names no ConfigMap keeps the digest it had before ConfigMaps were watched.
    assert input_digest(tenant, {}, "s", None, {}) == input_digest(tenant, {}, "s")


def test_configmap_references_are_unique_sorted_and_blank_names_ignored() -> None:
    doc = {"configMapKeyRef": {"name": "b", "key": "k"}}
    policies = [{"name": "1", "document": doc}, {"name": "2", "document": {"configMapKeyRef": {"name": "a"}}}]
    policies += [{"name": "3", "document": doc}, {"name": "4", "document": {"configMapKeyRef": {"name": ""}}}]
    assert referenced_configmaps({"policies": policies}) == ["a", "b"]


# --- what must and must not trigger a run -----------------------------------------


def test_the_input_digest_is_stable() -> None:
    assert digest(TENANT) == digest(copy.deepcopy(TENANT))


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t["spec"]["pools"][0].update(servers=4),
        lambda t: t["metadata"].update(generation=4),
        lambda t: t["metadata"]["labels"].update(team="b"),
        lambda t: t["metadata"]["annotations"].update({"operator.rustfs.com/runtime-default-image-ack": "no"}),
        lambda t: t["metadata"].update(uid="u-2"),
    ],
)
def test_a_change_the_playbook_would_see_changes_the_digest(change: Any) -> None:
    changed = copy.deepcopy(TENANT)
    change(changed)
    assert digest(changed) != digest(TENANT)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.update(status={"currentState": "Reconciling", "lastRun": {"result": "Failed"}}),
        lambda t: t["metadata"].update(resourceVersion="101"),
        lambda t: t["metadata"]["annotations"].update({"kubectl.kubernetes.io/last-applied-configuration": "{1}"}),
        lambda t: t["metadata"]["annotations"].update({"rustfs.com/delete-volumes": "false"}),
        lambda t: t["metadata"].update(finalizers=[]),
    ],
)
def test_status_and_bookkeeping_do_not_change_the_digest(change: Any) -> None:
    changed = copy.deepcopy(TENANT)
    change(changed)
    assert digest(changed) == digest(TENANT)


def test_a_referenced_secret_change_or_appearance_changes_the_digest() -> None:
    assert digest(TENANT, {"creds": "8"}) != digest(TENANT, {"creds": "7"})
    assert digest(TENANT, {"creds": None}) != digest(TENANT, {"creds": "7"})


def test_operator_settings_are_part_of_the_digest() -> None:
    assert digest(TENANT, settings="0.1.0|image-a") != digest(TENANT, settings="0.1.0|image-b")


def statefulset(generation: int = 1, ready: int = 2, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "t-p",
            "namespace": "ns",
            "generation": generation,
            "resourceVersion": str(100 + ready + generation),
            "labels": labels or {"rustfs.tenant": "t", "rustfs.pool": "p"},
            "ownerReferences": [{"uid": "u-1", "controller": True}],
        },
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "rustfs"}]}}},
        "status": {"readyReplicas": ready, "replicas": 2},
    }


def test_statefulset_readiness_is_no_drift_but_its_spec_and_labels_are() -> None:
    base = child_of("StatefulSet", statefulset(), 0.0).fingerprint
    assert child_of("StatefulSet", statefulset(ready=1), 5.0).fingerprint == base
    assert child_of("StatefulSet", statefulset(generation=2), 0.0).fingerprint != base
    assert child_of("StatefulSet", statefulset(labels={"rustfs.tenant": "t"}), 0.0).fingerprint != base


def test_the_operator_keeps_a_slim_statefulset_only() -> None:
    slim = child_of("StatefulSet", statefulset(), 0.0).statefulset
    assert slim is not None
    assert set(slim) == {"metadata", "spec", "status"}
    assert slim["spec"] == {"replicas": 2}
    assert "ownerReferences" not in slim["metadata"]


def test_other_children_are_compared_by_resource_version_and_order_does_not_matter() -> None:
    a = child_of("Service", {"metadata": {"name": "a", "resourceVersion": "1"}}, 0.0)
    b = child_of("Service", {"metadata": {"name": "b", "resourceVersion": "2"}}, 0.0)
    b2 = child_of("Service", {"metadata": {"name": "b", "resourceVersion": "3"}}, 0.0)
    assert children_digest([a, b]) == children_digest([b, a])
    assert children_digest([a, b]) != children_digest([a, b2])
    assert children_digest([a, b]) != children_digest([a])


# --- status fields the operator writes --------------------------------------------


def test_a_new_generation_sets_reconciling_and_keeps_other_conditions() -> None:
    previous = {
        "currentState": "Ready",
        "observedGeneration": 1,
        "availableReplicas": 2,
        "pools": [{"name": "p"}],
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "ReconcileSucceeded", "lastTransitionTime": "T0"},
            {"type": "Reconciling", "status": "False", "reason": "ReconcileSucceeded", "lastTransitionTime": "T0"},
            {"type": "Degraded", "status": "False", "reason": "ReconcileSucceeded", "lastTransitionTime": "T0"},
            {"type": "SpecValid", "status": "True", "reason": "ReconcileSucceeded", "lastTransitionTime": "T0"},
        ],
    }
    fields = reconciling(previous, 2, "T1")
    assert fields["currentState"] == "Reconciling"
    assert fields["observedGeneration"] == 2
    by_type = {c["type"]: c for c in fields["conditions"]}
    assert [c["type"] for c in fields["conditions"]] == ["Ready", "Reconciling", "Degraded", "SpecValid"]
    assert (by_type["Ready"]["status"], by_type["Ready"]["reason"]) == ("False", "ReconcileStarted")
    assert by_type["Ready"]["lastTransitionTime"] == "T1"
    assert (by_type["Reconciling"]["status"], by_type["Reconciling"]["lastTransitionTime"]) == ("True", "T1")
    # Degraded stays False: its transition time does not move.
    assert (by_type["Degraded"]["status"], by_type["Degraded"]["lastTransitionTime"]) == ("False", "T0")
    assert by_type["SpecValid"] == previous["conditions"][3]
    assert "pools" not in fields and "availableReplicas" not in fields


def test_a_failed_run_makes_ready_unknown_with_the_reason() -> None:
    fields = reconciling({}, 1, "T1", ready="Unknown", reason="KubernetesApiError", message="boom")
    ready = fields["conditions"][0]
    assert (ready["type"], ready["status"], ready["reason"], ready["message"]) == (
        "Ready",
        "Unknown",
        "KubernetesApiError",
        "boom",
    )
    assert fields["currentState"] == "Reconciling"
    # A first write still carries the required fields.
    assert fields["pools"] == [] and fields["availableReplicas"] == 0


def test_last_run_lists_at_most_twenty_changes() -> None:
    changed = [{"kind": "Service", "name": f"s{i}", "action": "created"} for i in range(25)]
    summary = last_run(
        result="Succeeded", generation=2, started="T", duration=3.14159, changed=changed, digest="d", children="c"
    )
    assert summary["changed"][0] == "Service/s0 created"
    assert len(summary["changed"]) == 20 and summary["changedTotal"] == 25
    assert summary["durationSeconds"] == 3.14
    assert (summary["digest"], summary["childrenDigest"], summary["generation"]) == ("d", "c", 2)


def test_the_engine_view_leaves_out_operator_fields() -> None:
    assert engine_view({"currentState": "Ready", "lastRun": {}}) == {"currentState": "Ready"}
    assert engine_view(None) == {}


# --- settings ---------------------------------------------------------------------


def test_settings_come_from_defaults_then_environment_then_flags() -> None:
    loaded = config.load(
        ["--workers", "2", "--leader-election", "false"],
        {"RUSTFS_OPERATOR_WORKERS": "8", "RUSTFS_OPERATOR_RUN_TIMEOUT": "60", "RUSTFS_OPERATOR_DRIFT_INTERVAL": "1.5"},
    )
    assert (loaded.workers, loaded.run_timeout, loaded.drift_interval) == (2, 60, 1.5)
    assert loaded.leader_election is False
    assert loaded.http_host == "127.0.0.1"


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(SystemExit):
        config.load([], {"RUSTFS_OPERATOR_WORKERS": "0"})
    with pytest.raises(SystemExit):
        config.load([], {"RUSTFS_OPERATOR_LEASE_DURATION": "5", "RUSTFS_OPERATOR_LEASE_RENEW_INTERVAL": "5"})


def test_tls_tenants_are_rechecked_every_hour_and_others_never() -> None:
    from rustfs_operator.digest import TLS_RECHECK_SECONDS, input_digest, tls_epoch

    plain = {"name": "t", "namespace": "n", "spec": {"pools": []}}
    tls = {"name": "t", "namespace": "n", "spec": {"pools": [], "tls": {"mode": "certManager"}}}
    disabled = {"name": "t", "namespace": "n", "spec": {"pools": [], "tls": {"mode": "disabled"}}}
    hour = TLS_RECHECK_SECONDS
    assert tls_epoch(plain, 10 * hour) is None
    assert tls_epoch(disabled, 10 * hour) is None
    assert tls_epoch(tls, 10 * hour) == tls_epoch(tls, 10 * hour + hour - 1) == 10
    assert tls_epoch(tls, 11 * hour) == 11
    # No epoch: the digest is what it always was, so stored digests of non-TLS tenants stay valid.
    assert input_digest(plain, {}, "s") == input_digest(plain, {}, "s", None)
    assert input_digest(tls, {}, "s", 10) != input_digest(tls, {}, "s", 11)


def watched_tenant() -> dict[str, Any]:
    """A Tenant as a watch delivers it: bookkeeping metadata, field managers and a status."""
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {
            "name": "t",
            "namespace": "n",
            "uid": "u-1",
            "resourceVersion": "9",
            "generation": 3,
            "labels": {"team": "a"},
            "annotations": {"note": "x", "kopf.zalando.org/last-handled-configuration": "{}"},
            "finalizers": ["rustfs.com/finalizer"],
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
        },
        "spec": {"pools": [{"name": "p", "servers": 4, "persistence": {"volumesPerServer": 2}}]},
        "status": {"currentState": "Ready", "pools": [{"ssName": "t-p"}]},
    }


def test_the_view_keeps_a_tenant_as_a_copy_without_its_field_managers() -> None:
    body = watched_tenant()
    view = ClusterView()
    stored = view.tenants[view.put_tenant(body)]
    expected = copy.deepcopy(body)
    del expected["metadata"]["managedFields"]
    assert stored == expected
    body["spec"]["pools"][0]["servers"] = 8
    body["status"]["pools"].append({"ssName": "t-q"})
    assert stored["spec"]["pools"][0]["servers"] == 4  # a copy, not a view of the watch's body
    assert stored["status"]["pools"] == [{"ssName": "t-p"}]


def test_the_diff_base_essence_is_kopfs_own_without_the_costly_copy() -> None:
    """NoDiffBase.build skips copying status and managedFields; Kopf's essence must not change."""
    import kopf
    from rustfs_operator.handlers import NoDiffBase

    body = watched_tenant()
    ours = NoDiffBase().build(body=kopf.Body(copy.deepcopy(body)))
    kopfs = kopf.DiffBaseStorage.build(NoDiffBase(), body=kopf.Body(copy.deepcopy(body)))
    assert ours == kopfs
    assert ours["spec"] == body["spec"] and ours["metadata"]["labels"] == {"team": "a"}
