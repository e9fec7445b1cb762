"""plan_tenant: what one reconcile applies and what it refuses, decided before any write."""

from __future__ import annotations

import copy

from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.plan import claims_to_patch, plan_tenant
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
        "expansions": [],
        "recreate": [],
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


# --- volume expansion: what to patch and recreate (issue 7) ---------------------------------------


def expandable(name="fast"):
    return ClusterFacts.from_api(storage_classes=[{"metadata": {"name": name}, "allowVolumeExpansion": True}])


def sized(eng, size, servers=2, volumes=2, name="a"):
    claim = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}, "storageClassName": "fast"}
    return eng.pool(name, servers, volumes, persistence={"volumeClaimTemplate": claim})


def pvc(name, size, pool="a", tenant="t"):
    return {
        "metadata": {"name": name, "labels": {"rustfs.tenant": tenant, "rustfs.pool": pool}},
        "spec": {"resources": {"requests": {"storage": size}}},
    }


def test_a_larger_claim_is_planned_as_an_expansion_and_a_recreate(eng):
    live = plan_tenant(eng.tenant("t", "ns", pools=[sized(eng, "10Gi"), sized(eng, "10Gi", name="b")]))["statefulsets"]
    new = eng.tenant("t", "ns", pools=[sized(eng, "20Gi"), sized(eng, "10Gi", name="b")])
    plan = plan_tenant(new, live, {}, None, expandable())
    assert plan["problems"] == []
    assert plan["expansions"] == [
        {
            "pool": "a",
            "statefulset": "t-a",
            "claims": [{"template": "vol-0", "size": "20Gi"}, {"template": "vol-1", "size": "20Gi"}],
        }
    ]
    assert plan["recreate"] == ["t-a"]
    # The StatefulSet to apply carries the new claim templates.
    templates = plan["statefulsets"][0]["spec"]["volumeClaimTemplates"]
    assert {t["spec"]["resources"]["requests"]["storage"] for t in templates} == {"20Gi"}


def test_without_facts_a_larger_claim_is_refused_and_nothing_planned(eng):
    live = plan_tenant(eng.tenant("t", "ns", pools=[sized(eng, "10Gi")]))["statefulsets"]
    plan = plan_tenant(eng.tenant("t", "ns", pools=[sized(eng, "20Gi")]), live)
    assert {p["reason"] for p in plan["problems"]} == {"StatefulSetUpdateValidationFailed"}
    assert (plan["expansions"], plan["recreate"]) == ([], [])


def test_no_expansion_is_planned_while_anything_is_refused(eng):
    live = plan_tenant(eng.tenant("t", "ns", pools=[sized(eng, "10Gi"), sized(eng, "10Gi", name="b")]))["statefulsets"]
    # Pool a may grow, but pool b changes servers: the whole plan is refused.
    new = eng.tenant("t", "ns", pools=[sized(eng, "20Gi"), sized(eng, "10Gi", servers=3, name="b")])
    plan = plan_tenant(new, live, {}, None, expandable())
    assert [p["reason"] for p in plan["problems"]] == ["StatefulSetUpdateValidationFailed"]
    assert (plan["expansions"], plan["recreate"]) == ([], [])


def test_claims_to_patch_picks_the_pools_claims_below_the_new_size(eng):
    item = {"pool": "a", "statefulset": "t-a", "claims": [{"template": "vol-0", "size": "20Gi"}]}
    claims = [
        pvc("vol-0-t-a-1", "10Gi"),
        pvc("vol-0-t-a-0", "10240Mi"),
        pvc("vol-0-t-a-2", "20Gi"),  # patched already by a run that stopped half-way
        pvc("vol-0-t-a-3", "21Gi"),  # larger already: never made smaller
        pvc("vol-1-t-a-0", "10Gi"),  # another template
        pvc("vol-0-t-a-x-0", "10Gi", pool="a-x"),  # pool a-x, whose names share the prefix
        pvc("vol-0-t-a-x-1", "10Gi"),  # mislabelled, but not named <template>-<sts>-<ordinal>
        pvc("vol-0-t-a-4", "10Gi", pool="b"),  # named like ours, labelled for another pool
        pvc("vol-0-t-a-5", "lots"),  # not a quantity: patched to the size
        {"metadata": {"name": "vol-0-t-a-6", "labels": {"rustfs.pool": "a"}}},  # no request at all
    ]
    assert claims_to_patch(item, claims) == [
        {"name": "vol-0-t-a-0", "size": "20Gi", "from": "10240Mi"},
        {"name": "vol-0-t-a-1", "size": "20Gi", "from": "10Gi"},
        {"name": "vol-0-t-a-5", "size": "20Gi", "from": "lots"},
        {"name": "vol-0-t-a-6", "size": "20Gi", "from": "None"},
    ]


def test_an_invalid_rollout_deadline_is_a_problem(eng):
    doc = eng.tenant("t", "ns", annotations={"operator.rustfs.com/rollout-deadline-seconds": "ten minutes"})
    plan = plan_tenant(doc)
    assert [(p["field"], p["reason"]) for p in plan["problems"]] == [
        ("metadata.annotations[operator.rustfs.com/rollout-deadline-seconds]", "InvalidSpec")
    ]
    ok = eng.tenant("t", "ns", annotations={"operator.rustfs.com/rollout-deadline-seconds": "1800"})
    assert plan_tenant(ok)["problems"] == []


def test_the_plan_filter_takes_storage_classes(eng):
    from ansible_collections.rustfs.operator.plugins.filter.tenant_plan import tenant_plan

    live = plan_tenant(eng.tenant("t", "ns", pools=[sized(eng, "10Gi")]))["statefulsets"]
    new = eng.tenant("t", "ns", pools=[sized(eng, "20Gi")])
    classes = [{"metadata": {"name": "fast"}, "allowVolumeExpansion": True}]
    assert tenant_plan(new, live, storage_classes=classes)["recreate"] == ["t-a"]
    assert tenant_plan(new, live)["recreate"] == []
    assert tenant_plan(new, live)["problems"]


def _env(statefulset, name):
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    return next(e["value"] for e in container["env"] if e["name"] == name)


def test_a_decommissioned_pool_is_neither_rendered_nor_named_by_the_others(eng):
    document = eng.tenant("t", "ns", pools=[eng.pool("a", 2, 2), eng.pool("b", 2, 2)])
    live = plan_tenant(document)["statefulsets"]
    assert "t-a-" in _env(live[1], "RUSTFS_VOLUMES")
    status = {"pools": [{"name": "a", "lifecycleState": "Decommissioned"}, {"name": "b", "lifecycleState": "Active"}]}

    plan = plan_tenant(document, live, status)
    assert plan["problems"] == []
    assert names(plan["statefulsets"]) == ["StatefulSet/t-b"]
    assert "PodDisruptionBudget/t-a" not in names(plan["objects"])
    assert "t-a-" not in _env(plan["statefulsets"][0], "RUSTFS_VOLUMES")
    # Without the status (render mode, or the pool merely draining), both pools are rendered.
    draining = {"pools": [{"name": "a", "lifecycleState": "Decommissioning"}]}
    assert names(plan_tenant(document, live, draining)["statefulsets"]) == ["StatefulSet/t-a", "StatefulSet/t-b"]
