"""Refusal of changes that cannot be made safely (spec §8; issue 4 item 5).

"Live" StatefulSets are what an earlier run applied (the renderer's output for the
old spec), sometimes edited the way the API server or a human would.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.safety import check_changes, expansions

GROW = "add a new pool"
UPDATE_BLOCKED = ("StatefulSetUpdateValidationFailed", "WorkloadsReady", "StatefulSetUpdateBlocked")


def claim(size="10Gi", modes=("ReadWriteOnce",), storage_class=None):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    return spec


@pytest.fixture()
def check(eng):
    def run(new, old, status=None, edit_live=None):
        desired = eng.statefulsets(eng.render(new))
        live = eng.statefulsets(eng.render(old))
        if edit_live is not None:
            for statefulset in live:
                edit_live(statefulset)
        return check_changes(parse_tenant(copy.deepcopy(new)), desired, live, status)

    return run


def kinds(refusals):
    return [(r["field"], r["reason"], r["condition"], r["event"]) for r in refusals]


def assert_update_blocked(refusal, field):
    assert (refusal["field"], refusal["reason"], refusal["condition"], refusal["event"]) == (field, *UPDATE_BLOCKED)
    assert GROW in refusal["message"]


# --- what is not refused --------------------------------------------------------------------------


def test_identical_spec_is_not_refused(eng, check):
    doc = eng.tenant(pools=[eng.pool("a", 4, 2), eng.pool("b", 2, 4)])
    assert check(doc, doc) == []


def test_other_changes_are_applied_not_refused(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 2)])
    new = eng.tenant(
        pools=[eng.pool("a", 2, 2, resources={"limits": {"memory": "2Gi"}}, nodeSelector={"disk": "nvme"})],
        image="rustfs/rustfs:1.0.1",
        env=[{"name": "RUSTFS_REGION", "value": "eu"}],
        credsSecret={"name": "creds"},
    )
    assert check(new, old) == []


def test_adding_a_pool_is_allowed_although_it_changes_the_existing_pool(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 2)])
    new = eng.tenant(pools=[eng.pool("a", 2, 2), eng.pool("b", 4, 1)])
    assert check(new, old) == []


def test_reordering_pools_is_not_a_rename(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 2), eng.pool("b", 4, 1)])
    new = eng.tenant(pools=[eng.pool("b", 4, 1), eng.pool("a", 2, 2)])
    assert check(new, old) == []


@pytest.mark.parametrize(
    ("new_size", "live_size"),
    [("1Gi", "1024Mi"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("1G", "1000M"), ("1Ti", "1024Gi"), ("1e9", "1G")],
)
def test_numerically_equal_sizes_are_not_refused(eng, check, new_size, live_size):
    old = eng.tenant(pools=[eng.pool("a", persistence={"volumeClaimTemplate": claim(live_size)})])
    new = eng.tenant(pools=[eng.pool("a", persistence={"volumeClaimTemplate": claim(new_size)})])
    assert check(new, old) == []


def test_default_claim_equals_an_explicit_10gi_rwo_claim(eng, check):
    old = eng.tenant(pools=[eng.pool("a")])
    new = eng.tenant(pools=[eng.pool("a", persistence={"volumeClaimTemplate": claim("10240Mi")})])
    assert check(new, old) == []


def test_fields_the_api_server_adds_to_the_live_object_are_not_differences(eng, check):
    def as_stored(statefulset):
        statefulset["metadata"].update(generation=3, resourceVersion="123", uid="u")
        statefulset["status"] = {"replicas": 2, "readyReplicas": 2}
        for template in statefulset["spec"]["volumeClaimTemplates"]:
            template.update(apiVersion="v1", kind="PersistentVolumeClaim", status={"phase": "Pending"})
            template["spec"]["volumeMode"] = "Filesystem"
            template["spec"]["resources"]["requests"]["storage"] = "1536Mi"  # canonical form of 1.5Gi

    doc = eng.tenant(pools=[eng.pool("a", persistence={"volumeClaimTemplate": claim("1.5Gi")})])
    assert check(doc, doc, edit_live=as_stored) == []


def test_a_new_tenant_has_nothing_to_refuse(eng):
    doc = eng.tenant(pools=[eng.pool("a")])
    desired = eng.statefulsets(eng.render(doc))
    assert check_changes(parse_tenant(doc), desired, []) == []


# --- immutable pool shape -------------------------------------------------------------------------


@pytest.mark.parametrize("servers", [1, 3, 8])
def test_servers_change_is_refused(eng, check, servers):
    refusals = check(eng.tenant(pools=[eng.pool("a", servers, 2)]), eng.tenant(pools=[eng.pool("a", 2, 2)]))
    assert len(refusals) == 1
    assert_update_blocked(refusals[0], "spec.pools[0].servers")
    assert "pool a" in refusals[0]["message"]
    assert "set servers back to 2" in refusals[0]["message"]


def test_the_field_carries_the_index_of_the_changed_pool(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 2), eng.pool("b", 4, 1)])
    new = eng.tenant(pools=[eng.pool("a", 2, 2), eng.pool("b", 6, 1)])
    refusals = check(new, old)
    assert [r["field"] for r in refusals] == ["spec.pools[1].servers"]
    assert "pool b" in refusals[0]["message"] and "set servers back to 4" in refusals[0]["message"]


@pytest.mark.parametrize("volumes", [1, 3])
def test_volumes_per_server_change_is_refused(eng, check, volumes):
    refusals = check(eng.tenant(pools=[eng.pool("a", 2, volumes)]), eng.tenant(pools=[eng.pool("a", 2, 2)]))
    # One refusal: the templates differ, so their sizes are not compared one by one.
    assert len(refusals) == 1
    assert_update_blocked(refusals[0], "spec.pools[0].persistence.volumesPerServer")
    message = refusals[0]["message"]
    assert "vol-0, vol-1" in message  # the live templates, to restore
    assert "volumesPerServer was 2" in message


@pytest.mark.parametrize(("old_size", "new_size"), [("10Gi", "20Gi"), ("10Gi", "5Gi"), ("1Gi", "1025Mi")])
def test_storage_size_change_is_refused(eng, check, old_size, new_size):
    old = eng.tenant(pools=[eng.pool("a", persistence={"volumeClaimTemplate": claim(old_size)})])
    new = eng.tenant(pools=[eng.pool("a", persistence={"volumeClaimTemplate": claim(new_size)})])
    refusals = check(new, old)
    # One per template: every volume of the pool (V = 2) is affected.
    assert len(refusals) == 2
    for refusal, template in zip(refusals, ("vol-0", "vol-1"), strict=True):
        assert_update_blocked(refusal, "spec.pools[0].persistence.volumeClaimTemplate.resources.requests.storage")
        assert f"set the size back to {old_size}" in refusal["message"]
        assert template in refusal["message"]


def test_unparsable_live_size_is_compared_as_text(eng, check):
    def hand_edit(statefulset):
        for template in statefulset["spec"]["volumeClaimTemplates"]:
            template["spec"]["resources"]["requests"]["storage"] = "lots"

    doc = eng.tenant(pools=[eng.pool("a", 2, 1)])
    refusals = check(doc, doc, edit_live=hand_edit)
    assert kinds(refusals) == [
        ("spec.pools[0].persistence.volumeClaimTemplate.resources.requests.storage", *UPDATE_BLOCKED)
    ]
    assert "set the size back to lots" in refusals[0]["message"]
    # The same unparsable text on both sides is no change.
    desired = eng.statefulsets(eng.render(doc))
    hand_edit(desired[0])
    assert check_changes(parse_tenant(doc), desired, copy.deepcopy(desired)) == []


def test_access_modes_change_is_refused(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim()})])
    new = eng.tenant(pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim(modes=["ReadWriteMany"])})])
    refusals = check(new, old)
    assert len(refusals) == 1
    assert_update_blocked(refusals[0], "spec.pools[0].persistence.volumeClaimTemplate.accessModes")
    assert "ReadWriteOnce" in refusals[0]["message"] and "restore" in refusals[0]["message"]


@pytest.mark.parametrize(
    ("old_class", "new_class", "restore"),
    [
        (None, "fast", "(cluster default)"),
        ("slow", "fast", "slow"),
        ("slow", None, "slow"),
        ("standard", "", "standard"),
    ],
)
def test_storage_class_change_is_refused(eng, check, old_class, new_class, restore):
    old = eng.tenant(pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim(storage_class=old_class)})])
    new = eng.tenant(pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim(storage_class=new_class)})])
    refusals = check(new, old)
    assert len(refusals) == 1
    assert_update_blocked(refusals[0], "spec.pools[0].persistence.volumeClaimTemplate.storageClassName")
    assert f"storage class {restore}" in refusals[0]["message"] and "restore" in refusals[0]["message"]


def test_every_change_of_a_pool_is_reported(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim("10Gi", storage_class="s")})])
    new = eng.tenant(
        pools=[
            eng.pool(
                "a", 3, 1, persistence={"volumeClaimTemplate": claim("20Gi", ["ReadWriteMany"], storage_class="f")}
            )
        ]
    )
    assert [r["field"] for r in check(new, old)] == [
        "spec.pools[0].servers",
        "spec.pools[0].persistence.volumeClaimTemplate.resources.requests.storage",
        "spec.pools[0].persistence.volumeClaimTemplate.accessModes",
        "spec.pools[0].persistence.volumeClaimTemplate.storageClassName",
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [("selector", {"matchLabels": {"app": "someone-else"}}), ("serviceName", "other-hl")],
)
def test_a_foreign_or_hand_edited_statefulset_is_refused(eng, check, key, value):
    def hand_edit(statefulset):
        statefulset["spec"][key] = value

    doc = eng.tenant(pools=[eng.pool("a")])
    refusals = check(doc, doc, edit_live=hand_edit)
    assert len(refusals) == 1
    assert_update_blocked(refusals[0], "spec.pools[0]")
    assert "pool a" in refusals[0]["message"]


def test_a_live_statefulset_without_selector_or_service_name_is_not_refused_for_it(eng, check):
    def strip(statefulset):
        del statefulset["spec"]["selector"]
        del statefulset["spec"]["serviceName"]

    doc = eng.tenant(pools=[eng.pool("a")])
    assert check(doc, doc, edit_live=strip) == []


# --- persistent logging: the 'logs' claim template ------------------------------------------------


def test_toggling_persistent_logging_is_refused(eng, check):
    plain = eng.tenant(pools=[eng.pool("a", 2, 2)])
    persistent = eng.tenant(pools=[eng.pool("a", 2, 2)], logging={"mode": "persistent"})
    for new, old in ((persistent, plain), (plain, persistent)):
        refusals = check(new, old)
        assert len(refusals) == 1
        # volumesPerServer did not change: the field to restore is the logging mode.
        assert_update_blocked(refusals[0], "spec.logging.mode")
        assert "logs" in refusals[0]["message"]
    # emptydir renders no claim template, so stdout <-> emptydir is an ordinary update.
    assert check(eng.tenant(pools=[eng.pool("a", 2, 2)], logging={"mode": "emptydir"}), plain) == []


def test_volumes_and_logging_changed_together_names_volumes_per_server(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 2)])
    new = eng.tenant(pools=[eng.pool("a", 2, 3)], logging={"mode": "persistent"})
    assert [r["field"] for r in check(new, old)] == ["spec.pools[0].persistence.volumesPerServer"]


def test_logs_size_change_is_refused_on_spec_logging(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 1)], logging={"mode": "persistent"})  # 5Gi by default
    new = eng.tenant(pools=[eng.pool("a", 2, 1)], logging={"mode": "persistent", "storageSize": "6Gi"})
    refusals = check(new, old)
    assert len(refusals) == 1
    assert_update_blocked(refusals[0], "spec.logging.storageSize")
    assert "set the size back to 5Gi" in refusals[0]["message"]
    same = eng.tenant(pools=[eng.pool("a", 2, 1)], logging={"mode": "persistent", "storageSize": "5120Mi"})
    assert check(same, old) == []


def test_logs_storage_class_change_is_refused_on_spec_logging(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 1)], logging={"mode": "persistent", "storageClass": "slow"})
    new = eng.tenant(pools=[eng.pool("a", 2, 1)], logging={"mode": "persistent", "storageClass": "fast"})
    refusals = check(new, old)
    assert len(refusals) == 1
    # The Tenant field is spec.logging.storageClass (§9.2); storageClassName exists only in the claim.
    assert_update_blocked(refusals[0], "spec.logging.storageClass")
    assert "slow" in refusals[0]["message"]


def test_logs_access_modes_changed_by_hand_are_refused_on_spec_logging(eng, check):
    def hand_edit(statefulset):
        logs = next(t for t in statefulset["spec"]["volumeClaimTemplates"] if t["metadata"]["name"] == "logs")
        logs["spec"]["accessModes"] = ["ReadWriteMany"]

    doc = eng.tenant(pools=[eng.pool("a", 2, 1)], logging={"mode": "persistent"})
    refusals = check(doc, doc, edit_live=hand_edit)
    assert len(refusals) == 1
    # spec.logging has no accessModes field; the logs claim is always ReadWriteOnce.
    assert_update_blocked(refusals[0], "spec.logging")
    assert "ReadWriteMany" in refusals[0]["message"]


# --- pool removal and rename ----------------------------------------------------------------------


def test_removing_a_pool_is_refused(eng, check):
    old = eng.tenant(pools=[eng.pool("a"), eng.pool("b")])
    new = eng.tenant(pools=[eng.pool("a")])
    refusals = check(new, old)
    assert kinds(refusals) == [("spec.pools", "PoolDeleteBlocked", "SpecValid", "PoolDeleteBlocked")]
    message = refusals[0]["message"]
    assert "pool b" in message
    assert "put it back in spec.pools" in message  # what to restore
    assert "decommission" in message  # the way to remove it
    assert GROW in message  # how to grow instead (issue 4 item 5)


@pytest.mark.parametrize("lifecycle", [None, "Active", "Decommissioning", "DecommissionFailed", "DecommissionCanceled"])
def test_a_pool_not_decommissioned_may_not_be_removed(eng, check, lifecycle):
    old = eng.tenant(pools=[eng.pool("a"), eng.pool("b")])
    new = eng.tenant(pools=[eng.pool("a")])
    item = {"name": "b"} if lifecycle is None else {"name": "b", "lifecycleState": lifecycle}
    status = {"pools": [{"name": "a", "lifecycleState": "Active"}, item]}
    assert [r["reason"] for r in check(new, old, status)] == ["PoolDeleteBlocked"]


def test_a_decommissioned_pool_may_be_removed(eng, check):
    old = eng.tenant(pools=[eng.pool("a"), eng.pool("b")])
    new = eng.tenant(pools=[eng.pool("a")])
    status = {"pools": [{"name": "a", "lifecycleState": "Active"}, {"name": "b", "lifecycleState": "Decommissioned"}]}
    assert check(new, old, status) == []
    # Decommissioning another pool does not allow this one to go.
    other = {"pools": [{"name": "a", "lifecycleState": "Decommissioned"}, {"name": "b", "lifecycleState": "Active"}]}
    assert [r["reason"] for r in check(new, old, other)] == ["PoolDeleteBlocked"]


def test_removing_two_pools_names_both(eng, check):
    old = eng.tenant(pools=[eng.pool("a"), eng.pool("c"), eng.pool("b")])
    refusals = check(eng.tenant(pools=[eng.pool("a")]), old)
    assert len(refusals) == 1
    assert "b, c" in refusals[0]["message"]


def test_a_pool_without_statefulset_may_leave_the_spec(eng):
    new = eng.tenant(pools=[eng.pool("a")])
    desired = eng.statefulsets(eng.render(new))
    # Only pool a has a StatefulSet: b was in the spec but never created (or already deleted).
    assert check_changes(parse_tenant(new), desired, desired) == []


def test_renaming_a_pool_is_refused(eng, check):
    old = eng.tenant(pools=[eng.pool("a"), eng.pool("old")])
    new = eng.tenant(pools=[eng.pool("a"), eng.pool("new")])
    refusals = check(new, old)
    assert kinds(refusals) == [("spec.pools[].name", "ImmutableFieldModified", "SpecValid", "ImmutableFieldModified")]
    message = refusals[0]["message"]
    assert "old" in message and "new" in message
    assert "Restore the pool old" in message  # what to restore
    assert "add new pools under new names alongside it" in message  # how to grow instead


def test_renaming_a_decommissioned_pool_is_a_removal_plus_an_addition(eng, check):
    old = eng.tenant(pools=[eng.pool("a"), eng.pool("old")])
    new = eng.tenant(pools=[eng.pool("a"), eng.pool("new")])
    status = {"pools": [{"name": "old", "lifecycleState": "Decommissioned"}]}
    assert check(new, old, status) == []


def test_rename_with_a_shape_change_reports_both(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 2), eng.pool("old")])
    new = eng.tenant(pools=[eng.pool("a", 4, 2), eng.pool("new")])
    assert [r["reason"] for r in check(new, old)] == ["StatefulSetUpdateValidationFailed", "ImmutableFieldModified"]


def test_every_update_refusal_says_how_to_grow(eng, check):
    old = eng.tenant(pools=[eng.pool("a", 2, 2, persistence={"volumeClaimTemplate": claim(storage_class="s")})])
    cases = [
        eng.tenant(pools=[eng.pool("a", 3, 2, persistence={"volumeClaimTemplate": claim(storage_class="s")})]),
        eng.tenant(pools=[eng.pool("a", 2, 3, persistence={"volumeClaimTemplate": claim(storage_class="s")})]),
        eng.tenant(pools=[eng.pool("a", 2, 2, persistence={"volumeClaimTemplate": claim("1Ti", storage_class="s")})]),
        eng.tenant(pools=[eng.pool("a", 2, 2, persistence={"volumeClaimTemplate": claim(storage_class="t")})]),
        eng.tenant(
            pools=[
                eng.pool(
                    "a", 2, 2, persistence={"volumeClaimTemplate": claim(modes=["ReadWriteMany"], storage_class="s")}
                )
            ]
        ),
        eng.tenant(pools=[eng.pool("b", 2, 2)]),
    ]
    for new in cases:
        refusals = check(new, old)
        assert refusals, new
        for refusal in refusals:
            assert "add" in refusal["message"] and "new pool" in refusal["message"], refusal


# --- volume expansion (issue 7) -------------------------------------------------------------------

SIZE_FIELD = "spec.pools[0].persistence.volumeClaimTemplate.resources.requests.storage"


def storage_class(name, expandable, default=False):
    item = {"metadata": {"name": name, "creationTimestamp": "2025-01-01T00:00:00Z"}}
    if expandable is not None:
        item["allowVolumeExpansion"] = expandable
    if default:
        item["metadata"]["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    return item


def facts(*classes):
    return ClusterFacts.from_api(storage_classes=list(classes))


@pytest.fixture()
def grow(eng):
    """(refusals, expansions) of growing pool a's claims from OLD to NEW on class NAME, given FACTS."""

    def run(old_size, new_size, cluster, class_name="fast", volumes=2, **spec):
        old = eng.tenant(
            pools=[
                eng.pool(
                    "a", 2, volumes, persistence={"volumeClaimTemplate": claim(old_size, storage_class=class_name)}
                )
            ],
            **spec,
        )
        new = eng.tenant(
            pools=[
                eng.pool(
                    "a", 2, volumes, persistence={"volumeClaimTemplate": claim(new_size, storage_class=class_name)}
                )
            ],
            **spec,
        )
        desired = eng.statefulsets(eng.render(new))
        live = eng.statefulsets(eng.render(old))
        tenant = parse_tenant(copy.deepcopy(new))
        return check_changes(tenant, desired, live, None, cluster), expansions(tenant, desired, live)

    return run


