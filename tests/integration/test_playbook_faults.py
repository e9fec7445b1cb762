"""Playbook mode meeting a dying API server (issue 18): a clear failure, and the next run finishes.

The API server is killed by a task of the play itself, between two pools, so the failure lands
at the same place every time: after the first pool was applied, at the second. The PID is the
one tests/cluster recorded, checked before the play starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from support.playbook import example_tenant, run_playbook

pytestmark = pytest.mark.integration

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    tenant_definition: "{{ tenant }}"
    tenant_manage_resource: true
  tasks:
    - name: Plan
      ansible.builtin.include_role:
        name: rustfs.operator.tenant
        tasks_from: validate.yml
    - name: Shared objects
      ansible.builtin.include_role:
        name: rustfs.operator.tenant
        tasks_from: shared.yml
    - name: The first pool
      ansible.builtin.include_role:
        name: rustfs.operator.pool
      vars:
        pool_name: "{{ tenant_progress.pools[0] }}"
        pool_progress: "{{ tenant_progress }}"
    - name: The API server dies
      ansible.builtin.command: kill -9 {{ apiserver_pid }}
      changed_when: true
    - name: The other pools
      ansible.builtin.include_role:
        name: rustfs.operator.pool
      vars:
        pool_name: "{{ item }}"
        pool_progress: "{{ tenant_progress }}"
      loop: "{{ tenant_progress.pools[1:] }}"
    - name: Status
      ansible.builtin.include_role:
        name: rustfs.operator.tenant
        tasks_from: status.yml
"""


def test_a_play_that_meets_a_dead_api_server_fails_clearly_and_the_next_run_finishes(
    api: client.ApiClient, crd: None, namespace: str, tmp_path: Path, cluster_restored: None
) -> None:
    tenant: dict[str, Any] = example_tenant("multi-pool-tenant.yaml", namespace)
    playbook = tmp_path / "dying.yml"
    playbook.write_text(PLAY)
    pid = kube.component_pid("kube-apiserver")

    dying = run_playbook(str(playbook), extra_vars={"tenant": tenant, "apiserver_pid": pid}, tmp_dir=tmp_path)

    assert dying.returncode != 0, dying.output
    assert "did not answer" in dying.output and "run it again once the API server answers" in dying.output, dying.output
    assert "Traceback" not in dying.output and "HTTPSConnectionPool(" not in dying.output, dying.output
    assert "The other pools" in dying.output and "Status |" not in dying.output, dying.output

    assert kube.restart_dead_components().wait(timeout=180) == 0
    kube.wait_api(api, timeout=120)
    # The first pool is whole; the second was not begun.
    first = kube.owned_uids(api, namespace)
    assert "StatefulSet/multi-pool-tenant-pool-0" in first, first
    assert "StatefulSet/multi-pool-tenant-pool-1" not in first, first

    # Waiting for the pods, so that the status it writes is the settled one.
    finish = run_playbook(
        "rustfs.operator.tenant", extra_vars={"tenant": tenant, "wait": True, "wait_timeout": 120}, tmp_dir=tmp_path
    )
    assert finish.returncode == 0, finish.output
    after = kube.owned_uids(api, namespace)
    assert "StatefulSet/multi-pool-tenant-pool-1" in after, after
    # What the dying run applied was kept, not recreated.
    assert {key: uid for key, uid in after.items() if key in first} == first
    stored = kube.read_tenant(api, namespace, "multi-pool-tenant")
    assert {p["ssName"] for p in stored["status"]["pools"]} == {
        "multi-pool-tenant-pool-0",
        "multi-pool-tenant-pool-1",
    }, stored["status"]

    again = run_playbook("rustfs.operator.tenant", extra_vars={"tenant": tenant}, tmp_dir=tmp_path)
    assert again.returncode == 0 and again.changed == 0, again.output
