"""`-e kubeconfig` and `-e context` choose the cluster of every API call a playbook makes (issue 16).

The environment's KUBECONFIG points nowhere, and the kubeconfig given has a dead server as its
current context: a call that ignored the variables would fail, or reach the wrong server.
"""

from __future__ import annotations

from pathlib import Path

import kube
import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from support.playbook import example_tenant, run_playbook

pytestmark = pytest.mark.integration

DEAD_SERVER = "https://127.0.0.1:1"  # nothing listens on port 1


def two_cluster_kubeconfig(real: Path, path: Path) -> Path:
    """REAL's cluster as context `real`, and a dead server as the current context `dead`."""
    config = yaml.safe_load(real.read_text())
    live = config["contexts"][0]["context"]
    config["clusters"].append({"name": "dead", "cluster": {"server": DEAD_SERVER, "insecure-skip-tls-verify": True}})
    config["contexts"] = [
        {"name": "real", "context": live},
        {"name": "dead", "context": {"cluster": "dead", "user": live["user"]}},
    ]
    config["current-context"] = "dead"
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_variables_choose_the_cluster_of_every_call(
    api: client.ApiClient, namespace: str, crd: None, kubeconfig: Path, tmp_path: Path
) -> None:
    config = two_cluster_kubeconfig(kubeconfig, tmp_path / "two.kubeconfig")
    nowhere = {"KUBECONFIG": str(tmp_path / "missing")}
    tenant = example_tenant("simple-tenant.yaml", namespace)
    name = tenant["metadata"]["name"]

    # The current context is the dead one: the run fails there, and says so.
    dead = run_playbook(
        "rustfs.operator.tenant",
        "-e",
        f"kubeconfig={config}",
        extra_vars={"tenant": tenant},
        env=nowhere,
        tmp_dir=tmp_path,
    )
    assert dead.returncode != 0
    assert f"API server at {DEAD_SERVER} did not answer" in dead.output, dead.output[-3000:]

    # With the context named, create (this collection's modules) and delete (kubernetes.core.k8s in the
    # role) both reach the real cluster.
    args = ("-e", f"kubeconfig={config}", "-e", "context=real")
    made = run_playbook("rustfs.operator.tenant", *args, extra_vars={"tenant": tenant}, env=nowhere, tmp_dir=tmp_path)
    assert made.returncode == 0, made.output[-3000:]
    assert client.AppsV1Api(api).read_namespaced_stateful_set(f"{name}-primary", namespace).spec.replicas == 2
    gone = run_playbook(
        "rustfs.operator.tenant", *args, extra_vars={"tenant": tenant, "state": "absent"}, env=nowhere, tmp_dir=tmp_path
    )
    assert gone.returncode == 0, gone.output[-3000:]
    with pytest.raises(ApiException) as missing:
        kube.read_tenant(api, namespace, name)
    assert missing.value.status == 404