def test_growth_on_an_expandable_class_is_allowed(grow):
    refusals, growing = grow("10Gi", "20Gi", facts(storage_class("fast", True)))
    assert refusals == []
    assert growing == [
        {
            "pool": "a",
            "statefulset": "demo-a",
            "claims": [{"template": "vol-0", "size": "20Gi"}, {"template": "vol-1", "size": "20Gi"}],
        }
    ]


def test_growth_compares_numerically(grow):
    assert grow("1Gi", "1025Mi", facts(storage_class("fast", True)))[0] == []
    # The same size written differently is no expansion.
    assert grow("1Gi", "1024Mi", facts(storage_class("fast", True))) == ([], [])


def test_growth_on_the_default_class_follows_the_default(grow):
    refusals, _ = grow("10Gi", "20Gi", facts(storage_class("std", True, default=True)), class_name=None)
    assert refusals == []
    refusals, _ = grow("10Gi", "20Gi", facts(storage_class("std", False, default=True)), class_name=None)
    assert [r["reason"] for r in refusals] == ["VolumeExpansionNotSupported"] * 2
    assert "the default StorageClass std does not allow volume expansion" in refusals[0]["message"]


@pytest.mark.parametrize("expandable", [False, None])
def test_growth_on_a_class_without_expansion_is_refused(grow, expandable):
    refusals, _ = grow("10Gi", "20Gi", facts(storage_class("fast", expandable)), volumes=1)
    assert kinds(refusals) == [
        (SIZE_FIELD, "VolumeExpansionNotSupported", "WorkloadsReady", "StatefulSetUpdateBlocked")
    ]
    message = refusals[0]["message"]
    assert "StorageClass fast does not allow volume expansion" in message
    assert "set the size back to 10Gi" in message and GROW in message


