"""The filter plugins called as Python functions, as Ansible calls them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.filter import rustfs_volumes as volumes_plugin
from ansible_collections.rustfs.operator.plugins.filter import tenant_objects as objects_plugin
from ansible_collections.rustfs.operator.plugins.filter import tenant_validate as validate_plugin

UID = "5f1e8d7c-0000-4000-8000-000000000001"


def test_filter_modules_register_their_filters():
    assert set(objects_plugin.FilterModule().filters()) == {"tenant_objects"}
    assert set(validate_plugin.FilterModule().filters()) == {"tenant_validate"}
    assert set(volumes_plugin.FilterModule().filters()) == {"rustfs_volumes"}
    assert objects_plugin.FilterModule().filters()["tenant_objects"] is objects_plugin.tenant_objects


def test_plugins_document_themselves():
    for plugin in (objects_plugin, validate_plugin, volumes_plugin):
        assert plugin.DOCUMENTATION.strip() and plugin.EXAMPLES.strip() and plugin.RETURN.strip()


# --- tenant_validate ------------------------------------------------------------------------------


def test_tenant_validate_valid(example):
    assert validate_plugin.tenant_validate(example("simple-tenant.yaml")) == []


def test_tenant_validate_lists_every_error_without_raising(eng):
    errors = validate_plugin.tenant_validate(eng.tenant("Bad", pools=[eng.pool("p", 0, 1)]))
    assert errors == [
        {
            "field": "metadata.name",
            "message": "must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter "
            "and ending with a letter or digit",
            "reason": "InvalidTenantName",
        },
        {
            "field": "spec.pools[0].servers",
            "message": "servers must be greater than 0",
            "reason": "InvalidPoolSpec",
        },
    ]
    assert validate_plugin.tenant_validate("not a tenant")[0]["field"] == "<document>"


# --- tenant_objects -------------------------------------------------------------------------------


def test_tenant_objects_valid(eng, example, load):
    assert objects_plugin.tenant_objects(example("minimal-dev-tenant.yaml")) == load.expected("minimal-dev-tenant.yaml")


def test_tenant_objects_options(eng):
    doc = eng.tenant("t", "n", pools=[eng.pool("p", 2, 1)], uid=UID)
    objects = objects_plugin.tenant_objects(
        doc, cluster_domain="k.example", default_image="rustfs/rustfs:1.0.5", owner_references=False
    )
    sts = eng.statefulsets(objects)[0]
    assert eng.env_value(sts, "RUSTFS_VOLUMES") == "http://t-p-{0...1}.t-hl.n.svc.k.example:9000/data/rustfs{0...0}"
    assert eng.container(sts)["image"] == "rustfs/rustfs:1.0.5"
    assert all("ownerReferences" not in o["metadata"] for o in objects)
    assert all(o["metadata"]["ownerReferences"][0]["uid"] == UID for o in objects_plugin.tenant_objects(doc))


def test_tenant_objects_invalid_names_the_field(eng):
    with pytest.raises(AnsibleFilterError) as raised:
        objects_plugin.tenant_objects(eng.tenant(pools=[eng.pool("p", 1, 0)]))
    message = str(raised.value)
    assert "Invalid Tenant" in message
    assert (
        "spec.pools[0].persistence.volumesPerServer: volumesPerServer must be greater than 0 (InvalidPoolSpec)"
        in message
    )


def test_tenant_objects_refuses_a_non_mapping():
    with pytest.raises(AnsibleFilterError, match="<document>"):
        objects_plugin.tenant_objects(["not", "a", "tenant"])


# --- rustfs_volumes -------------------------------------------------------------------------------


def test_rustfs_volumes_valid(example):
    assert volumes_plugin.rustfs_volumes(example("minimal-dev-tenant.yaml")) == "/data/rustfs0"
    assert volumes_plugin.rustfs_volumes(example("simple-tenant.yaml")) == (
        "http://example-tenant-primary-{0...1}.example-tenant-hl.rustfs-system.svc.cluster.local:9000"
        "/data/rustfs{0...1}"
    )


def test_rustfs_volumes_cluster_domain(example):
    assert volumes_plugin.rustfs_volumes(example("simple-tenant.yaml"), cluster_domain="k8s.mse.cloud") == (
        "http://example-tenant-primary-{0...1}.example-tenant-hl.rustfs-system.svc.k8s.mse.cloud:9000"
        "/data/rustfs{0...1}"
    )


def test_rustfs_volumes_drops_nulls_and_defaults_the_namespace(eng):
    doc = eng.tenant("t", namespace=None, pools=[eng.pool("p", 2, 1, persistence={"path": None})], image=None)
    assert (
        volumes_plugin.rustfs_volumes(doc)
        == "http://t-p-{0...1}.t-hl.default.svc.cluster.local:9000/data/rustfs{0...0}"
    )


def test_rustfs_volumes_invalid_names_the_field(eng):
    with pytest.raises(AnsibleFilterError) as raised:
        volumes_plugin.rustfs_volumes(eng.tenant(pools=[eng.pool("p", 1, 1, persistence={"path": ""})]))
    assert "spec.pools[0].persistence.path: path must be not empty when specified" in str(raised.value)


# --- applied_changes ------------------------------------------------------------------------------


def _k8s_item(kind, name, changed):
    return {"changed": changed, "method": "apply", "result": {"kind": kind, "metadata": {"name": name}}}


def test_applied_changes_registration_and_documentation():
    from ansible_collections.rustfs.operator.plugins.filter import deprecated as plugin

    assert plugin.FilterModule().filters() == {"applied_changes": plugin.applied_changes}
    # Documented beside it, in a file of its name (the plugin file holds no documentation).
    doc = yaml.safe_load((Path(plugin.__file__).parent / "applied_changes.yml").read_text())
    assert doc["DOCUMENTATION"]["name"] == "applied_changes" and doc["EXAMPLES"].strip() and doc["RETURN"]


def test_applied_changes_of_a_list_apply():
    from ansible_collections.rustfs.operator.plugins.filter.deprecated import applied_changes

    # kubernetes.core.k8s with several definitions registers {"result": {"results": [...]}}.
    registered = {
        "changed": True,
        "result": {
            "results": [
                _k8s_item("StatefulSet", "t-a", True),
                _k8s_item("StatefulSet", "t-b", False),
                _k8s_item("StatefulSet", "t-c", True),
                "not an item",
                {"changed": True, "result": None},
            ]
        },
    }
    assert applied_changes(registered, ["t-a", "t-b"]) == [
        {"kind": "StatefulSet", "name": "t-a", "action": "updated"},
        {"kind": "StatefulSet", "name": "t-c", "action": "created"},
    ]
    assert applied_changes(registered) == [
        {"kind": "StatefulSet", "name": "t-a", "action": "created"},
        {"kind": "StatefulSet", "name": "t-c", "action": "created"},
    ]


def test_applied_changes_of_a_single_apply():
    from ansible_collections.rustfs.operator.plugins.filter.deprecated import applied_changes

    single = {"changed": True, "result": {"kind": "Tenant", "metadata": {"name": "t"}}}
    assert applied_changes(single, ["t"]) == [{"kind": "Tenant", "name": "t", "action": "updated"}]
    assert applied_changes({**single, "changed": False}, ["t"]) == []
    assert applied_changes({"changed": True, "result": {}}) == [{"kind": "", "name": "", "action": "created"}]


def test_applied_changes_of_nothing():
    from ansible_collections.rustfs.operator.plugins.filter.deprecated import applied_changes

    assert applied_changes({"skipped": True, "changed": False}) == []
    assert applied_changes(None) == []
    assert applied_changes("") == []
    assert applied_changes({}) == []


# --- tenant_plan ----------------------------------------------------------------------------------


def test_tenant_plan_registration_and_documentation():
    from ansible_collections.rustfs.operator.plugins.filter import tenant_plan as plugin

    assert plugin.FilterModule().filters() == {"tenant_plan": plugin.tenant_plan}
    assert plugin.DOCUMENTATION.strip() and plugin.EXAMPLES.strip() and plugin.RETURN.strip()


def test_tenant_plan_defaults(eng):
    from ansible_collections.rustfs.operator.plugins.filter.tenant_plan import tenant_plan

    plan = tenant_plan(eng.tenant("t", "ns", pools=[eng.pool("p", 2, 1)]))
    assert plan["problems"] == []
    sts = plan["statefulsets"][0]
    assert (
        eng.env_value(sts, "RUSTFS_VOLUMES") == "http://t-p-{0...1}.t-hl.ns.svc.cluster.local:9000/data/rustfs{0...0}"
    )
    assert eng.container(sts)["image"] == "rustfs/rustfs:1.0.0-beta.10"
    assert [o["kind"] for o in plan["objects"]] == [
        "ServiceAccount",
        "Service",
        "Service",
        "Service",
        "PodDisruptionBudget",
    ]


def test_tenant_plan_options(eng):
    from ansible_collections.rustfs.operator.plugins.filter.tenant_plan import tenant_plan

    plan = tenant_plan(
        eng.tenant("t", "ns", pools=[eng.pool("p", 2, 1)]), None, None, "k.example", "rustfs/rustfs:1.0.5"
    )
    sts = plan["statefulsets"][0]
    assert eng.env_value(sts, "RUSTFS_VOLUMES") == "http://t-p-{0...1}.t-hl.ns.svc.k.example:9000/data/rustfs{0...0}"
    assert eng.container(sts)["image"] == "rustfs/rustfs:1.0.5"


def test_tenant_plan_refuses_and_honours_decommission(eng):
    from ansible_collections.rustfs.operator.plugins.filter.tenant_plan import tenant_plan

    live = tenant_plan(eng.tenant("t", "ns", pools=[eng.pool("a"), eng.pool("b")]))["statefulsets"]
    shrunk = eng.tenant("t", "ns", pools=[eng.pool("a")])
    problems = tenant_plan(shrunk, live)["problems"]
    assert [(p["field"], p["reason"]) for p in problems] == [("spec.pools", "PoolDeleteBlocked")]
    status = {"pools": [{"name": "b", "lifecycleState": "Decommissioned"}]}
    assert tenant_plan(shrunk, live, status)["problems"] == []


def test_tenant_plan_never_raises_for_bad_input(eng):
    from ansible_collections.rustfs.operator.plugins.filter.tenant_plan import tenant_plan

    plan = tenant_plan(eng.tenant("Bad", "ns"))
    assert plan["objects"] == [] and plan["statefulsets"] == []
    assert [p["reason"] for p in plan["problems"]] == ["InvalidTenantName"]
    assert tenant_plan(["not", "a", "tenant"])["problems"][0]["field"] == "<document>"


# --- tenant_status_preview ------------------------------------------------------------------------


def _stored(eng, generation=2, status=None, **spec):
    doc = eng.tenant("t", "ns", pools=[eng.pool("p", 2, 1)], uid=UID, **spec)
    doc["metadata"]["generation"] = generation
    if status is not None:
        doc["status"] = status
    return doc


def _live(ready=2):
    return [
        {
            "metadata": {"name": "t-p", "generation": 1, "labels": {"rustfs.tenant": "t", "rustfs.pool": "p"}},
            "spec": {"replicas": 2},
            "status": {
                "observedGeneration": 1,
                "replicas": 2,
                "readyReplicas": ready,
                "currentReplicas": 2,
                "updatedReplicas": 2,
                "currentRevision": "r",
                "updateRevision": "r",
            },
        }
    ]


def test_tenant_status_preview_registration_and_documentation():
    from ansible_collections.rustfs.operator.plugins.filter import tenant_status_preview as plugin

    assert plugin.FilterModule().filters() == {"tenant_status_preview": plugin.tenant_status_preview}
    assert plugin.DOCUMENTATION.strip() and plugin.EXAMPLES.strip() and plugin.RETURN.strip()


def test_tenant_status_preview_of_a_ready_tenant(eng):
    import re

    from ansible_collections.rustfs.operator.plugins.filter.tenant_status_preview import tenant_status_preview

    status = tenant_status_preview(_stored(eng), _live())
    assert status["currentState"] == "Ready"
    assert status["observedGeneration"] == 2
    assert status["availableReplicas"] == 2
    for condition in status["conditions"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", condition["lastTransitionTime"])


def test_tenant_status_preview_equals_the_stored_status_when_nothing_changed(eng):
    from ansible_collections.rustfs.operator.plugins.filter.tenant_status_preview import tenant_status_preview

    stored = {
        "currentState": "Ready",
        "availableReplicas": 2,
        "observedGeneration": 2,
        "pools": [
            {
                "name": "p",
                "ssName": "t-p",
                "state": "RolloutComplete",
                "workloadState": "RolloutComplete",
                "lifecycleState": "Active",
                "replicas": 2,
                "readyReplicas": 2,
                "currentReplicas": 2,
                "updatedReplicas": 2,
                "currentRevision": "r",
                "updateRevision": "r",
                "lastUpdateTime": "2024-05-01T00:00:00Z",
                # 2 x 1: one 1+1 set (write quorum 2); a server holds one of its drives.
                "erasure": {
                    "valid": True,
                    "drives": 2,
                    "setDriveCount": 2,
                    "setCount": 1,
                    "parity": 1,
                    "dataShards": 1,
                    "readQuorum": 1,
                    "writeQuorum": 2,
                    "drivesPerServerPerSet": 1,
                    "driveLossTolerated": 0,
                    "driveLossToleratedForReads": 1,
                    "serverLossTolerated": 0,
                    "serverLossToleratedForReads": 1,
                    "maxUnavailable": 0,
                    "claimSize": "10Gi",
                    "rawCapacity": "20Gi",
                    "usableCapacity": "10Gi",
                    "warnings": [
                        {
                            "reason": "ErasureLayoutNoServerTolerance",
                            "message": "pool p (2 servers x 1 volume) cannot lose a server and stay writable: losing "
                            "one server keeps it readable but stops writes: each 2-drive set (parity 1) needs 2 drives "
                            "to write and one server holds 1 of them; more servers (servers is immutable: add a pool) "
                            "give a pool tolerance",
                        }
                    ],
                },
            }
        ],
        "erasure": {
            "valid": True,
            "drives": 2,
            "sets": 1,
            "rawCapacity": "20Gi",
            "usableCapacity": "10Gi",
            "driveLossTolerated": 0,
            "serverLossTolerated": 0,
        },
        "conditions": [
            {
                "type": kind,
                "status": "True" if kind not in ("Reconciling", "Degraded") else "False",
                "reason": "ProvisioningConfigured" if kind == "ProvisioningReady" else "ReconcileSucceeded",
                "message": "2/2 pods ready" if kind == "Ready" else "",
                "lastTransitionTime": "2024-05-01T00:00:00Z",
                "observedGeneration": 2,
            }
            for kind in (
                "Ready",
                "Reconciling",
                "Degraded",
                "SpecValid",
                "CredentialsReady",
                "KmsReady",
                "PoolsReady",
                "WorkloadsReady",
                "ProvisioningReady",
            )
        ],
    }
    # Equal means the role skips the status write (the tenant_status_preview EXAMPLES use).
    assert tenant_status_preview(_stored(eng, status=stored), _live()) == stored
    # A new generation is not the stored status any more.
    assert tenant_status_preview(_stored(eng, generation=3, status=stored), _live()) != stored


def test_tenant_status_preview_with_problems_and_no_statefulsets(eng):
    from ansible_collections.rustfs.operator.plugins.filter.tenant_status_preview import tenant_status_preview

    problem = {"field": "spec.credsSecret", "message": "Secret c not found", "reason": "CredentialSecretNotFound"}
    status = tenant_status_preview(_stored(eng, credsSecret={"name": "c"}), None, [problem])
    assert status["currentState"] == "Blocked"
    credentials = next(c for c in status["conditions"] if c["type"] == "CredentialsReady")
    assert (credentials["status"], credentials["reason"]) == ("False", "CredentialSecretNotFound")
    assert status["pools"][0]["state"] == "NotCreated"
    assert tenant_status_preview(_stored(eng))["currentState"] == "Reconciling"  # nothing created yet
