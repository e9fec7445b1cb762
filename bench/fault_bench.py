#!/usr/bin/env python3
"""Benchmark of recovery after control-plane faults (issue 18): prints figures, asserts nothing.

    tests/cluster/run-with-cluster.sh .venv/bin/python bench/fault_bench.py [--outages 5,15,25] [--pauses 5,15]

For each fault: a Ready tenant, then either the cluster's kube-apiserver killed (SIGKILL, by the
PID tests/cluster recorded) and restarted after the outage by up.sh (etcd keeps its data), or etcd
paused (SIGSTOP) and resumed (SIGCONT); a change of the Tenant made as soon as /readyz answers.
Measured: from that change to its StatefulSet carrying it. The operator (no leader election,
drift check every hour) can only have noticed the change through its watch streams. Also printed,
per fault: whether the operator's /readyz turned unready, its logged Kopf retries, and the deltas
of its error and event counters (no Event storm, no error flood).
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import kube
from kubernetes import client

# The operator process and the tenant of the operator benchmark, loaded by path (see its header
# for why bench/ is kept off sys.path).
_spec = importlib.util.spec_from_file_location("operator_bench", REPO / "bench" / "operator_bench.py")
assert _spec and _spec.loader
operator_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(operator_bench)


def rust_log(api: client.ApiClient, namespace: str, name: str) -> str | None:
    sts = client.AppsV1Api(api).read_namespaced_stateful_set(f"{name}-p", namespace)
    return next((e.value for e in sts.spec.template.spec.containers[0].env if e.name == "RUST_LOG"), None)


# What the operator did while the API server was away (deltas of its metrics, and its log).
SIDE_EFFECTS = {
    "failed_events": 'rustfs_operator_errors_total{category="event"}',
    "api_errors": 'rustfs_operator_errors_total{category="api"}',
    "run_errors": 'rustfs_operator_errors_total{category="run"}',
    "events_dropped": "rustfs_operator_events_dropped_total",
    "outages_seen": "rustfs_operator_api_outages_total",
}


def one_fault(
    api: client.ApiClient, operator: Any, namespace: str, name: str, fault: str, seconds: float, value: str
) -> dict[str, Any]:
    before = operator.metrics()
    log_lines = len(operator.log_path.read_text(errors="replace").splitlines())
    start = time.monotonic()
    unready_seen = False
    restart: Any = None
    if fault == "apiserver-kill":
        kube.kill_api_server()
    else:
        kube.signal_etcd(signal.SIGSTOP)
    deadline = start + seconds
    while time.monotonic() < deadline:
        unready_seen = unready_seen or not operator.ready()
        time.sleep(0.25)
    if fault == "apiserver-kill":
        restart = kube.restart_dead_components()
    else:
        kube.signal_etcd(signal.SIGCONT)
    back = kube.wait_api(api)
    kube.set_tenant_env(api, namespace, name, [{"name": "RUST_LOG", "value": value}])
    changed = time.monotonic()
    kube.wait_for(lambda: rust_log(api, namespace, name) == value, timeout=180, interval=0.1, what="change applied")
    applied = time.monotonic()
    if restart is not None:
        restart.wait(timeout=120)
    kube.wait_controllers(api)
    after = operator.metrics()
    lines = operator.log_path.read_text(errors="replace").splitlines()[log_lines:]
    return {
        "fault": fault,
        "down_s": round(back - start, 1),
        "change_to_applied_s": round(applied - changed, 2),
        "operator_unready_during_fault": unready_seen,
        "logged_retries": sum(1 for line in lines if "Request attempt" in line and "failed" in line),
        **{key: after.get(metric, 0.0) - before.get(metric, 0.0) for key, metric in SIDE_EFFECTS.items()},
    }


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser()
    parser.add_argument("--outages", default="5,15,25", help="seconds the API server stays down, each (SIGKILL)")
    parser.add_argument("--pauses", default="5,15", help="seconds etcd stays paused, each (SIGSTOP)")
    args = parser.parse_args()
    api = kube.new_client(kube.ADMIN_KUBECONFIG)
    kube.wait_controllers(api)
    instance = f"fault-{int(time.time())}"
    namespace = kube.create_namespace(api, "bench-fault")
    faults = [("apiserver-kill", float(s)) for s in args.outages.split(",") if s]
    faults += [("etcd-pause", float(s)) for s in args.pauses.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        # At INFO, as deployed: the log lines counted are the ones a user would get.
        operator = operator_bench.Operator(Path(tmp), instance, drift_interval="3600", log_level="INFO")
        try:
            operator_bench.create(api, operator_bench.tenant(namespace, "f", instance))
            kube.wait_for(lambda: "f" in operator_bench.ready(api, namespace) or None, timeout=120, what="Ready")
            pid = operator.process.pid
            results = []
            for i, (fault, seconds) in enumerate(faults):
                try:
                    results.append(one_fault(api, operator, namespace, "f", fault, seconds, f"debug-{i}"))
                except TimeoutError:
                    kept = Path(tempfile.gettempdir()) / "fault_bench_operator.log"
                    kept.write_bytes(operator.log_path.read_bytes())
                    print(f"{fault} {seconds} s: the change was not applied; operator log kept in {kept}")
                    raise
                print(json.dumps(results[-1]), flush=True)
            times = [r["change_to_applied_s"] for r in results]
            figures = {
                "runs": results,
                "change_to_applied_median_s": statistics.median(times),
                "change_to_applied_max_s": max(times),
                "operator_same_process": operator.process.poll() is None and operator.process.pid == pid,
            }
            print(json.dumps(figures, indent=2))
        finally:
            operator.stop()
            kube.delete_namespace(api, namespace)


if __name__ == "__main__":
    main()
