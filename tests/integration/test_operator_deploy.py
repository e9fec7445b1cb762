"""rustfs.operator.deploy_operator: the shipped manifests install, pass Pod Security restricted, and rerun clean."""

from __future__ import annotations

from pathlib import Path

import kube
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from support.playbook import run_playbook

pytestmark = pytest.mark.integration

NAMESPACE = "rustfs-operator-system"


def _remove(api: client.ApiClient) -> None:
    rbac = client.RbacAuthorizationV1Api(api)
    for delete in (rbac.delete_cluster_role_binding, rbac.delete_cluster_role):
        try:
            delete("rustfs-operator")
        except ApiException as error:
            if error.status != 404:
                raise
    kube.delete_namespace(api, NAMESPACE, wait=True)


def test_deploy_operator_installs_a_restricted_deployment_idempotently(api: client.ApiClient, kubeconfig: Path) -> None:
    _remove(api)
    try:
        first = run_playbook("rustfs.operator.deploy_operator", "-e", "operator_image=example.invalid/op:1")
        assert first.returncode == 0, first.output
        assert first.changed > 0
        again = run_playbook("rustfs.operator.deploy_operator", "-e", "operator_image=example.invalid/op:1")
        assert again.returncode == 0, again.output
        assert again.changed == 0, again.output

        labels = client.CoreV1Api(api).read_namespace(NAMESPACE).metadata.labels
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        # The namespace enforces "restricted": a running pod proves the Deployment passes it.
        pods = client.CoreV1Api(api).list_namespaced_pod(NAMESPACE).items
        assert len(pods) == 1 and pods[0].status.phase == "Running"
        container = pods[0].spec.containers[0]
        assert container.image == "example.invalid/op:1"
        assert container.security_context.read_only_root_filesystem is True
        assert container.resources.requests["memory"]
        binding = client.RbacAuthorizationV1Api(api).read_cluster_role_binding("rustfs-operator")
        assert binding.subjects[0].namespace == NAMESPACE
    finally:
        _remove(api)
