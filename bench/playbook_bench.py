#!/usr/bin/env python3
"""Benchmark of playbook mode: wall time of create, no-op rerun and update of a 2-pool tenant.

Prints figures (it asserts nothing: targets are judged by reading them). Needs
a live cluster: run it as `tests/cluster/run-with-cluster.sh .venv/bin/python bench/playbook_bench.py`.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PROFILE_LINE = re.compile(r"^(?P<task>.+?) -{2,} (?P<seconds>\d+\.\d+)s$")


def tenant(namespace: str, log_level: str) -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "bench", "namespace": namespace},
        "spec": {
            "env": [{"name": "RUST_LOG", "value": log_level}],
            "pools": [
                {"name": "pool-0", "servers": 4, "persistence": {"volumesPerServer": 2}},
                {"name": "pool-1", "servers": 2, "persistence": {"volumesPerServer": 4}},
            ],
        },
    }


def run(playbook: str, extra: dict[str, Any], workdir: Path) -> tuple[float, dict[str, float], str]:
    vars_file = workdir / "vars.json"
    vars_file.write_text(json.dumps(extra))
    env = {**os.environ, "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks", "ANSIBLE_NOCOLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-playbook"), playbook, "-e", f"@{vars_file}"],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{playbook} failed:\n{done.stdout}\n{done.stderr}")
    tasks = {m["task"]: float(m["seconds"]) for m in map(PROFILE_LINE.match, done.stdout.splitlines()) if m}
    recap = re.search(r"changed=(\d+)", done.stdout)
    return elapsed, tasks, recap.group(1) if recap else "?"


def kubectl(*args: str) -> None:
    bin_dir = subprocess.run([str(REPO / "tests/cluster/build.sh"), "bin-dir"], capture_output=True, text=True,
                             check=True).stdout.strip()
    subprocess.run([f"{bin_dir}/kubectl", *args], check=True, capture_output=True)


def main() -> None:
    if not os.environ.get("KUBECONFIG"):
        sys.exit("KUBECONFIG is not set: run through tests/cluster/run-with-cluster.sh")
    namespace = f"bench-{int(time.time())}"
    kubectl("create", "namespace", namespace)
    runs: list[tuple[str, float, dict[str, float], str]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            run("rustfs.operator.install_crds", {}, work)
            runs.append(("create", *run("rustfs.operator.tenant", {"tenant": tenant(namespace, "info")}, work)))
            # Let the pods come up, so the reruns below have truly nothing to do (no status to move).
            runs.append(("wait for Ready", *run(
                "rustfs.operator.tenant", {"tenant": tenant(namespace, "info"), "wait": True}, work)))
            for index in range(3):
                runs.append((f"no-op rerun {index + 1}",
                             *run("rustfs.operator.tenant", {"tenant": tenant(namespace, "info")}, work)))
            runs.append(("update (env)", *run("rustfs.operator.tenant", {"tenant": tenant(namespace, "debug")}, work)))
    finally:
        kubectl("delete", "namespace", namespace, "--wait=false")

    print(f"playbook mode, 2-pool tenant (4x2 + 2x4), {os.cpu_count()} cores")
    print(f"{'run':<16}{'wall s':>8}{'tasks s':>9}{'changed':>9}")
    for name, wall, tasks, changed in runs:
        print(f"{name:<16}{wall:>8.2f}{sum(tasks.values()):>9.2f}{changed:>9}")
    noops = [wall for name, wall, _, _ in runs if name.startswith("no-op")]
    print(f"no-op median: {statistics.median(noops):.2f} s")
    for name, _, tasks, _ in (runs[0], runs[1]):
        print(f"\nper-task breakdown ({name}):")
        for task, seconds in sorted(tasks.items(), key=lambda kv: -kv[1]):
            print(f"  {seconds:6.2f}  {task}")


if __name__ == "__main__":
    main()
