"""operator/deploy/monitoring on the real API server, with the Prometheus Operator's own CRDs.

The monitoring.coreos.com CRDs are the ones prometheus-operator ships in its module
(example/prometheus-operator-crd/), fetched with `go mod download` into the Go module cache
(keyed by version: a second run downloads nothing) and applied once per module; they are left
installed, as a cluster that runs the Prometheus Operator has them. The kustomization is built
with kubectl's kustomize, as `kubectl apply -k` builds it, moved to a namespace of the test's own
through an overlay (the way docs/monitoring.md moves it), created next to the operator's
Deployment as operator/deploy builds it, and read back. The EndpointSlice controller then proves
that the Service selects the operator's pod and resolves its named target port to the metrics port.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kube
import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "operator" / "deploy" / "monitoring"
BASE = REPO / "operator" / "deploy"
# The newest github.com/prometheus-operator/prometheus-operator the Go module proxy serves here (later
# versions are refused); its module zip carries the generated CRDs. ServiceMonitor and PrometheusRule
# are monitoring.coreos.com/v1, unchanged in what these manifests use.
PROMETHEUS_OPERATOR_MODULE = "github.com/prometheus-operator/prometheus-operator"
PROMETHEUS_OPERATOR_VERSION = "v0.85.0"
CRD_NAMES = ("servicemonitors", "podmonitors", "prometheusrules")
GROUP = "monitoring.coreos.com"


def go() -> str:
    for candidate in (os.environ.get("GO"), "/usr/local/go/bin/go"):
        if candidate and Path(candidate).is_file():
            return candidate
    return "go"


def crd_files() -> list[Path]:
    """The CRD YAMLs from the prometheus-operator module, downloaded once into the Go module cache."""
    done = subprocess.run(
        [go(), "mod", "download", "-json", f"{PROMETHEUS_OPERATOR_MODULE}@{PROMETHEUS_OPERATOR_VERSION}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO / "tests",
    )
    module = json.loads(done.stdout or "{}")
    assert done.returncode == 0 and "Error" not in module, done.stdout + done.stderr
    directory = Path(module["Dir"]) / "example" / "prometheus-operator-crd"
    return [directory / f"{GROUP}_{name}.yaml" for name in CRD_NAMES]


def kustomize(path: Path | str) -> list[dict[str, Any]]:
    """What `kubectl apply -k PATH` would send (kubectl's own kustomize; no API call)."""
    built = kube.kubectl(kube.ADMIN_KUBECONFIG, "kustomize", str(path))
    return [d for d in yaml.safe_load_all(built.stdout) if d]


@pytest.fixture(scope="module")
def monitoring_crds(api: client.ApiClient) -> list[dict[str, Any]]:
    """ServiceMonitor, PodMonitor and PrometheusRule CRDs installed (idempotently) and Established."""
    crds = [yaml.safe_load(path.read_text()) for path in crd_files()]
    kube.apply(api, crds)
    extensions = client.ApiextensionsV1Api(api)

    def established() -> bool:
        for crd in crds:
            conditions = extensions.read_custom_resource_definition(crd["metadata"]["name"]).status.conditions or []
            if not any(c.type == "Established" and c.status == "True" for c in conditions):
                return False
        return True

    kube.wait_for(established, timeout=60, what="monitoring.coreos.com CRDs established")
    return crds


@pytest.fixture
def overlay(namespace: str, tmp_path: Path) -> Path:
    """An overlay that uses the monitoring kustomization as its base in NAMESPACE (docs/monitoring.md)."""
    directory = tmp_path / "overlay"
    directory.mkdir()
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": namespace,
        "resources": [os.path.relpath(MONITORING, directory)],
        "labels": [{"pairs": {"release": "kube-prometheus-stack"}, "includeSelectors": False}],
    }
    (directory / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    return directory


@pytest.fixture
def operator_deployment(api: client.ApiClient, namespace: str) -> Iterator[dict[str, Any]]:
    """The operator's Deployment as operator/deploy builds it, in NAMESPACE (its ServiceAccount too)."""
    base = kustomize(BASE)
    objects = [o for o in base if o["kind"] in ("Deployment", "ServiceAccount")]
    for obj in objects:
        obj["metadata"]["namespace"] = namespace
    kube.apply(api, objects)
    yield next(o for o in objects if o["kind"] == "Deployment")


def test_the_kustomization_builds_a_service_a_servicemonitor_a_rule_and_the_dashboard() -> None:
    objects = kustomize(MONITORING)
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in objects)
    assert kinds == [
        ("ConfigMap", "rustfs-operator-dashboard"),
        ("PrometheusRule", "rustfs-operator"),
        ("Service", "rustfs-operator-metrics"),
        ("ServiceMonitor", "rustfs-operator"),
    ]
    assert {o["metadata"]["namespace"] for o in objects} == {"rustfs-operator-system"}
    dashboard = next(o for o in objects if o["kind"] == "ConfigMap")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["rustfs-operator.json"]) == json.loads(
        (MONITORING / "dashboard.json").read_text()
    )


