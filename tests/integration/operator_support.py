"""Run the operator as a process on this machine, as its shipped ServiceAccount would.

The process authenticates with a TokenRequest token of a ServiceAccount bound
to exactly the rules of operator/deploy/clusterrole.yaml and role.yaml, so a
test that passes proves the shipped RBAC is sufficient. Each operator serves
only Tenants carrying its own label (RUSTFS_OPERATOR_TENANT_SELECTOR), so it
never touches the Tenants of other tests sharing the cluster.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kube
import yaml
from kubernetes import client

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "operator" / "deploy"
SELECTOR_LABEL = "rustfs-operator-test/instance"
METRIC_LINE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def shipped_rules() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(namespaced Role rules, ClusterRole rules) exactly as operator/deploy ships them."""
    cluster = yaml.safe_load((DEPLOY / "clusterrole.yaml").read_text())["rules"]
    role = yaml.safe_load((DEPLOY / "role.yaml").read_text())["rules"]
    return role, cluster


def operator_identity(api: client.ApiClient, namespace: str, tmp: Path, name: str = "rustfs-operator") -> Path:
    """A ServiceAccount in NAMESPACE with the shipped rules; returns its kubeconfig."""
    role, cluster = shipped_rules()
    kube.service_account_with_rules(api, namespace, name, rules=role, cluster_rules=cluster)
    return kube.token_kubeconfig(api, namespace, name, tmp / f"{namespace}-{name}.kubeconfig")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OperatorProcess:
    """One `python -m rustfs_operator` with its own port, work dir and log file."""

    def __init__(
        self, kubeconfig: Path, lease_namespace: str, instance: str, work: Path, **settings: str | int | float
    ) -> None:
        self.port = free_port()
        self.work = work
        self.instance = instance
        self.log = work / f"operator-{self.port}.log"
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "PYTHONPATH": str(REPO / "operator"),
            "RUSTFS_OPERATOR_HTTP_PORT": str(self.port),
            "RUSTFS_OPERATOR_WORK_DIR": str(work / f"work-{self.port}"),
            "RUSTFS_OPERATOR_LEASE_NAMESPACE": lease_namespace,
            "RUSTFS_OPERATOR_LEASE_NAME": f"rustfs-operator-{instance}",
            "RUSTFS_OPERATOR_IDENTITY": f"{instance}-{self.port}",
            "RUSTFS_OPERATOR_TENANT_SELECTOR": f"{SELECTOR_LABEL}={instance}",
            "RUSTFS_OPERATOR_LEASE_DURATION": "4",
            "RUSTFS_OPERATOR_LEASE_RENEW_INTERVAL": "1",
            "RUSTFS_OPERATOR_LEASE_RETRY_INTERVAL": "0.5",
            "RUSTFS_OPERATOR_LOG_LEVEL": "DEBUG",
            # The periodic drift check is the operator's safety net for a missed watch event
            # (seen once under heavy load: a fixed spec waited for the next check); 20 s keeps
            # the tests' waits well above it.
            "RUSTFS_OPERATOR_DRIFT_INTERVAL": "20",
        }
        env.pop("ANSIBLE_CONFIG", None)
        for key, value in settings.items():
            env[f"RUSTFS_OPERATOR_{key.upper()}"] = str(value)
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rustfs_operator"],
            cwd=work,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    # --- observing it ----------------------------------------------------------

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def metrics(self) -> dict[str, float]:
        """Samples keyed by `name{labels}` (or `name`)."""
        status, text = self.get("/metrics")
        assert status == 200, text
        samples: dict[str, float] = {}
        for line in text.splitlines():
            match = METRIC_LINE.match(line)
            if match and not line.startswith("#"):
                key = match["name"] + (f"{{{match['labels']}}}" if match["labels"] else "")
                samples[key] = float(match["value"])
        return samples

    def metric(self, key: str) -> float:
        return self.metrics().get(key, 0.0)

    def runs(self) -> float:
        return sum(v for k, v in self.metrics().items() if k.startswith("rustfs_operator_reconcile_total"))

    def wait_role(self, role: str, timeout: float = 60) -> None:
        def probe() -> bool:
            self.assert_running()
            try:
                _, body = self.get("/readyz")
            except OSError:
                return False
            return f'"role": "{role}"' in body and (role != "active" or '"ready": true' in body)

        kube.wait_for(probe, timeout=timeout, interval=0.2, what=f"operator on port {self.port} {role}")

    def assert_running(self) -> None:
        code = self.process.poll()
        assert code is None, f"operator exited with {code}:\n{self.output()[-4000:]}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    # --- stopping it -----------------------------------------------------------

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the operator process only: a playbook it started may outlive it, as in a crash."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=60)
        self._log_file.close()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._log_file.close()
        return int(self.process.returncode)


@contextmanager
def active_operator(operator_home: Any, prefix: str, **settings: str | int | float) -> Iterator[OperatorProcess]:
    """An operator of its own instance (OPERATOR_HOME: the `operator_home` fixture), once it leads;
    on leaving, it must stop cleanly."""
    namespace, kubeconfig, work = operator_home
    process = OperatorProcess(kubeconfig, namespace, f"{prefix}-{uuid.uuid4().hex[:6]}", work, **settings)
    try:
        process.wait_role("active")
        yield process
    finally:
        code = process.stop()
        assert code == 0, process.output()[-4000:]


def label_tenant(tenant: dict[str, Any], instance: str) -> dict[str, Any]:
    tenant.setdefault("metadata", {}).setdefault("labels", {})[SELECTOR_LABEL] = instance
    return tenant


def wait_until(condition: Any, timeout: float = 90, what: str = "condition") -> Any:
    return kube.wait_for(condition, timeout=timeout, interval=0.2, what=what)


def now() -> float:
    return time.monotonic()
