#!/usr/bin/env python3
"""Benchmark of recovery after an API server outage (issue 18): prints figures, asserts nothing.

    tests/cluster/run-with-cluster.sh .venv/bin/python bench/fault_bench.py [--outages 5,15,25]

For each outage length: a Ready tenant, the cluster's kube-apiserver killed (SIGKILL, by the PID
tests/cluster recorded), restarted after the outage by up.sh (etcd keeps its data), and a change
of the Tenant made as soon as /readyz answers. Measured: from that change to its StatefulSet
carrying it. The operator (no leader election, drift check every hour) can only have noticed the
change through its watch streams, which lost the API server with the outage.
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


def one_outage(api: client.ApiClient, namespace: str, name: str, outage: float, value: str) -> dict[str, float]:
    kube.kill_api_server()
    killed = time.monotonic()
    time.sleep(outage)
    restart = kube.restart_dead_components()
    back = kube.wait_api(api)
    kube.set_tenant_env(api, namespace, name, [{"name": "RUST_LOG", "value": value}])
    changed = time.monotonic()
    kube.wait_for(lambda: rust_log(api, namespace, name) == value, timeout=180, interval=0.1, what="change applied")
    applied = time.monotonic()
    restart.wait(timeout=120)
    kube.wait_controllers(api)
    return {"outage_s": round(back - killed, 1), "change_to_applied_s": round(applied - changed, 2)}


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser()
    parser.add_argument("--outages", default="5,15,25", help="seconds the API server stays down, each")
    args = parser.parse_args()
    api = kube.new_client(kube.ADMIN_KUBECONFIG)
    kube.wait_controllers(api)
    instance = f"fault-{int(time.time())}"
    namespace = kube.create_namespace(api, "bench-fault")
    with tempfile.TemporaryDirectory() as tmp:
        operator = operator_bench.Operator(Path(tmp), instance, drift_interval="3600")
        try:
            operator_bench.create(api, operator_bench.tenant(namespace, "f", instance))
            kube.wait_for(lambda: "f" in operator_bench.ready(api, namespace) or None, timeout=120, what="Ready")
            pid = operator.process.pid
            results = [
                one_outage(api, namespace, "f", float(seconds), f"debug-{i}")
                for i, seconds in enumerate(args.outages.split(","))
            ]
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