def test_growth_of_claims_without_a_class_is_refused(grow):
    refusals, _ = grow("10Gi", "20Gi", facts(storage_class("fast", True)), class_name="", volumes=1)
    assert [r["reason"] for r in refusals] == ["VolumeExpansionNotSupported"]
    assert "no StorageClass (pre-bound volumes)" in refusals[0]["message"]


@pytest.mark.parametrize(
    ("cluster", "class_name", "said"),
    [
        (None, "fast", "the StorageClasses could not be read"),
        (ClusterFacts(), "fast", "the StorageClasses could not be read"),
        (facts(storage_class("slow", True)), "fast", "StorageClass fast does not exist"),
        (facts(storage_class("slow", True)), None, "the cluster has no default StorageClass"),
    ],
)
def test_growth_that_cannot_be_checked_is_refused_saying_so(grow, cluster, class_name, said):
    refusals, _ = grow("10Gi", "20Gi", cluster, class_name=class_name, volumes=1)
    assert kinds(refusals) == [(SIZE_FIELD, *UPDATE_BLOCKED)]
    assert said in refusals[0]["message"]
    assert "cannot be checked" in refusals[0]["message"] and "set the size back to 10Gi" in refusals[0]["message"]


def test_shrinking_stays_refused_even_when_expansion_is_allowed(grow):
    refusals, growing = grow("20Gi", "10Gi", facts(storage_class("fast", True)), volumes=1)
    assert kinds(refusals) == [(SIZE_FIELD, *UPDATE_BLOCKED)]
    assert refusals[0]["message"] == (
        "pool a claims 20Gi per volume (vol-0); set the size back to 20Gi. To add capacity, add a new pool instead."
    )
    assert growing == []


