"""network_policy.py: the tenant's NetworkPolicies (issue 17, item 2, isolation).

Expectations follow the NetworkPolicy semantics of networking.k8s.io/v1: policies that select a pod
add up, a peer without namespaceSelector is in the policy's namespace, and a pod selected for a
direction accepts only what some policy allows.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts, configuration_problems
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.network_policy import (
    ANNOTATION_DESCRIPTION,
    network_policies,
)

TEAM = {"namespaceSelector": {"matchLabels": {"team": "analytics"}}}
LOADER = {"podSelector": {"matchLabels": {"app": "loader"}}}
OWN_PODS = {"podSelector": {"matchLabels": {"rustfs.tenant": "demo"}}}


def policies(eng, uid="u-1", **network_policy):
    document = eng.tenant(uid=uid, networkPolicy={"enabled": True, **network_policy})
    return {o["metadata"]["name"]: o for o in eng.render(document) if o["kind"] == "NetworkPolicy"}


def test_off_by_default_and_when_disabled(eng):
    assert [o for o in eng.render(eng.tenant()) if o["kind"] == "NetworkPolicy"] == []
    disabled = eng.tenant(networkPolicy={"enabled": False, "clients": [TEAM], "egress": []})
    assert [o for o in eng.render(disabled) if o["kind"] == "NetworkPolicy"] == []


def test_enabled_alone_isolates_the_pods_but_lets_peers_and_the_operator_in(eng):
    found = policies(eng)
    assert sorted(found) == ["demo-operator", "demo-peers"]
    peers = found["demo-peers"]
    assert peers["apiVersion"] == "networking.k8s.io/v1"
    assert peers["spec"] == {
        "podSelector": {"matchLabels": {"rustfs.tenant": "demo"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [OWN_PODS], "ports": [{"protocol": "TCP", "port": 9000}]}],
    }
    operator = found["demo-operator"]["spec"]["ingress"]
    assert operator == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "rustfs-operator-system"}},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "rustfs-operator"}},
                }
            ],
            "ports": [{"protocol": "TCP", "port": 9000}],
        }
    ]


def test_standard_labels_owner_reference_and_a_description_on_each(eng):
    for policy in policies(eng, clients=[TEAM], egress=[]).values():
        metadata = policy["metadata"]
        assert metadata["namespace"] == "ns"
        assert metadata["labels"] == {
            "app.kubernetes.io/name": "rustfs",
            "app.kubernetes.io/instance": "demo",
            "app.kubernetes.io/managed-by": "rustfs-operator",
            "rustfs.tenant": "demo",
        }
        assert metadata["ownerReferences"][0]["uid"] == "u-1" and metadata["ownerReferences"][0]["controller"]
        assert "demo" in metadata["annotations"][ANNOTATION_DESCRIPTION]


def test_clients_reach_s3_and_by_default_the_console(eng):
    rules = policies(eng, clients=[TEAM, LOADER])["demo-clients"]["spec"]["ingress"]
    assert rules == [
        {"from": [TEAM, LOADER], "ports": [{"protocol": "TCP", "port": 9000}]},
        {"from": [TEAM, LOADER], "ports": [{"protocol": "TCP", "port": 9001}]},
    ]


def test_console_clients_separately_or_none(eng):
    separate = policies(eng, clients=[TEAM], consoleClients=[LOADER])["demo-clients"]["spec"]["ingress"]
    assert [(r["from"], r["ports"][0]["port"]) for r in separate] == [([TEAM], 9000), ([LOADER], 9001)]
    no_console = policies(eng, clients=[TEAM], consoleClients=[])["demo-clients"]["spec"]["ingress"]
    assert [r["ports"][0]["port"] for r in no_console] == [9000]
    console_only = policies(eng, consoleClients=[LOADER])["demo-clients"]["spec"]["ingress"]
    assert [r["ports"][0]["port"] for r in console_only] == [9001]
    # No client at all: no clients policy (the peers policy already denies everyone else).
    assert "demo-clients" not in policies(eng, clients=[])


def test_operator_peer_configurable_or_none(eng):
    helm = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "platform"}}, **LOADER}]
    assert policies(eng, operator=helm)["demo-operator"]["spec"]["ingress"][0]["from"] == helm
    assert "demo-operator" not in policies(eng, operator=[])


def test_egress_unrestricted_unless_set(eng):
    assert "demo-egress" not in policies(eng)
    egress = policies(eng, egress=[])["demo-egress"]["spec"]
    assert egress["policyTypes"] == ["Egress"]
    assert egress["egress"] == [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {"to": [OWN_PODS], "ports": [{"protocol": "TCP", "port": 9000}]},
    ]
    vault = {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 8200}]}
    assert policies(eng, egress=[vault])["demo-egress"]["spec"]["egress"][2] == vault


def test_ingress_policies_never_restrict_egress(eng):
    for name, policy in policies(eng, clients=[TEAM]).items():
        assert policy["spec"]["policyTypes"] == ["Ingress"], name


def test_applied_after_the_services_and_before_the_workloads(eng):
    document = eng.tenant(uid="u", networkPolicy={"enabled": True})
    kinds = [o["kind"] for o in eng.render(document)]
    assert kinds.index("NetworkPolicy") > max(i for i, k in enumerate(kinds) if k == "Service")
    assert kinds.index("NetworkPolicy") < kinds.index("StatefulSet")


@pytest.mark.parametrize(
    ("peer", "message"),
    [
        ({}, "a peer needs podSelector, namespaceSelector or ipBlock"),
        ({"ipBlock": {"cidr": "10.0.0.0/8"}, **TEAM}, "ipBlock cannot be combined"),
        ({"ipBlock": {"cidr": "10.0.0.0/33"}}, "is not a CIDR"),
        ({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}}, "must lie inside the cidr 10.0.0.0/8"),
    ],
)
def test_peers_the_api_server_would_refuse_are_refused_first(eng, peer, message):
    errors = eng.errors(eng.tenant(networkPolicy={"enabled": True, "clients": [peer]}))
    assert [(e["field"].split(".ipBlock")[0], e["reason"]) for e in errors] == [
        ("spec.networkPolicy.clients[0]", "NetworkPolicyInvalid")
    ]
    assert message in errors[0]["message"]


def test_a_valid_ip_block_passes(eng):
    block = {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}
    assert (
        eng.errors(eng.tenant(networkPolicy={"enabled": True, "clients": [block], "egress": [{"to": [block]}]})) == []
    )


def test_restricted_egress_with_vault_is_a_warning(eng):
    document = eng.tenant(
        networkPolicy={"enabled": True, "egress": []},
        encryption={"enabled": True, "backend": "vault", "vault": {"endpoint": "https://vault:8200"}},
    )
    _problems, warnings = configuration_problems(parse_tenant(document), ClusterFacts())
    assert [(w["field"], w["reason"]) for w in warnings] == [("spec.networkPolicy.egress", "NetworkPolicyBlocksVault")]
    assert "https://vault:8200" in warnings[0]["message"]


def test_pure_and_unshared(eng):
    tenant = parse_tenant(eng.tenant(networkPolicy={"enabled": True, "clients": [copy.deepcopy(TEAM)]}))
    first, second = network_policies(tenant), network_policies(tenant)
    assert first == second
    first[1]["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["team"] = "x"
    assert network_policies(tenant)[1]["spec"]["ingress"][0]["from"][0] == {
        "namespaceSelector": {"matchLabels": {"team": "analytics"}}
    }
    assert TEAM == {"namespaceSelector": {"matchLabels": {"team": "analytics"}}}
