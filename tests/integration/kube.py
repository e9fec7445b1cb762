"""Helpers for tests that run against the local control plane (tests/cluster/).

Plain functions over the official ``kubernetes`` client, so playbook-mode and
operator-mode tests can share them. The cluster has no kubelet, no kube-proxy
and no container runtime: kwok fakes nodes and marks pods Running/Ready. Pod
and Service IPs are fake, so nothing here (or in tests) may ever dial them;
only the API server on 127.0.0.1 is contacted.
"""

from __future__ import annotations

import base64
import fcntl
import ipaddress
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

REPO = Path(__file__).resolve().parents[2]
CLUSTER_DIR = REPO / "tests" / "cluster"
RUN = Path(os.environ.get("RUN", "/tmp/rustfs-operator-kube"))
ADMIN_KUBECONFIG = RUN / "admin.kubeconfig"
FIELD_MANAGER = "rustfs-operator-tests"

T = TypeVar("T")


def _no_proxy_for_loopback() -> None:
    # The client honours HTTP(S)_PROXY from the environment; without this a
    # proxy setting would carry API calls to 127.0.0.1 off the machine.
    for var in ("NO_PROXY", "no_proxy"):
        entries = [e for e in os.environ.get(var, "").split(",") if e]
        entries += [e for e in ("127.0.0.0/8", "localhost") if e not in entries]
        os.environ[var] = ",".join(entries)


_no_proxy_for_loopback()
# make(namespace, name, rules=None, cluster_rules=None) -> kubeconfig path;
# see the sa_kubeconfig fixture in conftest.py.
SaKubeconfig = Callable[..., Path]


