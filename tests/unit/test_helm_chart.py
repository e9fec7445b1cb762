"""The Helm chart (charts/rustfs-operator) against what it must equal, rendered with `helm template`.

Its RBAC is operator/deploy's, its CRD is crds/'s file, its settings are the operator's (each value
reaches the operator as the RUSTFS_OPERATOR_* variable rustfs_operator.config reads), and
docs/helm.md documents every key of values.yaml. helm comes from hack/helm.sh (built once into a
cache outside the repository; `make test` starts that build first).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rustfs_operator import config as operator_config

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "rustfs-operator"
DEPLOY = REPO / "operator" / "deploy"
IMAGE = "docker.io/rustfs/rustfs-operator:0.1.0"
SERVICE_MONITOR_API = "monitoring.coreos.com/v1/ServiceMonitor"

# Operator settings the chart sets from values of their own (or from the pod), not from
# operator.settings.
CHART_MANAGED = {
    "http_host": "0.0.0.0: the Deployment serves the probes and /metrics on the pod's address",
    "http_port": "operator.metrics.port",
    "leader_election": "operator.leaderElect",
    "lease_namespace": "the pod's namespace",
    "lease_name": "the release's full name",
    "identity": "the pod's name",
    "tenant_selector": "operator.tenantSelector",
    "watch_namespaces": "operator.watchNamespaces",
    "cluster_domain": "clusterDomain",
    "work_dir": "/tmp/rustfs-operator, on the emptyDir",
}
# Settings a chart has no use for (operator.env still sets them).
NOT_IN_THE_CHART = {
    "collections_path": "the image's (its Containerfile sets it)",
    "playbook": "the collection's; another needs an image of its own",
    "admin_endpoint": "only for an operator outside the cluster",
}


@cache
def helm() -> str:
    done = subprocess.run(
        [str(REPO / "hack" / "helm.sh"), "bin"], capture_output=True, text=True, timeout=1800, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def render(*values: str, api_versions: tuple[str, ...] = (), crds: bool = False) -> list[dict[str, Any]]:
    """`helm template` of the chart as release `rustfs-operator` in namespace `ops`; VALUES are --set-json pairs."""
    command = [helm(), "template", "rustfs-operator", str(CHART), "--namespace", "ops"]
    for value in values:
        command += ["--set-json", value]
    for api in api_versions:
        command += ["--api-versions", api]
    if crds:
        command.append("--include-crds")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, [d["kind"] for d in docs]
    return found[0]


def kinds(docs: list[dict[str, Any]]) -> list[str]:
    return sorted(d["kind"] for d in docs)


def container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    spec = one(docs, "Deployment")["spec"]["template"]["spec"]
    containers: list[dict[str, Any]] = spec["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """name -> value (or the valueFrom mapping); every name once."""
    env = container(docs)["env"]
    names = [e["name"] for e in env]
    assert len(names) == len(set(names)), names
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in env}


def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return loaded


def snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


# --- what the chart must equal -----------------------------------------------------------


def test_the_chart_crd_is_the_crds_file() -> None:
    chart_crd = CHART / "crds" / "tenants.rustfs.com.yaml"
    assert chart_crd.read_bytes() == (REPO / "crds" / "tenants.rustfs.com.yaml").read_bytes(), (
        "run `python hack/gen_crd.py`: it writes crds/tenants.rustfs.com.yaml and the chart's copy"
    )
    assert sorted(p.name for p in (CHART / "crds").iterdir()) == ["tenants.rustfs.com.yaml"]
    rendered = [d for d in render(crds=True) if d["kind"] == "CustomResourceDefinition"]
    assert rendered == [yaml.safe_load(chart_crd.read_text())]


def test_the_chart_rbac_is_operator_deploys() -> None:
    docs = render()
    cluster_role, role = one(docs, "ClusterRole"), one(docs, "Role")
    assert cluster_role["rules"] == yaml.safe_load((DEPLOY / "clusterrole.yaml").read_text())["rules"]
    assert role["rules"] == yaml.safe_load((DEPLOY / "role.yaml").read_text())["rules"]
    assert role["metadata"]["namespace"] == "ops"
    subject = {"kind": "ServiceAccount", "name": "rustfs-operator", "namespace": "ops"}
    cluster_binding, binding = one(docs, "ClusterRoleBinding"), one(docs, "RoleBinding")
    assert cluster_binding["subjects"] == binding["subjects"] == [subject]
    assert cluster_binding["roleRef"]["name"] == cluster_role["metadata"]["name"]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert one(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "rustfs-operator"
    # A release named rustfs-operator makes the objects of operator/deploy, by the same names.
    for kind, name in (("ClusterRole", "rustfs-operator"), ("Role", "rustfs-operator-leader-election")):
        deploy = next(yaml.safe_load(p.read_text()) for p in DEPLOY.glob("*.yaml") if kind.lower() + ".yaml" == p.name)
        assert deploy["metadata"]["name"] == name == one(docs, kind)["metadata"]["name"]


def test_default_objects() -> None:
    docs = render()
    assert kinds(docs) == sorted(
        ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service"]
    )
    for doc in docs:
        if doc["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
            assert doc["metadata"]["namespace"] == "ops", doc["kind"]
        assert doc["metadata"]["labels"]["app.kubernetes.io/instance"] == "rustfs-operator"
    assert container(docs)["image"] == IMAGE


def test_the_deployment_is_operator_deploys_one() -> None:
    """Same pod hardening, probes, resources and volume as operator/deploy/deployment.yaml."""
    shipped = yaml.safe_load((DEPLOY / "deployment.yaml").read_text())["spec"]["template"]["spec"]
    rendered = one(render(), "Deployment")["spec"]["template"]["spec"]
    assert rendered["securityContext"] == shipped["securityContext"]
    assert rendered["volumes"] == shipped["volumes"]
    assert rendered["terminationGracePeriodSeconds"] == shipped["terminationGracePeriodSeconds"]
    ours, theirs = rendered["containers"][0], shipped["containers"][0]
    for key in ("name", "image", "imagePullPolicy", "ports", "livenessProbe", "readinessProbe", "resources"):
        assert ours[key] == theirs[key], key
    assert ours["securityContext"] == theirs["securityContext"]
    assert ours["volumeMounts"] == theirs["volumeMounts"]
    shipped_env = {e["name"]: e.get("value", e.get("valueFrom")) for e in theirs["env"]}
    assert shipped_env.items() <= env_of(render()).items()


def test_settings_are_the_operators_with_its_defaults() -> None:
    fields = {f.name: f for f in dataclasses.fields(operator_config.Config)}
    settings = values()["operator"]["settings"]
    for key, value in settings.items():
        name = snake(key)
        assert name in fields, f"operator.settings.{key}: the operator has no setting {name}"
        default = fields[name].default
        assert value == default or (isinstance(default, float) and float(value) == default), key
    covered = {snake(k) for k in settings} | CHART_MANAGED.keys() | NOT_IN_THE_CHART.keys()
    assert covered == fields.keys(), "a setting of rustfs_operator/config.py is not in the chart"
    assert not {snake(k) for k in settings} & (CHART_MANAGED.keys() | NOT_IN_THE_CHART.keys())


def test_the_operator_reads_the_rendered_environment() -> None:
    """The Deployment's environment, read by rustfs_operator.config.load: every setting arrives."""
    env = env_of(render())
    literal = {k: v for k, v in env.items() if isinstance(v, str)}
    assert {k for k, v in env.items() if not isinstance(v, str)} == {
        "RUSTFS_OPERATOR_LEASE_NAMESPACE",
        "RUSTFS_OPERATOR_IDENTITY",
    }
    loaded = operator_config.load([], {**literal, "RUSTFS_OPERATOR_LEASE_NAMESPACE": "ops"})
    assert loaded == dataclasses.replace(
        operator_config.Config(),
        http_host="0.0.0.0",
        lease_namespace="ops",
        lease_name="rustfs-operator",
    )
    names = {snake(k).upper() for k in values()["operator"]["settings"]}
    assert {f"RUSTFS_OPERATOR_{n}" for n in names} <= env.keys()


