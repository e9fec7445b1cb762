"""RBAC is enforced: a ServiceAccount gets exactly what it was granted, through
a TokenRequest token in a kubeconfig (what playbooks and the operator use)."""

from __future__ import annotations

import json

import kube
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

pytestmark = pytest.mark.integration

READ_CONFIGMAPS = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]


def status_of(call: object) -> int:
    try:
        call()  # type: ignore[operator]
    except ApiException as exc:
        return int(exc.status)
    return 200


def test_service_account_is_refused_what_it_was_not_granted(
    api: client.ApiClient, namespace: str, sa_kubeconfig: kube.SaKubeconfig
) -> None:
    other = kube.create_namespace(api, "it-rbac-other")
    try:
        kc = sa_kubeconfig(namespace, "reader", rules=READ_CONFIGMAPS)
        sa = client.CoreV1Api(kube.new_client(kc))
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe"}}

        # Granted: read ConfigMaps in its own namespace.
        names = [c.metadata.name for c in sa.list_namespaced_config_map(namespace).items]
        assert "kube-root-ca.crt" in names
        # Not granted: writes, other resources, other namespaces, cluster scope.
        assert status_of(lambda: sa.create_namespaced_config_map(namespace, cm)) == 403
        assert status_of(lambda: sa.list_namespaced_secret(namespace)) == 403
        assert status_of(lambda: sa.list_namespaced_config_map(other)) == 403
        assert status_of(lambda: sa.list_node()) == 403
    finally:
        kube.delete_namespace(api, other)


def test_cluster_rules_and_kubectl_with_a_minted_kubeconfig(
    api: client.ApiClient, namespace: str, sa_kubeconfig: kube.SaKubeconfig
) -> None:
    kc = sa_kubeconfig(
        namespace,
        "node-viewer",
        rules=READ_CONFIGMAPS,
        cluster_rules=[{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}],
    )

    # The same file works for subprocess tools (kubectl here, ansible later).
    who = json.loads(kube.kubectl(kc, "auth", "whoami", "-o", "json").stdout)
    assert who["status"]["userInfo"]["username"] == f"system:serviceaccount:{namespace}:node-viewer"
    assert kube.kubectl(kc, "auth", "can-i", "list", "nodes").stdout.strip() == "yes"
    assert kube.kubectl(kc, "auth", "can-i", "get", "nodes", check=False).stdout.strip() == "no"
    assert kube.kubectl(kc, "auth", "can-i", "delete", "configmaps", check=False).stdout.strip() == "no"
    nodes = kube.kubectl(kc, "get", "nodes", "-o", "name").stdout.split()
    assert len(nodes) >= 4