def bin_dir() -> Path:
    """Directory with kubectl, kube-apiserver, ... as built by build.sh."""
    out = subprocess.run([str(CLUSTER_DIR / "build.sh"), "bin-dir"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def kubectl_path() -> Path:
    """kubectl of the same version as the API server."""
    return bin_dir() / "kubectl"


def kubectl(
    kubeconfig: Path | str, *args: str, input: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run kubectl against KUBECONFIG; returns the completed process (text)."""
    return subprocess.run(
        [str(kubectl_path()), f"--kubeconfig={kubeconfig}", *args],
        input=input,
        capture_output=True,
        text=True,
        check=check,
    )


# --- the cluster itself -----------------------------------------------------


def server_of(kubeconfig: Path | str) -> str:
    """The API server URL of KUBECONFIG's current context."""
    cfg = yaml.safe_load(Path(kubeconfig).read_text())
    ctx_name = cfg["current-context"]
    ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == ctx_name)
    cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
    return str(cluster["server"])


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_ready(api: client.ApiClient) -> bool:
    """GET /readyz (a raw path, so no generated API method exists for it)."""
    try:
        req = api.param_serialize("GET", "/readyz", auth_settings=["BearerToken"])
        resp = api.call_api(*req, _request_timeout=5)
        resp.read()
    except Exception:
        return False
    return resp.status == 200


def new_client(kubeconfig: Path | str) -> client.ApiClient:
    """An ApiClient for KUBECONFIG; refuses anything but a loopback server."""
    server = server_of(kubeconfig)
    if not is_loopback_url(server):
        raise RuntimeError(f"{kubeconfig} points at {server}; tests only talk to 127.0.0.0/8")
    return config.new_client_from_config(config_file=str(kubeconfig))


def cluster_healthy() -> bool:
    return subprocess.run([str(CLUSTER_DIR / "status.sh"), "-q"]).returncode == 0


@contextmanager
def local_cluster() -> Iterator[Path]:
    """Use the tests/cluster control plane for the duration of the block.

    Same sharing protocol as run-with-cluster.sh: hold a shared flock on
    $RUN.users.lock; a cluster started here is marked auto-started (up.sh with
    KUBE_LOCAL_AUTO=1), and the last user to leave stops it.
    """
    with open(f"{RUN}.users.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            if not cluster_healthy():
                subprocess.run([str(CLUSTER_DIR / "up.sh")], check=True, env={**os.environ, "KUBE_LOCAL_AUTO": "1"})
            yield ADMIN_KUBECONFIG
        finally:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass  # others still use it
            else:
                if (RUN / "auto-started").exists():
                    subprocess.run(
                        [str(CLUSTER_DIR / "down.sh")],
                        check=False,
                        env={**os.environ, "KUBE_LOCAL_USERS_LOCK_HELD": "1"},
                    )


# --- waiting ----------------------------------------------------------------


def wait_for(probe: Callable[[], T | None], timeout: float = 60, interval: float = 0.25, what: str = "condition") -> T:
    """Call PROBE until it returns something truthy and return that.

    API errors count as "not yet" (objects appear asynchronously); the last
    value or error is reported on timeout.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = probe()
            if value:
                return value
            last = value
        except ApiException as exc:
            last = f"{exc.status} {exc.reason}"
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def wait_gone(probe: Callable[[], object], timeout: float = 60, what: str = "deletion") -> None:
    """Wait until PROBE (a read) raises 404."""

    def gone() -> bool:
        try:
            probe()
        except ApiException as exc:
            if exc.status == 404:
                return True
            raise
        return False

    wait_for(gone, timeout=timeout, what=what)


# --- applying manifests -----------------------------------------------------


def load_manifests(source: str | dict[str, Any] | Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """YAML text (multi-document), one object or a list of objects -> list of objects."""
    if isinstance(source, str):
        return [d for d in yaml.safe_load_all(source) if d]
    if isinstance(source, dict):
        return [source]
    return list(source)


def apply(
    api: client.ApiClient,
    source: str | dict[str, Any] | Iterable[dict[str, Any]],
    namespace: str | None = None,
    field_manager: str = FIELD_MANAGER,
) -> list[Any]:
    """Server-side apply every object; NAMESPACE is the default for namespaced kinds."""
    dyn = DynamicClient(api)
    out = []
    for obj in load_manifests(source):
        res = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        ns = (obj.get("metadata", {}).get("namespace") or namespace) if res.namespaced else None
        out.append(
            dyn.server_side_apply(res, body=obj, namespace=ns, field_manager=field_manager, force_conflicts=True)
        )
    return out


# --- namespaces and restricted identities ----------------------------------


def create_namespace(
    api: client.ApiClient, prefix: str, labels: dict[str, str] | None = None, timeout: float = 30
) -> str:
    """A fresh namespace named PREFIX-xxxxx whose default ServiceAccount exists.

    kube-controller-manager creates the ServiceAccount shortly after the
    namespace; pods are refused until then, so wait for it here.
    """
    core = client.CoreV1Api(api)
    body = client.V1Namespace(
        metadata=client.V1ObjectMeta(
            generate_name=f"{prefix[:50].rstrip('-')}-",
            labels={"rustfs-operator-test": "true", **(labels or {})},
        )
    )
    name: str = core.create_namespace(body).metadata.name
    wait_for(
        lambda: core.read_namespaced_service_account("default", name),
        timeout=timeout,
        what=f"ServiceAccount default in {name}",
    )
    return name


def delete_namespace(api: client.ApiClient, name: str, wait: bool = False) -> None:
    core = client.CoreV1Api(api)
    try:
        core.delete_namespace(name)
    except ApiException as exc:
        if exc.status != 404:
            raise
    if wait:
        wait_gone(lambda: core.read_namespace(name), timeout=120, what=f"namespace {name} deleted")


def token_kubeconfig(
    api: client.ApiClient, namespace: str, service_account: str, path: Path, expiration_seconds: int = 3600
) -> Path:
    """Write a kubeconfig at PATH that authenticates as the ServiceAccount.

    The token comes from the TokenRequest API (as a pod's projected token
    would), the server and CA from API. The SA must exist.
    """
    core = client.CoreV1Api(api)
    req = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=expiration_seconds)
    )
    token = core.create_namespaced_service_account_token(service_account, namespace, req).status.token
    cfg = api.configuration
    with open(cfg.ssl_ca_cert, "rb") as f:
        ca = base64.b64encode(f.read()).decode()
    name = f"{namespace}-{service_account}"
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": {"server": cfg.host, "certificate-authority-data": ca}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": "local", "user": name, "namespace": namespace}}],
        "current-context": name,
    }
    path.write_text(yaml.safe_dump(kubeconfig))
    path.chmod(0o600)
    return path


def service_account_with_rules(
    api: client.ApiClient,
    namespace: str,
    name: str,
    rules: list[dict[str, Any]] | None = None,
    cluster_rules: list[dict[str, Any]] | None = None,
) -> None:
    """Create ServiceAccount NAME in NAMESPACE bound to exactly RULES.

    RULES become a Role + RoleBinding in NAMESPACE; CLUSTER_RULES a
    ClusterRole + ClusterRoleBinding named NAMESPACE-NAME (cluster-scoped:
    delete them with delete_cluster_rbac). Rules use the RBAC API's field
    names, e.g. {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}.
    """
    subject = [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}
    ]
    if rules is not None:
        docs += [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": name, "namespace": namespace},
                "rules": rules,
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": name, "namespace": namespace},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                "subjects": subject,
            },
        ]
    if cluster_rules is not None:
        cname = f"{namespace}-{name}"
        docs += [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": cname, "labels": {"rustfs-operator-test": "true"}},
                "rules": cluster_rules,
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": cname, "labels": {"rustfs-operator-test": "true"}},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cname},
                "subjects": subject,
            },
        ]
    apply(api, docs, namespace=namespace)


def delete_cluster_rbac(api: client.ApiClient, namespace: str, name: str) -> None:
    rbac = client.RbacAuthorizationV1Api(api)
    for delete in (rbac.delete_cluster_role_binding, rbac.delete_cluster_role):
        try:
            delete(f"{namespace}-{name}")
        except ApiException as exc:
            if exc.status != 404:
                raise


# --- Tenants ---------------------------------------------------------------------


def read_tenant(api: client.ApiClient, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", name
    )
    return found


def update_tenant(
    api: client.ApiClient, namespace: str, name: str, change: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Read, CHANGE and replace the Tenant, again from a fresh read on 409 Conflict.

    Optimistic concurrency as every Kubernetes client does it: an operator's status write between
    the read and the replace moves resourceVersion, which makes the replace a conflict, not an error
    of the test."""
    for _attempt in range(10):
        tenant = read_tenant(api, namespace, name)
        change(tenant)
        try:
            replaced: dict[str, Any] = client.CustomObjectsApi(api).replace_namespaced_custom_object(
                "rustfs.com", "v1alpha1", namespace, "tenants", name, tenant
            )
            return replaced
        except ApiException as error:
            if error.status != 409:
                raise
    raise AssertionError(f"Tenant {namespace}/{name}: 10 conflicting writes in a row")


def set_tenant_env(api: client.ApiClient, namespace: str, name: str, env: list[dict[str, str]]) -> None:
    """Replace the Tenant's spec.env: a spec change the operator must reconcile."""
    tenant = read_tenant(api, namespace, name)
    tenant["spec"]["env"] = env
    client.CustomObjectsApi(api).replace_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", name, tenant
    )


# --- control-plane faults (tests and bench/fault_bench.py) ----------------------


def component_pid(name: str) -> int:
    """The PID tests/cluster recorded for component NAME, checked to be that program (as lib.sh does)."""
    pid = int((RUN / f"{name}.pid").read_text().strip())
    exe = Path(os.readlink(f"/proc/{pid}/exe")).name.removesuffix(" (deleted)")
    assert exe == name, f"PID {pid} is {exe}, not the cluster's {name}"
    return pid


def kill_api_server() -> None:
    """SIGKILL the kube-apiserver tests/cluster started."""
    pid = component_pid("kube-apiserver")
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not Path(f"/proc/{pid}/exe").exists() or None, timeout=10, what="kube-apiserver gone")


def signal_etcd(sig: signal.Signals) -> None:
    """SIGSTOP or SIGCONT the etcd tests/cluster started."""
    os.kill(component_pid("etcd"), sig)


def owned_uids(api: client.ApiClient, namespace: str) -> dict[str, str]:
    """Every StatefulSet, Service and claim of NAMESPACE by kind/name: a recreated one has a new UID."""
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    found = {
        f"StatefulSet/{s.metadata.name}": s.metadata.uid for s in apps.list_namespaced_stateful_set(namespace).items
    }
    found |= {f"Service/{s.metadata.name}": s.metadata.uid for s in core.list_namespaced_service(namespace).items}
    claims = core.list_namespaced_persistent_volume_claim(namespace).items
    found |= {f"PersistentVolumeClaim/{c.metadata.name}": c.metadata.uid for c in claims}
    return found


def restore_cluster(api: client.ApiClient) -> None:
    """Whatever a fault test stopped runs again, and the controllers work (for the tests that follow)."""
    signal_etcd(signal.SIGCONT)
    if not api_ready(api):
        assert restart_dead_components().wait(timeout=180) == 0
    wait_api(api, timeout=120)
    wait_controllers(api)


def restart_dead_components() -> subprocess.Popen[bytes]:
    """up.sh in the background: it starts again what died and keeps etcd's data (a half-dead cluster)."""
    return subprocess.Popen(
        [str(CLUSTER_DIR / "up.sh")],
        env={**os.environ, "KUBE_LOCAL_AUTO": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_controllers(api: client.ApiClient, timeout: float = 240) -> None:
    """Wait until kube-controller-manager works again after an API server restart.

    Its informers back off while the API server is away and take a minute or two to
    resume; until then a new namespace gets no default ServiceAccount, and the tests
    that follow would fail for a reason of the previous one.
    """
    delete_namespace(api, create_namespace(api, "controllers-probe", timeout=timeout))


def wait_api(api: client.ApiClient, timeout: float = 60) -> float:
    """Wait until the API server answers again; returns that moment (time.monotonic)."""
    # /readyz, not just a listening port: custom resources are served once their informers synced.
    wait_for(lambda: api_ready(api) or None, timeout=timeout, interval=0.1, what="the API server ready")
    return time.monotonic()
