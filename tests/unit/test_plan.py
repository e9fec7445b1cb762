"""plan_tenant: what one reconcile applies and what it refuses, decided before any write."""

from __future__ import annotations

import copy

from ansible_collections.rustfs.operator.plugins.module_utils.plan import plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions

UID = "5f1e8d7c-0000-4000-8000-000000000002"


def names(objects):
    return [f"{o['kind']}/{o['metadata']['name']}" for o in objects]


def test_plan_of_a_new_tenant(eng):
    plan = plan_tenant(eng.tenant("t", "ns", pools=[eng.pool("a", 2, 2), eng.pool("b", 4, 1)]))
    assert plan["problems"] == []
    # The pools' PodDisruptionBudgets are applied with the other objects, before any pod exists.
    assert names(plan["objects"]) == [
        "ServiceAccount/t-sa",
        "Service/t-io",
        "Service/t-console",
        "Service/t-hl",
        "PodDisruptionBudget/t-a",
        "PodDisruptionBudget/t-b",
    ]
    assert names(plan["statefulsets"]) == ["StatefulSet/t-a", "StatefulSet/t-b"]  # pool order
    assert [s["spec"]["replicas"] for s in plan["statefulsets"]] == [2, 4]


def test_plan_includes_rbac_when_asked_before_the_services(eng):
    doc = eng.tenant("t", "ns", credsSecret={"name": "creds"}, createServiceAccountRbac=True)
    assert names(plan_tenant(doc)["objects"]) == [
        "ServiceAccount/t-sa",
        "Role/t-rustfs",
        "RoleBinding/t-rustfs",
        "Service/t-io",
        "Service/t-console",
        "Service/t-hl",
        "PodDisruptionBudget/t-pool-0",
    ]


def test_plan_of_an_invalid_tenant_applies_nothing(eng):
    plan = plan_tenant(eng.tenant("t", "ns", pools=[eng.pool("a", 0, 2)]))
    assert plan == {
        "objects": [],
        "statefulsets": [],
        "problems": [
            {"field": "spec.pools[0].servers", "message": "servers must be greater than 0", "reason": "InvalidPoolSpec"}
        ],
    }
    assert plan_tenant("not a tenant")["problems"][0]["field"] == "<document>"


def test_plan_uses_the_options_and_the_uid(eng):
    doc = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 1)], uid=UID)
    plan = plan_tenant(doc, options=RenderOptions(cluster_domain="k.example", default_image="rustfs/rustfs:1.0.5"))
    statefulset = plan["statefulsets"][0]
    assert (
        eng.env_value(statefulset, "RUSTFS_VOLUMES")
        == "http://t-a-{0...1}.t-hl.ns.svc.k.example:9000/data/rustfs{0...0}"
    )
    assert eng.container(statefulset)["image"] == "rustfs/rustfs:1.0.5"
    for obj in plan["objects"] + plan["statefulsets"]:
        assert obj["metadata"]["ownerReferences"][0]["uid"] == UID


def test_plan_accepts_null_fields_as_unset(eng):
    doc = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 1, persistence={"path": None})], image=None)
    plan = plan_tenant(doc)
    assert plan["problems"] == []
    assert eng.container(plan["statefulsets"][0])["image"] == "rustfs/rustfs:1.0.0-beta.10"


def test_a_rerun_has_nothing_to_refuse(eng):
    doc = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 2)])
    first = plan_tenant(doc)
    assert plan_tenant(doc, first["statefulsets"])["problems"] == []


def test_refusals_are_problems_with_condition_and_event(eng):
    old = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 2)])
    live = plan_tenant(old)["statefulsets"]
    new = eng.tenant("t", "ns", pools=[eng.pool("a", 3, 2)])
    plan = plan_tenant(new, live)
    assert [(p["field"], p["reason"], p["condition"], p["event"]) for p in plan["problems"]] == [
        ("spec.pools[0].servers", "StatefulSetUpdateValidationFailed", "WorkloadsReady", "StatefulSetUpdateBlocked")
    ]
    # The desired objects are still returned; the caller applies nothing while problems is not empty.
    assert names(plan["statefulsets"]) == ["StatefulSet/t-a"]


def test_pool_removal_respects_the_decommissioned_status(eng):
    old = eng.tenant("t", "ns", pools=[eng.pool("a"), eng.pool("b")])
    live = plan_tenant(old)["statefulsets"]
    new = eng.tenant("t", "ns", pools=[eng.pool("a")])
    assert [p["reason"] for p in plan_tenant(new, live)["problems"]] == ["PoolDeleteBlocked"]
    assert [p["reason"] for p in plan_tenant(new, live, {})["problems"]] == ["PoolDeleteBlocked"]
    decommissioned = {"pools": [{"name": "b", "lifecycleState": "Decommissioned"}]}
    assert plan_tenant(new, live, decommissioned)["problems"] == []


def test_a_huge_but_valid_size_is_refused_not_a_crash(eng):
    # 1e1000000 matches the quantity pattern (it passes validation) but no Decimal holds it.
    old = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 1)])
    live = plan_tenant(old)["statefulsets"]
    claim = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1e1000000"}}}
    new = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim})])
    plan = plan_tenant(new, live)
    assert [(p["field"], p["reason"]) for p in plan["problems"]] == [
        (
            "spec.pools[0].persistence.volumeClaimTemplate.resources.requests.storage",
            "StatefulSetUpdateValidationFailed",
        )
    ]


def test_plan_does_not_modify_its_inputs(eng):
    doc = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 1)], env=[{"name": "X", "value": "1"}])
    live = plan_tenant(doc)["statefulsets"]
    status = {"pools": [{"name": "a", "lifecycleState": "Active"}]}
    before = copy.deepcopy((doc, live, status))
    plan = plan_tenant(doc, live, status)
    plan["statefulsets"][0]["spec"]["replicas"] = 99
    assert (doc, live, status) == before