def test_the_service_targets_the_metrics_port_of_the_operators_pods() -> None:
    """Checked on the manifests: the selector, the named port, the prometheus.io annotations."""
    monitoring = {o["kind"]: o for o in kustomize(MONITORING)}
    deployment = next(o for o in kustomize(BASE) if o["kind"] == "Deployment")
    template = deployment["spec"]["template"]
    service = monitoring["Service"]
    assert service["spec"]["selector"].items() <= template["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= deployment["spec"]["selector"]["matchLabels"].items()
    (port,) = service["spec"]["ports"]
    container = next(c for c in template["spec"]["containers"] if c["name"] == "operator")
    (target,) = [p for p in container["ports"] if p["name"] == port["targetPort"]]
    assert str(target["containerPort"]) == template["metadata"]["annotations"]["prometheus.io/port"]
    assert template["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["RUSTFS_OPERATOR_HTTP_HOST"] == "0.0.0.0"
    monitor = monitoring["ServiceMonitor"]["spec"]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert [e["port"] for e in monitor["endpoints"]] == [port["name"]]
    assert [e["path"] for e in monitor["endpoints"]] == ["/metrics"]
    assert "namespaceSelector" not in monitor, "an overlay that moves the operator must move the scrape too"


def test_the_objects_are_created_on_the_api_server_and_read_back(
    api: client.ApiClient,
    monitoring_crds: list[dict[str, Any]],
    namespace: str,
    overlay: Path,
    operator_deployment: dict[str, Any],
) -> None:
    built = kustomize(overlay)
    assert {o["metadata"]["namespace"] for o in built} == {namespace}
    for obj in built:
        assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    # Created (not applied): each must be new in the fresh namespace, and the API server's answer is what it stored.
    dynamic = DynamicClient(api)
    for obj in built:
        resource = dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        resource.create(body=obj, namespace=namespace)

    for obj in built:
        resource = dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        stored = resource.get(name=obj["metadata"]["name"], namespace=namespace).to_dict()
        assert stored["metadata"]["labels"] == obj["metadata"]["labels"], obj["kind"]
        if obj["kind"] == "ConfigMap":
            assert stored["data"] == obj["data"]
        elif obj["kind"] == "Service":
            assert stored["spec"]["selector"] == obj["spec"]["selector"]
            assert [(p["name"], p["port"], p["targetPort"]) for p in stored["spec"]["ports"]] == [
                (p["name"], p["port"], p["targetPort"]) for p in obj["spec"]["ports"]
            ]
        else:
            # Nothing pruned by the CRD's structural schema: every field we wrote is stored as written.
            assert stored["spec"] == obj["spec"], obj["kind"]

    rule = next(o for o in built if o["kind"] == "PrometheusRule")
    listed = client.CustomObjectsApi(api).list_namespaced_custom_object(GROUP, "v1", namespace, "prometheusrules")
    assert [r["metadata"]["name"] for r in listed["items"]] == [rule["metadata"]["name"]]
    assert {r["alert"] for r in listed["items"][0]["spec"]["groups"][0]["rules"]} == {
        r["alert"] for r in rule["spec"]["groups"][0]["rules"]
    }

    # The EndpointSlice controller resolves the Service's named targetPort against the operator pod.
    service = next(o for o in built if o["kind"] == "Service")
    container_port = next(
        p["containerPort"]
        for c in operator_deployment["spec"]["template"]["spec"]["containers"]
        for p in c["ports"]
        if p["name"] == service["spec"]["ports"][0]["targetPort"]
    )
    discovery = client.DiscoveryV1Api(api)
    core = client.CoreV1Api(api)

    def ready_endpoint() -> tuple[list[str], list[tuple[str | None, int | None]]] | None:
        pods = core.list_namespaced_pod(namespace, label_selector="app.kubernetes.io/name=rustfs-operator").items
        slices = discovery.list_namespaced_endpoint_slice(
            namespace, label_selector=f"kubernetes.io/service-name={service['metadata']['name']}"
        ).items
        targets = [
            e.target_ref.name
            for s in slices
            for e in s.endpoints or []
            if e.target_ref is not None and e.conditions is not None and e.conditions.ready
        ]
        if not pods or not targets:
            return None
        return targets, [(p.name, p.port) for s in slices for p in s.ports or []]

    targets, ports = kube.wait_for(ready_endpoint, timeout=90, what="an EndpointSlice with the operator pod")
    pods = core.list_namespaced_pod(namespace, label_selector="app.kubernetes.io/name=rustfs-operator").items
    assert sorted(targets) == sorted(p.metadata.name for p in pods)
    assert ports == [("metrics", container_port)]


def test_the_crds_are_the_prometheus_operators(api: client.ApiClient, monitoring_crds: list[dict[str, Any]]) -> None:
    """Installed again (idempotent) and what the API server serves is the module's, version included."""
    kube.apply(api, monitoring_crds)
    extensions = client.ApiextensionsV1Api(api)
    for crd in monitoring_crds:
        served = extensions.read_custom_resource_definition(crd["metadata"]["name"])
        assert served.metadata.annotations["operator.prometheus.io/version"] == PROMETHEUS_OPERATOR_VERSION[1:]
        assert [v.name for v in served.spec.versions if v.served] == [
            v["name"] for v in crd["spec"]["versions"] if v["served"]
        ]


def test_a_servicemonitor_the_crd_refuses_is_refused(
    api: client.ApiClient, monitoring_crds: list[dict[str, Any]], namespace: str
) -> None:
    """The CRDs validate: a scrape interval that is no duration does not reach etcd."""
    body = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "bad"},
        "spec": {"selector": {}, "endpoints": [{"port": "metrics", "interval": "often"}]},
    }
    with pytest.raises(ApiException) as refused:
        client.CustomObjectsApi(api).create_namespaced_custom_object(GROUP, "v1", namespace, "servicemonitors", body)
    assert refused.value.status == 422
