#!/usr/bin/env python3
"""Benchmark of operator mode: create latency, a burst of 50, a resync of 50 unchanged tenants, RSS.

Prints figures (asserts nothing). Needs a live cluster:

    tests/cluster/run-with-cluster.sh .venv/bin/python bench/operator_bench.py [--burst 50] [--serial 10]

The operator runs as a local process (admin kubeconfig, no leader election)
serving only the Tenants this benchmark labels. Tenants are small (one pool,
2 servers x 1 volume), so the figures measure the operator, not the cluster.

* create -> applied: from the Tenant's creation until its StatefulSet, three
  Services and ServiceAccount all exist; create -> Ready: until
  status.currentState is Ready at the Tenant's generation.
* resync: the operator is restarted over the unchanged tenants (every
  Tenant is listed and checked again), then left running through several
  drift checks (every 5 s here). Counted: playbook runs (the operator's
  metrics) and writes (resourceVersions of every Tenant and owned object,
  Events in the namespace, and the API server's own write counters).
"""

# ruff: noqa: E402
from __future__ import annotations

import os
import sys

# This file is bench/operator_bench.py: run as a script, its directory comes first on
# sys.path, where it would shadow the standard library's `operator` module.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse
import atexit
import json
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LABEL = "rustfs-operator-bench/instance"
WRITE_VERBS = {"POST", "PUT", "PATCH", "DELETE", "APPLY"}
OPERATOR_RESOURCES = {"tenants", "statefulsets", "services", "serviceaccounts", "roles", "rolebindings", "events"}
sys.path.insert(0, str(REPO / "tests" / "integration"))

import kube
from kubernetes import client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Operator:
    def __init__(self, work: Path, instance: str, **settings: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO / "operator"),
            "RUSTFS_OPERATOR_HTTP_PORT": str(self.port),
            "RUSTFS_OPERATOR_WORK_DIR": str(work / "work"),
            "RUSTFS_OPERATOR_LEADER_ELECTION": "false",
            "RUSTFS_OPERATOR_TENANT_SELECTOR": f"{LABEL}={instance}",
            **{f"RUSTFS_OPERATOR_{k.upper()}": v for k, v in settings.items()},
        }
        self.log_path = work / f"operator-{self.port}.log"
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rustfs_operator"], cwd=work, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        # A benchmark stopped early must not leave its operator reconciling (it skews the next one).
        atexit.register(self.kill)
        kube.wait_for(self.ready, timeout=60, what="operator ready")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def metrics(self) -> dict[str, float]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            text = r.read().decode()
        out: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                out[key] = float(value)
        return out

    def runs(self) -> float:
        """Tenant reconciles (a batched playbook run counts each tenant it carried)."""
        return sum(v for k, v in self.metrics().items() if k.startswith("rustfs_operator_reconcile_total"))

    def playbook_runs(self) -> tuple[float, float]:
        """(reconcile playbook runs, of which batches of several tenants)."""
        metrics = self.metrics()
        runs = metrics.get("rustfs_operator_run_batch_size_count", 0.0)
        return runs, runs - metrics.get('rustfs_operator_run_batch_size_bucket{le="1.0"}', 0.0)

    def rss_mb(self, tree: bool = False) -> float:
        pids = [self.process.pid]
        if tree:
            pids += _children(self.process.pid)
        return _memory_kb(pids, "/proc/{}/status", "VmRSS:") / 1024

    def pss_mb(self) -> float:
        """The tree's proportional set size: pages a fork shares with its parent count once, not per process."""
        return _memory_kb([self.process.pid, *_children(self.process.pid)], "/proc/{}/smaps_rollup", "Pss:") / 1024

    def own_cpu_seconds(self) -> float:
        """CPU time of the operator process alone (Kopf, the watches, the runner threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:13]) / os.sysconf("SC_CLK_TCK")

    def cpu_seconds(self) -> float:
        """CPU time of the whole tree so far: each live process's own, plus that of its children that exited.

        A child's time reaches its parent's cutime/cstime when the parent reaps
        it, so runs that ended (and their Ansible workers) are counted through
        the process that waited for them: the operator, or the warm server.
        """
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


def _memory_kb(pids: list[int], path: str, key: str) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(path.format(pid)).read_text().splitlines():
                if line.startswith(key):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _processes() -> list[tuple[int, str, list[str]]]:
    """(pid, command name, the fields after it) of every process, from one pass over /proc.

    Not `ps` per process: sampled twice a second through a burst, that cost
    the 2-core machine a good part of a core and slowed what it measured.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        found.append((int(entry.name), stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1].split()))
    return found


def _children(pid: int) -> list[int]:
    """Every descendant of PID."""
    parents: dict[int, list[int]] = {}
    for child, _, fields in _processes():
        parents.setdefault(int(fields[1]), []).append(child)
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


CONTROL_PLANE = ("etcd", "kube-apiserver", "kube-controller", "kube-scheduler", "kwok")


