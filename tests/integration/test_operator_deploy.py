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


def test_deploy_options_reach_the_deployment_and_a_wrong_one_writes_nothing(
    api: client.ApiClient, kubeconfig: Path, tmp_path: Path
) -> None:
    """The chart's operator.* choices, as operator_* variables, on the real API server."""
    _remove(api)
    options = {
        "operator_image": "example.invalid/op:2",
        "operator_replicas": 2,
        "operator_resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "768Mi"}},
        "operator_node_selector": {"kubernetes.io/os": "linux"},
        "operator_tolerations": [{"key": "infra", "operator": "Exists", "effect": "NoSchedule"}],
        "operator_image_pull_secrets": ["registry"],
        "operator_settings": {"workers": 6, "logLevel": "DEBUG", "batchSize": None},
        "operator_watch_namespaces": ["team-a", "team-b"],
        "operator_wait": False,
    }
    try:
        wrong = run_playbook(
            "rustfs.operator.deploy_operator",
            extra_vars={**options, "operator_settings": {"workDir": "/data"}},
            tmp_dir=tmp_path,
        )
        assert wrong.returncode != 0
        assert "operator_settings.workDir" in wrong.output, wrong.output
        with pytest.raises(ApiException) as missing:
            client.AppsV1Api(api).read_namespaced_deployment("rustfs-operator", NAMESPACE)
        assert missing.value.status == 404

        first = run_playbook("rustfs.operator.deploy_operator", extra_vars=options, tmp_dir=tmp_path)
        assert first.returncode == 0, first.output
        again = run_playbook("rustfs.operator.deploy_operator", extra_vars=options, tmp_dir=tmp_path)
        assert again.returncode == 0, again.output
        assert again.changed == 0, again.output

        deployment = client.AppsV1Api(api).read_namespaced_deployment("rustfs-operator", NAMESPACE)
        pod = deployment.spec.template.spec
        assert deployment.spec.replicas == 2
        assert pod.node_selector == {"kubernetes.io/os": "linux"}
        assert [t.key for t in pod.tolerations] == ["infra"]
        assert [s.name for s in pod.image_pull_secrets] == ["registry"]
        operator = pod.containers[0]
        assert operator.image == "example.invalid/op:2"
        assert operator.resources.requests == {"cpu": "100m", "memory": "256Mi"}
        assert operator.resources.limits == {"memory": "768Mi"}
        variables = {e.name: e.value for e in operator.env}
        assert variables["RUSTFS_OPERATOR_WORKERS"] == "6"
        assert variables["RUSTFS_OPERATOR_LOG_LEVEL"] == "DEBUG"
        assert variables["RUSTFS_OPERATOR_WATCH_NAMESPACES"] == "team-a,team-b"
        assert "RUSTFS_OPERATOR_BATCH_SIZE" not in variables
    finally:
        _remove(api)
