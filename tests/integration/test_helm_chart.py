"""The Helm chart (charts/rustfs-operator) installed with `helm install` on the local control plane.

What the chart creates must be enough for the operator: after the install, the operator runs as a
process on this machine with a TokenRequest token of the chart's ServiceAccount (so with exactly the
RBAC the chart bound to it; the Deployment's own pod is simulated by kwok and never runs) and
reconciles a Tenant to Ready. `helm uninstall` then removes the operator and leaves the CRD and the
Tenant, as the RustFS operator's chart does.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kube
import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from operator_support import active_operator, label_tenant, shipped_rules, wait_until
from support.playbook import example_tenant

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "rustfs-operator"
CRD_NAME = "tenants.rustfs.com"
GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
}


class Helm:
    """helm (hack/helm.sh's build) against KUBECONFIG, with its cache and configuration in a temporary home."""

    def __init__(self, binary: str, kubeconfig: Path, home: Path) -> None:
        self.binary = binary
        self.env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        }

    def __call__(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.binary, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check:
            assert done.returncode == 0, f"helm {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def helm(kubeconfig: Path, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    built = subprocess.run(
        [str(REPO / "hack" / "helm.sh"), "bin"], capture_output=True, text=True, timeout=1800, check=False
    )
    assert built.returncode == 0, built.stderr
    return Helm(built.stdout.strip().splitlines()[-1], kubeconfig, tmp_path_factory.mktemp("helm-home"))


@pytest.fixture
def release(api: client.ApiClient, helm: Helm, crd: None) -> Iterator[tuple[str, str]]:
    """(release, namespace): a fresh namespace enforcing Pod Security restricted; the release is
    uninstalled afterwards if a test left it installed."""
    namespace = kube.create_namespace(api, "it-helm", labels=RESTRICTED)
    name = f"it-helm-{uuid.uuid4().hex[:6]}"
    try:
        yield name, namespace
    finally:
        helm("uninstall", name, "--namespace", namespace, "--ignore-not-found", check=False)
        rbac = client.RbacAuthorizationV1Api(api)
        for delete in (rbac.delete_cluster_role_binding, rbac.delete_cluster_role):  # left only by a failed uninstall
            try:
                delete(f"{name}-rustfs-operator")
            except ApiException as error:
                if error.status != 404:
                    raise
        kube.delete_namespace(api, namespace)


def rules(objects: list[Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in rule.items() if v is not None} for rule in objects]


def ready(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any] | None:
    """The Tenant when Ready at its current generation, with the operator's lastRun of that generation."""
    tenant = kube.read_tenant(api, namespace, name)
    status = tenant.get("status") or {}
    generation = tenant["metadata"]["generation"]
    fresh = status.get("observedGeneration") == generation == (status.get("lastRun") or {}).get("generation")
    return tenant if fresh and status.get("currentState") == "Ready" else None


def serves_service_monitors(api: client.ApiClient) -> bool:
    try:
        resources = client.CustomObjectsApi(api).get_api_resources("monitoring.coreos.com", "v1").resources
    except ApiException as error:
        if error.status == 404:
            return False
        raise
    return any(r.name == "servicemonitors" for r in resources)


def release_tenant(api: client.ApiClient, namespace: str, name: str) -> None:
    """With no operator left to remove its finalizer, remove it by hand (docs/operator.md)."""
    try:
        client.CustomObjectsApi(api).patch_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, name, {"metadata": {"finalizers": None}}
        )
    except ApiException as error:
        if error.status != 404:
            raise