def control_plane_cpu() -> dict[str, float]:
    """CPU seconds so far of each local control-plane process (by command name), to show where a burst's time goes.

    The cluster shares the machine's cores with the operator: what the API
    server and etcd spend answering the operator's requests is time the
    operator's runs wait for.
    """
    found: dict[str, float] = {}
    for _, comm, fields in _processes():
        if comm in CONTROL_PLANE:
            found[comm] = found.get(comm, 0.0) + sum(int(v) for v in fields[11:13]) / os.sysconf("SC_CLK_TCK")
    return found


def tenant(namespace: str, name: str, instance: str) -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name, "namespace": namespace, "labels": {LABEL: instance}},
        "spec": {"pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}]},
    }


def applied(api: client.ApiClient, namespace: str) -> set[str]:
    """Tenants whose StatefulSet, Services and ServiceAccount all exist."""
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    sts = {s.metadata.labels.get("rustfs.tenant") for s in apps.list_namespaced_stateful_set(namespace).items}
    services: dict[str, int] = {}
    for s in core.list_namespaced_service(namespace, label_selector="rustfs.tenant").items:
        owner = s.metadata.labels["rustfs.tenant"]
        services[owner] = services.get(owner, 0) + 1
    accounts = {
        s.metadata.labels.get("rustfs.tenant")
        for s in core.list_namespaced_service_account(namespace, label_selector="rustfs.tenant").items
    }
    return {t for t in sts if t and services.get(t, 0) >= 3 and t in accounts}


def ready(api: client.ApiClient, namespace: str) -> set[str]:
    items = client.CustomObjectsApi(api).list_namespaced_custom_object("rustfs.com", "v1alpha1", namespace, "tenants")[
        "items"
    ]
    return {
        t["metadata"]["name"]
        for t in items
        if (t.get("status") or {}).get("currentState") == "Ready"
        and (t.get("status") or {}).get("observedGeneration") == t["metadata"]["generation"]
    }


def create(api: client.ApiClient, body: dict[str, Any]) -> None:
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        "rustfs.com", "v1alpha1", body["metadata"]["namespace"], "tenants", body
    )


def versions(api: client.ApiClient, namespace: str) -> dict[str, str]:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    out = {
        f"Tenant/{t['metadata']['name']}": t["metadata"]["resourceVersion"]
        for t in client.CustomObjectsApi(api).list_namespaced_custom_object(
            "rustfs.com", "v1alpha1", namespace, "tenants"
        )["items"]
    }
    out |= {
        f"StatefulSet/{s.metadata.name}": s.metadata.resource_version
        for s in apps.list_namespaced_stateful_set(namespace).items
    }
    out |= {
        f"Service/{s.metadata.name}": s.metadata.resource_version for s in core.list_namespaced_service(namespace).items
    }
    out |= {
        f"ServiceAccount/{s.metadata.name}": s.metadata.resource_version
        for s in core.list_namespaced_service_account(namespace).items
    }
    return out