def test_values_reach_the_pod() -> None:
    toleration = {"key": "dedicated", "operator": "Equal", "value": "storage", "effect": "NoSchedule"}
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]
            }
        }
    }
    resources = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}
    image = {"repository": "registry.example/mirror/rustfs-operator", "tag": "0.2.0", "pullPolicy": "Always"}
    docs = render(
        f"operator.image={json.dumps(image)}",
        'operator.imagePullSecrets=[{"name": "mirror"}]',
        f"operator.resources={json.dumps(resources)}",
        'operator.nodeSelector={"disk": "ssd"}',
        f"operator.tolerations=[{json.dumps(toleration)}]",
        f"operator.affinity={json.dumps(affinity)}",
        'operator.tenantSelector="rustfs.com/operator=blue"',
        "operator.settings.workers=2",
        "operator.settings.logLevel=null",
        'operator.env=[{"name": "EXTRA", "value": "1"}]',
        "operator.metrics.port=9090",
        "operator.replicas=2",
        'operator.priorityClassName="system-cluster-critical"',
        'operator.podAnnotations={"team": "storage"}',
        'clusterDomain="example.local"',
        'commonLabels={"owner": "storage"}',
    )
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2
    assert pod["nodeSelector"] == {"disk": "ssd"}
    assert pod["tolerations"] == [toleration]
    assert pod["affinity"] == affinity
    assert pod["imagePullSecrets"] == [{"name": "mirror"}]
    assert pod["priorityClassName"] == "system-cluster-critical"
    main = container(docs)
    assert main["image"] == "registry.example/mirror/rustfs-operator:0.2.0"
    assert main["imagePullPolicy"] == "Always"
    assert main["resources"] == resources
    assert main["ports"] == [{"name": "http", "containerPort": 9090}]
    env = env_of(docs)
    assert env["RUSTFS_OPERATOR_TENANT_SELECTOR"] == "rustfs.com/operator=blue"
    assert env["RUSTFS_OPERATOR_WORKERS"] == "2"
    assert env["RUSTFS_OPERATOR_HTTP_PORT"] == "9090"
    assert env["RUSTFS_OPERATOR_CLUSTER_DOMAIN"] == "example.local"
    assert env["EXTRA"] == "1"
    assert "RUSTFS_OPERATOR_LOG_LEVEL" not in env
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "team": "storage",
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
        "prometheus.io/path": "/metrics",
    }
    for doc in docs:
        assert doc["metadata"]["labels"]["owner"] == "storage", doc["kind"]
    service = one(docs, "Service")
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 8080, "targetPort": "http", "protocol": "TCP"}]


