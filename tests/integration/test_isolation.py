"""Isolation in playbook mode on the real control plane (issue 17, item 2): the tenant's NetworkPolicies
are accepted by the API server, applied once, and only ours are removed when turned off; a tenant that
does not fit the namespace's ResourceQuota or LimitRange is refused with the numbers before any write.

The local control plane has no network plugin, so what the policies let through is not observed here
(tests/unit/test_network_policy.py states the rules); the API server's validation of each policy is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from operator_support import active_operator, label_tenant, wait_until
from support.playbook import PlaybookRun, example_tenant, run_playbook

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]

TEAM = {"namespaceSelector": {"matchLabels": {"team": "analytics"}}}


def play(tenant: dict[str, Any], tmp_path: Path, **extra: Any) -> PlaybookRun:
    return run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant, **extra}, tmp_dir=tmp_path)


def policies(api: client.ApiClient, namespace: str) -> dict[str, client.V1NetworkPolicy]:
    return {p.metadata.name: p for p in client.NetworkingV1Api(api).list_namespaced_network_policy(namespace).items}


def statefulsets(api: client.ApiClient, namespace: str) -> list[str]:
    return [s.metadata.name for s in client.AppsV1Api(api).list_namespaced_stateful_set(namespace).items]


def stored_tenant(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", name
    )
    return found


def make_quota(api: client.ApiClient, namespace: str, name: str, hard: dict[str, str]) -> None:
    client.CoreV1Api(api).create_namespaced_resource_quota(
        namespace,
        client.V1ResourceQuota(metadata=client.V1ObjectMeta(name=name), spec=client.V1ResourceQuotaSpec(hard=hard)),
    )


def test_isolation_policies_applied_once_and_only_ours_removed(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    name = tenant["metadata"]["name"]
    # A user's own policy, even labelled like ours, is never removed: it is not owned by the Tenant.
    mine = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "users-own", "namespace": namespace, "labels": {"rustfs.tenant": name}},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }
    kube.apply(api, mine)
    tenant["spec"]["networkPolicy"] = {
        "enabled": True,
        "clients": [TEAM, {"ipBlock": {"cidr": "10.10.0.0/16", "except": ["10.10.1.0/24"]}}],
        "egress": [{"to": [{"ipBlock": {"cidr": "192.0.2.10/32"}}], "ports": [{"protocol": "TCP", "port": 8200}]}],
    }
    applied = play(tenant, tmp_path, wait=True, wait_timeout=120)
    assert applied.returncode == 0, applied.output

    found = policies(api, namespace)
    ours = {f"{name}-peers", f"{name}-clients", f"{name}-operator", f"{name}-egress"}
    assert set(found) == ours | {"users-own"}
    uid = stored_tenant(api, namespace, name)["metadata"]["uid"]
    for policy_name in ours:
        policy = found[policy_name]
        assert [(o.kind, o.uid, o.controller) for o in policy.metadata.owner_references] == [("Tenant", uid, True)]
        assert policy.spec.pod_selector.match_labels == {"rustfs.tenant": name}
        assert "operator.rustfs.com/description" in policy.metadata.annotations
    clients = found[f"{name}-clients"].spec.ingress
    assert [[p.port for p in rule.ports] for rule in clients] == [[9000], [9001]]
    assert clients[0]._from[1].ip_block.cidr == "10.10.0.0/16"
    egress = found[f"{name}-egress"].spec.egress
    assert [(p.protocol, p.port) for p in egress[0].ports] == [("UDP", 53), ("TCP", 53)]
    assert egress[2].to[0].ip_block.cidr == "192.0.2.10/32"

    again = play(tenant, tmp_path)
    assert again.returncode == 0 and again.changed == 0, again.output
    versions = {n: p.metadata.resource_version for n, p in policies(api, namespace).items()}
    assert versions == {n: p.metadata.resource_version for n, p in found.items()}

    # Fewer rules: the egress policy is removed, the others stay.
    del tenant["spec"]["networkPolicy"]["egress"]
    narrowed = play(tenant, tmp_path)
    assert narrowed.returncode == 0, narrowed.output
    assert set(policies(api, namespace)) == (ours - {f"{name}-egress"}) | {"users-own"}

    tenant["spec"]["networkPolicy"]["enabled"] = False
    off = play(tenant, tmp_path)
    assert off.returncode == 0, off.output
    assert set(policies(api, namespace)) == {"users-own"}
    assert statefulsets(api, namespace) == [f"{name}-dev-pool"]
    still_off = play(tenant, tmp_path)
    assert still_off.returncode == 0 and still_off.changed == 0, still_off.output


def test_isolation_quota_refuses_what_does_not_fit_and_never_an_unchanged_tenant(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    core = client.CoreV1Api(api)
    # Exactly what the tenant needs: two pods, four 10Gi claims.
    make_quota(api, namespace, "team-quota", {"pods": "2", "requests.storage": "40Gi"})
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    tenant["spec"]["pools"] = [{"name": "a", "servers": 2, "persistence": {"volumesPerServer": 2}}]
    name = tenant["metadata"]["name"]
    assert play(tenant, tmp_path, wait=True, wait_timeout=120).returncode == 0

    def used() -> dict[str, str]:
        return dict(core.read_namespaced_resource_quota("team-quota", namespace).status.used or {})

    kube.wait_for(lambda: used() == {"pods": "2", "requests.storage": "40Gi"}, timeout=60, what="quota usage")
    # The tenant uses the whole quota now: unchanged, it must not be refused.
    unchanged = play(tenant, tmp_path)
    assert unchanged.returncode == 0 and unchanged.changed == 0, unchanged.output

    # A second pool does not fit: refused before any write, with the numbers.
    tenant["spec"]["pools"].append({"name": "b", "servers": 2, "persistence": {"volumesPerServer": 2}})
    refused = play(tenant, tmp_path)
    assert refused.returncode != 0
    assert "ResourceQuotaExceeded" in refused.output, refused.output[-3000:]
    assert (
        "ResourceQuota team-quota of namespace " + namespace + " allows pods 2; other objects use 0 of it, "
        "and the tenant needs 4 (pool a 2, pool b 2), 2 more than is left"
    ) in refused.output
    assert "allows requests.storage 40Gi; other objects use 0 of it, and the tenant needs 80Gi" in refused.output
    assert statefulsets(api, namespace) == [f"{name}-a"]
    status = stored_tenant(api, namespace, name)["status"]
    assert status["currentState"] == "Blocked"
    pools_ready = next(c for c in status["conditions"] if c["type"] == "PoolsReady")
    assert (pools_ready["status"], pools_ready["reason"]) == ("False", "ResourceQuotaExceeded")
    events = core.list_namespaced_event(namespace, field_selector=f"involvedObject.name={name}").items
    assert any(e.reason == "ResourceQuotaExceeded" and e.type == "Warning" for e in events)


def test_isolation_new_tenant_over_quota_or_limit_range_gets_no_statefulset(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    core = client.CoreV1Api(api)
    make_quota(api, namespace, "small", {"requests.storage": "5Gi"})
    tenant = example_tenant("minimal-dev-tenant.yaml", namespace)
    refused = play(tenant, tmp_path)
    assert refused.returncode != 0
    assert "allows requests.storage 5Gi; other objects use 0 of it, and the tenant needs 10Gi" in refused.output
    assert statefulsets(api, namespace) == []

    core.delete_namespaced_resource_quota("small", namespace)
    core.create_namespaced_limit_range(
        namespace,
        client.V1LimitRange(
            metadata=client.V1ObjectMeta(name="per-container"),
            spec=client.V1LimitRangeSpec(limits=[client.V1LimitRangeItem(type="Container", max={"memory": "1Gi"})]),
        ),
    )
    tenant["spec"]["pools"][0]["resources"] = {"limits": {"memory": "2Gi"}}
    limited = play(tenant, tmp_path)
    assert limited.returncode != 0
    assert "LimitRangeExceeded" in limited.output
    assert (
        f"LimitRange per-container of namespace {namespace} allows at most memory 1Gi per container, and pool "
        "dev-pool has a limit of 2Gi"
    ) in limited.output
    assert statefulsets(api, namespace) == []


# --- operator mode, with exactly the shipped RBAC ------------------------------------------------------


def small_tenant(namespace: str, instance: str, **spec: Any) -> dict[str, Any]:
    tenant = example_tenant("simple-tenant.yaml", namespace)
    tenant["metadata"]["name"] = "iso"
    tenant["spec"]["pools"] = [{"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}}]
    tenant["spec"].update(spec)
    return label_tenant(tenant, instance)


def wait_state(api: client.ApiClient, namespace: str, wanted: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        tenant = stored_tenant(api, namespace, "iso")
        status = tenant.get("status") or {}
        fresh = status.get("observedGeneration") == tenant["metadata"]["generation"]
        return tenant if fresh and status.get("currentState") == wanted else None

    found: dict[str, Any] = wait_until(probe, timeout=120, what=f"tenant {namespace}/iso {wanted}")
    return found


def test_isolation_in_operator_mode(api: client.ApiClient, namespace: str, operator_home: Any) -> None:
    custom = client.CustomObjectsApi(api)
    with active_operator(operator_home, "isolation") as operator:
        tenant = small_tenant(namespace, operator.instance, networkPolicy={"enabled": True, "clients": [TEAM]})
        custom.create_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants", tenant)
        wait_state(api, namespace, "Ready")
        assert set(policies(api, namespace)) == {"iso-peers", "iso-clients", "iso-operator"}

        # Someone deletes one: the operator watches NetworkPolicies and puts it back.
        client.NetworkingV1Api(api).delete_namespaced_network_policy("iso-peers", namespace)
        wait_until(lambda: "iso-peers" in policies(api, namespace), what="NetworkPolicy iso-peers restored")

        # Turned off: ours go.
        kube.update_tenant(api, namespace, "iso", lambda stored: stored["spec"]["networkPolicy"].update(enabled=False))
        wait_until(lambda: policies(api, namespace) == {}, what="NetworkPolicies removed")

        # A quota the tenant's next pool does not fit: Blocked before any write, with the numbers.
        make_quota(api, namespace, "two-pods", {"pods": "2"})
        pool_1 = {"name": "pool-1", "servers": 2, "persistence": {"volumesPerServer": 1}}
        kube.update_tenant(api, namespace, "iso", lambda stored: stored["spec"]["pools"].append(pool_1))
        blocked = wait_state(api, namespace, "Blocked")
        pools_ready = next(c for c in blocked["status"]["conditions"] if c["type"] == "PoolsReady")
        assert pools_ready["reason"] == "ResourceQuotaExceeded"
        assert (
            "allows pods 2" in pools_ready["message"]
            and "needs 4 (pool pool-0 2, pool pool-1 2)" in (pools_ready["message"])
        )
        assert statefulsets(api, namespace) == ["iso-pool-0"]
