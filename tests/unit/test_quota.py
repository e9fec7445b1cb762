"""quota.py: a tenant against its namespace's ResourceQuotas and LimitRanges (issue 17, item 2).

Facts are written as the API returns them (ResourceQuota and LimitRange items, a LimitRange as the
API server stores it, with its defaults filled in); expectations follow the API server's admission
(pod defaulting, LimitRanger, ResourceQuota), stated per test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts, configuration_problems
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.quota import format_amount


def quota(name="q", hard=None, used=None, scopes=None, namespace="ns"):
    item = {"metadata": {"name": name, "namespace": namespace}, "spec": {"hard": hard or {}}}
    if scopes:
        item["spec"]["scopes"] = scopes
    if used is not None:
        item["status"] = {"hard": hard, "used": used}
    return item


def limits(name="lr", namespace="ns", **by_type):
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"limits": [{"type": kind, **values} for kind, values in by_type.items()]},
    }


def run(document, quotas=None, ranges=None, live=(), classes=None):
    facts = ClusterFacts.from_api(storage_classes=classes, namespace="ns", resource_quotas=quotas, limit_ranges=ranges)
    return configuration_problems(parse_tenant(document), facts, live_statefulsets=live)


def summary(errors):
    return [(e["field"], e["reason"]) for e in errors]


def pool(eng, name="pool-0", servers=4, volumes=2, **resources):
    fields = {"resources": resources} if resources else {}
    return eng.pool(name, servers, volumes, **fields)


def test_requests_beyond_what_is_left_are_refused_with_the_numbers(eng):
    document = eng.tenant(pools=[pool(eng, requests={"cpu": "1", "memory": "2Gi"})])
    problems, _warnings = run(
        document, [quota(hard={"requests.cpu": "4", "requests.memory": "16Gi"}, used={"requests.cpu": "1"})]
    )
    assert summary(problems) == [("spec.pools", "ResourceQuotaExceeded")]
    assert problems[0]["message"].startswith(
        "ResourceQuota q of namespace ns allows requests.cpu 4; other objects use 1 of it, and the tenant needs 4 "
        "(pool pool-0 4), 1 more than is left"
    )


def test_memory_and_storage_are_shown_in_binary_units(eng):
    document = eng.tenant(pools=[pool(eng, servers=4, volumes=2, requests={"memory": "2Gi"})])  # 8 claims of 10Gi
    problems, _ = run(
        document,
        [quota(hard={"memory": "10Gi", "requests.storage": "70Gi"}, used={"memory": "4Gi", "requests.storage": "0"})],
    )
    messages = sorted(p["message"] for p in problems)
    assert (
        "allows memory 10Gi; other objects use 4Gi of it, and the tenant needs 8Gi (pool pool-0 8Gi), 2Gi more"
        in (messages[0])
    )
    assert "allows requests.storage 70Gi; other objects use 0 of it, and the tenant needs 80Gi" in messages[1]


def test_counts_of_pods_and_claims_and_per_class_storage(eng):
    document = eng.tenant(pools=[pool(eng, "a", servers=2, volumes=1), pool(eng, "b", servers=4, volumes=1)])
    problems, _ = run(
        document,
        [
            quota(
                hard={
                    "pods": "5",
                    "count/persistentvolumeclaims": "6",
                    "standard.storageclass.storage.k8s.io/requests.storage": "50Gi",
                    "other.storageclass.storage.k8s.io/requests.storage": "1Gi",
                },
                used={},
            )
        ],
        # Claims without a class get the default one (admission), so they count against its quota.
        classes=[
            {"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}
        ],
    )
    texts = [p["message"] for p in problems]
    assert len(problems) == 2
    assert any("allows pods 5" in t and "needs 6 (pool a 2, pool b 4)" in t for t in texts)
    assert any("standard.storageclass.storage.k8s.io/requests.storage 50Gi" in t and "needs 60Gi" in t for t in texts)


def test_an_unchanged_tenant_is_never_refused_even_over_a_lowered_quota(eng):
    document = eng.tenant(pools=[pool(eng, requests={"cpu": "1"})])
    live = eng.statefulsets(eng.render(document))
    # The tenant's 4 pods use 4 CPUs; someone lowered the quota to 2 since.
    problems, _ = run(
        document, [quota(hard={"requests.cpu": "2", "pods": "3"}, used={"requests.cpu": "4", "pods": "4"})], live=live
    )
    assert problems == []


def test_only_what_the_tenant_adds_must_fit(eng):
    before = eng.tenant(pools=[pool(eng, "a", servers=2, requests={"cpu": "1"})])
    live = eng.statefulsets(eng.render(before))
    after = eng.tenant(
        pools=[pool(eng, "a", servers=2, requests={"cpu": "1"}), pool(eng, "b", servers=2, requests={"cpu": "1"})]
    )
    # used 3 = the tenant's 2 + 1 of another workload; the new pool needs 2 more: 5 > 4.
    problems, _ = run(after, [quota(hard={"requests.cpu": "4"}, used={"requests.cpu": "3"})], live=live)
    assert "other objects use 1 of it, and the tenant needs 4 (pool a 2, pool b 2), 1 more" in problems[0]["message"]
    fits, _ = run(after, [quota(hard={"requests.cpu": "5"}, used={"requests.cpu": "3"})], live=live)
    assert fits == []


def test_a_limit_stands_in_for_an_unset_request(eng):
    # Pod defaulting: requests.cpu = limits.cpu when only the limit is set.
    document = eng.tenant(pools=[pool(eng, servers=4, limits={"cpu": "2"})])
    problems, _ = run(document, [quota(hard={"requests.cpu": "6", "limits.cpu": "100"}, used={})])
    assert summary(problems) == [("spec.pools", "ResourceQuotaExceeded")]
    assert "needs 8" in problems[0]["message"]


def test_a_quota_on_cpu_or_memory_needs_every_pod_to_state_it(eng):
    document = eng.tenant(pools=[pool(eng, requests={"cpu": "1"})])
    problems, _ = run(document, [quota(hard={"limits.memory": "100Gi"}, used={})])
    assert summary(problems) == [("spec.pools[0].resources", "ResourceQuotaRequiresResources")]
    assert "set resources.limits.memory" in problems[0]["message"]


def test_a_limit_range_default_satisfies_the_quota_and_is_a_warning(eng):
    document = eng.tenant(pools=[pool(eng, requests={"cpu": "1"})])
    ranges = [limits(Container={"default": {"memory": "512Mi"}, "defaultRequest": {"memory": "256Mi"}})]
    problems, warnings = run(document, [quota(hard={"limits.memory": "100Gi"}, used={})], ranges)
    assert problems == []
    assert summary(warnings) == [("spec.pools[0].resources", "LimitRangeDefaultApplied")]
    assert "memory limit 512Mi (LimitRange lr); memory request 256Mi (LimitRange lr)" in warnings[0]["message"]


def test_scoped_quotas_count_only_the_pods_they_match(eng):
    sized = eng.tenant(pools=[pool(eng, requests={"cpu": "1"})])
    best_effort_only = [quota(hard={"pods": "1"}, used={}, scopes=["BestEffort"])]
    assert run(sized, best_effort_only)[0] == []
    assert summary(run(eng.tenant(pools=[pool(eng)]), best_effort_only)[0]) == [("spec.pools", "ResourceQuotaExceeded")]
    # A scoped quota never counts claims.
    assert run(sized, [quota(hard={"requests.storage": "1Gi"}, used={}, scopes=["NotTerminating"])])[0] == []
    assert run(sized, [quota(hard={"pods": "1"}, used={}, scopes=["Terminating"])])[0] == []


def test_limit_range_max_and_min_per_container(eng):
    document = eng.tenant(pools=[pool(eng, requests={"memory": "1Gi"}, limits={"memory": "4Gi"})])
    problems, _ = run(document, ranges=[limits(Container={"max": {"memory": "2Gi"}, "min": {"memory": "2Gi"}})])
    assert summary(problems) == [("spec.pools[0].resources", "LimitRangeExceeded")] * 2
    assert (
        "LimitRange lr of namespace ns allows at most memory 2Gi per container, and pool pool-0 has a limit of 4Gi"
        in (problems[0]["message"])
    )
    assert "needs at least memory 2Gi per container, and pool pool-0 requests 1Gi" in problems[1]["message"]


def test_limit_range_max_needs_a_limit(eng):
    document = eng.tenant(pools=[pool(eng, requests={"cpu": "1"})])
    problems, _ = run(document, ranges=[limits(Pod={"max": {"cpu": "4"}})])
    assert "allows at most cpu 4 per pod, and pool pool-0 sets no limit" in problems[0]["message"]


def test_limit_range_ratio(eng):
    document = eng.tenant(pools=[pool(eng, requests={"cpu": "500m"}, limits={"cpu": "4"})])
    problems, _ = run(document, ranges=[limits(Container={"maxLimitRequestRatio": {"cpu": "2"}})])
    assert "at most 2 times the request, and pool pool-0 has 4 over 500m" in problems[0]["message"]


def test_limit_range_on_claims_only_for_new_claims(eng):
    document = eng.tenant(pools=[pool(eng)])  # claims of 10Gi
    ranges = [limits(PersistentVolumeClaim={"max": {"storage": "5Gi"}})]
    problems, _ = run(document, ranges=ranges)
    assert summary(problems) == [("spec.pools[0].persistence.volumeClaimTemplate", "LimitRangeExceeded")]
    assert "allows claims of at most 5Gi, and pool pool-0 asks 10Gi per claim" in problems[0]["message"]
    # The pool exists: its claims were made already and are not made again.
    assert run(document, ranges=ranges, live=eng.statefulsets(eng.render(document))) == ([], [])


def test_a_running_pool_the_limit_range_would_refuse_is_a_warning(eng):
    document = eng.tenant(pools=[pool(eng, limits={"memory": "4Gi"})])
    live = eng.statefulsets(eng.render(document))
    problems, warnings = run(document, ranges=[limits(Container={"max": {"memory": "2Gi"}})], live=live)
    assert problems == []
    assert summary(warnings) == [("spec.pools[0].resources", "LimitRangeExceeded")]
    assert "the running pods predate it" in warnings[0]["message"]


def test_facts_not_read_or_of_another_namespace_check_nothing(eng):
    document = eng.tenant(pools=[pool(eng)])
    assert configuration_problems(parse_tenant(document), ClusterFacts()) == ([], [])
    tight = [quota(hard={"pods": "0"}, used={})]
    assert run(eng.tenant(namespace="other", pools=[pool(eng)]), tight) == ([], [])
    assert run(document, [quota(hard={"pods": "0"}, used={}, namespace="elsewhere")]) == ([], [])


def test_the_refusal_blocks_the_tenant_on_pools_ready(eng):
    from ansible_collections.rustfs.operator.plugins.module_utils.status import tenant_status

    document = eng.tenant(pools=[pool(eng)])
    problems, _ = run(document, [quota(hard={"pods": "1"}, used={})])
    status = tenant_status(parse_tenant(document), [], [dict(p) for p in problems], None, "2025-01-01T00:00:00Z")
    by_type = {c["type"]: c for c in status["conditions"]}
    assert status["currentState"] == "Blocked"
    assert (by_type["PoolsReady"]["status"], by_type["PoolsReady"]["reason"]) == ("False", "ResourceQuotaExceeded")


@pytest.mark.parametrize(
    ("resource", "amount", "text"),
    [
        ("cpu", Decimal("1.5"), "1500m"),
        ("cpu", Decimal(2), "2"),
        ("requests.memory", Decimal(4 * 2**30), "4Gi"),
        ("memory", Decimal(512 * 2**20), "512Mi"),
        ("requests.storage", Decimal(10**9), "1G"),
        ("requests.storage", Decimal(1500 * 2**10), "1500Ki"),
        ("pods", Decimal(7), "7"),
        ("memory", Decimal(0), "0"),
    ],
)
def test_format_amount(resource, amount, text):
    assert format_amount(resource, amount) == text


def test_a_request_above_the_default_limit_is_refused(eng):
    # LimitRanger gives the limit; the pod then asks more than its limit, which the API server refuses.
    document = eng.tenant(pools=[pool(eng, requests={"memory": "4Gi"})])
    ranges = [limits(Container={"default": {"memory": "1Gi"}, "defaultRequest": {"memory": "1Gi"}})]
    problems, warnings = run(document, ranges=ranges)
    assert summary(problems) == [("spec.pools[0].resources", "LimitRangeExceeded")]
    assert (
        "requests memory 4Gi, more than the limit 1Gi the namespace's LimitRange default gives it"
        in (problems[0]["message"])
    )
    assert summary(warnings) == [("spec.pools[0].resources", "LimitRangeDefaultApplied")]