def test_the_service_monitor_needs_its_api_or_a_value() -> None:
    def monitors(*values: str, api: bool) -> list[dict[str, Any]]:
        docs = render(*values, api_versions=(SERVICE_MONITOR_API,) if api else ())
        return [d for d in docs if d["kind"] == "ServiceMonitor"]

    assert monitors(api=False) == []
    [auto] = monitors(api=True)
    assert auto["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "honorLabels": True, "interval": "30s", "scrapeTimeout": "10s"}
    ]
    service = one(render(), "Service")
    assert auto["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert auto["spec"]["namespaceSelector"] == {"matchNames": ["ops"]}
    assert len(monitors("operator.serviceMonitor.enabled=true", api=False)) == 1
    assert monitors("operator.serviceMonitor.enabled=false", api=True) == []
    off = 'operator.metrics={"enabled": false}'
    assert monitors(off, "operator.serviceMonitor.enabled=true", api=True) == []
    no_metrics = render(off)
    assert "Service" not in kinds(no_metrics)
    assert "annotations" not in one(no_metrics, "Deployment")["spec"]["template"]["metadata"]


def test_rbac_and_the_service_account_may_come_from_elsewhere() -> None:
    docs = render("rbac.create=false", 'serviceAccount={"create": false, "name": "mine"}')
    assert kinds(docs) == ["Deployment", "Service"]
    assert one(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "mine"


def test_names_follow_the_release_and_the_namespace_value() -> None:
    command = [helm(), "template", "blue", str(CHART), "--namespace", "ops", "--set", "namespace=elsewhere"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    docs = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert one(docs, "ClusterRole")["metadata"]["name"] == "blue-rustfs-operator"
    assert one(docs, "ClusterRoleBinding")["subjects"][0] == {
        "kind": "ServiceAccount",
        "name": "blue-rustfs-operator",
        "namespace": "elsewhere",
    }
    assert env_of(docs)["RUSTFS_OPERATOR_LEASE_NAME"] == "blue-rustfs-operator"
    assert {d["metadata"].get("namespace") for d in docs} == {None, "elsewhere"}


def test_helm_lint_is_clean() -> None:
    done = subprocess.run([helm(), "lint", "--strict", str(CHART)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the image and the kustomize base ----------------------------------------------------


def test_the_operator_image_is_fully_qualified_everywhere() -> None:
    deployment = yaml.safe_load((DEPLOY / "deployment.yaml").read_text())
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGE
    [image] = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["images"]
    assert f"{image['name']}:{image['newTag']}" == IMAGE
    assert f"-t {IMAGE} " in (REPO / "operator" / "Containerfile").read_text()
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert f"{values()['operator']['image']['repository']}:{chart['appVersion']}" == IMAGE
    registry = IMAGE.split("/")[0]
    assert "." in registry, "the first part of a fully qualified image names its registry"
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert chart["version"] == galaxy["version"] == IMAGE.rsplit(":", 1)[1]


def test_the_kustomize_base_includes_the_crd() -> None:
    resources = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["resources"]
    assert resources[0] == "../../crds"
    crds = yaml.safe_load((REPO / "crds" / "kustomization.yaml").read_text())
    assert crds["resources"] == ["tenants.rustfs.com.yaml"]


def test_galaxy_build_leaves_the_chart_out() -> None:
    ignored = yaml.safe_load((REPO / "galaxy.yml").read_text())["build_ignore"]
    assert "charts" in ignored


# --- docs/helm.md ----------------------------------------------------------------------------


def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(leaves(value, path + "."))
        else:
            out[path] = value
    return out


def shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if value == "":
        return '""'
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def documented() -> dict[str, str]:
    """`key` -> default cell, from the values table of docs/helm.md."""
    rows = re.findall(r"^\| `([^`]+)` \| (.*?) \| (.*?) \|$", (REPO / "docs" / "helm.md").read_text(), re.M)
    table = {key: default for key, _, default in rows}
    assert len(table) == len(rows), "a key is documented twice"
    return table


def test_docs_document_every_value_and_its_default() -> None:
    table, tree = documented(), leaves(values())
    for key in table:
        assert key in tree or any(leaf.startswith(key + ".") for leaf in tree), f"docs/helm.md: no value {key}"
    for leaf, value in tree.items():
        covering = [key for key in table if leaf == key or leaf.startswith(key + ".")]
        assert covering, f"docs/helm.md does not document {leaf}"
        if leaf in table:
            assert table[leaf] == f"`{shown(value)}`", leaf


@pytest.mark.parametrize("doc", ["README.md", "docs/operator.md"])
def test_docs_link_the_helm_guide(doc: str) -> None:
    assert "helm.md" in (REPO / doc).read_text()
