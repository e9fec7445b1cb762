"""Fixtures for integration tests against a real Kubernetes control plane.

The session uses the cluster KUBECONFIG points at when that is a live
loopback API server (run-with-cluster.sh, `make cluster-up` plus an export);
otherwise it starts tests/cluster's control plane itself and stops it at the
end if it was the one that started it. Either way KUBECONFIG is exported for
subprocesses (ansible-playbook, kubectl) started by tests.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gateway_api
import kube
import pytest
from kubernetes import client
from operator_support import operator_identity
from support.playbook import run_playbook


def _live_loopback(path: str) -> bool:
    # Checks the address before any connection: tests must never send
    # traffic outside 127.0.0.0/8, whatever the developer's KUBECONFIG says.
    if os.pathsep in path or not Path(path).is_file():
        return False
    try:
        if not kube.is_loopback_url(kube.server_of(path)):
            return False
        return kube.api_ready(kube.new_client(path))
    except Exception:
        return False


@pytest.fixture(scope="session")
def kubeconfig() -> Iterator[Path]:
    """Admin (system:masters) kubeconfig of a live local cluster."""
    env = os.environ.get("KUBECONFIG")
    if env and _live_loopback(env):
        yield Path(env)
        return
    if env:
        warnings.warn(f"KUBECONFIG={env} is not a live loopback cluster; using tests/cluster's", stacklevel=1)
    with kube.local_cluster() as path:
        os.environ["KUBECONFIG"] = str(path)
        try:
            yield path
        finally:
            if env is None:
                os.environ.pop("KUBECONFIG", None)
            else:
                os.environ["KUBECONFIG"] = env


@pytest.fixture(scope="session")
def api(kubeconfig: Path) -> client.ApiClient:
    """Admin ApiClient."""
    return kube.new_client(kubeconfig)


@pytest.fixture
def namespace(api: client.ApiClient, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace for one test, deleted afterwards (without waiting)."""
    prefix = "it-" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    name = kube.create_namespace(api, prefix)
    yield name
    kube.delete_namespace(api, name)


@pytest.fixture
def sa_kubeconfig(api: client.ApiClient, tmp_path: Path) -> Iterator[kube.SaKubeconfig]:
    """Factory: make(namespace, name, rules=None, cluster_rules=None) -> kubeconfig path.

    Creates ServiceAccount NAME with exactly the given RBAC rules (a Role in
    NAMESPACE and/or a ClusterRole) and writes a kubeconfig authenticating as
    it with a TokenRequest token. Cluster-scoped RBAC is removed afterwards;
    the rest goes with the namespace.
    """
    made: list[tuple[str, str]] = []

    def make(
        namespace: str,
        name: str,
        rules: list[dict[str, Any]] | None = None,
        cluster_rules: list[dict[str, Any]] | None = None,
    ) -> Path:
        kube.service_account_with_rules(api, namespace, name, rules=rules, cluster_rules=cluster_rules)
        if cluster_rules is not None:
            made.append((namespace, name))
        return kube.token_kubeconfig(api, namespace, name, tmp_path / f"{namespace}-{name}.kubeconfig")

    yield make
    for ns, name in made:
        kube.delete_cluster_rbac(api, ns, name)


# --- the operator's home, shared by the operator-mode test modules ------------------------------


@pytest.fixture(scope="module")
def crd(kubeconfig: Path) -> None:
    installed = run_playbook("rustfs.operator.install_crds")
    assert installed.returncode == 0, installed.output


@pytest.fixture(scope="module")
def operator_home(api: client.ApiClient, crd: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The operator's namespace (for its Lease) and a kubeconfig with the shipped RBAC, per test module."""
    work = tmp_path_factory.mktemp("operator")
    namespace = kube.create_namespace(api, "it-operator-home")
    kubeconfig = operator_identity(api, namespace, work)
    try:
        yield namespace, kubeconfig, work
    finally:
        kube.delete_cluster_rbac(api, namespace, "rustfs-operator")
        kube.delete_namespace(api, namespace)


@pytest.fixture
def cluster_restored(api: client.ApiClient) -> Iterator[None]:
    """For a test that stops part of the cluster: all of it runs again afterwards."""
    try:
        yield
    finally:
        kube.restore_cluster(api)


@pytest.fixture(scope="session")
def gateway_api_crds(api: client.ApiClient) -> None:
    """The Gateway API CRDs (standard channel, the version of tests/cluster/versions.env) installed."""
    gateway_api.install(api)