def test_growth_with_a_class_change_is_refused_as_both(eng):
    old = eng.tenant(pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim("10Gi", storage_class="s")})])
    new = eng.tenant(pools=[eng.pool("a", 2, 1, persistence={"volumeClaimTemplate": claim("20Gi", storage_class="t")})])
    desired, live = eng.statefulsets(eng.render(new)), eng.statefulsets(eng.render(old))
    cluster = facts(storage_class("s", True), storage_class("t", True))
    refusals = check_changes(parse_tenant(new), desired, live, None, cluster)
    assert [r["field"].rsplit(".", 1)[1] for r in refusals] == ["storage", "storageClassName"]


def test_logs_claims_grow_on_their_own_class(eng):
    def tenant(size, storage="logclass"):
        return eng.tenant(
            pools=[eng.pool("a", 2, 1)], logging={"mode": "persistent", "storageSize": size, "storageClass": storage}
        )

    desired, live = eng.statefulsets(eng.render(tenant("8Gi"))), eng.statefulsets(eng.render(tenant("5Gi")))
    allowed = facts(storage_class("logclass", True), storage_class("std", False, default=True))
    assert check_changes(parse_tenant(tenant("8Gi")), desired, live, None, allowed) == []
    assert expansions(parse_tenant(tenant("8Gi")), desired, live) == [
        {"pool": "a", "statefulset": "demo-a", "claims": [{"template": "logs", "size": "8Gi"}]}
    ]
    refused = facts(storage_class("logclass", False))
    refusals = check_changes(parse_tenant(tenant("8Gi")), desired, live, None, refused)
    assert kinds(refusals) == [
        ("spec.logging.storageSize", "VolumeExpansionNotSupported", "WorkloadsReady", "StatefulSetUpdateBlocked")
    ]


def test_expansions_skip_new_pools_and_unchanged_ones(eng):
    old = eng.tenant(pools=[eng.pool("a", 2, 1), eng.pool("b", 2, 1)])
    bigger = {"volumeClaimTemplate": claim("20Gi")}
    new = eng.tenant(
        pools=[eng.pool("a", 2, 1), eng.pool("b", 2, 1, persistence=bigger), eng.pool("c", 2, 1, persistence=bigger)]
    )
    desired, live = eng.statefulsets(eng.render(new)), eng.statefulsets(eng.render(old))
    assert expansions(parse_tenant(new), desired, live) == [
        {"pool": "b", "statefulset": "demo-b", "claims": [{"template": "vol-0", "size": "20Gi"}]}
    ]