def test_helm_install_runs_the_operator_and_uninstall_keeps_the_crd_and_tenants(
    api: client.ApiClient, helm: Helm, release: tuple[str, str], tmp_path: Path
) -> None:
    name, namespace = release
    fullname = f"{name}-rustfs-operator"
    installed = helm(
        "install",
        name,
        str(CHART),
        "--namespace",
        namespace,
        "--set",
        "operator.image.repository=example.invalid/rustfs/rustfs-operator",
        "--set",
        f"operator.tenantSelector=rustfs-operator-test/instance={name}",
        "--set",
        "operator.settings.workers=2",
        "--wait",
        "--timeout",
        "120s",
    )
    assert "STATUS: deployed" in installed.stdout, installed.stdout

    # What the chart made: the shipped RBAC bound to its ServiceAccount, and a Deployment whose pod
    # was admitted by Pod Security "restricted" and scheduled (kwok marks it Running).
    rbac, core, apps = client.RbacAuthorizationV1Api(api), client.CoreV1Api(api), client.AppsV1Api(api)
    role_rules, cluster_rules = shipped_rules()
    assert rules(api.sanitize_for_serialization(rbac.read_cluster_role(fullname).rules)) == cluster_rules
    role = rbac.read_namespaced_role(f"{fullname}-leader-election", namespace)
    assert rules(api.sanitize_for_serialization(role.rules)) == role_rules
    subject = {"kind": "ServiceAccount", "name": fullname, "namespace": namespace}
    for binding in (
        rbac.read_cluster_role_binding(fullname),
        rbac.read_namespaced_role_binding(f"{fullname}-leader-election", namespace),
    ):
        assert api.sanitize_for_serialization(binding.subjects) == [subject]
    core.read_namespaced_service_account(fullname, namespace)
    deployment = apps.read_namespaced_deployment(fullname, namespace)
    assert deployment.status.available_replicas == 1
    pods = core.list_namespaced_pod(namespace, label_selector=f"app.kubernetes.io/instance={name}").items
    assert [p.status.phase for p in pods] == ["Running"]
    container = pods[0].spec.containers[0]
    assert container.image == "example.invalid/rustfs/rustfs-operator:0.1.0"
    env = {e.name: e.value for e in container.env}
    assert env["RUSTFS_OPERATOR_TENANT_SELECTOR"] == f"rustfs-operator-test/instance={name}"
    assert env["RUSTFS_OPERATOR_WORKERS"] == "2"
    assert env["RUSTFS_OPERATOR_LEASE_NAME"] == fullname
    core.read_namespaced_service(f"{fullname}-metrics", namespace)
    # The CRD lives in the chart's crds/: Helm installs it when missing and never owns it. A
    # ServiceMonitor comes when the cluster serves its API (another test may have installed it).
    manifest = helm("get", "manifest", name, "--namespace", namespace).stdout
    made = {d["kind"] for d in yaml.safe_load_all(manifest) if d}
    expected = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment"}
    if serves_service_monitors(api):
        expected.add("ServiceMonitor")
        client.CustomObjectsApi(api).get_namespaced_custom_object(
            "monitoring.coreos.com", "v1", namespace, "servicemonitors", fullname
        )
    assert made == expected

    # The operator, with the chart's ServiceAccount's token and its Lease in the chart's namespace.
    token = kube.token_kubeconfig(api, namespace, fullname, tmp_path / "chart-sa.kubeconfig")
    tenant_namespace = kube.create_namespace(api, "it-helm-tenant")
    try:
        with active_operator((namespace, token, tmp_path), "helm") as operator:
            tenant = example_tenant("simple-tenant.yaml", tenant_namespace)
            tenant["metadata"]["name"] = "charted"
            tenant["spec"]["pools"] = [{"name": "pool-0", "servers": 2, "persistence": {"volumesPerServer": 1}}]
            client.CustomObjectsApi(api).create_namespaced_custom_object(
                GROUP, VERSION, tenant_namespace, PLURAL, label_tenant(tenant, operator.instance)
            )
            done = wait_until(lambda: ready(api, tenant_namespace, "charted"), timeout=120, what="the Tenant Ready")
            assert done["status"]["lastRun"]["result"] == "Succeeded"
            assert done["metadata"]["finalizers"] == ["rustfs.com/finalizer"]
            assert len(apps.list_namespaced_stateful_set(tenant_namespace).items) == 1
            # The chart's Role covered leader election: the operator holds its Lease there.
            lease = client.CoordinationV1Api(api).read_namespaced_lease(
                f"rustfs-operator-{operator.instance}", namespace
            )
            assert lease.spec.holder_identity.startswith(operator.instance)

        uninstalled = helm("uninstall", name, "--namespace", namespace, "--wait", "--timeout", "120s")
        assert "uninstalled" in uninstalled.stdout
        # The operator and its RBAC are gone; the CRD and the Tenant stay.
        for read in (
            lambda: rbac.read_cluster_role(fullname),
            lambda: rbac.read_cluster_role_binding(fullname),
            lambda: apps.read_namespaced_deployment(fullname, namespace),
            lambda: core.read_namespaced_service_account(fullname, namespace),
        ):
            with pytest.raises(ApiException) as gone:
                read()
            assert gone.value.status == 404
        client.ApiextensionsV1Api(api).read_custom_resource_definition(CRD_NAME)
        kept = kube.read_tenant(api, tenant_namespace, "charted")
        assert kept["metadata"].get("deletionTimestamp") is None
        assert kept["status"]["currentState"] == "Ready"
    finally:
        release_tenant(api, tenant_namespace, "charted")
        kube.delete_namespace(api, tenant_namespace)


def test_the_kustomize_base_has_the_crd_and_a_fully_qualified_image(kubeconfig: Path) -> None:
    built = kube.kubectl(kubeconfig, "kustomize", str(REPO / "operator" / "deploy"))
    docs = [d for d in yaml.safe_load_all(built.stdout) if d]
    crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
    assert crds == [yaml.safe_load((REPO / "crds" / "tenants.rustfs.com.yaml").read_text())]
    [deployment] = [d for d in docs if d["kind"] == "Deployment"]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "docker.io/rustfs/rustfs-operator:0.1.0"