def api_writes(kubeconfig: str) -> int:
    text = kube.kubectl(kubeconfig, "get", "--raw", "/metrics").stdout
    total = 0
    for line in text.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
        if labels.get("verb") in WRITE_VERBS and labels.get("resource") in OPERATOR_RESOURCES:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def wait_all(probe: Any, names: set[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if names <= probe():
            return True
        time.sleep(0.1)
    return False


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that atexit stops the operator
    parser = argparse.ArgumentParser()
    parser.add_argument("--serial", type=int, default=10)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--cold", action="store_true", help="no warm runner: every run a fresh ansible-playbook")
    args = parser.parse_args()
    kubeconfig = os.environ.get("KUBECONFIG")
    if not kubeconfig:
        sys.exit("KUBECONFIG is not set: run through tests/cluster/run-with-cluster.sh")
    api = kube.new_client(kubeconfig)
    installed = subprocess.run(
        [str(REPO / ".venv/bin/ansible-playbook"), "rustfs.operator.install_crds"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if installed.returncode:
        sys.exit(installed.stdout + installed.stderr)
    instance = f"bench-{int(time.time())}"
    namespace = kube.create_namespace(api, "bench-operator")
    figures: dict[str, Any] = {
        "cores": os.cpu_count(),
        "workers": args.workers,
        "batch_size": args.batch_size,
        "warm_runner": not args.cold,
    }
    settings = {
        "workers": str(args.workers),
        "batch_size": str(args.batch_size),
        "drift_interval": "5",
        "warm_runner": str(not args.cold).lower(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        operator = Operator(work, instance, **settings)
        try:
            time.sleep(2)
            figures["rss_idle_mb"] = round(operator.rss_mb(), 1)

            # 1. Tenants created one by one.
            to_applied, to_ready = [], []
            for i in range(args.serial):
                name = f"s{i:02d}"
                start = time.monotonic()
                create(api, tenant(namespace, name, instance))
                done = wait_all(lambda: applied(api, namespace), {name}, 120)
                to_applied.append(time.monotonic() - start if done else float("nan"))
                done = wait_all(lambda: ready(api, namespace), {name}, 120)
                to_ready.append(time.monotonic() - start if done else float("nan"))
            figures["serial_create_to_applied_p50_s"] = round(statistics.median(to_applied), 2)
            figures["serial_create_to_applied_max_s"] = round(max(to_applied), 2)
            figures["serial_create_to_ready_p50_s"] = round(statistics.median(to_ready), 2)

            # 2. A burst.
            before_burst = operator.playbook_runs()
            names = {f"b{i:02d}" for i in range(args.burst)}
            peak_rss, peak_tree, peak_pss = 0.0, 0.0, 0.0
            cpu_before, own_before = operator.cpu_seconds(), operator.own_cpu_seconds()
            cluster_before = control_plane_cpu()
            start = time.monotonic()
            for name in sorted(names):
                create(api, tenant(namespace, name, instance))
            all_applied = all_ready = float("nan")
            while time.monotonic() - start < 600:
                peak_rss = max(peak_rss, operator.rss_mb())
                peak_tree = max(peak_tree, operator.rss_mb(tree=True))
                peak_pss = max(peak_pss, operator.pss_mb())
                if all_applied != all_applied and names <= applied(api, namespace):
                    all_applied = time.monotonic() - start
                    figures[f"burst_{args.burst}_cpu_seconds_to_applied"] = round(
                        operator.cpu_seconds() - cpu_before, 1
                    )
                    cluster = control_plane_cpu()
                    figures[f"burst_{args.burst}_control_plane_cpu_seconds_to_applied"] = {
                        name: round(cluster.get(name, 0.0) - cluster_before.get(name, 0.0), 1) for name in CONTROL_PLANE
                    }
                if names <= ready(api, namespace):
                    all_ready = time.monotonic() - start
                    break
                time.sleep(0.5)
            figures[f"burst_{args.burst}_all_applied_s"] = round(all_applied, 1)
            figures[f"burst_{args.burst}_all_ready_s"] = round(all_ready, 1)
            figures["rss_burst_peak_mb"] = round(peak_rss, 1)
            figures["rss_burst_peak_with_playbooks_mb"] = round(peak_tree, 1)
            figures["pss_burst_peak_with_playbooks_mb"] = round(peak_pss, 1)
            figures[f"burst_{args.burst}_cpu_seconds_to_ready"] = round(operator.cpu_seconds() - cpu_before, 1)
            figures[f"burst_{args.burst}_cpu_seconds_operator_process"] = round(
                operator.own_cpu_seconds() - own_before, 1
            )
            figures["runs_total_after_burst"] = operator.runs()
            playbooks, batched = operator.playbook_runs()
            figures["burst_playbook_runs"] = playbooks - before_burst[0]
            figures["burst_batched_runs"] = batched - before_burst[1]
            time.sleep(12)  # let lastRun summaries settle
            # The operator and the warm runner's server (Ansible imported), no run in flight.
            figures["pss_idle_tree_after_burst_mb"] = round(operator.pss_mb(), 1)
            figures["rss_idle_tree_after_burst_mb"] = round(operator.rss_mb(tree=True), 1)
        finally:
            operator.stop()

        # 3. Resync: restart over the unchanged tenants, then several drift checks.
        before, events_before = (
            versions(api, namespace),
            len(client.CoreV1Api(api).list_namespaced_event(namespace).items),
        )
        writes_before = api_writes(kubeconfig)
        operator = Operator(work, instance, **settings)
        try:
            time.sleep(17)  # the initial listing, then three drift checks of every tenant
            metrics = operator.metrics()
            figures["resync_tenants"] = len([k for k in before if k.startswith("Tenant/")])
            figures["resync_ansible_runs"] = operator.runs()
            figures["resync_playbook_runs"] = operator.playbook_runs()[0]
            figures["resync_checks_skipped"] = metrics.get("rustfs_operator_runs_skipped_total", 0)
            figures["resync_status_writes_by_operator"] = sum(
                v for k, v in metrics.items() if k.startswith("rustfs_operator_status_updates_total{")
            )
            after = versions(api, namespace)
            figures["resync_objects_changed"] = len([k for k in before if after.get(k) != before[k]])
            figures["resync_events_posted"] = (
                len(client.CoreV1Api(api).list_namespaced_event(namespace).items) - events_before
            )
            figures["resync_api_writes_cluster_wide"] = api_writes(kubeconfig) - writes_before
            figures["rss_idle_after_burst_mb"] = round(operator.rss_mb(), 1)
            # Clean up while the operator still releases its finalizers.
            client.CustomObjectsApi(api).delete_collection_namespaced_custom_object(
                "rustfs.com", "v1alpha1", namespace, "tenants"
            )
            kube.wait_for(
                lambda: not versions(api, namespace).keys() & {k for k in before if k.startswith("Tenant/")},
                timeout=120,
                what="tenants deleted",
            )
        finally:
            operator.stop()
            kube.delete_namespace(api, namespace)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
